"""The anonymity auditor, tried from outside: an attacker's own linear
programme over what a published result shows.

The attacker here is written apart from ``analysis.audit`` (scipy's
``linprog`` instead of HiGHS' model, the constraints read from the
published result rather than from the suppression plan). For random
alliances with k from 3 to 7 it takes, per statement, every group below k
(a partner, a level, a cell), every union of two of them below k and what
the shown groups of one kind leave over, and checks the promise of
docs/privacy-model.md: none is a combination of shown figures, and none is
narrowed below a point and by half a point more than a shown group that
holds it (with the alliance's distribution) already narrows it.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from alliancelens.analysis import analyze, answers_frame
from alliancelens.analysis.audit import PROTECTION
from alliancelens.analysis.publication import published_view
from alliancelens.instrument import get_instrument

INSTRUMENT = get_instrument("reflection-core", 1)  # fixtures written for v1
POINTS = np.arange(1.0, 6.0)
LEVELS = ("board", "management", "professional")


def alliance(seed: int, partners: int, smallest: int, largest: int) -> list[dict]:
    """Respondents in partners of random size, levels at random; answers
    drawn around a partner's own leaning, so small groups are not alike."""
    rng = random.Random(seed)
    rows = []
    for p in range(partners):
        leaning = rng.choice([1.5, 2.5, 3.5, 4.5])
        for r in range(rng.randint(smallest, largest)):
            level = rng.choice(LEVELS)
            for item in INSTRUMENT.items[:4]:
                value = min(5, max(1, round(rng.gauss(leaning, 1.2))))
                rows.append(
                    {
                        "respondent": f"{p}-{r}",
                        "partner": f"P{p}",
                        "level": level,
                        "round": 1,
                        "item": item.id,
                        "value": float(value),
                    }
                )
    return rows


def attack(rows: list[dict], k: int) -> tuple[list[str], int]:
    """The promises broken for the statements answered in ``rows``, and how
    many of them are unions of two small groups."""
    frame = answers_frame(rows)
    result = published_view(analyze(frame, INSTRUMENT, k=k))
    if result.suppressed:
        return [], 0
    broken: list[str] = []
    narrowed_unions = 0
    by_item: dict[str, dict[tuple[str, str], np.ndarray]] = {}
    for row in rows:
        cells = by_item.setdefault(row["item"], {})
        counts = cells.setdefault((row["partner"], row["level"]), np.zeros(5))
        counts[int(row["value"]) - 1] += 1
    reverse = {i.id for i in INSTRUMENT.items if i.reverse}
    for item, by_atom in by_item.items():
        overall = result.items[item]
        if overall.hidden or not overall.distribution:
            continue
        # The published figures are on the turned-around scale.
        cells = {a: c[::-1] for a, c in by_atom.items()} if item in reverse else by_atom
        atoms = sorted(cells)
        n = np.array([cells[a].sum() for a in atoms])
        distribution = np.array([overall.distribution.get(str(v), 0) for v in range(1, 6)])
        assert np.array_equal(distribution, sum(cells.values())), item
        shown = _shown(result, item, atoms)

        def interval(target: np.ndarray, using: list, n=n, distribution=distribution) -> float:
            return _width(target, using, n, distribution)

        singles: list[tuple[object, np.ndarray]] = []
        for name in {a[0] for a in atoms} | {a[1] for a in atoms}:
            member = np.array([float(name in a) for a in atoms])
            if 0 < member @ n < k:
                singles.append((name, member))
        singles += [(a, np.eye(len(atoms))[i]) for i, a in enumerate(atoms) if 0 < n[i] < k]
        leftovers: list[tuple[object, np.ndarray]] = []
        for kind in ("partner", "level", "cell"):
            left = 1.0 - np.minimum(
                1, sum((m for m, _, g in shown if g == kind), np.zeros(len(atoms)))
            )
            if 0 < left @ n < k:
                leftovers.append((f"what the shown {kind}s leave", left))
        matrix = np.array([m for m, _, _ in shown] + [np.ones(len(atoms))])
        rank = np.linalg.matrix_rank(matrix)
        unions: list[tuple[object, np.ndarray, tuple[np.ndarray, ...]]] = []
        for (one, x), (two, y) in itertools.combinations(singles, 2):
            union = np.minimum(1, x + y)
            if 0 < union @ n < k:
                unions.append(((one, two), union, (x, y)))
        for label, target in [*singles, *leftovers, *((u[0], u[1]) for u in unions)]:
            if np.linalg.matrix_rank(np.vstack([matrix, target])) == rank:
                broken.append(f"{item}: {label} is a combination of shown figures")
        using = [(m, total) for m, total, _ in shown]

        def alone(target: np.ndarray, using=using, interval=interval) -> float:
            holders = [u for u in using if np.all(u[0] >= target)]
            return min([interval(target, []), *(interval(target, [h]) for h in holders)])

        checked: list[tuple[object, np.ndarray, tuple[np.ndarray, ...], bool]] = [
            (label, target, (), False) for label, target in [*singles, *leftovers]
        ]
        checked += [(label, target, parts, True) for label, target, parts in unions]
        for label, target, parts, is_union in checked:
            width = interval(target, using)
            if width >= PROTECTION - 1e-6:
                continue
            baseline = alone(target)
            if parts:  # what each part's own holders say, together
                size = float(target @ n)
                baseline = min(baseline, sum(float(p @ n) * alone(p) for p in parts) / size)
            if width < min(PROTECTION, baseline - PROTECTION / 2) - 1e-6:
                narrowed_unions += is_union
                broken.append(f"{item}: {label} narrowed to {width:.3f} (alone {baseline:.3f})")
    return broken, narrowed_unions


def _shown(result, item: str, atoms: list) -> list[tuple[np.ndarray, float, str]]:
    """(indicator over atoms, published sum, kind) of every shown group's mean."""
    shown = []
    for kind, groups in (("partner", result.partners), ("level", result.levels)):
        for name, group in groups.items():
            stat = group.items.get(item)
            if group.suppressed or stat is None or stat.hidden or stat.mean is None:
                continue
            member = np.array([float(a[0 if kind == "partner" else 1] == name) for a in atoms])
            shown.append((member, stat.mean * stat.n, kind))
    for key, group in result.partner_levels.items():
        stat = group.items.get(item)
        if group.suppressed or stat is None or stat.hidden or stat.mean is None:
            continue
        cell = tuple(key.split(" | "))
        member = np.array([float(a == cell) for a in atoms])
        shown.append((member, stat.mean * stat.n, "cell"))
    return shown


def _width(target: np.ndarray, using: list, n: np.ndarray, distribution: np.ndarray) -> float:
    """How far apart the least and the greatest mean of ``target`` can lie."""
    atoms = len(n)
    size = float(target @ n)
    width = atoms * 5
    rows_eq, rhs = [], []
    for a in range(atoms):
        row = np.zeros(width)
        row[a * 5 : a * 5 + 5] = 1
        rows_eq.append(row)
        rhs.append(n[a])
    for v in range(5):
        row = np.zeros(width)
        row[v::5] = 1
        rows_eq.append(row)
        rhs.append(distribution[v])
    for member, total in using:
        row = np.zeros(width)
        for a in map(int, np.flatnonzero(member)):
            row[a * 5 : a * 5 + 5] = POINTS
        rows_eq.append(row)
        rhs.append(total)
    cost = np.zeros(width)
    for a in map(int, np.flatnonzero(target)):
        cost[a * 5 : a * 5 + 5] = POINTS / size
    ends = []
    for sign in (1, -1):
        solved = linprog(sign * cost, A_eq=np.array(rows_eq), b_eq=np.array(rhs), bounds=(0, None))
        assert solved.status == 0, solved.message
        ends.append(sign * solved.fun)
    return float(ends[1] - ends[0])


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    seed=st.integers(0, 10_000),
    partners=st.integers(2, 6),
    smallest=st.integers(1, 3),
    spread=st.integers(0, 8),
    k=st.integers(3, 7),
)
def test_no_group_below_k_is_narrowed_by_what_is_shown(seed, partners, smallest, spread, k):
    broken, _ = attack(alliance(seed, partners, smallest, smallest + spread), k)
    assert broken == []


def test_the_attack_finds_what_the_plain_k_rule_leaves_open():
    """The attacker is not toothless: with the auditor switched off (the plan
    as it was before it), it does find groups narrowed below a point."""
    from alliancelens.analysis import engine, suppression

    plain = suppression.joint_plan

    def without_audit(*args, **kwargs):
        kwargs.pop("published", None)
        return plain(*args, **kwargs)

    found = []
    engine.joint_plan = without_audit
    try:
        for seed in range(40):
            found += attack(alliance(seed, 4, 1, 7), 3)[0]
            if found:
                break
    finally:
        engine.joint_plan = plain
    assert found


def test_an_alliance_of_eight_partners_is_audited_in_bounded_memory():
    """Each new programme of a column (fewer groups shown) took over the
    solutions of every earlier one, doubling them each time: eight
    partners ran out of memory (5 GiB). Now each keeps a bounded number."""
    from alliancelens.analysis import audit

    rng = np.random.default_rng(1)
    atoms = 8 * 3
    column = audit.Column(np.arange(1.0, 6.0), rng.integers(0, 4, size=(atoms, 5)))
    whole = np.ones(atoms)
    groups = [(np.arange(atoms) % 8 == p).astype(float) for p in range(8)]
    groups += [(np.arange(atoms) // 8 == level).astype(float) for level in range(3)]
    for n in range(len(groups)):
        shown = [whole, *groups[: len(groups) - n]]  # each a subset of the one before
        interval = column.interval(shown)
        interval(groups[0])
        assert len(interval.points) <= audit.POINTS_KEPT + 1
