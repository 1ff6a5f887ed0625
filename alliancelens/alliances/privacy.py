"""The participant's rights (GDPR): see everything stored about them, be erased;
and the alliance's retention period.

Erasing offers two choices, and the history records which one was made (but
not who was erased): delete the answers too, or keep them as anonymous data
that no longer links to anybody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .history import Actor, record
from .models import Alliance, AuditEvent, Invitation, Participant, Response, Round

ERASE_MODES = ("delete", "anonymise")


def participant_data(participant: Participant) -> dict[str, Any]:
    """Everything stored about one participant, in plain terms (a GDPR access request)."""
    rounds = []
    invitations = participant.invitations.select_related("round").order_by("round__number")
    for inv in invitations:
        response = Response.objects.filter(invitation=inv).first()
        entry: dict[str, Any] = {
            "round": inv.round.number,
            "round_title": inv.round.title,
            "link_issued_at": _iso(inv.issued_at),
            "times_link_issued": inv.times_issued,
            "link_emailed_at": _iso(inv.emailed_at),
            "response": None,
        }
        if response is not None:
            entry["response"] = {
                "partner": response.partner.name,
                "level": response.level,
                "started_at": _iso(response.started_at),
                "submitted_at": _iso(response.submitted_at),
                "times_submitted": response.times_submitted,
                "scale_answers": {
                    a.item_id: a.value for a in response.item_answers.order_by("item_id")
                },
                "other_answers": {
                    a.question_id: a.value
                    for a in response.question_answers.order_by("question_id")
                },
            }
        rounds.append(entry)
    return {
        "about": "All data AllianceLens stores about this participant. "
        "No IP addresses or browser details are stored for respondents.",
        "alliance": participant.partner.alliance.name,
        "participant": {
            "name": participant.name,
            "email": participant.email,
            "partner": participant.partner.name,
            "level": participant.level,
            "language": participant.language,
            "added_at": _iso(participant.created_at),
        },
        "rounds": rounds,
        "exported_at": _iso(timezone.now()),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Erased:
    mode: str
    responses_deleted: int
    responses_kept: int


@transaction.atomic
def participant_erase(*, participant: Participant, mode: str, by: Actor) -> Erased:
    """Erase a participant: their answers go too (``delete``) or stay, unlinked
    (``anonymise``). The choice is recorded in the alliance's history."""
    if mode not in ERASE_MODES:
        raise ValueError(f"mode must be one of {', '.join(ERASE_MODES)}, not {mode!r}")
    alliance = participant.partner.alliance
    responses = Response.objects.filter(invitation__participant=participant)
    n = responses.count()
    if mode == "delete":
        responses.delete()
    else:
        # Unlink, and blur the moments of starting and submitting to the day,
        # so they cannot be matched against an e-mail log.
        for response in responses.select_for_update():
            day = response.submitted_at or response.started_at
            day = day.replace(hour=0, minute=0, second=0, microsecond=0)
            response.invitation = None
            response.started_at = day
            if response.submitted_at is not None:
                response.submitted_at = day
            response.last_step = ""
            response.save(
                update_fields=[
                    "invitation",
                    "started_at",
                    "submitted_at",
                    "last_step",
                    "updated_at",
                ]
            )
    participant.delete()
    record(
        alliance,
        AuditEvent.Action.PARTICIPANT_ERASED,
        by,
        answers=mode,
        responses=n,
        partner=participant.partner.name,
    )
    return Erased(mode, n if mode == "delete" else 0, n if mode == "anonymise" else 0)


@dataclass(frozen=True)
class Purged:
    alliance: str
    rounds: list[int]
    responses: int
    invitations: int
    participants: int


def retention_purge(*, now: datetime | None = None, dry_run: bool = False) -> list[Purged]:
    """Delete what the retention period of each alliance says must go.

    For every round that closed more than the period ago: its responses (with
    their answers) and its invitations, and the participants who were in those
    rounds and in no other. The round itself stays, marked as purged, so the
    alliance's history still shows it. Run daily from cron: `alliancelens purge`.
    """
    now = now or timezone.now()
    out = []
    for alliance in Alliance.objects.filter(retention_months__isnull=False).order_by("slug"):
        assert alliance.retention_months is not None
        cutoff = now - timedelta(days=round(30.44 * alliance.retention_months))
        with transaction.atomic():
            rounds = list(
                Round.objects.select_for_update()
                .filter(alliance=alliance, purged_at__isnull=True)
                .filter(
                    Q(state=Round.State.CLOSED, closed_at__lt=cutoff) | Q(closes_at__lt=cutoff)
                )
                .order_by("number")
            )
            ids = [r.pk for r in rounds]
            responses = Response.objects.filter(round__in=ids)
            invitations = Invitation.objects.filter(round__in=ids)
            # People who were only in the purged rounds.
            stale = Participant.objects.filter(
                pk__in=list(
                    Participant.objects.filter(invitations__round__in=ids)
                    .exclude(invitations__round__in=alliance.rounds.exclude(pk__in=ids))
                    .values_list("pk", flat=True)
                    .distinct()
                )
            )
            purged = Purged(
                alliance.slug,
                [r.number for r in rounds],
                responses.count(),
                invitations.count(),
                stale.count(),
            )
            if not (purged.rounds or purged.participants):
                continue
            out.append(purged)
            if dry_run:
                transaction.set_rollback(True)
                continue
            responses.delete()
            invitations.delete()
            stale.delete()
            Round.objects.filter(pk__in=ids).update(purged_at=now)
            record(
                alliance,
                AuditEvent.Action.RETENTION_PURGED,
                None,
                rounds=purged.rounds,
                responses=purged.responses,
                invitations=purged.invitations,
                participants=purged.participants,
                retention_months=alliance.retention_months,
            )
    return out
