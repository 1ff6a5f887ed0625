"""How often the lens calls a difference when there is none, and how often
it finds one that is there: simulated alliances run through the whole
engine (suppression, tests, advice). ``make calibrate`` prints the rates;
the tests run fewer alliances with a fixed seed (docs/statistics.md,
"Calibration").

A simulated alliance: five partners of 3–12 people (board, management and
professionals), every statement with its own true mean, every person a
general and a per-perspective tendency, answer noise, answers rounded to
the scale, now and then "don't know". A *null* alliance has no true
difference between partners, levels or rounds; a *planted* one gives one
partner of six people a difference of 1.2 points on every statement of one
perspective.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliancelens.instrument import LEVELS, PERSPECTIVES, Instrument, latest_instrument

from .advice import load_rules
from .engine import analyze, analyze_rounds
from .frame import COLUMNS
from .results import AnalysisResult

PARTNERS = 5
SIZES = (3, 12)
PLANTED_SIZE = 6
PLANTED_SHIFT = 1.2
PERSON_SD = 0.35  # a person's general tendency
PERSPECTIVE_SD = 0.25  # and per perspective
NOISE_SD = 0.75  # per answer
DONT_KNOW = 0.04
K = 3
# Indicator names whose rules are about differences (between partners,
# levels, rounds, or within a partner).
DIFFERENCE_INDICATORS = ("divergence.", "level_gap", "disagreement.", "give_take.", "trend.")

# Targets (issue 11): null alliances with any divergence flag, planted
# differences found, and the most any difference rule fires when nothing is there.
TARGET_NULL_ANY = 0.05
TARGET_FOUND = 0.90
TARGET_RULE = 0.05


@dataclass(frozen=True)
class Alliance:
    frame: pd.DataFrame
    planted_partner: str | None = None
    planted_perspective: str | None = None
    shift: float = 0.0  # the difference as answered (after rounding and clipping)


def simulate(
    instrument: Instrument,
    rng: np.random.Generator,
    *,
    plant: bool = False,
    rounds: int = 1,
    levels: bool = True,
) -> Alliance:
    """One alliance's answers; with ``rounds`` > 1 the same people answer
    again with fresh noise and nothing changed. Without ``levels`` everyone
    is a professional: no small partner × level cells, so suppression has
    little to do (the tests use this to run many alliances quickly)."""
    items = instrument.items
    lo, hi = instrument.scale.min, instrument.scale.max
    centre = rng.uniform(2.6, 3.8, size=len(items))
    # Give and take in balance: what partners put in and get out alike.
    exchange = [n for n, i in enumerate(items) if i.exchange is not None]
    centre[exchange] = centre[exchange[0]] if exchange else 0
    sizes = rng.integers(SIZES[0], SIZES[1] + 1, size=PARTNERS)
    planted_index = int(rng.integers(PARTNERS)) if plant else -1
    if plant:
        sizes[planted_index] = PLANTED_SIZE
    perspective = PERSPECTIVES[int(rng.integers(len(PERSPECTIVES)))] if plant else None
    direction = 1.0 if rng.random() < 0.5 else -1.0
    of = np.array([PERSPECTIVES.index(i.perspective) for i in items])
    reverse = np.array([i.reverse for i in items])
    rows: list[tuple[object, ...]] = []
    shifted: list[float] = []
    people = [(p, n) for p, size in enumerate(sizes) for n in range(size)]
    general = rng.normal(0, PERSON_SD, size=len(people))
    own = rng.normal(0, PERSPECTIVE_SD, size=(len(people), len(PERSPECTIVES)))
    level = rng.choice(len(LEVELS), size=len(people), p=[0.25, 0.25, 0.5])
    if not levels:
        level[:] = LEVELS.index("professional")
    for number in range(1, rounds + 1):
        for person, (p, n) in enumerate(people):
            latent = centre + general[person] + own[person, of]
            latent = latent + rng.normal(0, NOISE_SD, size=len(items))
            meant = np.clip(np.rint(latent), lo, hi)
            if p == planted_index:
                moved = np.clip(np.rint(latent + direction * PLANTED_SHIFT), lo, hi)
                at = of == PERSPECTIVES.index(str(perspective))
                shifted.extend(moved[at] - meant[at])
                meant = np.where(at, moved, meant)
            given = np.where(reverse, lo + hi - meant, meant)
            given = np.where(rng.random(len(items)) < DONT_KNOW, np.nan, given)
            for item, value in zip(items, given, strict=True):
                rows.append(
                    (f"r{p}-{n}", f"P{p + 1}", LEVELS[level[person]], number, item.id, value)
                )
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    return Alliance(
        frame,
        f"P{planted_index + 1}" if plant else None,
        perspective,
        float(np.mean(np.abs(shifted))) if shifted else 0.0,
    )


def difference_rules() -> list[str]:
    """The advice rules that read a difference indicator."""
    return [
        rule.id
        for rule in load_rules().rules
        if any(c.indicator.startswith(DIFFERENCE_INDICATORS) for c in rule.clauses)
    ]


@dataclass
class Rates:
    alliances: int = 0
    any_flag: int = 0
    flags: int = 0
    found: int = 0
    named_wrongly: int = 0
    level_flag: int = 0
    disagreement: int = 0
    imbalance: int = 0
    trend_changed: int = 0
    shift: float = 0.0
    rules: Counter[str] = field(default_factory=Counter)

    def share(self, count: int) -> float:
        return count / self.alliances if self.alliances else 0.0


def _note(rates: Rates, result: AnalysisResult, watched: Sequence[str]) -> None:
    flagged = [d for d in result.divergence if d.flagged]
    rates.alliances += 1
    rates.any_flag += bool(flagged)
    rates.flags += len(flagged)
    rates.level_flag += any(g.flagged for g in result.level_gap.values())
    rates.disagreement += bool(result.disagreement)
    rates.imbalance += any(g.imbalance for g in result.give_take)
    # A rule counts when a difference made it fire (some rules also fire on
    # a low mean, which is not a difference between groups).
    fired = {
        a.id for a in result.advice if any(w.startswith(DIFFERENCE_INDICATORS) for w in a.why)
    }
    rates.rules.update(r for r in watched if r in fired)


def _one(task: tuple[str, int, int, bool]) -> tuple[str, AnalysisResult, Alliance | None, bool]:
    """One simulated alliance analysed: (kind, result, planted alliance, changed)."""
    kind, seed, number, levels = task
    instrument = latest_instrument()
    rng = np.random.default_rng([seed, ("null", "planted", "series").index(kind), number])
    if kind == "series":
        alliance = simulate(instrument, rng, rounds=2, levels=levels)
        rounds = analyze_rounds(alliance.frame, instrument, k=K)
        return kind, rounds.latest, None, any(t.changed for t in rounds.trends)
    alliance = simulate(instrument, rng, plant=kind == "planted", levels=levels)
    result = analyze(alliance.frame, instrument, k=K)
    return kind, result, alliance if kind == "planted" else None, False


def run(
    *,
    null: int,
    planted: int,
    series: int,
    seed: int = 2026,
    levels: bool = True,
    workers: int = 1,
) -> tuple[Rates, Rates, Rates]:
    """Null alliances, planted ones, and null series of two rounds; every
    alliance has its own seed, so the figures do not depend on ``workers``."""
    tasks = [("null", seed, n, levels) for n in range(null)]
    tasks += [("planted", seed, n, levels) for n in range(planted)]
    tasks += [("series", seed, n, levels) for n in range(series)]
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            done = pool.map(_one, tasks, chunksize=8)
    else:
        done = [_one(t) for t in tasks]
    watched = difference_rules()
    nothing, something, twice = Rates(), Rates(), Rates()
    for kind, result, alliance, changed in done:
        if kind == "null":
            _note(nothing, result, watched)
        elif kind == "series":
            _note(twice, result, watched)
            twice.trend_changed += changed
        else:
            assert alliance is not None
            _note(something, result, watched)
            something.shift += alliance.shift / planted
            hit = next(
                (
                    d
                    for d in result.divergence
                    if d.kind == "perspective" and d.id == alliance.planted_perspective
                ),
                None,
            )
            if hit is not None and hit.flagged:
                named = {name for pair in hit.pairs for name in (pair.higher, pair.lower)}
                if alliance.planted_partner in named:
                    something.found += 1
                else:
                    something.named_wrongly += 1
    return nothing, something, twice


def report(nothing: Rates, something: Rates, twice: Rates, seconds: float) -> tuple[str, bool]:
    """The printed table and whether every target is met."""
    worst_rule = max((nothing.share(n) for n in nothing.rules.values()), default=0.0)
    worst_series = max((twice.share(n) for n in twice.rules.values()), default=0.0)
    checks = [
        (
            "null alliances with any divergence flag",
            nothing.share(nothing.any_flag),
            "<=",
            TARGET_NULL_ANY,
        ),
        (
            "planted difference found (partner named)",
            something.share(something.found),
            ">=",
            TARGET_FOUND,
        ),
        ("most frequent difference rule, null alliances", worst_rule, "<=", TARGET_RULE),
        ("most frequent difference rule, null series", worst_series, "<=", TARGET_RULE),
        (
            "null series with a changed perspective",
            twice.share(twice.trend_changed),
            "<=",
            TARGET_RULE,
        ),
    ]
    ok = True
    lines = [
        f"calibration: {nothing.alliances} null, {something.alliances} planted, "
        f"{twice.alliances} null series of two rounds ({seconds:.0f} s)",
        "",
        f"{'measure':<48} {'rate':>7}  target",
    ]
    for name, value, op, target in checks:
        met = value <= target if op == "<=" else value >= target
        ok &= met
        lines.append(f"{name:<48} {value:>7.1%}  {op} {target:.0%} {'ok' if met else 'MISSED'}")
    lines += [
        "",
        f"{'null alliances: mean flagged statements/perspectives':<48} "
        f"{nothing.flags / max(nothing.alliances, 1):>7.2f}",
        f"{'null alliances: a level gap flagged':<48} {nothing.share(nothing.level_flag):>7.1%}",
        f"{'null alliances: disagreement within a partner':<48} "
        f"{nothing.share(nothing.disagreement):>7.1%}",
        f"{'null alliances: give and take out of balance':<48} "
        f"{nothing.share(nothing.imbalance):>7.1%}",
        f"{'planted: shown difference (answered points)':<48} {something.shift:>7.2f}",
        f"{'planted: flagged but another partner named':<48} "
        f"{something.share(something.named_wrongly):>7.1%}",
        "",
        "difference rules firing (null alliances / null series / planted):",
    ]
    for rule in difference_rules():
        lines.append(
            f"  {rule:<46} {nothing.share(nothing.rules[rule]):>7.1%} "
            f"{twice.share(twice.rules[rule]):>7.1%} "
            f"{something.share(something.rules[rule]):>7.1%}"
        )
    lines.append("")
    lines.append("all targets met" if ok else "TARGETS MISSED")
    return "\n".join(lines), ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--null", type=int, default=600, help="null alliances (600)")
    parser.add_argument("--planted", type=int, default=300, help="planted alliances (300)")
    parser.add_argument("--series", type=int, default=200, help="null series of two rounds (200)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rates = run(
        null=args.null,
        planted=args.planted,
        series=args.series,
        seed=args.seed,
        workers=args.workers,
    )
    text, ok = report(*rates, time.perf_counter() - start)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
