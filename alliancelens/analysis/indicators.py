"""Indicators built on the group statistics: divergence, ambition, phase, …

Each reads only figures that survived suppression, so no indicator can show
or imply a group below k. Definitions: docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from alliancelens.instrument import FACETS, PERSPECTIVES, PHASES, Instrument

from .results import (
    AmbitionIndex,
    Disagreement,
    Divergence,
    GiveTake,
    GroupSummary,
    LevelGap,
    PhaseResult,
    PseudoCollaboration,
    Stat,
)
from .stats import icc1
from .sums import FloatArray, Sums

FOUNDATION_PHASES = ("design", "execute")
FOUNDATION_MINIMUM = 3.0


def divergence(
    partners: Mapping[str, GroupSummary],
    sums: Sums,
    instrument: Instrument,
    *,
    k: int,
    threshold: float,
) -> list[Divergence]:
    """Per item and perspective: the largest gap between two visible partners.

    Only partners whose cell is shown (n ≥ k, not suppressed) take part, in
    the gap and in ICC(1), so neither can be used to work out a hidden one.
    """
    out: list[Divergence] = []
    columns: list[tuple[str, str, str]] = [
        ("perspective", p.id, p.id) for p in instrument.perspectives
    ]
    columns += [("item", i.id, i.perspective) for i in instrument.items]
    position = {i.id: n for n, i in enumerate(instrument.items)}
    partner_code = {name: n for n, name in enumerate(sums.partners)}
    for kind, column, perspective in columns:
        means: dict[str, float] = {}
        for name, group in partners.items():
            cells = group.perspectives if kind == "perspective" else group.items
            cell = cells.get(column)
            if group.suppressed or cell is None or cell.mean is None or cell.n < k:
                continue
            means[name] = cell.mean
        if len(means) < 2:
            continue
        # Rounded so that summation noise never decides a tie.
        high = max(means, key=lambda n: (round(means[n], 9), n))
        low = min(means, key=lambda n: (round(means[n], 9), n))
        gap = means[high] - means[low]
        values = (
            sums.scores[:, PERSPECTIVES.index(column)]
            if kind == "perspective"
            else sums.answers[:, position[column]]
        )
        shown = np.isin(sums.person_partner, [partner_code[name] for name in means])
        coefficient = icc1(values[shown], sums.person_partner[shown])
        out.append(
            Divergence(
                kind=kind,
                id=column,
                perspective=perspective,
                gap=float(gap),
                high=high,
                low=low,
                partner_means=dict(sorted(means.items())),
                icc1=coefficient,
                flagged=_at_least(gap, threshold),
            )
        )
    out.sort(key=lambda d: (not d.flagged, -round(d.gap or 0.0, 9), d.kind, d.id))
    return out


def _at_least(value: float, threshold: float) -> bool:
    """value ≥ threshold, deciding ties as exact: 0.9999999999999998 counts as 1."""
    return round(value, 9) >= threshold


def disagreement(
    partners: Mapping[str, GroupSummary], instrument: Instrument, *, threshold: float
) -> list[Disagreement]:
    """Partners whose own people disagree on a perspective (rwg(J) below threshold)."""
    out = []
    for name, group in sorted(partners.items()):
        if group.suppressed:
            continue
        for p in instrument.perspectives:
            cell = group.perspectives.get(p.id)
            if (
                cell
                and cell.mean is not None
                and cell.agreement is not None
                and not _at_least(cell.agreement, threshold)
            ):
                out.append(Disagreement(partner=name, perspective=p.id, rwg_j=cell.agreement))
    out.sort(key=lambda d: (round(d.rwg_j, 9), d.partner, d.perspective))
    return out


def level_gaps(levels: Mapping[str, GroupSummary], instrument: Instrument) -> dict[str, LevelGap]:
    out = {}
    for p in instrument.perspectives:
        board = _visible_mean(levels.get("board"), p.id)
        professional = _visible_mean(levels.get("professional"), p.id)
        gap = board - professional if board is not None and professional is not None else None
        out[p.id] = LevelGap(p.id, board, professional, gap)
    return out


def _visible_mean(group: GroupSummary | None, perspective: str) -> float | None:
    if group is None or group.suppressed:
        return None
    cell = group.perspectives.get(perspective)
    return cell.mean if cell is not None else None


def ambition_index(
    facets: FloatArray,
    instrument: Instrument,
    *,
    k: int,
    everything_hidden: bool,
) -> AmbitionIndex:
    """Promise × commitment × action, each rescaled to 0–1, reported 0–100.

    ``facets`` holds every respondent's mean per facet (sums.Sums.facets).
    """
    lo, hi = instrument.scale.min, instrument.scale.max

    def index_of(
        table: FloatArray,
    ) -> tuple[float | None, dict[str, float | None], dict[str, float | None]]:
        means: dict[str, float | None] = {}
        scaled: dict[str, float | None] = {}
        for n, facet in enumerate(FACETS):
            values = table[:, n][~np.isnan(table[:, n])]
            if values.size < k:
                means[facet] = scaled[facet] = None
                continue
            mean = float(values.mean())
            means[facet] = mean
            scaled[facet] = (mean - lo) / (hi - lo)
        parts = [v for v in scaled.values() if v is not None]
        index = float(np.prod(parts) * 100) if len(parts) == len(FACETS) else None
        return index, means, scaled

    if everything_hidden:
        return AmbitionIndex(None, dict.fromkeys(FACETS), dict.fromkeys(FACETS), None)
    index, means, scaled = index_of(facets)
    known = {f: v for f, v in scaled.items() if v is not None}
    weakest = min(known, key=lambda f: known[f]) if known else None
    # No index per partner: with the overall facets published, the partners
    # left out could be worked out by subtraction.
    return AmbitionIndex(index, means, scaled, weakest)


def give_and_take(
    partners: Mapping[str, GroupSummary], instrument: Instrument, *, threshold: float
) -> list[GiveTake]:
    """Per visible partner: what it gets out of the alliance vs what it brings."""
    gets = [i.id for i in instrument.items if i.exchange == "gets"]
    brings = [i.id for i in instrument.items if i.exchange == "brings"]
    out = []
    for name, group in sorted(partners.items()):
        if group.suppressed or not gets or not brings:
            continue
        g = _mean_of(group.items, gets)
        b = _mean_of(group.items, brings)
        balance = g - b if g is not None and b is not None else None
        out.append(
            GiveTake(
                name, g, b, balance, balance is not None and _at_least(abs(balance), threshold)
            )
        )
    return out


def _mean_of(cells: Mapping[str, Stat], ids: list[str]) -> float | None:
    values = [m for i in ids if i in cells and (m := cells[i].mean) is not None]
    return float(np.mean(values)) if values else None


def phase(
    questions: pd.DataFrame,
    instrument: Instrument,
    *,
    k: int,
    declared: str | None,
    perspective_means: Mapping[str, float | None],
) -> PhaseResult:
    """How respondents place the alliance among the five phases.

    Skipped foundations: the alliance is designing or executing (as declared
    by the facilitator, else as most respondents see it) while ambition or
    interests score below 3.0.
    """
    phase_questions = [q.id for q in instrument.questions if q.kind == "phase"]
    answers = questions[questions["question"].isin(phase_questions)]
    answers = answers[answers["text"].isin(PHASES)]
    n = int(answers["respondent"].nunique())
    hidden = n < k
    counts = answers.drop_duplicates("respondent")["text"].value_counts()
    distribution = {p: int(counts.get(p, 0)) for p in PHASES}
    mode = None
    agreement = None
    if not hidden and n:
        top = max(distribution.values())
        # Ties go to the earlier phase: the cautious reading.
        mode = next(p for p in PHASES if distribution[p] == top)
        agreement = top / n
    reference = declared or mode
    reasons = []
    if reference in FOUNDATION_PHASES:
        for p in ("ambition", "interests"):
            mean = perspective_means.get(p)
            if mean is not None and round(mean, 9) < FOUNDATION_MINIMUM:
                reasons.append(f"{p} {mean:.2f} < {FOUNDATION_MINIMUM:.1f} in phase {reference}")
    return PhaseResult(
        n=n,
        hidden=hidden,
        distribution={} if hidden else distribution,
        mode=mode,
        agreement=agreement,
        declared=declared,
        reference=reference,
        skipped_foundations=bool(reasons),
        reasons=reasons,
    )


def pseudo_collaboration(
    items: Mapping[str, Stat], facets: Mapping[str, float | None], instrument: Instrument
) -> PseudoCollaboration:
    """A 0–100 risk that partners keep meeting while little real work happens.

    The mean of four components, each 0–1 (missing ones are left out):
    promise above action, promise above commitment, low decisiveness, and
    agreement with "we meet a lot but little happens" (before reversal).
    Items are found by their theme, so other instruments can use it too.
    """
    lo, hi = instrument.scale.min, instrument.scale.max
    span = hi - lo
    mid = (lo + hi) / 2

    def theme_mean(theme: str, raw: bool = False) -> float | None:
        values = []
        for item in instrument.items:
            cell = items.get(item.id)
            if item.theme == theme and cell is not None and cell.mean is not None:
                turned = raw and item.reverse
                values.append(instrument.scale.reverse(cell.mean) if turned else cell.mean)
        return float(np.mean(values)) if values else None

    promise, commitment, action = (facets.get(f) for f in FACETS)
    decisive = theme_mean("decisiveness")
    talk = theme_mean("action_activity", raw=True)
    inputs = {
        "promise": promise,
        "commitment": commitment,
        "action": action,
        "decisiveness": decisive,
        "meeting_without_doing": talk,
    }

    def clip(value: float | None) -> float | None:
        return None if value is None else min(1.0, max(0.0, value))

    components = {
        "promise_over_action": clip((promise - action) / (span / 2))
        if promise is not None and action is not None
        else None,
        "promise_over_commitment": clip((promise - commitment) / (span / 2))
        if promise is not None and commitment is not None
        else None,
        "low_decisiveness": clip((mid + 0.5 - decisive) / (span / 2))
        if decisive is not None
        else None,
        "meeting_without_doing": clip((talk - mid) / (span / 2)) if talk is not None else None,
    }
    known = [v for v in components.values() if v is not None]
    if not known:
        return PseudoCollaboration(None, None, inputs, components)
    score = float(np.mean(known) * 100)
    level = "high" if score >= 50 else "medium" if score >= 25 else "low"
    return PseudoCollaboration(score, level, inputs, components)


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
