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

from .inference import (
    ALPHA,
    ALPHA_PERSPECTIVES,
    ALPHA_STATEMENTS,
    MIN_GAP,
    Comparison,
    GroupTest,
    Totals,
    benjamini_hochberg,
    compare_groups,
    rwg_j_chance,
    t_comparison,
    two_groups,
)
from .results import (
    AmbitionIndex,
    Disagreement,
    Divergence,
    GiveTake,
    GroupSummary,
    LevelGap,
    PairDifference,
    PhaseResult,
    PseudoCollaboration,
    Stat,
)
from .sums import FloatArray, Sums

FOUNDATION_PHASES = ("design", "execute")
FOUNDATION_MINIMUM = 3.0


def column_values(sums: Sums, instrument: Instrument, kind: str, column: str) -> FloatArray:
    """Everyone's answer to a statement, or score on a perspective."""
    if kind == "perspective":
        return sums.scores[:, PERSPECTIVES.index(column)]
    return sums.answers[:, [i.id for i in instrument.items].index(column)]


def divergence(
    partners: Mapping[str, GroupSummary],
    sums: Sums,
    instrument: Instrument,
    *,
    k: int,
    threshold: float = MIN_GAP,
) -> list[Divergence]:
    """Per statement and perspective: do the shown partners differ by more
    than chance, and which pairs (inference.compare_groups)?

    Only partners whose cell is shown (n ≥ k, not suppressed) take part,
    and the within-partner variance is the one the published figures
    imply (inference.within_variance), so nothing here can be used to work
    out a hidden partner or a partner's spread. The false discovery rate is
    controlled over all columns of the round (Benjamini–Hochberg).
    """
    columns: list[tuple[str, str, str]] = [
        ("perspective", p.id, p.id) for p in instrument.perspectives
    ]
    columns += [("item", i.id, i.perspective) for i in instrument.items]
    found: list[tuple[str, str, str, dict[str, float], dict[str, int], GroupTest | None]] = []
    for kind, column, perspective in columns:
        means: dict[str, float] = {}
        sizes: dict[str, int] = {}
        spreads: dict[str, float] = {}
        for name, group in partners.items():
            cells = group.perspectives if kind == "perspective" else group.items
            cell = cells.get(column)
            if group.suppressed or cell is None or cell.mean is None or cell.n < k:
                continue
            means[name], sizes[name] = cell.mean, cell.n
            if cell.sd is not None:
                spreads[name] = cell.sd
        if len(means) < 2:
            continue
        totals = Totals.of(column_values(sums, instrument, kind, column))
        test = compare_groups(means, sizes, totals, spreads) if totals is not None else None
        found.append((kind, column, perspective, means, sizes, test))
    qs: list[float | None] = [None] * len(found)
    for family in ("perspective", "item"):
        at = [n for n, row in enumerate(found) if row[0] == family]
        for n, q in zip(at, benjamini_hochberg([_p(found[n][5]) for n in at]), strict=True):
            qs[n] = q
    out: list[Divergence] = []
    for (kind, column, perspective, means, _sizes, test), q in zip(found, qs, strict=True):
        level = ALPHA_PERSPECTIVES if kind == "perspective" else ALPHA_STATEMENTS
        differ = [
            c
            for c in (test.pairs if test is not None else [])
            if c.p <= ALPHA and c.robust and _at_least(c.difference, threshold)
        ]
        flagged = q is not None and q <= level and bool(differ)
        if differ:
            top = differ[0]
            high, low = top.higher, top.lower
        else:
            # Rounded so that summation noise never decides a tie.
            high = max(means, key=lambda n: (round(means[n], 9), n))
            low = min(means, key=lambda n: (round(means[n], 9), n))
        pair = next(
            (c for c in (test.pairs if test else []) if (c.higher, c.lower) == (high, low)), None
        )
        out.append(
            Divergence(
                kind=kind,
                id=column,
                perspective=perspective,
                gap=float(means[high] - means[low]),
                high=high,
                low=low,
                partner_means=dict(sorted(means.items())),
                icc1=test.icc1 if test else None,
                flagged=flagged,
                f=test.f if test and math.isfinite(test.f) else None,
                df=[test.df_between, test.df_within] if test else [],
                p=test.p if test else None,
                q=q,
                alpha=level,
                ci_low=pair.ci_low if pair else None,
                ci_high=pair.ci_high if pair else None,
                pairs=[
                    PairDifference(c.higher, c.lower, c.difference, c.ci_low, c.ci_high, c.p)
                    for c in differ
                ]
                if flagged
                else [],
            )
        )
    out.sort(key=lambda d: (not d.flagged, -round(d.gap or 0.0, 9), d.kind, d.id))
    return out


def _p(test: GroupTest | None) -> float | None:
    return test.p if test is not None else None


def _at_least(value: float, threshold: float) -> bool:
    """value ≥ threshold, deciding ties as exact: 0.9999999999999998 counts as 1."""
    return round(value, 9) >= threshold


def disagreement(
    partners: Mapping[str, GroupSummary], instrument: Instrument, *, threshold: float
) -> list[Disagreement]:
    """Partners whose own people disagree on a perspective: rwg(J) below
    ``threshold`` and no higher than random answering gives a group of that
    size in 95 % of cases (inference.rwg_j_chance). A small group's rwg(J)
    swings widely by chance; naming it would start a conversation about
    noise."""
    points = instrument.scale.max - instrument.scale.min + 1
    out = []
    for name, group in sorted(partners.items()):
        if group.suppressed:
            continue
        for p in instrument.perspectives:
            cell = group.perspectives.get(p.id)
            if not (cell and cell.mean is not None and cell.agreement is not None):
                continue
            chance = rwg_j_chance(cell.n, len(instrument.items_for(p.id)), points)
            if not _at_least(cell.agreement, threshold) and (
                chance is None or round(cell.agreement, 9) <= round(chance, 9)
            ):
                out.append(
                    Disagreement(
                        partner=name,
                        perspective=p.id,
                        rwg_j=cell.agreement,
                        n=cell.n,
                        chance=chance,
                    )
                )
    out.sort(key=lambda d: (round(d.rwg_j, 9), d.partner, d.perspective))
    return out


def level_gaps(
    levels: Mapping[str, GroupSummary],
    sums: Sums,
    instrument: Instrument,
    *,
    threshold: float = MIN_GAP,
) -> dict[str, LevelGap]:
    """Board − professional per perspective, tested on the within-level
    variance the published figures imply, the false discovery rate
    controlled over the five perspectives; flagged in either direction."""
    found: dict[str, tuple[float | None, float | None, Comparison | None]] = {}
    for p in instrument.perspectives:
        board = _visible_mean(levels.get("board"), p.id)
        professional = _visible_mean(levels.get("professional"), p.id)
        test = None
        if board is not None and professional is not None:
            means, sizes, spreads = {}, {}, {}
            for name, group in levels.items():
                cell = group.perspectives.get(p.id)
                if not group.suppressed and cell is not None and cell.mean is not None:
                    means[name], sizes[name] = cell.mean, cell.n
                    if cell.sd is not None:
                        spreads[name] = cell.sd
            totals = Totals.of(column_values(sums, instrument, "perspective", p.id))
            if totals is not None:
                test = two_groups("board", "professional", means, sizes, totals, spreads)
        found[p.id] = (board, professional, test)
    qs = benjamini_hochberg([t.p if t else None for _, _, t in found.values()])
    out = {}
    for (pid, (board, professional, test)), q in zip(found.items(), qs, strict=True):
        gap = board - professional if board is not None and professional is not None else None
        out[pid] = LevelGap(
            pid,
            board,
            professional,
            gap,
            ci_low=test.ci_low if test else None,
            ci_high=test.ci_high if test else None,
            p=test.p if test else None,
            q=q,
            flagged=bool(
                gap is not None
                and test is not None
                and test.robust
                and q is not None
                and q <= ALPHA
                and _at_least(abs(gap), threshold)
            ),
        )
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
    """Promise × commitment × action, each rescaled to 0–1; the index is
    their geometric mean, reported 0–100.

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
        # The geometric mean: zero when one factor is zero (the model's
        # product), and on the facets' own 0–1 scale otherwise (3.5 on all
        # three reads 62.5, not the product's 24).
        index = (
            float(np.prod(parts) ** (1 / len(parts)) * 100) if len(parts) == len(FACETS) else None
        )
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
    partners: Mapping[str, GroupSummary],
    overall: Mapping[str, Stat],
    instrument: Instrument,
    *,
    threshold: float,
) -> list[GiveTake]:
    """Per visible partner: what it gets out of the alliance vs what it brings.

    The balance (gets − brings) only when the instrument words both on the
    same footing (``exchange_comparable``): an amount set against a
    judgement means nothing. It is judged with a t-test whose spread comes
    from the alliance's published spread of the two statements, taken as
    uncorrelated (a cautious choice: people who answer one high tend to
    answer the other high too), with the false discovery rate controlled
    over the partners.
    """
    gets = [i.id for i in instrument.items if i.exchange == "gets"]
    brings = [i.id for i in instrument.items if i.exchange == "brings"]
    if not gets or not brings:
        return []
    spread = [_mean_variance(overall, ids) for ids in (gets, brings)]
    rows: list[tuple[str, float | None, float | None, Comparison | None]] = []
    for name, group in sorted(partners.items()):
        if group.suppressed:
            continue
        g = _mean_of(group.items, gets)
        b = _mean_of(group.items, brings)
        test = None
        if instrument.exchange_comparable and g is not None and b is not None:
            n = min(group.items[i].n for i in gets + brings if i in group.items)
            if n >= 2 and spread[0] is not None and spread[1] is not None:
                se = math.sqrt((spread[0] + spread[1]) / n)
                test = t_comparison("gets", "brings", g - b, se, n - 1)
        rows.append((name, g, b, test))
    qs = benjamini_hochberg([t.p if t else None for *_, t in rows])
    return [
        GiveTake(
            name,
            g,
            b,
            g - b if test is not None and g is not None and b is not None else None,
            bool(
                test
                and q is not None
                and q <= ALPHA
                and _at_least(abs(test.difference), threshold)
            ),
            ci_low=test.ci_low if test else None,
            ci_high=test.ci_high if test else None,
            p=test.p if test else None,
        )
        for (name, g, b, test), q in zip(rows, qs, strict=True)
    ]


def _mean_variance(cells: Mapping[str, Stat], ids: list[str]) -> float | None:
    values = [s.sd**2 for i in ids if (s := cells.get(i)) is not None and s.sd is not None]
    return float(np.mean(values)) if values else None


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
