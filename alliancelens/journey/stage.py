"""The development stage as the alliance's members see it: their latest
ticks (``StageView``) through ``analysis.stage.stage_indication``, in words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from alliancelens.alliances.models import AccessGrant, Alliance, Stage
from alliancelens.analysis.stage import Certainty, stage_indication
from alliancelens.instrument import STAGES, localized

from .content import load_route
from .models import StageView

# The register each kind of stage action becomes a task in (its key).
TASK_REGISTER = {
    "learning_agenda": "learning",
    "external_profiling": "stakeholders",
    "harvest_log": "harvest",
    "organised_dissent": "dissent",
}


def indication_of(alliance: Alliance, lang: str) -> dict[str, Any]:
    route = load_route()
    # Views of current members only: someone whose access ended no longer counts.
    members = AccessGrant.objects.filter(alliance=alliance).values_list("user__username")
    views = StageView.objects.filter(alliance=alliance, rater__in=members)
    marks = {v.rater: list(v.recognised) for v in views}
    statements = {s: [o.id for o in route.observations_for(s)] for s in STAGES}
    known = {o.id for o in route.observations}
    # A view given before an observation left the content still counts for the rest.
    marks = {rater: [i for i in ids if i in known] for rater, ids in marks.items()}
    found = stage_indication(marks, statements)

    def label(stage: str | None) -> str:
        return str(Stage(stage).label) if stage else ""

    if found.certainty is Certainty.CLEAR:
        text = _("%(stage)s, clearly") % {"stage": label(found.indicated)}
    elif found.certainty is Certainty.LEANING:
        text = _("probably %(stage)s, not yet clearly") % {"stage": label(found.indicated)}
    elif found.between:
        text = _("somewhere between %(a)s and %(b)s: no stage stands out") % {
            "a": label(found.between[0]),
            "b": label(found.between[1]),
        }
    else:
        text = _("no stage stands out")
    return {
        "state": found.certainty.value,
        "n_raters": found.n_raters,
        "text": text,
        "indicated": found.indicated,
        "differs": bool(found.indicated and found.indicated != alliance.stage),
        "rows": [
            {
                "label": label(s.stage),
                "share": s.share,
                "low": s.low,
                "high": s.high,
                "declared": s.stage == alliance.stage,
                "indicated": s.stage == found.indicated,
            }
            for s in found.stages
        ],
        "actions": [
            {
                "stage": label(stage),
                "current": stage in (alliance.stage, found.indicated),
                "items": [
                    {"text": localized(a.text, lang), "register": TASK_REGISTER.get(a.task)}
                    for a in route.actions_for(stage)
                ],
            }
            for stage in STAGES
        ],
    }
