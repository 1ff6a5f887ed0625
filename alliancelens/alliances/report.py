"""The round report: HTML from the same templates and charts as the web, PDF by WeasyPrint.

Summary first (strongest and weakest points, largest divergences, top advice),
then a section per perspective, phase and stage, response rates and method
notes. A4, page numbers, table of contents.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from alliancelens.analysis import AnalysisResult
from alliancelens.analysis.scope import restrict
from alliancelens.instrument import PERSPECTIVES, localized

from .adapter import round_analyses
from .figures import open_answers, round_charts
from .models import PHASE_HELP, STAGE_HELP, Phase, Round, Stage
from .rates import response_rates, response_totals

REPORT_CHARTS = frozenset({"radar", "distributions", "phase", "trend"})


def _points(result: AnalysisResult, rnd: Round, lang: str) -> tuple[list[Any], list[Any]]:
    """The three strongest and three weakest statements (overall means)."""
    instrument = rnd.instrument
    scored = [
        (s.mean, item)
        for item in instrument.items
        if (s := result.items.get(item.id)) is not None and s.mean is not None
    ]
    scored.sort(key=lambda t: (t[0], t[1].id))

    def row(mean: float, item: Any) -> dict[str, Any]:
        return {
            "text": localized(item.text, lang),
            "perspective": localized(instrument.perspective(item.perspective).label, lang),
            "mean": mean,
            "reverse": item.reverse,
        }

    return [row(m, i) for m, i in reversed(scored[-3:])], [row(m, i) for m, i in scored[:3]]


Scope = frozenset[str] | None  # the partner groups a reader may see; None: all


def report_context(rnd: Round, lang: str, scope: Scope = None) -> dict[str, Any]:
    with translation.override(lang):
        history = round_analyses(rnd)
        result = history[-1] if scope is None else restrict(history[-1], scope, lang)
        instrument = rnd.instrument
        charts = (
            round_charts(rnd, result, lang, history, only=REPORT_CHARTS)
            if not result.suppressed
            else {}
        )
        strongest, weakest = _points(result, rnd, lang)
        partners = [g for g in result.partners.values() if not g.suppressed]
        divergences = [d for d in result.divergence if d.flagged]
        sections = []
        for p in PERSPECTIVES:
            perspective = instrument.perspective(p)
            summary = result.perspectives[p]
            sections.append(
                {
                    "id": p,
                    "label": localized(perspective.label, lang),
                    "description": localized(perspective.description, lang),
                    "summary": summary,
                    "partners": [(g.name, g.perspectives[p]) for g in partners],
                    "items": [
                        {
                            "text": localized(item.text, lang),
                            "stat": result.items[item.id],
                            "reverse": item.reverse,
                        }
                        for item in instrument.items_for(p)
                    ],
                    "divergences": [
                        {
                            "d": d,
                            "label": instrument.column_label(d.kind, d.id, lang),
                            "prompts": d.prompts.get(lang, []),
                        }
                        for d in divergences
                        if d.perspective == p
                    ][:5],
                    "advice": [a for a in result.advice if a.perspective == p],
                    "chart": charts.get(f"distribution_{p}"),
                }
            )
        all_rates = response_rates(rnd)
        rates = [r for r in all_rates if scope is None or r["partner"] in scope]
        alliance = rnd.alliance
        return {
            "lang": lang,
            "round": rnd,
            "alliance": alliance,
            "result": result,
            "charts": charts,
            "strongest": strongest,
            "weakest": weakest,
            "top_divergences": [
                {
                    "d": d,
                    "label": instrument.column_label(d.kind, d.id, lang),
                }
                for d in divergences[:3]
            ],
            "top_advice": result.advice[:3],
            "sections": sections,
            "phase_label": Phase(alliance.current_phase).label,
            "phase_help": PHASE_HELP[Phase(alliance.current_phase)],
            "stage_label": Stage(alliance.stage).label,
            "stage_see": STAGE_HELP[Stage(alliance.stage)][0],
            "stage_do": STAGE_HELP[Stage(alliance.stage)][1],
            "mode_label": Phase(result.phase.mode).label if result.phase.mode else None,
            "rates": rates,
            "totals": response_totals(all_rates),
            "own_words": open_answers(rnd, result, "ambition_own_words")
            if not result.suppressed and scope is None
            else [],
            "generated": timezone.now(),
            "instrument": instrument,
        }


def render_report_html(rnd: Round, lang: str, partners: Scope = None) -> str:
    context = report_context(rnd, lang, partners)
    with translation.override(lang):
        return render_to_string("alliances/report/report.html", context)


def render_report_pdf(rnd: Round, lang: str, partners: Scope = None) -> bytes:
    return _pdf(render_report_html(rnd, lang, partners))


def render_guide_html(rnd: Round, lang: str, partners: Scope = None) -> str:
    """The A4 dialogue guide: per perspective the result, the differences to
    discuss with their questions, and room for agreed actions."""
    context = report_context(rnd, lang, partners)
    with translation.override(lang):
        return render_to_string("alliances/report/guide.html", context)


def render_guide_pdf(rnd: Round, lang: str, partners: Scope = None) -> bytes:
    return _pdf(render_guide_html(rnd, lang, partners))


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
