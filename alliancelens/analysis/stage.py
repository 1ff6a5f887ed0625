"""Which development stage an alliance's members see, and how sure that is.

After De Beuk's three development stages (designing, discovering,
productive; ``alliancelens.instrument.STAGES``): every stage has a handful
of statements of what one sees in an alliance in that stage, and every
member with a login ticks the ones they recognise. This module turns those
ticks (the latest set per person; the caller chooses it) into a share per
stage with an interval, the stage the ticks point to and how clearly.
Method, choices and the calibration behind the thresholds:
docs/statistics.md ("Development stage from what people see");
``scripts/calibrate_stage.py`` measures the rates.

Two sources of chance, each checked by the resampling that fits it:

- *the statements*: a stage has five or six, and a person recognises one
  or another for many reasons. The shares are compared by shuffling the
  statements over the stages while every person's ticks stay together, so
  a person who ticks a lot still ticks a lot in every shuffle; this works
  with one person as well as with eight;
- *the people*: with several, the top stage must stay on top when the
  people are resampled (a cluster bootstrap over raters), so that one
  outspoken person cannot make a stage clear for the others.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from alliancelens.instrument import STAGES

# "clear": some stage stands out more than in all but 4 % of shuffles of
# the statements over the stages, and, with two or more raters, it stays on
# top in at least 80 % of resamples of the raters (with two raters: both
# have it on top, one of them perhaps tied with another). The shuffle
# test keeps its level whatever the number of raters; at 5 % random
# answering with eight raters measured 4-5 % "clear", on either side of
# the 5 % target by chance, so the level is 4 % (scripts/calibrate_stage.py,
# docs/statistics.md).
CLEAR_P = 0.04
CLEAR_SUPPORT = 0.8
# "leaning": not clear, but the top stage stands out more than in 80 % of
# the shuffles and is on top in at least half of the raters' resamples.
LEANING_P = 0.20
LEANING_SUPPORT = 0.5
# Monte Carlo sizes and seed: the same ticks always give the same result.
SHUFFLES = 4_000
RESAMPLES = 2_000
SEED = 15


class Certainty(enum.StrEnum):
    """How clearly the ticks point to one stage: *clear* — one stage stands
    out beyond chance and holds when the raters are resampled; *leaning* —
    one stage is on top, less surely; *unclear* — none stands out (a tie,
    nothing recognised, or too little difference); *no_data* — no rater."""

    CLEAR = "clear"
    LEANING = "leaning"
    UNCLEAR = "unclear"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class StageShare:
    """One stage's share of recognised statements over raters × statements.

    ``low`` and ``high``: the Wilson interval on ``n_effective`` ticks (the
    number of independent ticks worth as much as these clustered ones; with
    one rater the stage's number of statements). ``top_support``: the share
    of resamples of the raters in which this stage has the highest share
    (ties split); None with fewer than two raters.
    """

    stage: str
    statements: int
    recognised: int
    share: float | None
    low: float | None
    high: float | None
    n_effective: float | None
    top_support: float | None


@dataclass(frozen=True)
class StageIndication:
    """The stage the ticks point to.

    ``indicated``: the stage with the highest share when the certainty is
    clear or leaning, else None. ``between``: when not clear, the two
    stages with the highest shares in ``STAGES`` order (None when no two can
    be named: all three equal, or a tie for second place). ``p_value``: how
    often shuffling the statements over the stages lets some stage stand out
    by at least as much as the top one does here.
    """

    n_raters: int
    stages: tuple[StageShare, ...]
    indicated: str | None
    certainty: Certainty
    between: tuple[str, str] | None
    p_value: float | None
    confidence: float

    @property
    def certain(self) -> bool:
        return self.certainty is Certainty.CLEAR

    def share(self, stage: str) -> StageShare:
        for s in self.stages:
            if s.stage == stage:
                return s
        raise ValueError(f"unknown stage {stage!r} (the stages are {', '.join(STAGES)})")


def stage_indication(
    marks: Mapping[str, Collection[str]],
    statements: Mapping[str, Sequence[str]],
    *,
    confidence: float = 0.95,
    shuffles: int = SHUFFLES,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> StageIndication:
    """The development stage from what the raters recognise.

    ``marks``: rater id → ids of the statements that rater recognises (an
    empty collection is the answer "none of them"). ``statements``: stage id
    → its statement ids, for every stage of ``STAGES``. Raises ValueError,
    naming the stage, rater or statement, on input that does not fit.
    The result depends on the ticks only, not on the raters' ids or order.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, not {confidence!r}")
    for name, value in (("shuffles", shuffles), ("resamples", resamples)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, not {value!r}")
    stage_of = _stage_of(statements)
    columns = {sid: j for j, sid in enumerate(stage_of)}
    ticks = np.zeros((len(marks), len(columns)), dtype=np.int64)
    for r, rater in enumerate(marks):
        for sid in _marked(rater, marks[rater]):
            if sid not in columns:
                raise ValueError(f"marks of rater {rater!r}: {sid!r} belongs to no stage")
            ticks[r, columns[sid]] = 1
    sizes = [sum(1 for s in stage_of.values() if s == stage) for stage in STAGES]
    return _indication(ticks, sizes, confidence, shuffles, resamples, seed)


def _stage_of(statements: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Statement id → stage, in STAGES order; refuses what does not fit."""
    for stage in statements:
        if stage not in STAGES:
            raise ValueError(
                f"statements: unknown stage {stage!r} (the stages are {', '.join(STAGES)})"
            )
    stage_of: dict[str, str] = {}
    for stage in STAGES:
        if stage not in statements:
            raise ValueError(f"statements: stage {stage!r} is missing")
        ids = statements[stage]
        if isinstance(ids, str):
            raise ValueError(f"statements: stage {stage!r} must list statement ids, not a string")
        if not ids:
            raise ValueError(f"statements: stage {stage!r} has no statements")
        for sid in ids:
            if sid in stage_of:
                where = (
                    f"twice in stage {stage!r}"
                    if stage_of[sid] == stage
                    else f"in stage {stage_of[sid]!r} and in stage {stage!r}"
                )
                raise ValueError(f"statements: {sid!r} is {where}")
            stage_of[sid] = stage
    return stage_of


def _marked(rater: str, ids: Collection[str]) -> list[str]:
    if isinstance(ids, str):
        raise ValueError(
            f"marks of rater {rater!r} must be a collection of statement ids, not a string"
        )
    seen: list[str] = []
    for sid in ids:
        if sid in seen:
            raise ValueError(f"marks of rater {rater!r}: {sid!r} is marked twice")
        seen.append(sid)
    return seen


def _indication(
    ticks: np.ndarray,
    sizes: list[int],
    confidence: float,
    shuffles: int,
    resamples: int,
    seed: int,
) -> StageIndication:
    n_raters = ticks.shape[0]
    bounds = np.cumsum([0, *sizes])
    blocks = [ticks[:, bounds[i] : bounds[i + 1]] for i in range(len(STAGES))]
    if n_raters == 0:
        empty = tuple(
            StageShare(stage, size, 0, None, None, None, None, None)
            for stage, size in zip(STAGES, sizes, strict=True)
        )
        return StageIndication(0, empty, None, Certainty.NO_DATA, None, None, confidence)

    # Shares compared exactly: a stage's ticks times lcm/J is proportional
    # to its share, in whole numbers, so 3 of 6 and 5 of 10 tie exactly.
    lcm = math.lcm(*sizes)
    weights = np.array([lcm // size for size in sizes], dtype=np.int64)
    # rater × stage ticks; the rows sorted, so the raters' order and ids
    # cannot move the resampling.
    per_rater = np.stack([b.sum(axis=1) for b in blocks], axis=1)
    per_rater = per_rater[np.lexsort(per_rater.T[::-1])]
    scores = per_rater.sum(axis=0) * weights
    order = sorted(range(len(STAGES)), key=lambda i: -scores[i])
    top_unique = scores[order[0]] > scores[order[1]]

    p_value = _shuffle_p(blocks, weights, shuffles, seed)
    support = _rater_support(per_rater, weights, resamples, seed) if n_raters >= 2 else None

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    shares = []
    for i, (stage, block) in enumerate(zip(STAGES, blocks, strict=True)):
        share, n_eff = _share_and_size(block)
        low, high = wilson(share, n_eff, z)
        shares.append(
            StageShare(
                stage=stage,
                statements=sizes[i],
                recognised=int(block.sum()),
                share=share,
                low=low,
                high=high,
                n_effective=n_eff,
                top_support=None if support is None else float(support[i]),
            )
        )

    top = order[0]
    top_support = 1.0 if support is None else float(support[top])
    if top_unique and p_value <= CLEAR_P and top_support >= CLEAR_SUPPORT:
        certainty = Certainty.CLEAR
    elif top_unique and p_value <= LEANING_P and top_support >= LEANING_SUPPORT:
        certainty = Certainty.LEANING
    else:
        certainty = Certainty.UNCLEAR
    indicated = STAGES[top] if certainty is not Certainty.UNCLEAR else None
    between = None
    # Two stages can be named when the first two places are set apart
    # from the third.
    if certainty is not Certainty.CLEAR and scores[order[1]] > scores[order[2]]:
        first, second = sorted(order[:2])
        between = (STAGES[first], STAGES[second])
    return StageIndication(
        n_raters=n_raters,
        stages=tuple(shares),
        indicated=indicated,
        certainty=certainty,
        between=between,
        p_value=p_value,
        confidence=confidence,
    )


def _shuffle_p(blocks: list[np.ndarray], weights: np.ndarray, shuffles: int, seed: int) -> float:
    """How often a random assignment of the statements to the stages (same
    sizes) lets the top stage lead the second by at least the observed
    margin. Only the statements' tick counts matter; whole rows of a rater
    move together. Each stage's counts are sorted first, so the order in
    which its statements are listed cannot move the result."""
    counts = np.concatenate([np.sort(b.sum(axis=0))[::-1] for b in blocks]).astype(float)
    sizes = tuple(b.shape[1] for b in blocks)
    observed = _margin(np.array([b.sum() for b in blocks], dtype=float) * weights)
    placed = _assignments(sizes, shuffles, seed) @ counts
    shuffled = _margin(placed.reshape(shuffles, len(sizes)) * weights)
    at_least = int((shuffled >= observed).sum())
    # (b + 1) / (B + 1): a Monte Carlo p-value that is never 0 and keeps
    # its level (Phipson & Smyth, 2010).
    return (at_least + 1) / (shuffles + 1)


def _margin(scores: np.ndarray) -> np.ndarray:
    """How far the highest score (last axis) lies above the second."""
    ranked = np.sort(scores, axis=-1)
    return np.asarray(ranked[..., -1] - ranked[..., -2])


def _rater_support(
    per_rater: np.ndarray, weights: np.ndarray, resamples: int, seed: int
) -> np.ndarray:
    """Per stage, the share of bootstrap resamples of the raters (whole
    raters drawn with replacement) in which it has the highest share; a tie
    splits the resample equally."""
    drawn = (_draws(per_rater.shape[0], resamples, seed) @ per_rater) * weights
    on_top = drawn == drawn.max(axis=1, keepdims=True)
    # In whole parts of lcm(1, …, stages), so that a threshold never meets
    # a rounding error: a two-way tie gives each stage half of them.
    parts = math.lcm(*range(1, drawn.shape[1] + 1))
    won = (on_top * (parts // on_top.sum(axis=1, keepdims=True))).sum(axis=0)
    return np.asarray(won / (parts * resamples))


# The random shuffles and draws depend only on the sizes and the seed, so
# they are made once per size (every alliance with the same statements and
# number of raters uses the same ones) and kept read-only. Whole numbers
# are held as floats so that one matrix product gives every sum, exactly.
@lru_cache(maxsize=16)
def _assignments(sizes: tuple[int, ...], shuffles: int, seed: int) -> np.ndarray:
    """(shuffles · stages) × statements: 1 where a shuffle puts a statement
    (one row per shuffle and stage)."""
    n = sum(sizes)
    rng = np.random.default_rng((seed, n, 0))
    orders = np.argsort(rng.random((shuffles, n)), axis=1)
    stage = np.empty_like(orders)
    np.put_along_axis(stage, orders, np.repeat(np.arange(len(sizes)), sizes)[None, :], axis=1)
    onehot = (stage[:, None, :] == np.arange(len(sizes))[None, :, None]).astype(float)
    onehot = onehot.reshape(shuffles * len(sizes), n)
    onehot.flags.writeable = False
    return onehot


@lru_cache(maxsize=64)
def _draws(n: int, resamples: int, seed: int) -> np.ndarray:
    """resamples × n: how often each of n raters is drawn (n draws with
    replacement per resample)."""
    rng = np.random.default_rng((seed, n, 1))
    drawn = rng.integers(0, n, size=(resamples, n)) + n * np.arange(resamples)[:, None]
    times = np.bincount(drawn.ravel(), minlength=resamples * n).reshape(resamples, n)
    times = times.astype(float)
    times.flags.writeable = False
    return times


def _share_and_size(block: np.ndarray) -> tuple[float, float]:
    """A stage's share over raters × statements and its effective number of
    ticks: p(1 − p) divided by the variance of the share under resampling
    raters and statements independently (the pigeonhole bootstrap, Owen
    2007), at most the number of ticks. With one rater this is the number of
    statements; when every tick is the same there is no spread to learn
    from and it is the number of ticks."""
    raters, size = block.shape
    n = raters * size
    p = float(block.mean())
    if p in (0.0, 1.0):
        return p, float(n)
    row = float(block.mean(axis=1).var())
    col = float(block.mean(axis=0).var())
    variance = (p * (1 - p) + (size - 1) * row + (raters - 1) * col) / n
    return p, min(float(n), p * (1 - p) / variance)


def wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion p on n (possibly
    effective, so not whole) observations (Wilson, 1927)."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At 0 and 1 the bound is the share itself; rounding must not move it.
    low = 0.0 if p == 0 else max(0.0, centre - half)
    high = 1.0 if p == 1 else min(1.0, centre + half)
    return low, high
