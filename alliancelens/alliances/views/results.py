"""The results page of a round: everything the lens computed, suppressed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from alliancelens.analysis import GroupSummary
from alliancelens.analysis.engine import LEVELS
from alliancelens.analysis.scope import restrict
from alliancelens.instrument import FACETS, PERSPECTIVES, Instrument, localized

from ..adapter import round_analyses, round_trends
from ..exports import build_export, codebook_csv, to_csv, to_sav, to_xlsx
from ..figures import open_answers, round_charts
from ..models import Phase
from ..report import (
    render_guide_html,
    render_guide_pdf,
    render_report_html,
    render_report_pdf,
)
from .common import ANY_ROLE, access_for, round_for, round_of


def localized_label(instrument: Instrument, lang: str, index: int) -> str:
    labels = instrument.scale.labels.get(lang) or instrument.scale.labels["nl"]
    return labels[index].lower()


def _table(instrument: Instrument, lang: str, groups: list[GroupSummary]) -> list[dict[str, Any]]:
    """Rows per perspective: the overall figure is added by the caller."""
    rows = []
    for p in instrument.perspectives:
        rows.append(
            {
                "id": p.id,
                "label": localized(p.label, lang),
                "cells": [
                    None if g.suppressed or g.perspectives[p.id].hidden else g.perspectives[p.id]
                    for g in groups
                ],
            }
        )
    return rows


@login_required
def results(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    rnd = round_of(access.alliance, number)
    history = round_analyses(rnd)
    result = history[-1]
    lang = translation.get_language() or "nl"
    if access.visible_partners is not None:
        result = restrict(result, access.visible_partners, lang)
    # While a round is open, comparing the scores before and after one person
    # submits would reveal that person's answers: scores wait for the close.
    show_scores = rnd.is_past_closing()
    instrument = rnd.instrument
    partners = list(result.partners.values())
    levels = [result.levels[lvl] for lvl in LEVELS if lvl in result.levels]
    rows = _table(instrument, lang, partners)
    level_rows = _table(instrument, lang, levels)
    for row, level_row in zip(rows, level_rows, strict=True):
        summary = result.perspectives[row["id"]]
        row["overall"] = summary.stat
        row["alpha"] = summary.alpha
        row["alpha_n"] = summary.alpha_n
        row["alpha_low"] = summary.alpha_low
        level_row["gap"] = result.level_gap[row["id"]].gap

    divergences = [
        {
            "d": d,
            "label": instrument.column_label(d.kind, d.id, lang),
            "perspective": localized(instrument.perspective(d.perspective).label, lang),
            "prompts": d.prompts.get(lang, []),
            "high_mean": d.partner_means.get(d.high),
            "low_mean": d.partner_means.get(d.low),
        }
        for d in result.divergence
        if d.flagged
    ]
    advice = [
        {
            "a": a,
            "text": a.text.get(lang, a.text["nl"]),
            "source": a.source.get(lang, a.source["nl"]),
            "perspective": localized(instrument.perspective(a.perspective).label, lang)
            if a.perspective
            else "",
        }
        for a in result.advice
    ]
    facet_labels = {"promise": _("Promise"), "commitment": _("Commitment"), "action": _("Action")}
    shown = show_scores and not result.suppressed
    charts = round_charts(rnd, result, lang, history) if shown else {}
    # Open answers only for the facilitator: a partner lead is often the
    # manager of the people whose words these are.
    own_words = (
        open_answers(rnd, result, "ambition_own_words") if shown and access.is_facilitator else []
    )
    trend_rows = [
        {"t": t, "label": localized(instrument.perspective(t.perspective).label, lang)}
        for t in (round_trends(rnd) if shown else [])
    ]
    return render(
        request,
        "alliances/results.html",
        {
            "charts": charts,
            "distribution_charts": [
                charts[f"distribution_{p}"] for p in PERSPECTIVES if f"distribution_{p}" in charts
            ],
            "own_words": own_words,
            "trend_rows": trend_rows,
            "alliance": rnd.alliance,
            "round": rnd,
            "result": result,
            "partners": partners,
            "levels": levels,
            "rows": rows,
            "level_rows": level_rows,
            "divergences": divergences,
            "disagreement": [
                {
                    "d": d,
                    "perspective": localized(instrument.perspective(d.perspective).label, lang),
                }
                for d in result.disagreement
            ],
            "advice": advice,
            "facets": [
                {
                    "label": facet_labels[f],
                    "mean": result.ambition_index.facets[f],
                    "scaled": result.ambition_index.scaled[f],
                    "weakest": f == result.ambition_index.weakest,
                }
                for f in FACETS
            ],
            "phases": [
                {
                    "id": ph.value,
                    "label": ph.label,
                    "count": result.phase.distribution.get(ph.value, 0),
                    "declared": ph.value == result.phase.declared,
                    "mode": ph.value == result.phase.mode,
                }
                for ph in Phase
            ],
            "show_scores": show_scores,
            "access": access,
            "own_group_withheld": access.partner is not None
            and access.partner.name not in result.partners,
            "scale_low": localized_label(instrument, lang, 0),
            "scale_high": localized_label(instrument, lang, -1),
            "scale": instrument.scale,
            "other_rounds": rnd.alliance.rounds.exclude(pk=rnd.pk),
        },
    )


@login_required
def report_download(
    request: HttpRequest, slug: str, number: int, fmt: str, kind: str = "report"
) -> HttpResponse:
    """The round report (or dialogue guide) as PDF or HTML, in the language asked for."""
    if fmt not in ("pdf", "html"):
        raise Http404("unknown report format")
    access = access_for(request, slug, ANY_ROLE)
    rnd = round_of(access.alliance, number)
    if not rnd.is_past_closing():
        raise Http404("reports are made once the round has closed")
    lang = request.GET.get("lang") or translation.get_language() or "nl"
    if lang not in ("nl", "en"):
        lang = "nl"
    name = f"alliancelens-{rnd.alliance.slug}-round-{rnd.number}-{kind}-{lang}.{fmt}"
    renderers = {
        ("report", "pdf"): render_report_pdf,
        ("report", "html"): render_report_html,
        ("guide", "pdf"): render_guide_pdf,
        ("guide", "html"): render_guide_html,
    }
    content = renderers[(kind, fmt)](rnd, lang, access.visible_partners)
    content_type = "application/pdf" if fmt == "pdf" else "text/html"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("application/x-spss-sav", "sav"),
    "codebook": ("text/csv; charset=utf-8", "csv"),
}


@login_required
def export_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """Anonymised answers (or the codebook) of a closed round."""
    if fmt not in EXPORTS:
        raise Http404("unknown export format")
    rnd = round_for(request, slug, number)
    if not rnd.is_past_closing():
        raise Http404("exports are made once the round has closed")
    lang = translation.get_language() or "nl"
    export = build_export(rnd, lang if lang in ("nl", "en") else "nl")
    content = {
        "csv": to_csv,
        "xlsx": to_xlsx,
        "sav": to_sav,
        "codebook": codebook_csv,
    }[fmt](export)
    content_type, extension = EXPORTS[fmt]
    stem = "codebook" if fmt == "codebook" else "answers"
    name = f"alliancelens-{rnd.alliance.slug}-round-{rnd.number}-{stem}.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
