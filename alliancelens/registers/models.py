"""The alliance's working registers: what it does, beside what people say.

Each register is a model with the fields of ``Entry`` (its alliance, the
partner it belongs to where it belongs to one, archived or not) and its own.
Nothing here holds a scan answer, so registers follow the report's rules
without anonymity thresholds. Every change is written to ``EntryChange``
(``registers.history``), per entry, with who, what and when.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import Alliance, DayField, Level, Partner


class EntryQuerySet(models.QuerySet[Any]):
    def current(self, alliance: Alliance) -> EntryQuerySet:
        """The alliance's entries that are not archived: what lists, overviews
        and the report show."""
        return self.filter(alliance=alliance, archived_at__isnull=True)


class Entry(models.Model):
    """What every register entry has."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    # RESTRICT: a partner with entries is not deleted with them silently.
    partner = models.ForeignKey(
        Partner,
        on_delete=models.RESTRICT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("partner"),
    )
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    # Whether an entry must belong to a partner (interests, contributions,
    # expertise) or may be alliance-wide (agreements, stakeholders, …).
    PARTNER_REQUIRED = False

    class Meta:
        abstract = True
        ordering = ["partner__name", "pk"]

    def clean(self) -> None:
        super().clean()
        if self.PARTNER_REQUIRED and self.partner_id is None:
            raise ValidationError({"partner": _("Choose the partner this belongs to.")})
        if self.partner is not None and self.partner.alliance_id != self.alliance_id:
            raise ValidationError({"partner": _("That partner is not in this alliance.")})

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


def _in_order(start: date | None, end: date | None, field: str) -> None:
    if start and end and end < start:
        raise ValidationError({field: _("The end lies before the start.")})


class Interest(Entry):
    """A partner's interest, no-go area, or what goes wrong for it without the alliance."""

    class Kind(models.TextChoices):
        COLLECTIVE = "collective", _("Collective interest (shared with the alliance)")
        ORGANISATIONAL = "organisational", _("Organisational interest")
        INDIVIDUAL = "individual", _("Individual interest (of a person)")
        NO_GO = "no_go", _("No-go area")
        WITHOUT = "without", _("What goes wrong for us without this collaboration")

    PARTNER_REQUIRED = True
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("interest"), max_length=1000)
    position = models.TextField(
        _("the position it stands behind"),
        max_length=1000,
        blank=True,
        help_text=_("What the partner says or asks for; the interest is why."),
    )
    vital = models.BooleanField(
        _("vital"), default=False, help_text=_("Could the collaboration fail on it?")
    )
    discussed = models.BooleanField(
        _("discussed openly"),
        default=False,
        help_text=_("Has it been put on the table with the other partners?"),
    )

    class Meta(Entry.Meta):
        verbose_name = _("interest")
        verbose_name_plural = _("interests")

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def undiscussed(self) -> bool:
        """Vital, and not yet discussed openly with the other partners."""
        return self.vital and not self.discussed and not self.archived


class MutualGain(Entry):
    """An idea for a package that serves several interests at once."""

    idea = models.TextField(_("idea"), max_length=1000)
    serves = models.ManyToManyField(
        Interest, blank=True, related_name="gains", verbose_name=_("interests it serves")
    )

    class Meta(Entry.Meta):
        verbose_name = _("mutual gains idea")
        verbose_name_plural = _("mutual gains ideas")

    def __str__(self) -> str:
        return self.idea[:80]


class Contribution(Entry):
    """What a partner pledges to bring, or comes to get, in a period; and what it delivered."""

    class Direction(models.TextChoices):
        BRINGS = "brings", _("Brings")
        GETS = "gets", _("Comes to get")

    class Kind(models.TextChoices):
        HOURS = "hours", _("Hours or FTE")
        MONEY = "money", _("Money")
        KNOWLEDGE = "knowledge", _("Knowledge")
        NETWORK = "network", _("Network")
        FACILITIES = "facilities", _("Facilities")
        OTHER = "other", _("Other")

    PARTNER_REQUIRED = True
    direction = models.CharField(_("brings or gets"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("what"), max_length=1000)
    unit = models.CharField(
        _("unit"), max_length=40, blank=True, help_text=_("e.g. hours, FTE, euro")
    )
    pledged = models.DecimalField(
        _("pledged"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    delivered = models.DecimalField(
        _("delivered"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    period_start = DayField(_("period from"), null=True, blank=True)
    period_end = DayField(_("period to"), null=True, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return self.description[:80]

    def clean(self) -> None:
        super().clean()
        _in_order(self.period_start, self.period_end, "period_end")

    @property
    def short(self) -> bool:
        """A pledge whose period has ended with less delivered than pledged
        (nothing reported counts as nothing delivered)."""
        return bool(
            self.direction == self.Direction.BRINGS
            and self.pledged
            and self.period_end
            and self.period_end < timezone.localdate()
            and (self.delivered or 0) < self.pledged
            and not self.archived
        )


class Agreement(Entry):
    """An agreement or decision, with its owner and due date."""

    class Type(models.TextChoices):
        RESULT = "result", _("Result")
        CAPACITY = "capacity", _("Capacity")
        PLANNING = "planning", _("Planning")
        RESOURCES = "resources", _("Resources, costs and risks")
        RULES = "rules", _("Rules of play")
        GOVERNANCE = "governance", _("Governance")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    # Not yet done nor dropped: what can be overdue.
    PENDING = (Status.OPEN, Status.UNDER_WAY)

    title = models.CharField(_("agreement"), max_length=200)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    level = models.CharField(
        _("level"),
        max_length=16,
        choices=[(Level.BOARD, Level.BOARD.label), (Level.PROFESSIONAL, Level.PROFESSIONAL.label)],
    )
    owner = models.CharField(_("owner (person)"), max_length=120)
    decided_on = DayField(_("agreed on"), null=True, blank=True)
    due = DayField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    PARTNER_REQUIRED = True  # the owner's partner

    class Meta(Entry.Meta):
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        _in_order(self.decided_on, self.due, "due")

    @property
    def overdue(self) -> bool:
        return bool(
            self.due
            and self.due < timezone.localdate()
            and self.status in self.PENDING
            and not self.archived
        )


class AllianceRole(Entry):
    """A role in the alliance held by a person: who leads, coordinates, facilitates."""

    class Kind(models.TextChoices):
        LEAD_PARTNER = "lead_partner", _("Lead partner (penvoerder)")
        COORDINATOR = "coordinator", _("Coordinator")
        PROCESS_FACILITATOR = "process_facilitator", _("Process facilitator")
        ALLIANCE_MANAGER = "alliance_manager", _("Alliance manager")
        OTHER = "other", _("Other role")

    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    person = models.CharField(_("person"), max_length=120)
    description = models.TextField(_("what the role does"), max_length=2000, blank=True)
    authorities = models.TextField(
        _("authorities: what the role may decide"), max_length=2000, blank=True
    )
    term_start = DayField(_("from"), null=True, blank=True)
    term_end = DayField(_("until"), null=True, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person}"

    def clean(self) -> None:
        super().clean()
        _in_order(self.term_start, self.term_end, "term_end")


class RuleOfPlay(Entry):
    """How partners treat each other, as the alliance agreed it."""

    text = models.TextField(_("rule of play"), max_length=1000)
    agreed_on = DayField(_("agreed on"), null=True, blank=True)
    revisit_on = DayField(_("revisit on"), null=True, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("rule of play")
        verbose_name_plural = _("rules of play")

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        super().clean()
        _in_order(self.agreed_on, self.revisit_on, "revisit_on")

    @property
    def due_for_revisit(self) -> bool:
        """The day the alliance meant to look at this rule again has come."""
        return bool(
            self.revisit_on and self.revisit_on <= timezone.localdate() and not self.archived
        )


SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class Stakeholder(Entry):
    """A party inside or outside the alliance, and what the alliance needs it to do."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", _("Supports")
        NEUTRAL = "neutral", _("Neutral")
        CRITICAL = "critical", _("Critical")
        UNKNOWN = "unknown", _("Not known")

    class ProposedRole(models.TextChoices):
        NONE = "", _("—")
        ALLIANCE = "alliance", _("Alliance partner")
        KNOWLEDGE = "knowledge", _("Knowledge partner")
        COMMUNICATION = "communication", _("Communication partner")

    name = models.CharField(_("party"), max_length=200)
    inside = models.BooleanField(_("inside the alliance"), default=False)
    interest = models.TextField(_("its interest in the theme"), max_length=1000, blank=True)
    influence = models.PositiveSmallIntegerField(_("influence (1–5)"), validators=SCALE)
    concern = models.PositiveSmallIntegerField(_("how much it cares (1–5)"), validators=SCALE)
    stance = models.CharField(
        _("stance"), max_length=10, choices=Stance.choices, default=Stance.UNKNOWN
    )
    action = models.TextField(_("what the alliance needs it to do"), max_length=1000, blank=True)
    message = models.TextField(_("the joint message for it"), max_length=1000, blank=True)
    blind_spot = models.BooleanField(
        _("blind spot"),
        default=False,
        help_text=_("Active on the theme but not at the table."),
    )
    proposed_role = models.CharField(
        _("proposed role"), max_length=14, choices=ProposedRole.choices, blank=True
    )
    target_group = models.BooleanField(_("part of the target group"), default=False)
    involvement = models.TextField(_("how it is involved"), max_length=1000, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def unaddressed(self) -> bool:
        """A blind spot with neither an action nor a proposed role written down."""
        return self.blind_spot and not (self.action.strip() or self.proposed_role)


class Expertise(Entry):
    """What expertise or network a partner (or, with consent, a person) brings."""

    class Kind(models.TextChoices):
        EXPERTISE = "expertise", _("Expertise")
        NETWORK = "network", _("Network")

    PARTNER_REQUIRED = True
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    person = models.CharField(_("person (optional)"), max_length=120, blank=True)
    consent = models.BooleanField(
        _("the person agreed to be listed"),
        default=False,
        help_text=_("Required when a person is named."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("expertise or network")
        verbose_name_plural = _("expertise and networks")

    def __str__(self) -> str:
        return self.topic

    def clean(self) -> None:
        super().clean()
        if self.person.strip() and not self.consent:
            raise ValidationError({"consent": _("Name a person only with their consent.")})


class EntryChange(models.Model):
    """One change to one register entry: who, what, when."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        ARCHIVED = "archived", _("Archived")
        RESTORED = "restored", _("Restored")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    register = models.CharField(max_length=20)
    entry_id = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # {field: [before, after]} as text, for a change; the fields set, for a creation.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["alliance", "register", "entry_id"])]

    def __str__(self) -> str:
        return f"{self.register} {self.entry_id} {self.action}"


# The journey's logs: what the alliance achieved, where it rubbed, what it
# wants to learn and has learned, who plays the critic, and where it is going.


def _not_future(day: date | None, field: str) -> None:
    """A log records what has happened: its day cannot come after today."""
    if day and day > timezone.localdate():
        raise ValidationError(
            {
                field: ValidationError(
                    _("This day cannot lie in the future: the log records what has happened."),
                    code="future",
                )
            }
        )


class Success(Entry):
    """Something the alliance achieved, who made it happen and what shows it."""

    achieved_on = DayField(_("achieved on"))
    what = models.TextField(_("what was achieved"), max_length=1000)
    contributors = models.TextField(
        _("who contributed"),
        max_length=1000,
        blank=True,
        help_text=_("The partners and the people who made it happen."),
    )
    evidence = models.TextField(
        _("evidence"),
        max_length=1000,
        blank=True,
        help_text=_("What shows it: a figure, a story, a link."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("success")
        verbose_name_plural = _("successes")
        ordering = ["-achieved_on", "-pk"]

    def __str__(self) -> str:
        return self.what[:80]

    def clean(self) -> None:
        super().clean()
        _not_future(self.achieved_on, "achieved_on")


class Conflict(Entry):
    """A disagreement or a setback, how it was handled and what was agreed."""

    class Kind(models.TextChoices):
        RESOURCES = "resources", _("Resources")
        NORMS = "norms", _("Norms and values")
        IDENTITY = "identity", _("Identity")
        SETBACK = "setback", _("Setback")

    class Status(models.TextChoices):
        OPEN = "open", _("Still open")
        HANDLED = "handled", _("Handled")
        LEFT = "left", _("A partner left or gave up")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    occurred_on = DayField(_("happened on"))
    what = models.TextField(_("what happened"), max_length=2000)
    handled = models.TextField(_("how it was handled"), max_length=2000, blank=True)
    agreed = models.TextField(_("what was agreed"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )

    class Meta(Entry.Meta):
        verbose_name = _("disagreement or setback")
        verbose_name_plural = _("disagreements and setbacks")
        ordering = ["-occurred_on", "-pk"]

    def __str__(self) -> str:
        return self.what[:80]

    def clean(self) -> None:
        super().clean()
        _not_future(self.occurred_on, "occurred_on")

    @property
    def open(self) -> bool:
        """Still to be dealt with: neither handled nor ended by a partner leaving."""
        return self.status == self.Status.OPEN and not self.archived


class LearningQuestion(Entry):
    """A question on the alliance's learning agenda, who looks into it, and the answer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        DROPPED = "dropped", _("Dropped")

    question = models.TextField(_("learning question"), max_length=1000)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    who = models.CharField(_("who looks into it (person)"), max_length=120)
    due = DayField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(
        _("what was learned"),
        max_length=2000,
        blank=True,
        help_text=_("Needed once the question is answered."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("learning question")
        verbose_name_plural = _("learning questions")
        ordering = [models.F("due").asc(nulls_last=True), "pk"]

    def __str__(self) -> str:
        return self.question[:80]

    def clean(self) -> None:
        super().clean()
        if self.status == self.Status.ANSWERED and not self.answer.strip():
            raise ValidationError(
                {
                    "answer": ValidationError(
                        _("An answered question needs its answer: write down what was learned."),
                        code="no_answer",
                    )
                }
            )

    @property
    def overdue(self) -> bool:
        return bool(
            self.due
            and self.due < timezone.localdate()
            and self.status == self.Status.OPEN
            and not self.archived
        )


class Harvest(Entry):
    """A lesson the alliance learned, and where it is laid down so it lasts."""

    learned_on = DayField(_("learned on"))
    lesson = models.TextField(_("what was learned"), max_length=2000)
    laid_down_in = models.CharField(
        _("laid down in"),
        max_length=200,
        blank=True,
        help_text=_("Where it is kept so it lasts: a document, a procedure, a training."),
    )

    class Meta(Entry.Meta):
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["-learned_on", "-pk"]

    def __str__(self) -> str:
        return self.lesson[:80]

    def clean(self) -> None:
        super().clean()
        _not_future(self.learned_on, "learned_on")


class DissentRole(Entry):
    """Organised dissent: who plays the critic at which meeting."""

    meeting = models.CharField(_("meeting"), max_length=200)
    meeting_on = DayField(_("meeting on"), null=True, blank=True)
    person = models.CharField(
        _("critic (person)"),
        max_length=120,
        help_text=_("Who asks the awkward questions at this meeting."),
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("critic's role")
        verbose_name_plural = _("critics' roles")
        ordering = [models.F("meeting_on").desc(nulls_last=True), "-pk"]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.person}"


class Goal(Entry):
    """A goal of the alliance, the activities that serve it and what partners bring to it."""

    goal = models.TextField(_("goal"), max_length=1000)
    activities = models.TextField(
        _("activities"),
        max_length=2000,
        blank=True,
        help_text=_("What the alliance does to reach it."),
    )
    contributions = models.TextField(
        _("what each partner contributes"), max_length=2000, blank=True
    )
    due = DayField(_("due"), null=True, blank=True)

    class Meta(Entry.Meta):
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.goal[:80]
