"""Workflows that change several records at once (HackSoft style).

Each function takes keyword-only arguments, runs in one transaction and leaves
nothing half-done when it fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alliancelens.instrument import latest_instrument

from .history import Actor, record
from .models import (
    AccessGrant,
    Alliance,
    AuditEvent,
    Invitation,
    Participant,
    Round,
    hash_token,
    new_token,
)


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "alliance"
    slug, n = base, 2
    while Alliance.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def alliance_create(*, facilitator: User, **fields: object) -> Alliance:
    alliance = Alliance(**fields)
    if not alliance.slug:
        alliance.slug = unique_slug(alliance.name)
    alliance.full_clean()
    alliance.save()
    AccessGrant.objects.create(
        user=facilitator, alliance=alliance, role=AccessGrant.Role.FACILITATOR
    )
    return alliance


@transaction.atomic
def alliance_update(*, alliance: Alliance, by: Actor = None) -> list[Round]:
    """Save an alliance's settings, edited in place (a ModelForm's instance).

    A changed anonymity threshold is recorded in the history and applies to
    rounds opened from now on: rounds that are open or closed keep the k
    they were opened with (Round.k). Returns the rounds that keep another k.
    """
    before = Alliance.objects.select_for_update().get(pk=alliance.pk)
    alliance.full_clean()
    alliance.save()
    if before.anonymity_threshold == alliance.anonymity_threshold:
        return []
    record(
        alliance,
        AuditEvent.Action.THRESHOLD_CHANGED,
        by,
        before=before.anonymity_threshold,
        after=alliance.anonymity_threshold,
    )
    return list(alliance.rounds.exclude(k=None).exclude(k=alliance.anonymity_threshold))


@transaction.atomic
def participant_update(*, participant: Participant, by: Actor = None) -> None:
    """Save a participant edited in place; a changed e-mail address is
    recorded in the history (without either address), and the model keeps
    the one before it (see privacy.data_address)."""
    changed = participant.email != Participant.objects.get(pk=participant.pk).email
    participant.save()
    if changed:
        record(
            participant.partner.alliance,
            AuditEvent.Action.EMAIL_CHANGED,
            by,
            participant=participant.pk,
        )


@transaction.atomic
def round_create(*, alliance: Alliance, title: str, **fields: object) -> Round:
    # Lock the alliance row so two facilitators never get the same number.
    Alliance.objects.select_for_update().get(pk=alliance.pk)
    last = alliance.rounds.aggregate(m=Max("number"))["m"] or 0
    instrument = latest_instrument()
    rnd = Round(
        alliance=alliance,
        number=last + 1,
        title=title,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        **fields,
    )
    rnd.full_clean()
    rnd.save()
    return rnd


def invitations_sync(*, rnd: Round) -> int:
    """Make sure every participant of the alliance has an invitation; return how many new."""
    existing = set(rnd.invitations.values_list("participant_id", flat=True))
    missing = Participant.objects.filter(partner__alliance=rnd.alliance).exclude(pk__in=existing)
    created = Invitation.objects.bulk_create(
        [Invitation(round=rnd, participant=p) for p in missing], ignore_conflicts=True
    )
    return len(created)


@transaction.atomic
def round_open(*, rnd: Round, by: Actor = None) -> Round:
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if rnd.state == Round.State.CLOSED:
        raise ValidationError(_("A closed round cannot be opened again."), code="closed")
    if rnd.state == Round.State.DRAFT:
        # Pinning happens here: the newest version at opening is final for
        # the life of the round.
        instrument = latest_instrument()
        rnd.instrument_id, rnd.instrument_version = instrument.id, instrument.version
        rnd.state = Round.State.OPEN
        rnd.opened_at = timezone.now()
        # So is the anonymity threshold (Round.k).
        rnd.k = Alliance.objects.get(pk=rnd.alliance_id).anonymity_threshold
        rnd.save(update_fields=["instrument_id", "instrument_version", "state", "opened_at", "k"])
        record(rnd.alliance, AuditEvent.Action.ROUND_OPENED, by, round=rnd.number, k=rnd.k)
    invitations_sync(rnd=rnd)
    return rnd


@transaction.atomic
def round_close(*, rnd: Round, by: Actor = None) -> Round:
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if rnd.state != Round.State.CLOSED:
        rnd.state = Round.State.CLOSED
        rnd.closed_at = timezone.now()
        rnd.save(update_fields=["state", "closed_at"])
        record(rnd.alliance, AuditEvent.Action.ROUND_CLOSED, by, round=rnd.number)
    return rnd


@dataclass(frozen=True)
class IssuedLink:
    invitation: Invitation
    token: str


@transaction.atomic
def invitations_issue(
    *, invitations: Iterable[Invitation], by: Actor = None, log: bool = True
) -> list[IssuedLink]:
    """Give each invitation a fresh token; earlier links of these stop working.

    The token itself is returned once, to be shown, printed or e-mailed; only
    its hash is stored. Each round's issue is recorded in the history, with
    the participants and how many of the links replace an earlier one
    (someone holding a fresh link can answer in that person's place).
    """
    now = timezone.now()
    issued = []
    for inv in invitations:
        token = new_token()
        inv.token_hash = hash_token(token)
        inv.issued_at = now
        inv.times_issued += 1
        inv.save(update_fields=["token_hash", "issued_at", "times_issued"])
        issued.append(IssuedLink(invitation=inv, token=token))
    if log:
        by_round: dict[int, list[Invitation]] = {}
        for link in issued:
            by_round.setdefault(link.invitation.round_id, []).append(link.invitation)
        for round_id, chosen in by_round.items():
            rnd = Round.objects.select_related("alliance").get(pk=round_id)
            record(
                rnd.alliance,
                AuditEvent.Action.LINKS_ISSUED,
                by,
                round=rnd.number,
                participants=[i.participant_id for i in chosen],
                replacing=sum(i.times_issued > 1 for i in chosen),
            )
    return issued
