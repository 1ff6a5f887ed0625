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

import copy
import hashlib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import pandas as pd

from alliancelens.instrument import LEVELS, PERSPECTIVES, PHASES, Instrument

from . import indicators as ind
from .advice import advise, prompts_for
from .breakdown import GroupKey, HideRule, breakdown, point_slot
from .frame import COLUMNS, QUESTION_COLUMNS, AnswersError, empty_questions
from .inference import ALPHA, MIN_CHANGE, MIN_GAP, benjamini_hochberg, mean_interval, welch
from .results import (
    AnalysisResult,
    Disagreement,
    GroupSummary,
    LevelGap,
    PerspectiveSummary,
    RoundsResult,
    Stat,
    Trend,
)
from .stats import TINY, ad_cutoff, cronbach_alpha_available, paired_t_p
from .sums import Sums, sums_of
from .suppression import ColumnFigures, Plan, joint_plan


@dataclass(frozen=True)
class Context:
    """What the answers do not say: the facilitator's view and thresholds."""

    declared_phase: str | None = None
    stage: str | None = None
    # The smallest difference between partners or levels worth discussing
    # (a difference must also be larger than chance: inference.py).
    gap_threshold: float = MIN_GAP
    disagreement_threshold: float = 0.7
    imbalance_threshold: float = MIN_GAP
    alpha_threshold: float = 0.7


# A low-α warning needs at least this many people behind every covariance:
# on a handful of people α swings too much to say anything.
ALPHA_MIN_PAIRS = 10


def perspective_scores(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """One row per respondent and round: partner, level and a score per perspective.

    ``frame`` holds the answers as given (frame.COLUMNS); reverse-worded
    statements are turned around here, as in every analysis.
    """
    _check(frame, COLUMNS, "answers")
    tables = [
        _score_table(sums_of(frame[frame["round"] == number], instrument), int(number))
        for number in sorted(pd.unique(frame["round"]))
    ]
    if not tables:
        return pd.DataFrame(columns=["respondent", "partner", "level", "round", *PERSPECTIVES])
    return pd.concat(tables, ignore_index=True)


def _score_table(sums: Sums, number: int) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "respondent": sums.respondents,
            "partner": np.asarray(sums.partners, dtype=object)[sums.person_partner],
            "level": np.asarray(sums.levels, dtype=object)[sums.person_level],
            "round": number,
        }
    )
    for n, p in enumerate(PERSPECTIVES):
        table[p] = sums.scores[:, n]
    return table


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
    _check_k(k)
    rounds = sorted(int(r) for r in pd.unique(frame["round"]))
    if len(rounds) > 1:
        raise AnswersError(f"analyze() takes one round; found {rounds}: use analyze_rounds()")
    return _analyze(
        sums_of(frame, instrument),
        rounds[0] if rounds else None,
        instrument,
        k=k,
        questions=questions,
        context=context or Context(),
        previous=previous,
    )


def _check_k(k: object) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise AnswersError(f"k must be a whole number of at least 1, not {k!r}")


def _analyze(
    sums: Sums,
    number: int | None,
    instrument: Instrument,
    *,
    k: int,
    questions: pd.DataFrame,
    context: Context,
    previous: AnalysisResult | None,
    keep: Mapping[str, Plan] | None = None,
) -> AnalysisResult:
    n_total = sums.people
    everything_hidden = n_total < k
    plans = _plans(sums, instrument, k, keep)

    def hide_total(column: str, counts: dict[GroupKey, int]) -> set[GroupKey]:
        plan = plans.get(column)
        return set(counts) if plan is None or plan.overall else set()

    # --- the alliance as a whole ------------------------------------------
    whole = breakdown(sums, "all", instrument, hide_total)
    overall = whole.get("all") or GroupSummary("all", 0, True)
    perspectives = {}
    for p in instrument.perspectives:
        matrix = sums.answers[:, sums.item_perspective == PERSPECTIVES.index(p.id)]
        # Statements nobody answered take no part (they would leave no pair).
        matrix = matrix[:, ~np.isnan(matrix).all(axis=0)]
        alpha, alpha_n, pairs = (
            cronbach_alpha_available(matrix) if not everything_hidden else (None, 0, 0)
        )
        if pairs < k:
            alpha = None
        stat = overall.perspectives.get(p.id, Stat(None, None, 0))
        perspectives[p.id] = PerspectiveSummary(
            id=p.id,
            stat=stat,
            alpha=alpha,
            alpha_n=alpha_n,
            alpha_low=alpha is not None
            and pairs >= ALPHA_MIN_PAIRS
            and round(alpha, 9) < context.alpha_threshold,
            alpha_pairs=pairs,
        )

    # --- partners, levels, partner × level: one suppression plan per column --
    def hide_by(kind: str) -> HideRule:
        def hide(column: str, counts: dict[GroupKey, int]) -> set[GroupKey]:
            plan = plans.get(column)
            if plan is None or plan.overall:
                return set(counts)
            return set(getattr(plan, kind)) & set(counts)

        return hide

    partners = _groups(breakdown(sums, "partner", instrument, hide_by("partners")), k)
    levels = _groups(breakdown(sums, "level", instrument, hide_by("levels")), k)
    crossed = breakdown(sums, "cell", instrument, hide_by("cells"))
    partner_levels = {}
    for key, summary in sorted(crossed.items(), key=lambda t: str(t[0])):
        partner, level = cast(tuple[str, str], key)
        partner_levels[f"{partner} | {level}"] = _group(summary, k)

    # --- indicators ---------------------------------------------------------
    means = {p: perspectives[p].stat.mean for p in PERSPECTIVES}
    divergence = ind.divergence(partners, sums, instrument, k=k, threshold=context.gap_threshold)
    divergence = [d if not d.flagged else _with_prompts(d) for d in divergence]
    ambition = ind.ambition_index(
        sums.facets, instrument, k=k, everything_hidden=everything_hidden
    )
    phase = ind.phase(
        questions, instrument, k=k, declared=context.declared_phase, perspective_means=means
    )
    pseudo = ind.pseudo_collaboration(overall.items, ambition.facets, instrument)
    give_take = ind.give_and_take(
        partners, overall.items, instrument, threshold=context.imbalance_threshold
    )
    disagreement = ind.disagreement(partners, instrument, threshold=context.disagreement_threshold)
    level_gap = ind.level_gaps(levels, sums, instrument, threshold=context.gap_threshold)

    indicators = _indicators(
        instrument=instrument,
        n_total=n_total,
        perspectives=perspectives,
        items=overall.items,
        divergence=divergence,
        disagreement=disagreement,
        level_gap=level_gap,
        ambition=ambition,
        give_take_imbalanced=sum(g.imbalance for g in give_take),
        phase=phase,
        stage=context.stage,
        pseudo_score=pseudo.score,
        trends=[] if previous is None else _changes_since(previous, perspectives, number),
    )
    return AnalysisResult(
        instrument=instrument.key,
        round=number,
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


# The plans of the last rounds analysed in this process, by their inputs:
# publishing round N analyses rounds 1 … N − 1 again for the trends, and the
# audit of a round costs up to a second.
_PLANS: OrderedDict[bytes, dict[str, Plan]] = OrderedDict()
_PLANS_KEPT = 32
_PLANS_LOCK = threading.Lock()


def _plans(
    sums: Sums, instrument: Instrument, k: int, keep: Mapping[str, Plan] | None = None
) -> dict[str, Plan]:
    """A joint suppression plan per item and perspective (see
    suppression.joint_plan), audited against everything the column shows
    (audit.py); the same inputs give the same plans, so they are kept.

    ``keep``: per column, what an earlier publication of the same round hid;
    it stays hidden, so the two publications together show no more than the
    earlier one did.
    """
    kept = sorted((c, _hidden_key(p)) for c, p in (keep or {}).items())
    digest = hashlib.sha256()
    for part in (
        repr((k, instrument.key, sums.partners, sums.levels, kept)).encode(),
        sums.counts.tobytes(),
        sums.person_partner.tobytes(),
        sums.person_level.tobytes(),
        sums.scores.tobytes(),
    ):
        digest.update(part)
    key = digest.digest()
    with _PLANS_LOCK:
        if key in _PLANS:
            _PLANS.move_to_end(key)
            return copy.deepcopy(_PLANS[key])
    plans = _make_plans(sums, instrument, k, keep or {})
    with _PLANS_LOCK:
        _PLANS[key] = copy.deepcopy(plans)
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return plans


def _hidden_key(plan: Plan) -> tuple[tuple[str, ...], ...]:
    """What a plan hides, in a fixed order (for the keys of kept plans)."""
    return tuple(
        tuple(sorted(map(repr, hidden))) for hidden in (plan.partners, plan.levels, plan.cells)
    )


def _make_plans(
    sums: Sums, instrument: Instrument, k: int, keep: Mapping[str, Plan]
) -> dict[str, Plan]:
    partners, levels = sums.partners, sums.levels
    cell = sums.person_partner * len(levels) + sums.person_level
    people = np.bincount(cell, minlength=len(partners) * len(levels))

    def atom(c: int) -> tuple[str, str]:
        return partners[c // len(levels)], levels[c % len(levels)]

    def cells(counts: np.ndarray) -> dict[tuple[str, str], int]:
        return {atom(c): int(n) for c, n in enumerate(counts.ravel()) if n}

    # Groups below k as a whole are hidden in every column.
    by_partner = people.reshape(len(partners), len(levels)).sum(axis=1)
    by_level = people.reshape(len(partners), len(levels)).sum(axis=0)
    partners_hidden = {partners[g] for g, n in enumerate(by_partner) if 0 < n < k}
    levels_hidden = {levels[g] for g, n in enumerate(by_level) if 0 < n < k}
    cells_hidden = {c for c, n in cells(people).items() if n < k}
    counts: dict[str, dict[tuple[str, str], int]] = {}
    published: dict[str, ColumnFigures] = {}
    lo, hi = instrument.scale.min, instrument.scale.max
    width = hi - lo + 1
    points = np.arange(lo, hi + 1, dtype=float)
    for n, p in enumerate(PERSPECTIVES):
        scored = ~np.isnan(sums.scores[:, n])
        per_cell = np.bincount(cell[scored], minlength=people.size)
        counts[p] = cells(per_cell)
        score = sums.scores[scored, n]
        bins = np.bincount(
            cell[scored] * width + point_slot(score, lo), minlength=people.size * width
        ).reshape(people.size, width)
        # Each cell's scores: one stable sort by cell, cut at the cell sizes.
        by_cell = np.split(
            score[np.argsort(cell[scored], kind="stable")], np.cumsum(per_cell)[:-1]
        )
        published[p] = ColumnFigures(
            points,
            {atom(c): bins[c] for c in range(people.size)},
            {atom(c): by_cell[c] for c in range(people.size)},
        )
    answered = sums.counts[..., :-1].sum(axis=-1)
    flat = sums.counts[..., :-1].reshape(people.size, len(instrument.items), len(sums.points))
    for i, item in enumerate(instrument.items):
        counts[item.id] = cells(answered[:, :, i])
        published[item.id] = ColumnFigures(
            sums.points, {atom(c): flat[c, i] for c in range(people.size)}
        )
    empty = Plan()
    plans: dict[str, Plan] = {}
    # Columns whose counts, figures and kept sets are the same get the same
    # plan: planned once (statements answered alike are common).
    same: dict[bytes, Plan] = {}
    for column, atoms in counts.items():
        kept = keep.get(column, empty)
        figures = published[column]
        key = repr((sorted(atoms.items()), _hidden_key(kept))).encode()
        key += figures.points.tobytes()
        for atom_key in sorted(figures.distributions):
            key += repr(atom_key).encode() + np.asarray(figures.distributions[atom_key]).tobytes()
            if figures.scores is not None:
                key += np.asarray(figures.scores[atom_key]).tobytes()
        if key not in same:
            same[key] = joint_plan(
                atoms,
                k,
                partners_hidden=partners_hidden | kept.partners,
                levels_hidden=levels_hidden | kept.levels,
                cells_hidden=cells_hidden | kept.cells,
                published=figures,
            )
        plans[column] = copy.deepcopy(same[key])
    return plans


def _indicators(
    *,
    instrument: Instrument,
    n_total: int,
    perspectives: dict[str, PerspectiveSummary],
    items: dict[str, Stat],
    divergence: list[Any],
    disagreement: list[Disagreement],
    level_gap: Mapping[str, LevelGap],
    ambition: Any,
    give_take_imbalanced: int,
    phase: Any,
    stage: str | None,
    pseudo_score: float | None,
    trends: list[Trend],
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
            out[f"divergence.{d.id}.flagged"] = int(d.flagged)
    item_gaps = [d.gap for d in divergence if d.kind == "item"]
    out["divergence.max_item_gap"] = max(item_gaps) if item_gaps else None
    out["divergence.flagged_items"] = sum(1 for d in divergence if d.kind == "item" and d.flagged)
    out["divergence.flagged"] = sum(1 for d in divergence if d.flagged)
    out["disagreement.count"] = len(disagreement)
    for p in PERSPECTIVES:
        out[f"disagreement.{p}"] = sum(1 for d in disagreement if d.perspective == p)
    for p, gap in level_gap.items():
        out[f"level_gap.{p}"] = gap.gap
        out[f"level_gap.{p}.flagged"] = int(gap.flagged)
    out["level_gap.flagged"] = sum(1 for g in level_gap.values() if g.flagged)
    out["level_gap.board_higher"] = sum(
        1 for g in level_gap.values() if g.flagged and (g.gap or 0) > 0
    )
    out["level_gap.professional_higher"] = sum(
        1 for g in level_gap.values() if g.flagged and (g.gap or 0) < 0
    )
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
    out.update(trend_indicators(trends))
    return out


def trend_indicators(trends: list[Trend]) -> dict[str, Any]:
    """The advice's view of the changes into a round (judged trends)."""
    out: dict[str, Any] = {}
    for t in trends:
        out[f"trend.{t.perspective}.delta"] = t.change
        out[f"trend.{t.perspective}.changed"] = (
            0 if not t.changed or t.change is None else (1 if t.change > 0 else -1)
        )
    out["trend.improved"] = sum(1 for t in trends if t.changed and (t.change or 0) > 0)
    out["trend.declined"] = sum(1 for t in trends if t.changed and (t.change or 0) < 0)
    return out


def with_trends(result: AnalysisResult, trends: list[Trend]) -> AnalysisResult:
    """The result with its advice reading the trends into its round (the
    published ones, which may start from an earlier publication's means)."""
    into = [t for t in trends if t.to_round == result.round]
    indicators = {k: v for k, v in result.indicators.items() if not k.startswith("trend.")}
    indicators.update(trend_indicators(into))
    return replace(
        result,
        indicators=indicators,
        advice=[] if result.suppressed else advise(indicators),
    )


def judge_trends(trends: list[Trend]) -> list[Trend]:
    """Each change with its 95 % interval and p — paired where the paired
    change is shown (its interval set by _trends), else between the two
    rounds' means with Welch's t on their published spread — and the false
    discovery rate controlled over the perspectives of each pair of rounds.
    ``changed``: q ≤ 0.05 and |change| ≥ MIN_CHANGE."""
    judged: list[Trend] = []
    for t in trends:
        if t.paired_delta is not None and t.ci_low is not None:
            p = t.paired_p
            if p is None:  # everyone changed by exactly the same amount
                p = 0.0 if abs(t.paired_delta) > TINY else 1.0
            judged.append(replace(t, change=t.paired_delta, p=p))
            continue
        test = None
        if None not in (t.mean_from, t.mean_to, t.sd_from, t.sd_to):
            test = welch(
                cast(float, t.mean_from),
                cast(float, t.sd_from),
                t.n_from,
                cast(float, t.mean_to),
                cast(float, t.sd_to),
                t.n_to,
            )
        judged.append(
            replace(
                t,
                change=t.delta,
                ci_low=test.ci_low if test else None,
                ci_high=test.ci_high if test else None,
                p=test.p if test else None,
            )
        )
    out: list[Trend] = []
    for pair in sorted({(t.from_round, t.to_round) for t in judged}):
        group = [t for t in judged if (t.from_round, t.to_round) == pair]
        qs = benjamini_hochberg([t.p for t in group])
        for t, q in zip(group, qs, strict=True):
            changed = (
                q is not None
                and q <= ALPHA
                and t.change is not None
                and round(abs(t.change), 9) >= MIN_CHANGE
            )
            out.append(replace(t, q=q, changed=changed))
    return sorted(out, key=lambda t: (t.from_round, t.to_round, PERSPECTIVES.index(t.perspective)))


def _changes_since(
    previous: AnalysisResult, perspectives: Mapping[str, PerspectiveSummary], number: int | None
) -> list[Trend]:
    """The unpaired changes from an earlier result's means (analyze(previous=…))."""
    out = []
    for p in PERSPECTIVES:
        before, now = previous.perspectives[p].stat, perspectives[p].stat
        out.append(
            Trend(
                perspective=p,
                from_round=previous.round or 0,
                to_round=number or 0,
                mean_from=before.mean,
                mean_to=now.mean,
                n_from=before.n,
                n_to=now.n,
                delta=now.mean - before.mean
                if now.mean is not None and before.mean is not None
                else None,
                paired_n=0,
                paired_delta=None,
                paired_p=None,
                sd_from=before.sd,
                sd_to=now.sd,
            )
        )
    return judge_trends(out)


def analyze_rounds(
    frame: pd.DataFrame,
    instrument: Instrument,
    *,
    k: int,
    questions: pd.DataFrame | None = None,
    context: Context | None = None,
    keep: Mapping[int, Mapping[str, Plan]] | None = None,
) -> RoundsResult:
    """Each round on its own, and the trends between consecutive rounds.

    ``keep``: per round number, what must stay hidden (see _plans)."""
    _check(frame, COLUMNS, "answers")
    questions = empty_questions() if questions is None else questions
    _check(questions, QUESTION_COLUMNS, "questions")
    _check_k(k)
    results: dict[int, AnalysisResult] = {}
    scores: dict[int, pd.DataFrame] = {}
    for number in sorted(int(r) for r in pd.unique(frame["round"])):
        sums = sums_of(frame[frame["round"] == number], instrument)
        scores[number] = _score_table(sums, number)
        results[number] = _analyze(
            sums,
            number,
            instrument,
            k=k,
            questions=questions[questions["round"] == number],
            context=context or Context(),
            previous=None,
            keep=(keep or {}).get(number),
        )
    series = _trends(scores, k=k, results=results)
    return RoundsResult(
        rounds={n: with_trends(r, series) for n, r in results.items()}, trends=series
    )


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
    scores = perspective_scores(frame, instrument)
    by_round = {int(cast(int, n)): table for n, table in scores.groupby("round")}
    return _trends(by_round, k=k, results=results)


def _trends(
    scores: Mapping[int, pd.DataFrame],
    *,
    k: int,
    results: Mapping[int, AnalysisResult] | None,
) -> list[Trend]:
    out = []
    for a, b in itertools.pairwise(sorted(scores)):
        first = scores[a].set_index("respondent")
        second = scores[b].set_index("respondent")
        for p in PERSPECTIVES:
            x, y = first[p].dropna(), second[p].dropna()
            if results is not None:
                mean_from = results[a].perspectives[p].stat.mean
                mean_to = results[b].perspectives[p].stat.mean
                sd_from = results[a].perspectives[p].stat.sd
                sd_to = results[b].perspectives[p].stat.sd
            else:
                mean_from = float(x.mean()) if x.size >= k else None
                mean_to = float(y.mean()) if y.size >= k else None
                sd_from = float(x.std(ddof=1)) if mean_from is not None and x.size > 1 else None
                sd_to = float(y.std(ddof=1)) if mean_to is not None and y.size > 1 else None
            both = x.index.intersection(y.index)
            paired_delta = paired_p = None
            interval = None
            # The paired change next to both means would give away the people
            # who answered only once, unless there are none or at least k.
            apart = (x.size - both.size, y.size - both.size)
            if both.size >= max(k, 2) and all(n == 0 or n >= k for n in apart):
                diff = (y.loc[both] - x.loc[both]).to_numpy()
                paired_delta = float(diff.mean())
                paired_p = paired_t_p(diff)
                interval = mean_interval(diff)
            out.append(
                Trend(
                    perspective=p,
                    from_round=a,
                    to_round=b,
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
                    sd_from=sd_from,
                    sd_to=sd_to,
                    ci_low=interval[0] if interval else None,
                    ci_high=interval[1] if interval else None,
                )
            )
    return judge_trends(out)


__all__ = [
    "LEVELS",
    "PHASES",
    "Context",
    "analyze",
    "analyze_rounds",
    "perspective_scores",
    "trends",
]
