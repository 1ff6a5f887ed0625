"""Workshop mode services: reveal the results, open or close the join link, join."""

from __future__ import annotations

import secrets

from django.db import transaction

from alliancelens.alliances.history import Actor, record
from alliancelens.alliances.models import (
    AuditEvent,
    Invitation,
    Level,
    Participant,
    Partner,
    Round,
)
from alliancelens.alliances.services import IssuedLink, invitations_issue, round_close

JOIN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0)


class JoinRefused(Exception):
    """The join link is off or full, the partner has nobody left to join as,
    or the round no longer accepts answers; the argument says which."""


@transaction.atomic
def workshop_reveal(*, rnd: Round, by: Actor = None) -> Round:
    """Close the round and show its results on the projector.

    Closing first means nobody can answer after the reveal, so no single
    person's answers can be worked out by comparing before and after.
    """
    rnd = round_close(rnd=rnd, by=by)
    rnd.workshop_revealed = True
    rnd.join_open = False
    rnd.save(update_fields=["workshop_revealed", "join_open"])
    return rnd


@transaction.atomic
def join_link_set(*, rnd: Round, is_open: bool) -> Round:
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if is_open and not rnd.join_code:
        rnd.join_code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(10))
    rnd.join_open = is_open and rnd.state != Round.State.CLOSED
    rnd.save(update_fields=["join_code", "join_open"])
    return rnd


def join_room(rnd: Round, partner: Partner) -> int:
    """How many more people may join the round as ``partner``: the people
    invited for that partner who have not answered through their own link,
    less those who joined as it already.

    So joins never make a partner look bigger than the people it invited,
    and one person in the room cannot add many answers to a small partner to
    lift it over k and then take their own answers off its figures.
    """
    invitations = Invitation.objects.filter(round=rnd, participant__partner=partner)
    invited = invitations.filter(via_join=False)
    answered = invited.filter(response__isnull=False).count()
    joined = invitations.filter(via_join=True).count()
    return max(0, invited.count() - answered - joined)


@transaction.atomic
def workshop_join(
    *, rnd: Round, partner: Partner, level: str, language: str, by: Actor = None
) -> IssuedLink:
    """A participant joins through the shared link and gets a personal link."""
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if not rnd.join_open or not rnd.accepts_answers():
        raise JoinRefused("closed")
    if rnd.joined >= rnd.join_cap:
        raise JoinRefused("full")
    if partner.alliance_id != rnd.alliance_id or level not in Level.values:
        raise JoinRefused("invalid")
    if join_room(rnd, partner) <= 0:
        raise JoinRefused("partner_full")
    rnd.joined += 1
    rnd.save(update_fields=["joined"])
    participant = Participant.objects.create(
        partner=partner,
        name=f"Workshop {rnd.number}-{rnd.joined}",
        level=level,
        language=language if language in ("nl", "en") else "nl",
    )
    invitation = Invitation.objects.create(round=rnd, participant=participant, via_join=True)
    (link,) = invitations_issue(invitations=[invitation], log=False)  # the join is logged
    record(rnd.alliance, AuditEvent.Action.JOINED, by, round=rnd.number, partner=partner.name)
    return link
