"""Results as JSON-ready dicts and as Markdown (the CLI's two formats)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from alliancelens.instrument import Instrument, localized

from .results import AnalysisResult, GroupSummary, RoundsResult, Stat


def _num(value: Any) -> Any:
    """Full precision (so every consumer rounds the same number); NaN → null."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _num(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_num(v) for v in value]
    return value


def _stat(stat: Stat, agreement: str) -> dict[str, Any]:
    if stat.hidden:
        return {"suppressed": True}
    return _num(
        {
            "mean": stat.mean,
            "sd": stat.sd,
            "n": stat.n,
            agreement: stat.agreement,
            "ad": stat.ad,
            "distribution": stat.distribution,
        }
    )


def _group(group: GroupSummary) -> dict[str, Any]:
    if group.suppressed:
        return {"suppressed": True}
    return {
        "n": group.n,
        "perspectives": {p: _stat(s, "rwg_j") for p, s in group.perspectives.items()},
        "items": {i: _stat(s, "rwg") for i, s in group.items.items()},
    }


def result_dict(result: AnalysisResult) -> dict[str, Any]:
    """The JSON contract of `alliancelens analyze` (docs/statistics.md)."""
    return {
        "instrument": result.instrument,
        "round": result.round,
        "k": result.k,
        "ad_cutoff": result.ad_cutoff,
        "n_respondents": result.n_respondents,
        "suppressed": result.suppressed,
        "perspectives": {
            p: {
                **_stat(s.stat, "rwg_j"),
                "alpha": _num(s.alpha),
                "alpha_n": s.alpha_n,
                "alpha_low": s.alpha_low,
            }
            for p, s in result.perspectives.items()
        },
        "items": {i: _stat(s, "rwg") for i, s in result.items.items()},
        "partners": {name: _group(g) for name, g in result.partners.items()},
        "levels": {name: _group(g) for name, g in result.levels.items()},
        "partner_levels": {name: _group(g) for name, g in result.partner_levels.items()},
        "divergence": [
            _num(
                {
                    d.kind: d.id,
                    **({"perspective": d.perspective} if d.kind == "item" else {}),
                    "gap": d.gap,
                    "partners": {"high": d.high, "low": d.low, "means": d.partner_means},
                    "icc1": d.icc1,
                    "flagged": d.flagged,
                    "test": {
                        "p": d.p,
                        "q": d.q,
                        "alpha": d.alpha,
                        "F": d.f,
                        "df": d.df,
                    },
                    "interval": [d.ci_low, d.ci_high],
                    "pairs": [asdict(pair) for pair in d.pairs],
                    "prompts": d.prompts,
                }
            )
            for d in result.divergence
        ],
        "disagreement_within_partners": [_num(asdict(d)) for d in result.disagreement],
        "level_gap": {p: _num(asdict(g)) for p, g in result.level_gap.items()},
        "ambition_index": _num(asdict(result.ambition_index)),
        "give_take": [_num(asdict(g)) for g in result.give_take],
        "phase": _num(asdict(result.phase)),
        "pseudo_collaboration": _num(asdict(result.pseudo_collaboration)),
        "advice": [
            {
                "id": a.id,
                "perspective": a.perspective,
                "phase": a.phase,
                "stage": a.stage,
                "urgency": a.urgency,
                "source": a.source,
                "text": a.text,
                "why": a.why,
            }
            for a in result.advice
        ],
    }


def rounds_dict(rounds: RoundsResult) -> dict[str, Any]:
    """The latest round at the top level, every round under "rounds", and trends."""
    out = result_dict(rounds.latest)
    if len(rounds.rounds) > 1:
        out["rounds"] = {str(n): result_dict(r) for n, r in rounds.rounds.items()}
        out["trends"] = [_num(asdict(t)) for t in rounds.trends]
    return out


def _f(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


LABELS = {
    "nl": {
        "title": "AllianceLens-analyse",
        "round": "ronde",
        "respondents": "respondenten",
        "hidden": "verborgen",
        "perspective": "Perspectief",
        "all": "Alle partners",
        "agreement": "rwg(J)",
        "divergence": "Waar partners het verschillend zien",
        "none": "Geen verschil tussen partners dat groter is dan toeval en minstens een "
        "halve schaalpunt.",
        "margin": "marge",
        "ambition": "Ambitie-index",
        "phase": "Fase",
        "pseudo": "Risico op schijnsamenwerking",
        "advice": "Advies",
        "why": "waarom",
        "trends": "Ontwikkeling tussen rondes",
        "too_few": "Te weinig respondenten om resultaten te tonen.",
    },
    "en": {
        "title": "AllianceLens analysis",
        "round": "round",
        "respondents": "respondents",
        "hidden": "hidden",
        "perspective": "Perspective",
        "all": "All partners",
        "agreement": "rwg(J)",
        "divergence": "Where partners see it differently",
        "none": "No difference between partners larger than chance and at least half a "
        "scale point.",
        "margin": "margin",
        "ambition": "Ambition index",
        "phase": "Phase",
        "pseudo": "Risk of pseudo-collaboration",
        "advice": "Advice",
        "why": "why",
        "trends": "Change between rounds",
        "too_few": "Too few respondents to show results.",
    },
}


def result_markdown(result: AnalysisResult, instrument: Instrument, lang: str = "nl") -> str:
    t = LABELS[lang]
    lines = [
        f"# {t['title']} — {t['round']} {result.round}",
        "",
        f"{result.n_respondents} {t['respondents']}, k = {result.k}, {result.instrument}",
        "",
    ]
    if result.suppressed:
        return "\n".join([*lines, t["too_few"], ""])
    partners = list(result.partners.values())
    header = [t["perspective"], t["all"], *(g.name for g in partners), t["agreement"], "α"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for p in instrument.perspectives:
        s = result.perspectives[p.id]
        cells = [
            t["hidden"]
            if g.suppressed or g.perspectives[p.id].hidden
            else _f(g.perspectives[p.id].mean)
            for g in partners
        ]
        row = [
            localized(p.label, lang),
            f"{_f(s.stat.mean)} (n={s.stat.n})",
            *cells,
            _f(s.stat.agreement),
            _f(s.alpha),
        ]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", f"## {t['divergence']}", ""]
    flagged = [d for d in result.divergence if d.flagged]
    for d in flagged:
        label = instrument.column_label(d.kind, d.id, lang)
        lines.append(
            f"- **{label}**: {d.high} {_f(d.partner_means[d.high])} – "
            f"{d.low} {_f(d.partner_means[d.low])} (Δ {_f(d.gap)}; "
            f"{t['margin']} {_f(d.ci_low)}–{_f(d.ci_high)}, q {_f(d.q, 3)})"
        )
        lines += [f"  - {q}" for q in d.prompts.get(lang, [])]
    if not flagged:
        lines.append(t["none"])
    a = result.ambition_index
    lines += [
        "",
        f"**{t['ambition']}**: {_f(a.index, 0)} / 100 "
        + ", ".join(f"{f} {_f(v)}" for f, v in a.scaled.items()),
        "",
        f"**{t['phase']}**: {result.phase.mode or '–'} ({_f(result.phase.agreement)}); "
        + ", ".join(f"{k} {v}" for k, v in result.phase.distribution.items()),
        "",
        f"**{t['pseudo']}**: {_f(result.pseudo_collaboration.score, 0)} / 100 "
        f"({result.pseudo_collaboration.level or '–'})",
        "",
        f"## {t['advice']}",
        "",
    ]
    for item in result.advice:
        lines.append(
            f"- [{item.urgency}] {item.text[lang]} — *{item.source[lang]}* "
            f"({t['why']}: {'; '.join(item.why)})"
        )
    return "\n".join([*lines, ""])


def rounds_markdown(rounds: RoundsResult, instrument: Instrument, lang: str = "nl") -> str:
    parts = [result_markdown(r, instrument, lang) for r in rounds.rounds.values()]
    if rounds.trends:
        t = LABELS[lang]
        parts.append(f"## {t['trends']}\n")
        for trend in rounds.trends:
            parts.append(
                f"- {trend.perspective} {trend.from_round}→{trend.to_round}: "
                f"{_f(trend.mean_from)} → {_f(trend.mean_to)} (Δ {_f(trend.delta)}; "
                f"paired n={trend.paired_n}, Δ {_f(trend.paired_delta)}, "
                f"p {_f(trend.paired_p, 3)})"
            )
        parts.append("")
    return "\n".join(parts)
