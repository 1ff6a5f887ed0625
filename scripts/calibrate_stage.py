"""How often the development-stage indication says "clear" when the raters
answer at random, and how often it finds a stage that is there: simulated
alliances through ``alliancelens.analysis.stage.stage_indication``
(docs/statistics.md, "Development stage from what people see").

Prints one table of measured rates, each with its exact 95 % interval, and
exits 1 when random answering gives "clear" in more than 5 % of alliances
for some number of raters. Run by ``make calibrate``; on its own:
``.venv/bin/python scripts/calibrate_stage.py [--alliances N] [--seed S]``.

A simulated alliance: three stages of five or six statements each (drawn
per stage and alliance), 1, 2, 3, 5 or 8 raters, and one of the scenarios
below. tests/test_stage_indication.py runs a few hundred with a fixed seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import beta

from alliancelens.analysis.stage import Certainty, stage_indication
from alliancelens.instrument import STAGES

RATERS = (1, 2, 3, 5, 8)
SIZES = (5, 6)
TARGET_NULL_CLEAR = 0.05
PLANTED_HIGH, PLANTED_LOW = 0.7, 0.3
TENDENCY_SD = 1.0  # a rater's tendency to tick, on the logit scale
POPULARITY_SD = 1.0  # a statement's own pull, on the logit scale


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    null: bool  # no stage is more recognised than the others
    alliances: int  # per number of raters, at --alliances 1000


SCENARIOS = (
    Scenario("random", "each rater ticks every statement with their own chance, 0.1–0.9", True, 2),
    Scenario("coin", "every tick a coin flip", True, 1),
    Scenario("popular", "rater tendency and statement pull (logit sd 1), no stage", True, 1),
    Scenario("planted", "one stage's statements at 0.7, the others at 0.3", False, 1),
    Scenario("planted+tendency", "as planted, plus each rater's tendency (logit sd 1)", False, 1),
    Scenario("one sure rater", "one rater ticks one stage fully, no other; others coin", False, 1),
)


def _logistic(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)))


def alliance(
    rng: np.random.Generator, raters: int, scenario: str
) -> tuple[dict[str, list[str]], dict[str, list[str]], str | None, np.ndarray]:
    """One alliance: the raters' marks, the statements per stage, the stage
    planted (None for a null scenario) and every stage's true share."""
    sizes = rng.integers(SIZES[0], SIZES[1] + 1, size=len(STAGES))
    statements = {
        stage: [f"{stage}-{j}" for j in range(size)]
        for stage, size in zip(STAGES, sizes, strict=True)
    }
    stage_of = np.repeat(np.arange(len(STAGES)), sizes)
    planted = int(rng.integers(len(STAGES)))
    truth: str | None = STAGES[planted]
    shape = (raters, stage_of.size)
    true_share = np.full(len(STAGES), 0.5)
    if scenario == "random":
        chance = np.broadcast_to(rng.uniform(0.1, 0.9, size=(raters, 1)), shape)
        truth = None
    elif scenario == "coin":
        chance = np.full(shape, 0.5)
        truth = None
    elif scenario == "popular":
        chance = _logistic(
            rng.normal(0, TENDENCY_SD, size=(raters, 1))
            + rng.normal(0, POPULARITY_SD, size=(1, stage_of.size))
        )
        truth = None
    elif scenario in ("planted", "planted+tendency"):
        high = np.where(stage_of == planted, PLANTED_HIGH, PLANTED_LOW)
        chance = np.broadcast_to(high, shape)
        true_share = np.where(np.arange(len(STAGES)) == planted, PLANTED_HIGH, PLANTED_LOW)
        if scenario == "planted+tendency":
            logit = np.log(chance / (1 - chance))
            chance = _logistic(logit + rng.normal(0, TENDENCY_SD, size=(raters, 1)))
            true_share = np.full(len(STAGES), np.nan)  # not a simple number any more
    elif scenario == "one sure rater":
        chance = np.full(shape, 0.5)
        chance[0] = stage_of == planted
        true_share = np.full(len(STAGES), np.nan)
    else:
        raise ValueError(f"unknown scenario {scenario!r}")
    ticks = rng.random(shape) < chance
    ids = [sid for stage in STAGES for sid in statements[stage]]
    marks = {f"rater-{r}": [ids[j] for j in np.flatnonzero(ticks[r])] for r in range(raters)}
    return marks, statements, truth, true_share


@dataclass
class Counts:
    alliances: int = 0
    clear: int = 0
    leaning: int = 0
    unclear: int = 0
    top_true: int = 0  # the highest share is the planted stage (alone)
    found: int = 0  # indicated (clear or leaning) and right
    clear_true: int = 0
    clear_wrong: int = 0
    covered: int = 0  # stage intervals that hold the true share
    intervals: int = 0
    seconds: float = 0.0
    between: dict[str, int] = field(default_factory=dict)


def run(scenario: str, raters: int, alliances: int, *, seed: int = 2026) -> Counts:
    """Simulate ``alliances`` alliances and count what the indication says."""
    rng = np.random.default_rng((seed, raters, sum(map(ord, scenario))))
    counts = Counts()
    start = time.perf_counter()
    for _ in range(alliances):
        marks, statements, truth, true_share = alliance(rng, raters, scenario)
        result = stage_indication(marks, statements)
        counts.alliances += 1
        counts.clear += result.certainty is Certainty.CLEAR
        counts.leaning += result.certainty is Certainty.LEANING
        counts.unclear += result.certainty is Certainty.UNCLEAR
        shares = [s.share or 0.0 for s in result.stages]
        best = max(shares)
        if truth is not None:
            counts.top_true += shares.count(best) == 1 and STAGES[shares.index(best)] == truth
            counts.found += result.indicated == truth
            counts.clear_true += result.certain and result.indicated == truth
            counts.clear_wrong += result.certain and result.indicated != truth
        for s, true in zip(result.stages, true_share, strict=True):
            if not np.isnan(true) and s.low is not None and s.high is not None:
                counts.intervals += 1
                counts.covered += s.low <= true <= s.high
    counts.seconds = time.perf_counter() - start
    return counts


def interval(count: int, total: int) -> tuple[float, float]:
    """The exact (Clopper–Pearson) 95 % interval of a rate."""
    low = float(beta.ppf(0.025, count, total - count + 1)) if count else 0.0
    high = float(beta.ppf(0.975, count + 1, total - count)) if count < total else 1.0
    return low, high


def rate(count: int, total: int) -> str:
    low, high = interval(count, total)
    return f"{count / total:6.1%} ({low:4.1%}–{high:5.1%})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--alliances", type=int, default=1000, help="per scenario and size")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    ok = True
    start = time.perf_counter()
    print("Development stage from what people see: simulated alliances, rates with their")
    print("exact 95 % interval. found = indicated (clear or leaning) and right; top = the")
    print("highest share alone is the planted stage; holds = stage intervals holding the")
    print("true share (where it is one number).\n")
    for sc in SCENARIOS:
        print(f"{sc.name}: {sc.description}")
    print(
        f"\n{'scenario':<17} {'raters':>6} {'n':>5}  {'clear':<20} {'leaning':>7} {'unclear':>7}"
        f"  {'found':<20} {'clear, wrong':>12} {'top':>6} {'holds':>6}  target"
    )
    for sc in SCENARIOS:
        for raters in RATERS:
            c = run(sc.name, raters, sc.alliances * args.alliances, seed=args.seed)
            n = c.alliances
            line = (
                f"{sc.name:<17} {raters:>6} {n:>5}  {rate(c.clear, n):<20} "
                f"{c.leaning / n:>7.1%} {c.unclear / n:>7.1%}  "
            )
            if sc.null:
                line += f"{'–':<20} {'–':>12} {'–':>6}"
            else:
                line += f"{rate(c.found, n):<20} {c.clear_wrong / n:>12.1%} {c.top_true / n:>6.1%}"
            line += f" {c.covered / c.intervals:>6.1%}" if c.intervals else f" {'–':>6}"
            if sc.null:
                met = c.clear / n <= TARGET_NULL_CLEAR
                ok &= met
                line += f"  clear ≤ {TARGET_NULL_CLEAR:.0%} {'ok' if met else 'MISSED'}"
            print(line, flush=True)
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
