"""The route's overview: where on the route the alliance stands, what each
phase delivered, the moves with their reasons, open checklist items, the
stage, the last successes, open learning questions and overdue agreements —
and, beside the facilitator's phase, what the participants of the latest
closed round answered. It needs no round: an alliance sees it from day one.

The same context feeds the report's "route" section (``route_context``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from alliancelens.alliances.models import Alliance, Phase, Round, Stage
from alliancelens.alliances.views.common import ANY_ROLE, access_for
from alliancelens.instrument import PHASES, localized
from alliancelens.journey.content import load_route
from alliancelens.journey.models import PhaseMove, PhaseResult
from alliancelens.journey.services import open_items
from alliancelens.journey.stage import indication_of
from alliancelens.registers.models import Agreement, LearningQuestion, Success

from .publish import Scope, publication_of


def _latest_phase_answers(alliance: Alliance, scope: Scope, lang: str) -> dict[str, Any] | None:
    """The spread of the phase question in the latest closed round, as the
    reader's view of the stored result has it (hidden when too few)."""
    for rnd in alliance.rounds.filter(state=Round.State.CLOSED).order_by("-number"):
        publication = publication_of(rnd)
        if publication is None:
            continue
        phase = publication.result(scope, lang).phase
        if phase.hidden:
            return {"round": rnd, "hidden": True, "rows": []}
        return {
            "round": rnd,
            "hidden": False,
            "rows": [
                {"phase": p, "label": Phase(p).label, "count": phase.distribution.get(p, 0)}
                for p in PHASES
            ],
            "mode": phase.mode,
        }
    return None


def route_context(alliance: Alliance, lang: str) -> dict[str, Any]:
    """The route as the overview and the report show it (no scan answers)."""
    route = load_route()
    results = {r.phase: r for r in PhaseResult.objects.filter(alliance=alliance)}
    moves = list(PhaseMove.objects.filter(alliance=alliance))
    current = PHASES.index(alliance.current_phase)
    phases = []
    for index, info in enumerate(route.phases):
        result = results.get(info.id)
        entered = [m.moved_on for m in moves if m.to_phase == info.id]
        phases.append(
            {
                "id": info.id,
                "label": Phase(info.id).label,
                "theme": localized(info.theme, lang),
                "working_form": localized(info.working_form, lang),
                "result_name": localized(info.result, lang),
                "result": result,
                "status": result.get_status_display()
                if result
                else PhaseResult.Status.MISSING.label,
                "agreed": bool(result and result.status == PhaseResult.Status.AGREED),
                "current": index == current,
                "passed": index < current,
                "entered": entered[-1] if entered else None,
                "skipped": [m for m in moves if info.id in (m.skipped or [])],
            }
        )
    earlier, now = open_items(alliance)
    return {
        "phases": phases,
        "moves": [
            {
                "move": m,
                "from": Phase(m.from_phase).label if m.from_phase else "",
                "to": Phase(m.to_phase).label,
                "skipped": [Phase(p).label for p in m.skipped or []],
            }
            for m in reversed(moves)
        ],
        "open_earlier": [localized(i.text, lang) for i in earlier],
        "open_now": [localized(i.text, lang) for i in now],
        "stage_label": Stage(alliance.stage).label,
        "stage": indication_of(alliance, lang),
        "successes": list(Success.objects.current(alliance).select_related("partner")[:3]),
        "learning": [q for q in LearningQuestion.objects.current(alliance) if q.status == "open"],
        "overdue": [a for a in Agreement.objects.current(alliance) if a.overdue],
    }


@login_required
def route(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    lang = translation.get_language() or "nl"
    alliance = access.alliance
    return render(
        request,
        "results/route.html",
        {
            "alliance": alliance,
            "access": access,
            "current": Phase(alliance.current_phase),
            "answers": _latest_phase_answers(alliance, access.visible_partners, lang),
            "route": route_context(alliance, lang),
        },
    )
