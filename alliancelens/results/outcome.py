"""The respondent's outcome page: what came out of the round, behind their
own link, once the round has closed.

It shows the published, suppressed figures of the alliance as a whole (what
an observer sees), the statements partners see differently (without who or
by how much), and what the room agreed. When the facilitator shares the
partners' figures, each respondent also sees their own organisation's
column, as its partner lead does; never other partners' figures. The
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
from .context import perspective_table, scale_context, strongest_and_weakest
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
    if rnd.purged_at is not None:
        # The answers are gone after the retention period, and so are the figures.
        return private(
            render(request, "results/outcome.html", {"round": rnd, "alliance": rnd.alliance})
        )
    publication = publication_of(rnd) if rnd.is_past_closing() else None
    if publication is None:
        # Still open (or not yet published): the link's place is the scan.
        return private(redirect("scan:resume", token))
    lang = translation.get_language() or "nl"
    # An observer's view of the result; shared, a partner lead's view of the
    # respondent's own organisation. Never more: a link can be passed on.
    shared = rnd.outcome_partners
    own = invitation.participant.partner.name
    result = publication.result(frozenset({own}) if shared else frozenset(), lang)
    instrument = rnd.instrument
    partners = [g for g in result.partners.values() if not g.suppressed] if shared else []
    rows = perspective_table(instrument, lang, partners)
    for row in rows:
        row["overall"] = result.perspectives[row["id"]].stat
    strongest, weakest = strongest_and_weakest(result, instrument, lang)
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
