"""The respondent's workflows: save a page of answers, submit.

Each is one transaction that locks the invitation, so a double click or two
devices never create a second response or interleave their writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from alliancelens.alliances.models import Invitation, ItemAnswer, QuestionAnswer, Response


class RoundClosedError(Exception):
    """The round does not (or no longer) accept answers."""


def _locked_invitation(invitation: Invitation) -> Invitation:
    """The invitation locked for this transaction, with its round read afresh
    (it may have closed since the page was loaded) and its response, in one
    query. The participant comes from the invitation already loaded."""
    inv = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("round", "response")
        .get(pk=invitation.pk)
    )
    if not inv.round.accepts_answers():
        raise RoundClosedError
    inv.participant = invitation.participant
    return inv


def _response_for(inv: Invitation) -> Response:
    try:
        return inv.response
    except Response.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Response.objects.create(
                round=inv.round,
                invitation=inv,
                partner=inv.participant.partner,
                level=inv.participant.level,
            )
    except IntegrityError:
        # Another request created it between our check and insert.
        return Response.objects.get(invitation=inv)


@transaction.atomic
def response_save(
    *,
    invitation: Invitation,
    step: str,
    items: Mapping[str, int | None],
    cleared: Iterable[str] = (),
    questions: Mapping[str, str],
) -> Response:
    """Store the answers of one page as a draft (or update a submitted response).

    ``items`` maps item ids to a scale value, or None for "don't know";
    ``cleared`` names items left unanswered, whose earlier answers go.
    ``questions`` maps question ids to text; empty text removes the answer.
    """
    inv = _locked_invitation(invitation)
    response = _response_for(inv)
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
def response_submit(*, invitation: Invitation) -> Response:
    """Submit (or resubmit) the one response of an invitation.

    The invitation row is locked, and a response is unique per invitation,
    so a double click or two devices never create a second response.
    """
    inv = _locked_invitation(invitation)
    response = _response_for(inv)
    now = timezone.now()
    if response.submitted_at is None:
        response.submitted_at = now
    response.times_submitted += 1
    response.last_step = "done"
    response.save(update_fields=["submitted_at", "times_submitted", "last_step", "updated_at"])
    return response
