"""The lens: from long-form answers to one typed result per round.

Definitions (docs/statistics.md):
- reverse-worded items are recoded v' = min + max − v; "don't know" is missing;
- a respondent's perspective score is the mean of their answered items of that
  perspective, only when at least half of its items are answered;
- perspective statistics are over respondents' perspective scores, item
  statistics over answers;
- every group below k is hidden, with complementary suppression, in every
  output.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from alliancelens.instrument import LEVELS, PERSPECTIVES, PHASES, Instrument

from . import indicators as ind
from .advice import advise, prompts_for
from .breakdown import GroupKey, HideRule, breakdown
from .frame import COLUMNS, QUESTION_COLUMNS, AnswersError, empty_questions
from .results import (
    AnalysisResult,
    GroupSummary,
    PerspectiveSummary,
    RoundsResult,
    Stat,
    Trend,
)
from .stats import ad_cutoff, cronbach_alpha
from .suppression import Plan, joint_plan


@dataclass(frozen=True)
class Context:
    """What the answers do not say: the facilitator's view and thresholds."""

    declared_phase: str | None = None
    stage: str | None = None
    gap_threshold: float = 1.0
    disagreement_threshold: float = 0.7
    imbalance_threshold: float = 1.0
    alpha_threshold: float = 0.7


def recode(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Only scale items, with reverse-worded items turned around."""
    known = {i.id for i in instrument.items}
    present = set(frame["item"].unique())
    unknown = sorted(present - known - {q.id for q in instrument.questions})
    if unknown:
        raise AnswersError(f"unknown item(s) for {instrument.key}: {', '.join(unknown)}")
    scale = frame[frame["item"].isin(known)].copy()
    lo, hi = instrument.scale.min, instrument.scale.max
    bad = scale["value"].notna() & ~scale["value"].between(lo, hi)
    if bad.any():
        row = scale[bad].iloc[0]
        raise AnswersError(
            f"value {row['value']:g} for item {row['item']} is outside the scale {lo}..{hi}"
        )
    reverse = {i.id for i in instrument.items if i.reverse}
    flip = scale["item"].isin(reverse)
    scale.loc[flip, "value"] = instrument.scale.reverse(scale.loc[flip, "value"])
    # Categories are factorised once here instead of in every groupby below.
    for column in ("respondent", "partner", "level", "item"):
        if not isinstance(scale[column].dtype, pd.CategoricalDtype):
            scale[column] = scale[column].astype("category")
    _check_one_answer_one_place(scale)
    return scale


def _check_one_answer_one_place(scale: pd.DataFrame) -> None:
    """Per round: one answer per respondent and item, one partner and level per
    respondent. A repeated row would add to an item's n (and could lift it to
    k); a respondent in two places would count in two groups. Checked on
    integer codes: hashing 400,000 strings would cost a tenth of a second."""

    def codes(column: str) -> np.ndarray:
        return scale[column].cat.codes.to_numpy(np.int64)

    rounds = pd.factorize(scale["round"])[0].astype(np.int64)
    n_people = len(scale["respondent"].cat.categories) + 1
    person = rounds * n_people + codes("respondent")
    twice = pd.Series(person * (len(scale["item"].cat.categories) + 1) + codes("item"))
    repeated = twice.duplicated().to_numpy()
    if repeated.any():
        row = scale.iloc[int(repeated.argmax())]
        raise AnswersError(
            f"respondent {row['respondent']} answered item {row['item']} more than once "
            f"in round {row['round']}"
        )
    place = codes("partner") * (len(scale["level"].cat.categories) + 1) + codes("level")
    places = pd.DataFrame({"person": person, "place": place}).drop_duplicates()
    moved = places.duplicated("person").to_numpy()
    if moved.any():
        row = scale.iloc[int(places.index[int(moved.argmax())])]
        raise AnswersError(
            f"respondent {row['respondent']} appears under more than one partner or level "
            f"in round {row['round']}"
        )


def perspective_scores(scale: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """One row per respondent: partner, level, round and a score per perspective."""
    perspective_of = {i.id: i.perspective for i in instrument.items}
    needed = {p: math.ceil(len(instrument.items_for(p)) / 2) for p in PERSPECTIVES}
    keys = ["respondent", "partner", "level", "round"]
    people = scale[keys].drop_duplicates().set_index(keys)
    data = scale.dropna(subset=["value"])
    # Plain strings: mapping a categorical can give a categorical back, which
    # then refuses numeric comparison.
    data = data.assign(perspective=data["item"].astype(str).map(perspective_of))
    agg = data.groupby([*keys, "perspective"], observed=True)["value"].agg(["mean", "count"])
    agg = agg.reset_index()
    required = agg["perspective"].astype(str).map(needed).astype(float)
    agg.loc[agg["count"].astype(float) < required, "mean"] = float("nan")
    if agg.empty:
        wide = pd.DataFrame(index=people.index, columns=list(PERSPECTIVES), dtype=float)
    else:
        wide = agg.pivot_table(index=keys, columns="perspective", values="mean", aggfunc="first")
        wide = wide.reindex(columns=list(PERSPECTIVES))
    return people.join(wide).reset_index()


def _check(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnswersError(f"{what}: missing column(s): {', '.join(missing)}")


def analyze(
    frame: pd.DataFrame,
    instrument: Instrument,
    *,
    k: int,
    questions: pd.DataFrame | None = None,
    context: Context | None = None,
    previous: AnalysisResult | None = None,
) -> AnalysisResult:
    """Everything the lens shows for one round of answers."""
    _check(frame, COLUMNS, "answers")
    questions = empty_questions() if questions is None else questions
    _check(questions, QUESTION_COLUMNS, "questions")
    context = context or Context()
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise AnswersError(f"k must be a whole number of at least 1, not {k!r}")
    rounds = sorted(set(frame["round"]))
    if len(rounds) > 1:
        raise AnswersError(f"analyze() takes one round; found {rounds}: use analyze_rounds()")
    scale = recode(frame, instrument)
    scores = perspective_scores(scale, instrument)
    n_total = int(scores["respondent"].nunique())
    everything_hidden = n_total < k

    plans = _plans(scale, scores, instrument, k)

    def hide_total(column: str, counts: dict[GroupKey, int]) -> set[GroupKey]:
        plan = plans.get(column)
        return set(counts) if plan is None or plan.overall else set()

    # --- the alliance as a whole ------------------------------------------
    whole = breakdown(
        scale.assign(_all="all"), scores.assign(_all="all"), ["_all"], instrument, hide_total
    )
    overall = whole.get("all") or GroupSummary("all", 0, True)
    perspectives = {}
    for p in instrument.perspectives:
        matrix = scale[scale["item"].isin([i.id for i in instrument.items_for(p.id)])].pivot_table(
            index="respondent", columns="item", values="value", aggfunc="first"
        )
        alpha, alpha_n = (
            cronbach_alpha(matrix.to_numpy(dtype=float)) if not everything_hidden else (None, 0)
        )
        if alpha_n < k:
            alpha = None
        stat = overall.perspectives.get(p.id, Stat(None, None, 0))
        perspectives[p.id] = PerspectiveSummary(
            id=p.id,
            stat=stat,
            alpha=alpha,
            alpha_n=alpha_n,
            alpha_low=alpha is not None and round(alpha, 9) < context.alpha_threshold,
        )

    # --- partners, levels, partner × level: one suppression plan per column --
    def hide_by(kind: str) -> HideRule:
        def hide(column: str, counts: dict[GroupKey, int]) -> set[GroupKey]:
            plan = plans.get(column)
            if plan is None or plan.overall:
                return set(counts)
            return set(getattr(plan, kind)) & set(counts)

        return hide

    partners = _groups(breakdown(scale, scores, ["partner"], instrument, hide_by("partners")), k)
    levels = _groups(breakdown(scale, scores, ["level"], instrument, hide_by("levels")), k)
    crossed = breakdown(scale, scores, ["partner", "level"], instrument, hide_by("cells"))
    partner_levels = {}
    for key, summary in sorted(crossed.items(), key=lambda t: str(t[0])):
        partner, level = cast(tuple[str, str], key)
        partner_levels[f"{partner} | {level}"] = _group(summary, k)

    # --- indicators ---------------------------------------------------------
    means = {p: perspectives[p].stat.mean for p in PERSPECTIVES}
    divergence = ind.divergence(
        partners, scale, scores, instrument, k=k, threshold=context.gap_threshold
    )
    divergence = [d if not d.flagged else _with_prompts(d) for d in divergence]
    ambition = ind.ambition_index(scale, instrument, k=k, everything_hidden=everything_hidden)
    phase = ind.phase(
        questions, instrument, k=k, declared=context.declared_phase, perspective_means=means
    )
    pseudo = ind.pseudo_collaboration(overall.items, ambition.facets, instrument)
    give_take = ind.give_and_take(partners, instrument, threshold=context.imbalance_threshold)
    disagreement = ind.disagreement(partners, instrument, threshold=context.disagreement_threshold)
    level_gap = ind.level_gaps(levels, instrument)

    indicators = _indicators(
        instrument=instrument,
        n_total=n_total,
        perspectives=perspectives,
        items=overall.items,
        divergence=divergence,
        disagreement_count=len(disagreement),
        level_gap={p: g.gap for p, g in level_gap.items()},
        ambition=ambition,
        give_take_imbalanced=sum(g.imbalance for g in give_take),
        phase=phase,
        stage=context.stage,
        pseudo_score=pseudo.score,
        previous=previous,
    )
    return AnalysisResult(
        instrument=instrument.key,
        round=int(rounds[0]) if rounds else None,
        k=k,
        n_respondents=n_total,
        suppressed=everything_hidden,
        perspectives=perspectives,
        items=overall.items,
        partners=partners,
        levels=levels,
        partner_levels=partner_levels,
        divergence=divergence,
        disagreement=disagreement,
        level_gap=level_gap,
        ambition_index=ambition,
        give_take=give_take,
        phase=phase,
        pseudo_collaboration=pseudo,
        advice=[] if everything_hidden else advise(indicators),
        indicators=indicators,
        ad_cutoff=ad_cutoff(instrument.scale.max - instrument.scale.min + 1),
    )


def _with_prompts(d: Any) -> Any:
    from dataclasses import replace

    return replace(d, prompts=prompts_for(d))


def _group(summary: GroupSummary, k: int) -> GroupSummary:
    """A group below k is suppressed.

    Its cells stay (all hidden, with their counts only), so callers can see
    how many people each hidden cell holds without seeing any answer.
    """
    return _suppressed(summary) if summary.n < k else summary


def _suppressed(summary: GroupSummary) -> GroupSummary:
    return GroupSummary(
        summary.name,
        summary.n,
        True,
        perspectives={c: s if s.hidden else s.hide() for c, s in summary.perspectives.items()},
        items={c: s if s.hidden else s.hide() for c, s in summary.items.items()},
    )


def _groups(groups: dict[GroupKey, GroupSummary], k: int) -> dict[str, GroupSummary]:
    """Partners or levels by name; those below k are suppressed as a whole."""
    return {
        str(g): _group(summary, k)
        for g, summary in sorted(groups.items(), key=lambda t: str(t[0]))
    }


def _pairs(series: pd.Series) -> list[tuple[tuple[Any, ...], int]]:
    """(index tuple, count) of a MultiIndex series."""
    return [(cast(tuple[Any, ...], i), int(n)) for i, n in series.items()]


def _plans(
    scale: pd.DataFrame, scores: pd.DataFrame, instrument: Instrument, k: int
) -> dict[str, Plan]:
    """A joint suppression plan per item and perspective (see suppression.joint_plan)."""
    people = scores.groupby(["partner", "level"], observed=True)["respondent"].nunique()
    by_partner = scores.groupby("partner", observed=True)["respondent"].nunique()
    by_level = scores.groupby("level", observed=True)["respondent"].nunique()
    # Groups below k as a whole are hidden in every column.
    partners_hidden = {str(g) for g, n in by_partner.items() if 0 < n < k}
    levels_hidden = {str(g) for g, n in by_level.items() if 0 < n < k}
    cells_hidden = {(str(i[0]), str(i[1])) for i, n in _pairs(people) if 0 < n < k}
    counts: dict[str, dict[tuple[Any, Any], int]] = {}
    for p in PERSPECTIVES:
        per_cell = scores.groupby(["partner", "level"], observed=True)[p].count()
        counts[p] = {(str(i[0]), str(i[1])): int(n) for i, n in _pairs(per_cell)}
    answered = scale.dropna(subset=["value"])
    per_item = answered.groupby(["item", "partner", "level"], observed=True).size()
    for item in instrument.items:
        counts[item.id] = {}
    for i, n in _pairs(per_item):
        if n:
            counts[str(i[0])][(str(i[1]), str(i[2]))] = int(n)
    return {
        column: joint_plan(
            cells,
            k,
            partners_hidden=partners_hidden,
            levels_hidden=levels_hidden,
            cells_hidden=cells_hidden,
        )
        for column, cells in counts.items()
    }


def _indicators(
    *,
    instrument: Instrument,
    n_total: int,
    perspectives: dict[str, PerspectiveSummary],
    items: dict[str, Stat],
    divergence: list[Any],
    disagreement_count: int,
    level_gap: dict[str, float | None],
    ambition: Any,
    give_take_imbalanced: int,
    phase: Any,
    stage: str | None,
    pseudo_score: float | None,
    previous: AnalysisResult | None,
) -> dict[str, Any]:
    """The flat name → value table that advice rules read (docs/advice.md)."""
    out: dict[str, Any] = {"n_respondents": n_total, "stage": stage}
    for p, summary in perspectives.items():
        out[f"{p}.mean"] = summary.stat.mean
        out[f"{p}.rwg_j"] = summary.stat.agreement
        out[f"{p}.ad"] = summary.stat.ad
        out[f"{p}.alpha"] = summary.alpha
    themes: dict[str, list[float]] = {}
    for item in instrument.items:
        mean = items.get(item.id, Stat(None, None, 0)).mean
        out[f"item.{item.id}.mean"] = mean
        if mean is not None:
            themes.setdefault(item.theme, []).append(mean)
    for theme, values in themes.items():
        out[f"theme.{theme}.mean"] = float(np.mean(values))
    for d in divergence:
        if d.kind == "perspective":
            out[f"divergence.{d.id}.gap"] = d.gap
    item_gaps = [d.gap for d in divergence if d.kind == "item"]
    out["divergence.max_item_gap"] = max(item_gaps) if item_gaps else None
    out["divergence.flagged_items"] = sum(1 for d in divergence if d.kind == "item" and d.flagged)
    out["disagreement.count"] = disagreement_count
    for p, gap in level_gap.items():
        out[f"level_gap.{p}"] = gap
    out["ambition_index"] = ambition.index
    for facet, value in ambition.scaled.items():
        out[f"facet.{facet}"] = value
    out["ambition.weakest"] = ambition.weakest
    out["give_take.imbalanced"] = give_take_imbalanced
    out["phase.declared"] = phase.declared
    out["phase.mode"] = phase.mode
    out["phase.reference"] = phase.reference
    out["phase.agreement"] = phase.agreement
    out["phase.skipped_foundations"] = int(phase.skipped_foundations)
    out["pseudo.score"] = pseudo_score
    if previous is not None:
        for p in PERSPECTIVES:
            now, before = perspectives[p].stat.mean, previous.perspectives[p].stat.mean
            out[f"trend.{p}.delta"] = (
                now - before if now is not None and before is not None else None
            )
    return out


def analyze_rounds(
    frame: pd.DataFrame,
    instrument: Instrument,
    *,
    k: int,
    questions: pd.DataFrame | None = None,
    context: Context | None = None,
) -> RoundsResult:
    """Each round on its own, and the trends between consecutive rounds."""
    _check(frame, COLUMNS, "answers")
    questions = empty_questions() if questions is None else questions
    results: dict[int, AnalysisResult] = {}
    previous = None
    for number in sorted(set(frame["round"])):
        result = analyze(
            frame[frame["round"] == number],
            instrument,
            k=k,
            questions=questions[questions["round"] == number],
            context=context,
            previous=previous,
        )
        results[int(number)] = previous = result
    return RoundsResult(rounds=results, trends=trends(frame, instrument, k=k, results=results))


def trends(
    frame: pd.DataFrame,
    instrument: Instrument,
    *,
    k: int,
    results: Mapping[int, AnalysisResult] | None = None,
) -> list[Trend]:
    """Per perspective between consecutive rounds; paired where people answered both.

    The means of each round are those of its own result when ``results`` is
    given (so a trend table and a chart of the rounds' means cannot
    disagree), else shown when at least k people have a score. The paired
    comparison uses the respondents who have a score in both rounds (same
    respondent id), with a paired t-test; it is shown only when at least k
    people are paired.
    """
    if frame["round"].nunique() < 2:
        return []  # one round: nothing to compare
    scores = perspective_scores(recode(frame, instrument), instrument)
    numbers = sorted(set(scores["round"]))
    out = []
    for a, b in itertools.pairwise(numbers):
        first = scores[scores["round"] == a].set_index("respondent")
        second = scores[scores["round"] == b].set_index("respondent")
        for p in PERSPECTIVES:
            x, y = first[p].dropna(), second[p].dropna()
            if results is not None:
                mean_from = results[int(a)].perspectives[p].stat.mean
                mean_to = results[int(b)].perspectives[p].stat.mean
            else:
                mean_from = float(x.mean()) if x.size >= k else None
                mean_to = float(y.mean()) if y.size >= k else None
            both = x.index.intersection(y.index)
            paired_delta = paired_p = None
            # The paired change next to both means would give away the people
            # who answered only once, unless there are none or at least k.
            apart = (x.size - both.size, y.size - both.size)
            if both.size >= max(k, 2) and all(n == 0 or n >= k for n in apart):
                diff = y.loc[both] - x.loc[both]
                paired_delta = float(diff.mean())
                if float(diff.std(ddof=1)) > 0:
                    paired_p = float(scipy_stats.ttest_rel(y.loc[both], x.loc[both]).pvalue)
            out.append(
                Trend(
                    perspective=p,
                    from_round=int(a),
                    to_round=int(b),
                    mean_from=mean_from,
                    mean_to=mean_to,
                    n_from=int(x.size),
                    n_to=int(y.size),
                    delta=mean_to - mean_from
                    if mean_from is not None and mean_to is not None
                    else None,
                    paired_n=int(both.size) if paired_delta is not None else 0,
                    paired_delta=paired_delta,
                    paired_p=paired_p,
                )
            )
    return out


__all__ = [
    "LEVELS",
    "PHASES",
    "Context",
    "analyze",
    "analyze_rounds",
    "perspective_scores",
    "recode",
    "trends",
]
