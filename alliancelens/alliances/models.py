"""The alliance, its partners and participants, scan rounds and responses."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliancelens.analysis.suppression import K_DEFAULT, K_MAX, K_MIN
from alliancelens.instrument import Instrument, get_instrument

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_BYTES = 24  # 192 bits from the operating system's CSPRNG


# The earliest day an alliance's records may name: a date before it is a typo.
EARLIEST_DAY = date(1990, 1, 1)


def plausible_day(value: date) -> None:
    if value < EARLIEST_DAY:
        raise ValidationError(
            _("%(day)s lies too far back: a date from %(earliest)s on, please."),
            code="too_early",
            params={"day": value.isoformat(), "earliest": EARLIEST_DAY.isoformat()},
        )


class DayField(models.DateField):
    """A day in an alliance's life (registers, route): not before 1990."""

    default_validators = [plausible_day]


class Phase(models.TextChoices):
    """The five process phases (after Kaats & Opheij); ids are fixed."""

    EXPLORE = "explore", _("Explore")
    SHARE = "share", _("Share")
    AGREE = "agree", _("Agree")
    DESIGN = "design", _("Design")
    EXECUTE = "execute", _("Execute")


PHASE_HELP = {
    Phase.EXPLORE: _("Getting to know each other and why we would work together."),
    Phase.SHARE: _("Putting interests on the table and clearing up what we each mean."),
    Phase.AGREE: _("Choosing what we will do together and settling the agreements."),
    Phase.DESIGN: _("Organising the work: plans, money, roles and structure."),
    Phase.EXECUTE: _("Doing the work, reviewing it and adjusting course."),
}


class Stage(models.TextChoices):
    """The three development stages of an alliance; ids are fixed."""

    DESIGNING = "designing", _("Designing and chafing")
    DISCOVERING = "discovering", _("Discovering and learning")
    PRODUCTIVE = "productive", _("Productivity and added value")


STAGE_HELP = {
    Stage.DESIGNING: (
        _("The ambition leads and binds; the content is on the table, with friction underneath."),
        _(
            "Get to know each other below the surface, work on vision and values, and make "
            "working agreements that balance trust and control."
        ),
    ),
    Stage.DISCOVERING: (
        _(
            "Partners work side by side rather than together; differences surface and a pecking "
            "order appears."
        ),
        _("Set a learning agenda, reflect and share, and show the alliance to the outside world."),
    ),
    Stage.PRODUCTIVE: (
        _("A shared language and story; unity in form; added value takes shape."),
        _("Harvest and record the results, use each other's strengths and organise dissent."),
    ),
}


class Sector(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    NONPROFIT = "non-profit", _("Non-profit")
    KNOWLEDGE = "knowledge", _("Knowledge institution")
    OTHER = "other", _("Other")


class PartnerRole(models.TextChoices):
    LEAD = "lead", _("Lead party")
    COORDINATOR = "coordinator", _("Coordinator")
    MEMBER = "member", _("Member")
    FACILITATOR = "facilitator", _("Process facilitator")


class Level(models.TextChoices):
    BOARD = "board", _("Board")
    MANAGEMENT = "management", _("Management")
    PROFESSIONAL = "professional", _("Professional")


class Language(models.TextChoices):
    NL = "nl", _("Dutch")
    EN = "en", _("English")


class AllianceQuerySet(models.QuerySet["Alliance"]):
    def for_user(self, user: User) -> AllianceQuerySet:
        """Alliances the user can see: all for site administrators, else memberships."""
        if user.is_superuser:
            return self.all()
        return self.filter(access_grants__user=user).distinct()


class Alliance(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    ambition = models.TextField(
        _("shared ambition"),
        blank=True,
        help_text=_("The shared ambition as the partners wrote it down."),
    )
    strategic_context = models.TextField(
        _("strategic context"),
        max_length=3000,
        blank=True,
        default="",
        help_text=_(
            "What happens around the alliance that matters for it: policy, money, other "
            "initiatives on the same theme."
        ),
    )
    current_phase = models.CharField(
        _("current process phase"), max_length=16, choices=Phase.choices, default=Phase.EXPLORE
    )
    stage = models.CharField(
        _("development stage"), max_length=16, choices=Stage.choices, default=Stage.DESIGNING
    )
    anonymity_threshold = models.PositiveSmallIntegerField(
        _("anonymity threshold (k)"),
        default=K_DEFAULT,
        validators=[MinValueValidator(K_MIN), MaxValueValidator(K_MAX)],
        help_text=_(
            "Results of groups with fewer respondents than this are never shown. A round "
            "keeps the threshold it was opened with; a change applies to later rounds."
        ),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("retention period (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_(
            "Answers and invitation links of a round are deleted this many months after "
            "it closes. Empty: kept until you delete them."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AllianceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymity_threshold__gte=K_MIN, anonymity_threshold__lte=K_MAX),
                name="alliance_k_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alliances:detail", args=[self.slug])


class AccessGrant(models.Model):
    """A user's access to one alliance, with a role (site administrators
    need none). The "Access" pages list and change these.

    A facilitator runs the alliance. A partner lead sees the alliance's
    aggregates and their own partner's group (when it has at least k
    respondents). An observer, such as a funder, sees the aggregates only.
    """

    class Role(models.TextChoices):
        FACILITATOR = "facilitator", _("Facilitator")
        PARTNER_LEAD = "partner_lead", _("Partner lead")
        OBSERVER = "observer", _("Observer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="access_grants")
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.FACILITATOR
    )
    partner = models.ForeignKey(
        "Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("partner organisation"),
        help_text=_("Only for a partner lead: the partner they speak for."),
    )
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        ordering = ["alliance", "role", "user__username"]
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "alliance"], name="membership_unique"),
            models.CheckConstraint(
                condition=(Q(role="partner_lead") & Q(partner__isnull=False))
                | (~Q(role="partner_lead") & Q(partner__isnull=True)),
                name="membership_partner_only_for_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.alliance} ({self.role})"

    def clean(self) -> None:
        """The rules of a role, for the admin, the access services and restores alike."""
        from django.core.exceptions import ValidationError

        if (self.role == self.Role.PARTNER_LEAD) != (self.partner_id is not None):
            raise ValidationError(
                {
                    "partner": _(
                        "A partner lead needs a partner organisation; other roles have none."
                    )
                },
                code="partner",
            )
        partner = self.partner if self.partner_id is not None else None
        if partner is not None and partner.alliance_id != self.alliance_id:
            raise ValidationError(
                {"partner": _("This partner belongs to another alliance.")}, code="partner"
            )


class Partner(models.Model):
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=200)
    sector = models.CharField(
        _("sector"), max_length=16, choices=Sector.choices, default=Sector.PUBLIC
    )
    role = models.CharField(
        _("role"), max_length=16, choices=PartnerRole.choices, default=PartnerRole.MEMBER
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="partner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


# A person's data goes only to an address that has been on file this long;
# within it, to the settled address before the change (access.privacy).
ADDRESS_SETTLING = timedelta(days=30)


class Participant(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.NL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The address before the last change, and when it changed: a person's
    # data is never sent to an address set only recently (someone who can
    # edit participants could put their own address in and ask for it).
    previous_email = models.EmailField(blank=True, editable=False)
    email_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    _loaded_email: str | None = None  # as read from the database (from_db)

    class Meta:
        ordering = ["partner__name", "name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Note a changed e-mail address (the one it had and when it changed)."""
        loaded = getattr(self, "_loaded_email", None)
        if self.pk is not None and loaded is not None and loaded != self.email:
            now = timezone.now()
            # The address before counts only if it had settled: changing an
            # address twice does not make the first new one the "old" one.
            if self.email_changed_at is None or now - self.email_changed_at >= ADDRESS_SETTLING:
                self.previous_email = loaded
            self.email_changed_at = now
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, "previous_email", "email_changed_at"}
        super().save(*args, **kwargs)
        self._loaded_email = self.email

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Participant:
        participant = super().from_db(db, field_names, values)
        participant._loaded_email = participant.__dict__.get("email")
        return participant


class Round(models.Model):
    """One wave of the scan. Its instrument version is fixed once it opens."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    instrument_id = models.CharField(_("instrument"), max_length=60, default="reflection-core")
    instrument_version = models.PositiveSmallIntegerField(_("instrument version"), default=1)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(
        _("closes"),
        null=True,
        blank=True,
        help_text=_("After this moment no answers are accepted, even while the round is open."),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Workshop mode: results stay hidden on the projector until revealed; an
    # optional shared join link (off by default, capped) lets people in the
    # room take part without a personal invitation.
    workshop_revealed = models.BooleanField(default=False, editable=False)
    join_code = models.CharField(max_length=16, blank=True, editable=False)
    join_open = models.BooleanField(default=False, editable=False)
    join_cap = models.PositiveSmallIntegerField(
        _("most people via the workshop link"),
        default=40,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    joined = models.PositiveSmallIntegerField(default=0, editable=False)
    # Set when the retention period has deleted the round's answers.
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The anonymity threshold of this round, pinned from the alliance's when
    # the round opens: changing the alliance's k later applies to rounds
    # opened afterwards, so no round is ever shown at two thresholds
    # (figures at k and at k + 1 side by side can single a person out).
    k = models.PositiveSmallIntegerField(
        _("anonymity threshold (k) of this round"),
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(K_MIN), MaxValueValidator(K_MAX)],
    )

    # Whether respondents' outcome page shows the partners' figures beside
    # the alliance's (the facilitator decides; off until they share them).
    outcome_partners = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["alliance", "number"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "number"], name="round_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.alliance} #{self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("alliances:round", args=[self.alliance.slug, self.number])

    @property
    def instrument(self) -> Instrument:
        return get_instrument(self.instrument_id, self.instrument_version)

    @property
    def threshold(self) -> int:
        """The k of this round: pinned when it opened; for a draft, the
        alliance's current one (what it would be pinned to)."""
        return self.k if self.k is not None else self.alliance.anonymity_threshold

    def accepts_answers(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.state != self.State.OPEN:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)

    def is_past_closing(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.CLOSED or bool(self.closes_at and now >= self.closes_at)


# An hour's workshop talks through at most this many points.
AGENDA_POINTS = 7


class AgendaPoint(models.Model):
    """One point of a round's discussion: proposed from the published result
    (a difference between partners or an advice) or added by the
    facilitator, in the order the facilitator chose, with what the room
    agreed to do about it."""

    class Kind(models.TextChoices):
        DIFFERENCE = "difference", _("Difference between partners")
        ADVICE = "advice", _("Advice")
        OWN = "own", _("Own point")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # What a proposed point refers to: "perspective:<id>" or "item:<id>" for
    # a difference, the rule's id for an advice; empty for an own point.
    ref = models.CharField(max_length=80, blank=True)
    title = models.CharField(_("point"), max_length=200, blank=True)
    dropped = models.BooleanField(_("dropped"), default=False)
    agreed = models.TextField(_("what we agreed"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "position", "pk"]
        verbose_name = _("discussion point")
        verbose_name_plural = _("discussion points")

    def __str__(self) -> str:
        return f"{self.round} · {self.position}: {self.title or self.ref}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class InvitationManager(models.Manager["Invitation"]):
    """On the manager only: the lookup is one fixed statement, so it cannot
    honour a queryset's filters (``objects.filter(…).for_token`` does not exist)."""

    def for_token(self, token: str) -> Invitation | None:
        """The invitation behind a link token, with its round, alliance,
        participant and partner loaded; or None. Only the hash is stored.

        Every request of a respondent starts here, so this is one statement
        written out once from the models (see ``_TokenLookup``) rather than a
        query the ORM compiles anew each time: the compilation of a
        five-table select_related cost more than the database did.
        """
        if not token or len(token) > 100:
            return None
        connection = connections[self.db]
        return _token_lookup(connection.alias, connection.vendor).find(
            connection, hash_token(token)
        )


def read_column(connection: BaseDatabaseWrapper, col: Any, value: Any) -> Any:
    """A value of a raw row as the ORM would read it from column ``col``
    (``field.get_col(alias)``): the backend's and the field's converters
    applied, e.g. SQLite's stored text turned into an aware datetime."""
    for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
        value = convert(value, col, connection)
    return value


class _TokenLookup:
    """Invitation ⋈ round ⋈ alliance ⋈ participant ⋈ partner by token hash,
    as model objects: every column of each model, converted by the same
    converters the ORM uses, related objects set as select_related would.

    Built once per database alias and shared by the threads of a worker: it
    holds only the statement and the column expressions; the converters are
    asked of the connection of each call (they are bound to it)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        tables = {
            "i": Invitation,
            "r": Round,
            "a": Alliance,
            "pa": Participant,
            "pt": Partner,
        }
        q = connection.ops.quote_name
        self.parts: list[tuple[type[models.Model], list[str], list[Any]]] = []
        columns = []
        for alias, model in tables.items():
            fields = list(model._meta.concrete_fields)
            self.parts.append(
                (model, [f.attname for f in fields], [f.get_col(alias) for f in fields])
            )
            columns += [f"{alias}.{q(f.column)}" for f in fields]
        joins = [
            ("r", Round, "i", "round_id"),
            ("a", Alliance, "r", "alliance_id"),
            ("pa", Participant, "i", "participant_id"),
            ("pt", Partner, "pa", "partner_id"),
        ]
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {q(Invitation._meta.db_table)} i "  # noqa: S608
            + " ".join(
                f"JOIN {q(model._meta.db_table)} {alias} ON {alias}.id = {left}.{q(column)}"
                for alias, model, left, column in joins
            )
            + f" WHERE i.{q('token_hash')} = %s"
        )

    def find(self, connection: BaseDatabaseWrapper, token_hash: str) -> Invitation | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [token_hash])
            row = cursor.fetchone()
        if row is None:
            return None
        objects: list[Any] = []
        start = 0
        for model, names, cols in self.parts:
            raw = row[start : start + len(names)]
            start += len(names)
            values = [read_column(connection, c, v) for c, v in zip(cols, raw, strict=True)]
            objects.append(model.from_db(connection.alias, names, values))
        invitation, rnd, alliance, participant, partner = objects
        rnd.alliance = alliance
        participant.partner = partner
        invitation.round = rnd
        invitation.participant = participant
        return cast(Invitation, invitation)


@functools.cache
def _token_lookup(alias: str, vendor: str) -> _TokenLookup:
    return _TokenLookup(connections[alias])


class Invitation(models.Model):
    """A participant's personal link to one round.

    Only a SHA-256 hash of the token is kept, so a copy of the database cannot
    be used to answer in someone's name. The link is shown when it is issued;
    issuing again makes a new link and the old one stops working.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    times_issued = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Made by someone joining through a workshop's shared link (not a
    # person the facilitator invited).
    via_join = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationManager()

    class Meta:
        ordering = ["participant__partner__name", "participant__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "participant"], name="invitation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.participant} → {self.round}"

    def responses_through_this_link(self) -> models.QuerySet[ScanResponse]:
        """The invitation's response if its answers came through the link it
        was loaded by (``times_issued``): answers given through an earlier
        link are never shown through a newer one, whoever holds it (perhaps
        the person who issued it)."""
        return ScanResponse.objects.filter(invitation=self, link_generation=self.times_issued)


class ScanResponse(models.Model):
    """The answers of one invitation: a draft until submitted, editable until closing.

    Partner and level are copied in when the response starts, so results do
    not shift when a participant is later moved to another partner.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    # RESTRICT: a partner with responses cannot be deleted on its own, but
    # deleting the whole alliance (rounds and responses with it) works.
    partner = models.ForeignKey(Partner, on_delete=models.RESTRICT, related_name="responses")
    level = models.CharField(max_length=16, choices=Level.choices)
    last_step = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    times_submitted = models.PositiveSmallIntegerField(default=0)
    # The link the answers were given through (its Invitation.times_issued).
    # Pages and the data download of a newer link never show them; the first
    # save through a newer link starts the response afresh.
    link_generation = models.PositiveSmallIntegerField(default=1, editable=False)
    # Raised by every save and submit: a scan page carries the version it
    # was drawn from, so a page posted from an old tab cannot silently
    # overwrite answers given since (scan.services.response_save).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["round", "started_at"]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.round}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ItemAnswer(models.Model):
    """A scale answer; ``value`` None means "don't know"."""

    response = models.ForeignKey(
        ScanResponse, on_delete=models.CASCADE, related_name="item_answers"
    )
    item_id = models.CharField(max_length=64)
    value = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item_id"], name="item_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value}"


class QuestionAnswer(models.Model):
    """An answer to a non-scale question: a phase id or free text."""

    response = models.ForeignKey(
        ScanResponse, on_delete=models.CASCADE, related_name="question_answers"
    )
    question_id = models.CharField(max_length=64)
    value = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_id"], name="question_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}={self.value[:20]}"


class LoginThrottle(models.Model):
    """Failed logins per user name; an account locks for a while after too many."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"


class LoginWindow(models.Model):
    """Failed logins from one client address, or on all accounts together,
    in the window that began at ``started_at``; a full window refuses logins
    until it ends (access/login.py)."""

    key = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} since {self.started_at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """The alliance's history: who changed access, erased or exported personal
    data, opened or closed a round, or purged answers. Never names an erased
    participant."""

    class Action(models.TextChoices):
        MEMBER_ADDED = "member_added", _("Access granted")
        MEMBER_CHANGED = "member_changed", _("Access changed")
        MEMBER_REMOVED = "member_removed", _("Access withdrawn")
        ROUND_OPENED = "round_opened", _("Round opened")
        ROUND_CLOSED = "round_closed", _("Round closed")
        LINKS_ISSUED = "links_issued", _("Personal links issued")
        THRESHOLD_CHANGED = "threshold_changed", _("Anonymity threshold changed")
        PARTICIPANT_EXPORTED = "participant_exported", _("Personal data exported")
        EMAIL_CHANGED = "email_changed", _("Participant's e-mail address changed")
        JOINED = "workshop_joined", _("Someone joined through the workshop link")
        PARTICIPANT_ERASED = "participant_erased", _("Participant erased")
        RETENTION_PURGED = "retention_purged", _("Answers deleted after the retention period")
        ALLIANCE_IMPORTED = "alliance_imported", _("Alliance restored from a backup")
        OUTCOME_SHARED = "outcome_shared", _("What respondents see of the outcome changed")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(
        _("by"), max_length=150, blank=True, help_text=_("User name; empty for the system.")
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("history event")
        verbose_name_plural = _("history")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.detail}"
