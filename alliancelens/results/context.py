"""The one context builder behind the results page, the report and the dialogue guide.

Everything here reads a published result (``publish.Publication``) as one
reader sees it, in one language; nothing is computed from answers. The page
adds what depends on the visitor's role, the documents add response rates
and the date they were made.
"""

from __future__ import annotations

from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliancelens.alliances.models import PHASE_HELP, STAGE_HELP, Level, Phase, Round, Stage
from alliancelens.analysis import AnalysisResult, GroupSummary
from alliancelens.analysis.advice import advise
from alliancelens.analysis.explain import because
from alliancelens.analysis.registers import register_indicators
from alliancelens.analysis.results import Advice
from alliancelens.analysis.scope import readable_advice
from alliancelens.instrument import FACETS, LEVELS, PERSPECTIVES, Instrument, localized
from alliancelens.registers.live import facts_of
from alliancelens.registers.registry import BY_KEY

from .agenda import agreed_steps
from .publish import Publication, Scope, charts_of


def scale_word(instrument: Instrument, lang: str, index: int) -> str:
    labels = instrument.scale.labels.get(lang) or instrument.scale.labels["nl"]
    return labels[index].lower()


def scale_context(instrument: Instrument, lang: str) -> dict[str, Any]:
    return {
        "scale": instrument.scale,
        "scale_low": scale_word(instrument, lang, 0),
        "scale_high": scale_word(instrument, lang, -1),
    }


def perspective_table(
    instrument: Instrument, lang: str, groups: list[GroupSummary]
) -> list[dict[str, Any]]:
    """Rows per perspective with a cell per group (None where hidden)."""
    return [
        {
            "id": p.id,
            "label": localized(p.label, lang),
            "cells": [
                None if g.suppressed or g.perspectives[p.id].hidden else g.perspectives[p.id]
                for g in groups
            ],
        }
        for p in instrument.perspectives
    ]


def strongest_and_weakest(
    result: AnalysisResult, instrument: Instrument, lang: str
) -> tuple[list[Any], list[Any]]:
    """The three strongest and three weakest statements (overall means)."""
    scored = [
        (s.mean, item)
        for item in instrument.items
        if (s := result.items.get(item.id)) is not None and s.mean is not None
    ]
    scored.sort(key=lambda t: (t[0], t[1].id))

    def row(mean: float, item: Any) -> dict[str, Any]:
        return {
            # A reverse-worded statement reads as what its score means.
            "text": item.reads(lang),
            "perspective": localized(instrument.perspective(item.perspective).label, lang),
            "mean": mean,
            "reverse": item.reverse,
        }

    return [row(m, i) for m, i in reversed(scored[-3:])], [row(m, i) for m, i in scored[:3]]


def _summary(
    divergences: list[dict[str, Any]],
    weakest: list[dict[str, Any]],
    strongest: list[dict[str, Any]],
    advice: list[dict[str, Any]],
) -> list[dict[str, str]]:
    """The three to five things to talk about, each one plain sentence with
    where its evidence is: differences between partners that pass the test
    (at most two, perspectives first), the weakest and the strongest point
    (read as meant), and the most urgent advice."""
    out: list[dict[str, str]] = []
    ordered = sorted(divergences, key=lambda x: x["d"].kind != "perspective")
    for item in ordered[:2]:
        d = item["d"]
        if d.gap is None:
            text = _("Partners see “%(label)s” differently, by more than chance.") % {
                "label": item["label"]
            }
        else:
            text = _(
                "Partners see “%(label)s” differently: %(high)s scores %(gap)s points higher "
                "than %(low)s, more than chance explains."
            ) % {
                "label": item["label"],
                "high": d.high,
                "low": d.low,
                "gap": formats.number_format(d.gap, 1),
            }
        out.append({"text": text, "anchor": "differences-h", "kind": "difference"})
    for kind, rows, sentence in (
        ("weak", weakest, _("Weakest point: “%(text)s” (%(mean)s on 1–5).")),
        ("strong", strongest, _("Strongest point: “%(text)s” (%(mean)s on 1–5).")),
    ):
        if rows:
            values = {"text": rows[0]["text"], "mean": formats.number_format(rows[0]["mean"], 1)}
            out.append({"text": sentence % values, "anchor": "points-h", "kind": kind})
    if advice:
        first = advice[0]
        out.append(
            {
                "text": _("First to do: %(advice)s") % {"advice": first["text"]},
                "anchor": "advice-h",
                "kind": "advice",
            }
        )
    return out[:5]


# The sections of a result, in the one order the page and the report share.
# (id, title, where): "page" only on the page, "report" only in the report.
SECTIONS: tuple[tuple[str, Any, str], ...] = (
    ("summary", gettext_lazy("What to talk about"), "both"),
    ("perspectives", gettext_lazy("The five perspectives"), "both"),
    ("differences", gettext_lazy("Where partners see it differently"), "both"),
    ("levels", gettext_lazy("Board, management and professionals"), "both"),
    ("ambition", gettext_lazy("Ambition: promise, commitment and action"), "both"),
    ("givetake", gettext_lazy("Give and take"), "both"),
    ("phase", gettext_lazy("Phase and development stage"), "both"),
    ("trends", gettext_lazy("Change since the last round"), "both"),
    ("open", gettext_lazy("Open answers"), "both"),
    ("advice", gettext_lazy("What to do next"), "both"),
    ("route", gettext_lazy("The alliance's route"), "report"),
    ("registers", gettext_lazy("The alliance's registers"), "report"),
    ("response", gettext_lazy("Response"), "report"),
    ("analysts", gettext_lazy("For analysts"), "both"),
)


def contents(context: dict[str, Any], where: str) -> list[dict[str, str]]:
    """The sections that have something to show, in order, for the page or
    the report: the page's navigation and the report's table of contents."""
    present = {
        "givetake": bool(context["result"].give_take),
        "trends": bool(context["trend_rows"]) or "trend" in context["charts"],
        "open": bool(context["own_words"] or context["open_questions"]),
        "advice": bool(context["advice"] or context["agreed"] or context.get("live_advice")),
        "summary": bool(context["summary"]),
        "registers": bool(context.get("registers")),
        "route": bool(context.get("route")),
    }
    return [
        {"id": sid, "title": str(title), "template": f"results/parts/{sid}.html"}
        for sid, title, shown in SECTIONS
        if shown in ("both", where) and present.get(sid, True)
    ]


def p_value(p: float | None) -> str:
    """A p or q value as analysts read it: three decimals, never "0.000"."""
    if p is None:
        return "—"
    if p < 0.001:
        return "< " + formats.number_format(0.001, 3)
    return formats.number_format(p, 3)


def _analysts(result: AnalysisResult, instrument: Instrument, lang: str) -> list[dict[str, Any]]:
    """The technical figures behind the plain words, per perspective and per
    statement that differs: for the analysts' section only."""
    tests = {(d.kind, d.id): d for d in result.divergence}
    rows = []
    for p in instrument.perspectives:
        summary = result.perspectives[p.id]
        rows.append(
            {
                "label": localized(p.label, lang),
                "kind": "perspective",
                "stat": summary.stat,
                "alpha": summary.alpha,
                "alpha_n": summary.alpha_n,
                "test": (test := tests.get(("perspective", p.id))),
                "p": p_value(test.p if test else None),
                "q": p_value(test.q if test else None),
                "level_gap": result.level_gap.get(p.id),
            }
        )
    for d in result.divergence:
        if d.kind == "item" and d.flagged:
            rows.append(
                {
                    "label": instrument.column_label("item", d.id, lang),
                    "kind": "item",
                    "stat": result.items.get(d.id),
                    "alpha": None,
                    "alpha_n": None,
                    "test": d,
                    "p": p_value(d.p),
                    "q": p_value(d.q),
                    "level_gap": None,
                }
            )
    return rows


def advice_rows(advice: list[Advice], instrument: Instrument, lang: str) -> list[dict[str, Any]]:
    """Advice as the page and the report show it: text, source and the
    reasons as sentences; with the registers it read, for the live advice."""
    return [
        {
            "a": a,
            "text": a.text.get(lang, a.text["nl"]),
            "source": a.source.get(lang, a.source["nl"]),
            "perspective": (
                localized(instrument.perspective(a.perspective).label, lang)
                if a.perspective
                else ""
            ),
            "because": [because(w, instrument, lang) for w in a.why],
            "registers": [
                BY_KEY[key]
                for w in a.why
                if w.startswith("register.") and (key := w.split(".")[1]) in BY_KEY
            ],
            "route": any(w.startswith(("route.", "checklist.")) for w in a.why),
        }
        for a in advice
    ]


def live_advice(rnd: Round, publication: Publication, scope: Scope, lang: str) -> dict[str, Any]:
    """The live advice: the stored result of the alliance's latest closed
    round together with its registers and phase as they are today
    (``analysis.advice``, "live"). An earlier round gets none (it is no
    longer what the alliance is today), only a note that the latest has it.

    It is evaluated on the full result's indicators and then given to a
    restricted reader the way the stored advice is (``scope.readable_advice``).
    """
    later = rnd.alliance.rounds.filter(
        number__gt=rnd.number, state=Round.State.CLOSED, purged_at__isnull=True
    ).exists()
    full = publication.published.result
    if later or full.suppressed:
        return {"live_advice": [], "live_later": later}
    facts = facts_of(rnd.alliance)
    fired = advise({**full.indicators, **register_indicators(facts)}, live=True)
    if scope is not None:
        fired = readable_advice(fired)
    return {
        "live_advice": advice_rows(fired, rnd.instrument, lang),
        "live_as_of": facts.as_of,
        "live_later": False,
    }


def published_context(
    rnd: Round, publication: Publication, lang: str, scope: Scope
) -> dict[str, Any]:
    """What the page and the documents show of a published result."""
    with translation.override(lang):
        context = _context(rnd, publication, lang, scope)
        context["page_contents"] = contents(context, "page")
        context["report_contents"] = contents(context, "report")
        return context


def _context(rnd: Round, publication: Publication, lang: str, scope: Scope) -> dict[str, Any]:
    result = publication.result(scope, lang)
    instrument = rnd.instrument
    alliance = rnd.alliance
    charts = charts_of(publication, lang, scope)

    def perspective_label(p: str) -> str:
        return localized(instrument.perspective(p).label, lang)

    partners = list(result.partners.values())
    shown_partners = [g for g in partners if not g.suppressed]
    levels = [result.levels[lvl] for lvl in LEVELS if lvl in result.levels]
    rows = perspective_table(instrument, lang, partners)
    level_rows = perspective_table(instrument, lang, levels)
    for row, level_row in zip(rows, level_rows, strict=True):
        summary = result.perspectives[row["id"]]
        row["overall"] = summary.stat
        row["alpha"] = summary.alpha
        row["alpha_n"] = summary.alpha_n
        row["alpha_low"] = summary.alpha_low
        level_row["gap"] = result.level_gap[row["id"]].gap
        level_row["level_gap"] = result.level_gap[row["id"]]
        level_row["p"] = p_value(result.level_gap[row["id"]].p)
        level_row["q"] = p_value(result.level_gap[row["id"]].q)

    divergences = [
        {
            "d": d,
            "label": instrument.column_label(d.kind, d.id, lang),
            "perspective": perspective_label(d.perspective),
            "perspective_id": d.perspective,
            "prompts": d.prompts.get(lang, []),
            "high_mean": d.partner_means.get(d.high),
            "low_mean": d.partner_means.get(d.low),
        }
        for d in result.divergence
        if d.flagged
    ]
    advice = advice_rows(result.advice, instrument, lang)
    facet_labels = {"promise": _("Promise"), "commitment": _("Commitment"), "action": _("Action")}
    strongest, weakest = strongest_and_weakest(result, instrument, lang)
    sections = [
        {
            "id": p,
            "label": perspective_label(p),
            "description": localized(instrument.perspective(p).description, lang),
            "summary": result.perspectives[p],
            "partners": [(g.name, g.perspectives[p]) for g in shown_partners],
            "items": [
                {
                    "text": item.reads(lang),
                    "stat": result.items[item.id],
                    "reverse": item.reverse,
                }
                for item in instrument.items_for(p)
            ],
            "divergences": [d for d in divergences if d["perspective_id"] == p][:5],
            "advice": [x for x in advice if x["a"].perspective == p],
            "chart": charts.get(f"distribution_{p}"),
        }
        for p in PERSPECTIVES
    ]
    return {
        "lang": lang,
        "alliance": alliance,
        "round": rnd,
        "instrument": instrument,
        "result": result,
        "n_respondents": result.n_respondents,
        "k": publication.k,
        "charts": charts,
        "distribution_charts": [
            charts[f"distribution_{p}"] for p in PERSPECTIVES if f"distribution_{p}" in charts
        ],
        "partners": partners,
        "levels": levels,
        # The levels by their names in the reader's language, not their codes.
        "level_heads": [{"label": str(Level(g.name).label), "g": g} for g in levels],
        "rows": rows,
        "level_rows": level_rows,
        "divergences": divergences,
        "top_divergences": divergences[:3],
        "disagreement": [
            {"d": d, "perspective": perspective_label(d.perspective)} for d in result.disagreement
        ],
        "advice": advice,
        "top_advice": advice[:3],
        **live_advice(rnd, publication, scope, lang),
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
        "trend_rows": [
            {"t": t, "label": perspective_label(t.perspective)}
            for t in (publication.published.latest_trends if not result.suppressed else [])
        ],
        # Free-text answers only in the facilitators' view: a partner lead is
        # often the manager of the people whose words these are.
        "own_words": publication.open_answers("ambition_own_words") if scope is None else [],
        # The other open questions, for the facilitator only (like the own words).
        "open_questions": [
            {"id": q.id, "text": localized(q.text, lang), "groups": groups}
            for q in instrument.questions
            if q.kind == "open"
            and q.id != "ambition_own_words"
            and scope is None
            and (groups := publication.open_answers(q.id))
        ],
        "strongest": strongest,
        "weakest": weakest,
        "summary": _summary(divergences, weakest, strongest, advice),
        "sections": sections,
        "analysts": _analysts(result, instrument, lang),
        # What the room agreed on the discussion's points, titled as this
        # reader's view has them (agenda.describe).
        "agreed": agreed_steps(rnd, result, lang),
        "phase_label": Phase(alliance.current_phase).label,
        "phase_help": PHASE_HELP[Phase(alliance.current_phase)],
        "stage_label": Stage(alliance.stage).label,
        "stage_see": STAGE_HELP[Stage(alliance.stage)][0],
        "stage_do": STAGE_HELP[Stage(alliance.stage)][1],
        "mode_label": Phase(result.phase.mode).label if result.phase.mode else None,
        **scale_context(instrument, lang),
    }
