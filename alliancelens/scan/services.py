"""The respondent's workflows: save a page of answers, submit.

Each is one transaction that locks the invitation, so a double click or two
devices never create a second response or interleave their writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from alliancelens.alliances.models import (
    Invitation,
    ItemAnswer,
    QuestionAnswer,
    Round,
    ScanResponse,
)


class RoundClosedError(Exception):
    """The round does not (or no longer) accept answers."""


# PostgreSQL: the invitation is locked for update (one writer per person at
# a time), its round for share. Saves of different people never wait for
# each other, but closing a round (which locks the round for update) waits
# for the saves under way, and a save that waited sees the round as it is
# after the close. SQLite's writers queue one at a time anyway.
_LOCK_SQL = (
    "SELECT r.state, r.closes_at FROM alliances_invitation i "
    "JOIN alliances_round r ON r.id = i.round_id WHERE i.id = %s "
    "FOR UPDATE OF i FOR SHARE OF r"
)


def _locked_response(invitation: Invitation) -> ScanResponse:
    """Lock the invitation (and, on PostgreSQL, its round for share), check
    that the round still accepts answers, and return the invitation's one
    response, created if need be; within the caller's transaction.

    The invitation object loaded for the request is reused: its participant
    and partner are already there.
    """
    rnd = invitation.round
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [invitation.pk])
            row = cursor.fetchone()
        if row is None:
            raise Invitation.DoesNotExist
        rnd.state, rnd.closes_at = row
    else:
        rnd.state, rnd.closes_at = Round.objects.values_list("state", "closes_at").get(pk=rnd.pk)
    if not rnd.accepts_answers():
        raise RoundClosedError
    # A statement of its own, after the lock: it sees the latest committed row.
    response = ScanResponse.objects.filter(invitation=invitation).first()
    if response is not None:
        return response
    try:
        with transaction.atomic():
            return ScanResponse.objects.create(
                round=rnd,
                invitation=invitation,
                partner=invitation.participant.partner,
                level=invitation.participant.level,
            )
    except IntegrityError:
        # Another request created it between our check and insert.
        return ScanResponse.objects.get(invitation=invitation)


@transaction.atomic
def response_save(
    *,
    invitation: Invitation,
    step: str,
    items: Mapping[str, int | None],
    cleared: Iterable[str] = (),
    questions: Mapping[str, str],
) -> ScanResponse:
    """Store the answers of one page as a draft (or update a submitted response).

    ``items`` maps item ids to a scale value, or None for "don't know";
    ``cleared`` names items left unanswered, whose earlier answers go.
    ``questions`` maps question ids to text; empty text removes the answer.
    """
    response = _locked_response(invitation)
    # One statement per table, and none where there is nothing to write.
    gone = list(cleared)
    if gone:
        ItemAnswer.objects.filter(response=response, item_id__in=gone).delete()
    if items:
        ItemAnswer.objects.bulk_create(
            [ItemAnswer(response=response, item_id=i, value=v) for i, v in items.items()],
            update_conflicts=True,
            unique_fields=["response", "item_id"],
            update_fields=["value"],
        )
    given = {q: text.strip() for q, text in questions.items() if text.strip()}
    if given:
        QuestionAnswer.objects.bulk_create(
            [QuestionAnswer(response=response, question_id=q, value=v) for q, v in given.items()],
            update_conflicts=True,
            unique_fields=["response", "question_id"],
            update_fields=["value"],
        )
    emptied = [q for q in questions if q not in given]
    if emptied:
        QuestionAnswer.objects.filter(response=response, question_id__in=emptied).delete()
    response.last_step = step
    response.save(update_fields=["last_step", "updated_at"])
    return response


@transaction.atomic
def response_submit(*, invitation: Invitation) -> ScanResponse:
    """Submit (or resubmit) the one response of an invitation.

    The invitation row is locked, and a response is unique per invitation,
    so a double click or two devices never create a second response.
    """
    response = _locked_response(invitation)
    now = timezone.now()
    if response.submitted_at is None:
        response.submitted_at = now
    response.times_submitted += 1
    response.last_step = "done"
    response.save(update_fields=["submitted_at", "times_submitted", "last_step", "updated_at"])
    return response
