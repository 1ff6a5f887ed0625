"""The respondent's outcome page: what came out of the round, behind their
own link, once the round has closed.

It shows the published, suppressed figures of the alliance as a whole, the
points partners see differently (named by partner only when the
facilitator shares the partners' figures) and what the room agreed. The
same stored result as every other output; nothing is computed here.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET

from alliancelens.alliances.links import link_language, private
from alliancelens.alliances.models import Invitation
from alliancelens.instrument import localized

from .agenda import agreed_steps
from .context import _points, _table, scale_context
from .publish import publication_of


@require_GET
def outcome(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.for_token(token)
    if invitation is None:
        raise Http404("unknown invitation")
    switched = link_language(request, invitation)
    if switched is not None:
        return switched
    rnd = invitation.round
    publication = publication_of(rnd) if rnd.is_past_closing() else None
    if publication is None:
        # Still open (or not yet published): the link's place is the scan.
        return private(redirect("scan:resume", token))
    lang = translation.get_language() or "nl"
    result = publication.result(None, lang)
    instrument = rnd.instrument
    shared = rnd.outcome_partners
    partners = list(result.partners.values()) if shared else []
    rows = _table(instrument, lang, partners)
    for row in rows:
        row["overall"] = result.perspectives[row["id"]].stat
    strongest, weakest = _points(result, instrument, lang)
    differences: list[dict[str, Any]] = [
        {
            "label": instrument.column_label(d.kind, d.id, lang),
            "perspective": localized(instrument.perspective(d.perspective).label, lang),
            "d": d,
        }
        for d in result.divergence
        if d.flagged
    ]
    differences.sort(key=lambda x: x["d"].kind != "perspective")
    response = render(
        request,
        "results/outcome.html",
        {
            "alliance": rnd.alliance,
            "round": rnd,
            "result": result,
            "k": publication.k,
            "shared": shared,
            "partners": partners,
            "rows": rows,
            "strongest": strongest,
            "weakest": weakest,
            "differences": differences[:5],
            "more_differences": max(0, len(differences) - 5),
            "agreed": agreed_steps(rnd, result, lang),
            "token": token,
            **scale_context(instrument, lang),
        },
    )
    return private(response)
