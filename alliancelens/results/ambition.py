"""The ambition in one place: the alliance's short mission and strategic
context, its goals with their activities and each partner's contribution
(the goals register), and — for the facilitator, like every free-text answer
— how the participants of the latest closed round put the ambition in their
own words, side by side per partner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alliancelens.alliances.models import Round
from alliancelens.alliances.views.common import ANY_ROLE, access_for
from alliancelens.registers.models import Goal

from .publish import publication_of


@login_required
def ambition(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    readings, source = [], None
    if access.is_facilitator:
        for rnd in alliance.rounds.filter(state=Round.State.CLOSED).order_by("-number"):
            publication = publication_of(rnd)
            if publication is not None:
                readings = publication.open_answers("ambition_own_words")
                source = rnd
                break
    return render(
        request,
        "results/ambition.html",
        {
            "alliance": alliance,
            "access": access,
            "goals": Goal.objects.current(alliance).select_related("partner"),
            "readings": readings,
            "source": source,
        },
    )
