"""The charts and open answers of a round, for the results page and the report.

One code path: both the web page and the PDF embed the same SVG (as an image),
with its text alternative and data table.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from alliancelens.alliances.models import Level, Phase, Round
from alliancelens.analysis import AnalysisResult
from alliancelens.analysis.engine import LEVELS
from alliancelens.analysis.publication import Published
from alliancelens.charts import (
    Chart,
    bar_chart,
    distribution_chart,
    dumbbell_chart,
    heatmap,
    line_chart,
    partner_colours,
    radar_chart,
)
from alliancelens.charts.charts import PALETTE
from alliancelens.instrument import FACETS, PERSPECTIVES, localized

SHORT = 70


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"


# The charts that differ between readers (they name partners); the others
# are the same in every view and are drawn once per language.
SCOPED_CHARTS = frozenset({"radar", "heatmap", "give_take"})
ALL_CHARTS = frozenset(
    {"radar", "heatmap", "levels", "distributions", "phase", "ambition", "give_take", "trend"}
)


def chart_group(name: str) -> str:
    """``distribution_ambition`` → ``distributions``; other names are their own group."""
    return "distributions" if name.startswith("distribution_") else name


def round_charts(
    rnd: Round,
    result: AnalysisResult,
    lang: str,
    published: Published,
    only: frozenset[str] = ALL_CHARTS,
) -> dict[str, Chart]:
    """The charts named in ``only`` (all by default) of ``result``, the
    published result as one reader sees it; each takes ~0.1 s to draw."""
    instrument = rnd.instrument
    labels = [localized(instrument.perspective(p).label, lang) for p in PERSPECTIVES]
    visible = [name for name, g in result.partners.items() if not g.suppressed]
    colours = partner_colours(list(result.partners))
    overall = _("All partners")
    charts: dict[str, Chart] = {}

    series: dict[str, list[float | None]] = {
        overall: [result.perspectives[p].stat.mean for p in PERSPECTIVES]
    }
    for name in visible:
        cells = result.partners[name].perspectives
        series[name] = [cells[p].mean for p in PERSPECTIVES]
    if "radar" in only:
        charts["radar"] = radar_chart(
            _("The five perspectives per partner"),
            labels,
            series,
            colours,
            overall_label=overall,
            lang=lang,
        )

    flagged = {d.id for d in result.divergence if d.kind == "item" and d.flagged}
    items = list(instrument.items)
    if visible and "heatmap" in only:
        charts["heatmap"] = heatmap(
            _("Every statement per partner (▶ partners differ by a scale point or more)"),
            [_short(localized(i.text, lang)) for i in items],
            visible,
            [[result.partners[n].items[i.id].mean for n in visible] for i in items],
            highlight=[i.id in flagged for i in items],
            hidden_label="·",
            lang=lang,
        )

    level_names = dict(Level.choices)
    shown_levels = [
        lvl for lvl in LEVELS if lvl in result.levels and not result.levels[lvl].suppressed
    ]
    level_colours = {str(level_names[lvl]): PALETTE[i] for i, lvl in enumerate(LEVELS)}
    if "levels" in only:
        charts["levels"] = bar_chart(
            _("Board, management and professionals"),
            labels,
            {
                str(level_names[lvl]): [
                    result.levels[lvl].perspectives[p].mean for p in PERSPECTIVES
                ]
                for lvl in shown_levels
            },
            level_colours,
            lang=lang,
        )

    categories = [
        (str(v), str(lab))
        for v, lab in zip(instrument.scale.points, instrument.scale.labels[lang], strict=True)
    ]
    categories.append(("dont_know", localized(instrument.scale.dont_know_label, lang)))
    for p in PERSPECTIVES if "distributions" in only else ():
        p_items = instrument.items_for(p)
        charts[f"distribution_{p}"] = distribution_chart(
            _("How the answers spread: %(perspective)s")
            % {"perspective": localized(instrument.perspective(p).label, lang)},
            [_short(localized(i.text, lang)) for i in p_items],
            [result.items[i.id].distribution for i in p_items],
            categories,
        )

    if not result.phase.hidden and "phase" in only:
        phase_labels = [str(ph.label) for ph in Phase]
        declared = dict(Phase.choices).get(result.phase.declared or "")
        charts["phase"] = bar_chart(
            _("Which phase are we in? (▼ the facilitator's view)"),
            phase_labels,
            {
                _("Respondents"): [
                    float(result.phase.distribution.get(ph.value, 0)) for ph in Phase
                ]
            },
            {_("Respondents"): PALETTE[0]},
            limits=(0, max(1, max(result.phase.distribution.values(), default=1)) * 1.15),
            marker=str(declared) if declared else None,
            lang=lang,
        )

    facet_names = {"promise": _("Promise"), "commitment": _("Commitment"), "action": _("Action")}
    if "ambition" in only:
        charts["ambition"] = bar_chart(
            _("Ambition = promise × commitment × action (0–1)"),
            [facet_names[f] for f in FACETS],
            {_("Alliance"): [result.ambition_index.scaled[f] for f in FACETS]},
            {_("Alliance"): PALETTE[0]},
            limits=(0, 1),
            lang=lang,
        )

    if result.give_take and "give_take" in only:
        charts["give_take"] = dumbbell_chart(
            _("Give and take per partner"),
            [g.partner for g in result.give_take],
            [g.gets for g in result.give_take],
            [g.brings for g in result.give_take],
            (_("gets"), _("brings")),
            colours,
            lang=lang,
        )

    rounds, means = published.series()
    if len(rounds) > 1 and "trend" in only:
        perspective_colours = {lab: PALETTE[i] for i, lab in enumerate(labels)}
        charts["trend"] = line_chart(
            _("The perspectives across rounds"),
            [_("Round %(n)s") % {"n": n} for n in rounds],
            {lab: means[p] for lab, p in zip(labels, PERSPECTIVES, strict=True)},
            perspective_colours,
            lang=lang,
        )
    return charts
