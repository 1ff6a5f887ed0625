"""The participant's rights (GDPR): see everything stored about them, be erased;
and the alliance's retention period.

Erasing offers two choices, and the history records which one was made (but
not who was erased): delete the answers too, or keep them as anonymous data
that no longer links to anybody.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliancelens.alliances.history import Actor, record
from alliancelens.alliances.models import (
    ADDRESS_SETTLING,
    Alliance,
    AuditEvent,
    Invitation,
    LoginThrottle,
    LoginWindow,
    Participant,
    Round,
    ScanResponse,
)
from alliancelens.results.models import PublishedResult

ERASE_MODES = ("delete", "anonymise")


def _round_entry(inv: Invitation, response: ScanResponse | None) -> dict[str, Any]:
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
                a.question_id: a.value for a in response.question_answers.order_by("question_id")
            },
        }
    return entry


def participant_data(participant: Participant) -> dict[str, Any]:
    """Everything stored about one participant, in plain terms (a GDPR access
    request). Sent only to the person's own address (participant_data_send)."""
    invitations = participant.invitations.select_related("round").order_by("round__number")
    rounds = [
        _round_entry(inv, ScanResponse.objects.filter(invitation=inv).first())
        for inv in invitations
    ]
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


def participant_data_json(participant: Participant) -> str:
    return json.dumps(participant_data(participant), ensure_ascii=False, indent=2)


def link_data(invitation: Invitation) -> dict[str, Any]:
    """What was given through one link: its round and the answers given
    through this very link, nothing else.

    Whoever holds a link sees this, and a link can be issued anew by the
    facilitator, who then holds it too. So the file holds no answers given
    through an earlier link of the same invitation, nothing of other rounds,
    and no e-mail address; everything stored about a person goes to their
    own address (participant_data_send).
    """
    response = invitation.responses_through_this_link().first()
    return {
        "about": "What was given through this link: the round and the answers given "
        "through it. Everything else stored about you (earlier rounds, your e-mail "
        "address) is sent to your own e-mail address on request: ask the facilitator "
        "of your alliance. No IP addresses or browser details are stored for respondents.",
        "alliance": invitation.round.alliance.name,
        **_round_entry(invitation, response),
        "exported_at": _iso(timezone.now()),
    }


def link_data_json(invitation: Invitation) -> str:
    return json.dumps(link_data(invitation), ensure_ascii=False, indent=2)


def data_address(participant: Participant, now: datetime | None = None) -> tuple[str, str]:
    """(address, why) a participant's data may be sent to now.

    Someone who may edit participants could put their own address in and
    ask for the data. So while an address is new (less than ADDRESS_SETTLING
    on file) the data goes to the one before it; if there was none, nowhere
    (ValidationError), and the person can still download what they gave
    through their own link.
    """
    now = now or timezone.now()
    changed = participant.email_changed_at
    if changed is None or now - changed >= ADDRESS_SETTLING:
        if not participant.email:
            raise ValidationError(
                _(
                    "No e-mail address is known for this person. They can download what "
                    "they gave through their link on the pages of their invitation."
                ),
                code="no_email",
            )
        return participant.email, "the participant's e-mail address"
    if participant.previous_email:
        return (
            participant.previous_email,
            f"the participant's e-mail address before the change of {changed.date()}",
        )
    raise ValidationError(
        _(
            "This person's e-mail address was set on %(date)s. To protect them, their data "
            "is sent only to an address that has been on file for %(days)d days (from "
            "%(until)s). Until then they can download what they gave through their link."
        )
        % {
            "date": changed.date().isoformat(),
            "days": ADDRESS_SETTLING.days,
            "until": (changed + ADDRESS_SETTLING).date().isoformat(),
        },
        code="address_too_new",
    )


def participant_data_send(*, participant: Participant, by: Actor) -> str:
    """E-mail everything stored about a participant to their own address;
    returns the address it went to.

    The facilitator starts this but never sees the file: it holds the
    person's answers next to their name, which nobody in the alliance may
    see. An address changed recently does not count yet (data_address).
    """
    address, why = data_address(participant)
    with translation.override(participant.language):
        message = EmailMessage(
            _("What AllianceLens stores about you"),
            render_to_string(
                "access/participant_data_email.txt",
                {"participant": participant, "alliance": participant.partner.alliance},
            ),
            to=[address],
        )
    message.attach(
        "alliancelens-my-data.json", participant_data_json(participant), "application/json"
    )
    message.send()
    participant_data_given(participant, by, to=why)
    return address


def participant_data_given(participant: Participant, by: Actor, *, to: str) -> None:
    """Record in the history that a participant's data file went out, and to where."""
    record(
        participant.partner.alliance,
        AuditEvent.Action.PARTICIPANT_EXPORTED,
        by,
        participant=participant.pk,
        to=to,
    )


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
    (``anonymise``). The choice is recorded in the alliance's history.

    Answers in a round whose results may already have been seen (past its
    closing) are always kept anonymously: removing them would change those
    results, and the difference would show exactly what this person answered.
    Anonymous data is no longer personal data, so the erasure is complete.
    """
    if mode not in ERASE_MODES:
        raise ValueError(f"mode must be one of {', '.join(ERASE_MODES)}, not {mode!r}")
    alliance = participant.partner.alliance
    responses = list(
        ScanResponse.objects.select_for_update()
        .select_related("round")
        .filter(invitation__participant=participant)
    )
    deleted = kept = 0
    for response in responses:
        if mode == "delete" and not response.round.is_past_closing():
            response.delete()
            deleted += 1
            continue
        # Unlink, and blur the moments of starting and submitting to the day,
        # so they cannot be matched against an e-mail log.
        day = (response.submitted_at or response.started_at).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        response.invitation = None
        response.started_at = day
        if response.submitted_at is not None:
            response.submitted_at = day
        response.last_step = ""
        response.save(
            update_fields=["invitation", "started_at", "submitted_at", "last_step", "updated_at"]
        )
        kept += 1
    _forget_admin_log(participant)
    participant.delete()
    record(
        alliance,
        AuditEvent.Action.PARTICIPANT_ERASED,
        by,
        answers=mode,
        responses_deleted=deleted,
        responses_kept_anonymously=kept,
        partner=participant.partner.name,
    )
    return Erased(mode, deleted, kept)


def _forget_admin_log(participant: Participant) -> None:
    """The Django admin's log names the object it changed: remove those lines."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Participant),
        object_id=str(participant.pk),
    ).delete()


@dataclass(frozen=True)
class Purged:
    alliance: str
    rounds: list[int]
    responses: int
    invitations: int


def retention_purge(*, now: datetime | None = None, dry_run: bool = False) -> list[Purged]:
    """Delete what the retention period of each alliance says must go.

    For every round that closed more than the period ago (a round still open
    after its closing moment is closed first): its responses with their
    answers, and its invitation links. The round itself stays, marked as
    purged, so the alliance's history still shows it. The participant list
    stays: it is the roster for the next round, kept by the facilitator, who
    erases people on their page. Run daily from cron: `alliancelens purge`.
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
                .exclude(state=Round.State.DRAFT)
                .filter(
                    Q(state=Round.State.CLOSED, closed_at__lt=cutoff) | Q(closes_at__lt=cutoff)
                )
                .order_by("number")
            )
            ids = [r.pk for r in rounds]
            responses = ScanResponse.objects.filter(round__in=ids)
            invitations = Invitation.objects.filter(round__in=ids)
            purged = Purged(
                alliance.slug, [r.number for r in rounds], responses.count(), invitations.count()
            )
            if not purged.rounds:
                continue
            out.append(purged)
            if dry_run:
                continue
            responses.delete()
            invitations.delete()
            # The published figures were computed from these answers: they go too.
            PublishedResult.objects.filter(round__in=ids).delete()
            for rnd in rounds:
                if rnd.state != Round.State.CLOSED:
                    rnd.state, rnd.closed_at = Round.State.CLOSED, rnd.closes_at
                rnd.purged_at = now
                rnd.join_open = False
                rnd.save(update_fields=["state", "closed_at", "purged_at", "join_open"])
            record(
                alliance,
                AuditEvent.Action.RETENTION_PURGED,
                None,
                rounds=purged.rounds,
                responses=purged.responses,
                invitations=purged.invitations,
                retention_months=alliance.retention_months,
            )
    return out


def forget_old_throttles(now: datetime | None = None) -> int:
    """Drop login and reset counters untouched for a day (they hold user names,
    typed e-mail addresses and client addresses); a lock still running stays."""
    now = now or timezone.now()
    stale = LoginThrottle.objects.filter(updated_at__lt=now - timedelta(days=1)).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )
    # Every login window is shorter than a day.
    windows = LoginWindow.objects.filter(started_at__lt=now - timedelta(days=1))
    return stale.delete()[0] + windows.delete()[0]
