"""The round report: HTML from the same templates and charts as the web, PDF by WeasyPrint.

The same sections in the same order as the results page (``context.SECTIONS``,
one template per section under ``results/parts/``), plus response rates.
A4, page numbers, table of contents.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from alliancelens.alliances.models import Round
from alliancelens.alliances.rates import response_rates, response_totals
from alliancelens.registers.report import register_tables

from .context import contents, published_context
from .publish import Scope, published_round
from .route import route_context


def report_context(rnd: Round, lang: str, scope: Scope = None) -> dict[str, Any]:
    """The page's context (``context.published_context``), with response rates."""
    context = published_context(rnd, published_round(rnd), lang, scope)
    all_rates = response_rates(rnd)
    context.update(
        rates=[r for r in all_rates if scope is None or r["partner"] in scope],
        totals=response_totals(all_rates),
        generated=timezone.now(),
        # The shared section templates open what the page folds away.
        document=True,
        # What the alliance keeps beside the scan (no answers in it).
        registers=register_tables(rnd.alliance),
    )
    with translation.override(lang):
        context["route"] = route_context(rnd.alliance, lang)
        context["report_contents"] = contents(context, "report")
    return context


def render_report_html(rnd: Round, lang: str, partners: Scope = None) -> str:
    context = report_context(rnd, lang, partners)
    with translation.override(lang):
        return render_to_string("results/report/report.html", context)


def render_report_pdf(rnd: Round, lang: str, partners: Scope = None) -> bytes:
    return _pdf(render_report_html(rnd, lang, partners))


def render_guide_html(rnd: Round, lang: str, partners: Scope = None) -> str:
    """The A4 dialogue guide: per perspective the result, the differences to
    discuss with their questions, and room for agreed actions."""
    context = report_context(rnd, lang, partners)
    with translation.override(lang):
        return render_to_string("results/report/guide.html", context)


def render_guide_pdf(rnd: Round, lang: str, partners: Scope = None) -> bytes:
    return _pdf(render_guide_html(rnd, lang, partners))


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
