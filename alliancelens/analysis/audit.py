"""The auditor: what an insider can still work out about a hidden group.

After suppression (suppression.joint_plan) decides which figures to hide,
this module checks each group smaller than k the way statistical offices
audit a suppressed table (the "audit" step of τ-ARGUS and sdcTable): given
everything that is shown of one statement or perspective, how far can the
mean of the hidden group be narrowed down?

One column (a statement, or a perspective) at a time. Its unknowns are, per
partner × level cell ("atom"), how many of its people gave each answer
(statements), or how many have a score that rounds to each point and the sum
of their scores (perspectives). What is known:

- each atom's number of answers (counts that are published or follow from
  who was invited: assumed known, which makes the audit stricter);
- for every shown group (the alliance, a partner, a level, a cell): its
  answer distribution and its mean, i.e. the sums of the atoms' unknowns;
- answers are scale points, so every count lies between 0 and the atom's n,
  and a perspective score lies within half a point of the point it rounds to.

A linear programme then gives the least and the greatest mean the hidden
group can have. The group is *pinned* when that interval is narrower than
PROTECTION; suppression then hides more. The counts are treated as real
numbers (the LP relaxation): the interval found is at least as wide as the
true one, so a pinned group is certainly pinned, and a wide one is wide up
to rounding of the counts (docs/privacy-model.md). Standard deviations and
agreement are not modelled beyond the distributions (for statements they
follow from the distribution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
# Solutions an Interval keeps besides the true answers (see width_at_least).
POINTS_KEPT = 64

# The narrowest interval, in scale points, that the mean of a group below k
# may be narrowed to from what is shown: a whole point, so that nobody can
# tell "agree" from "neutral" for a hidden group.
PROTECTION = 1.0


@dataclass(frozen=True)
class Column:
    """One statement or perspective, per atom (rows in the order of
    ``suppression.atoms``).

    ``counts[a, v]``: people of atom a whose answer (statement) or rounded
    score (perspective) is ``points[v]``. ``sums``: for a perspective, the
    sum of the atom's unrounded scores; None for a statement, whose sums
    follow from the counts.
    """

    points: FloatArray
    counts: npt.NDArray[np.int64]
    sums: FloatArray | None = None
    scores: Sequence[FloatArray] | None = None  # per atom, its people's scores (perspectives)
    # The programmes built for this column, by the shown groups they model.
    built: dict[bytes, Interval] = field(default_factory=dict, compare=False, repr=False)

    def interval(self, shown: Sequence[FloatArray]) -> Interval:
        """The programme of this column under ``shown``, built once."""
        key = np.array(shown).tobytes() if len(shown) else b""
        if key not in self.built:
            new = Interval(self, shown)
            # Hiding only takes constraints away: answers that agreed with
            # more shown groups agree with fewer too.
            for other in self.built.values():
                if new.rows <= other.rows:
                    new.points += other.points[1:]
            new.trim()
            self.built[key] = new
        return self.built[key]

    def values(self, atom: int) -> FloatArray:
        """The answers (or scores) of one atom's people."""
        if self.scores is not None:
            return self.scores[atom]
        return np.repeat(self.points, self.counts[atom])


class Interval:
    """The linear programme of one column under one set of shown groups,
    built once and solved for many targets (HiGHS, objective changed in
    place; each solve starts from the last basis)."""

    def __init__(self, column: Column, shown: Sequence[FloatArray]) -> None:
        import highspy
        from scipy.sparse import coo_matrix

        counts = column.counts.astype(float)
        atoms, values = counts.shape
        self.column, self.n, self.values = column, counts.sum(axis=1), values
        self.rows = frozenset(np.asarray(g).tobytes() for g in shown)
        self.perspective = column.sums is not None
        width = atoms * values + (atoms if self.perspective else 0)
        self.width = width
        # The constraint matrix as (row, column, value) triplets.
        entries: list[tuple[int, int, float]] = []
        lower: list[float] = []
        upper: list[float] = []

        def add(cells: Sequence[tuple[int, float]], low: float, high: float) -> None:
            row = len(lower)
            entries.extend((row, c, v) for c, v in cells)
            lower.append(low)
            upper.append(high)

        for a in range(atoms):  # each atom's number of answers
            add([(a * values + v, 1.0) for v in range(values)], self.n[a], self.n[a])
        for group in shown:
            members = np.flatnonzero(group)
            if members.size == 0:
                continue
            if members.size == atoms:  # the alliance: its whole distribution
                for v in range(values):
                    total = float(counts[members, v].sum())
                    add([(int(m) * values + v, 1.0) for m in members], total, total)
            if self.perspective:  # every shown group: its mean, so its sum
                assert column.sums is not None
                total = float(column.sums[members].sum())
                add([(atoms * values + int(m), 1.0) for m in members], total, total)
            elif members.size < atoms:
                total = float((counts[members] @ column.points).sum())
                cells = [
                    (int(m) * values + v, float(p))
                    for m in members
                    for v, p in enumerate(column.points)
                ]
                add(cells, total, total)
        col_lower = np.zeros(width)
        col_upper = np.repeat(self.n, values)
        if self.perspective:
            lo, hi = float(column.points[0]), float(column.points[-1])
            col_lower = np.concatenate([col_lower, lo * self.n])
            col_upper = np.concatenate([col_upper, hi * self.n])
            for a in range(atoms):  # a score lies within half a point of its rounded point
                sum_at = atoms * values + a
                below = [(a * values + v, float(p) - 0.5) for v, p in enumerate(column.points)]
                above = [(a * values + v, -float(p) - 0.5) for v, p in enumerate(column.points)]
                add([*below, (sum_at, -1.0)], -highspy.kHighsInf, 0.0)
                add([*above, (sum_at, 1.0)], -highspy.kHighsInf, 0.0)
        rows, cols, vals = zip(*entries, strict=True)
        matrix = coo_matrix((vals, (rows, cols)), shape=(len(lower), width)).tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = width, len(lower)
        lp.col_cost_ = np.zeros(width)
        lp.col_lower_, lp.col_upper_ = col_lower, col_upper
        lp.row_lower_, lp.row_upper_ = np.array(lower), np.array(upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("presolve", "off")
        self.highs.passModel(lp)
        self.cost = np.zeros(width)
        self.sense = highspy.ObjSense
        self.optimal = highspy.HighsModelStatus.kOptimal
        # Answers that agree with everything shown: the true ones, and each
        # solution found so far. The spread of a target's mean over them is
        # a width its interval certainly has, often enough without solving.
        truth = [counts.ravel()]
        if self.perspective:
            assert column.sums is not None
            truth.append(column.sums)
        self.points: list[FloatArray] = [np.concatenate(truth)]

    def _objective(self, target: FloatArray) -> None:
        """Set the target's mean as the objective."""
        size = float(target @ self.n)
        atoms = len(self.n)
        cost = np.zeros(self.width)
        chosen = np.flatnonzero(target)
        if self.perspective:
            cost[atoms * self.values + chosen] = 1.0 / size
        else:
            for a in chosen:
                cost[a * self.values : (a + 1) * self.values] = self.column.points / size
        changed = np.flatnonzero(cost != self.cost)
        if changed.size:
            self.highs.changeColsCost(changed.size, changed.astype(np.int32), cost[changed])
            self.cost = cost

    def _solve(self, sense: Any) -> float:
        self.highs.changeObjectiveSense(sense)
        self.highs.run()
        if self.highs.getModelStatus() != self.optimal:  # the true answers are a solution
            raise RuntimeError("audit: the published figures admit no answers")
        self.points.append(np.array(self.highs.getSolution().col_value))
        self.trim()
        return float(self.highs.getInfo().objective_function_value)

    def trim(self) -> None:
        """Keep the true answers and the latest POINTS_KEPT solutions: any set
        of solutions gives a width the interval certainly has, and passing
        every solution on to each newer programme of the column (Column.
        interval) doubled them with every programme; with eight partners
        that ran out of memory."""
        if len(self.points) > POINTS_KEPT + 1:
            del self.points[1 : len(self.points) - POINTS_KEPT]

    def __call__(self, target: FloatArray) -> tuple[float, float]:
        """Least and greatest mean of the atoms in ``target`` (0/1 over atoms)."""
        if float(target @ self.n) <= 0:
            return (float("nan"), float("nan"))
        self._objective(target)
        return self._solve(self.sense.kMinimize), self._solve(self.sense.kMaximize)

    def width_at_least(self, target: FloatArray, wanted: float) -> bool:
        """Whether the interval is at least ``wanted`` wide: without solving
        when solutions known already lie that far apart, else with one or
        two solves."""
        if float(target @ self.n) <= 0:
            return True
        self._objective(target)
        known = np.array(self.points) @ self.cost
        if known.max() - known.min() >= wanted:
            return True
        high = self._solve(self.sense.kMaximize)
        if high - known.min() >= wanted:
            return True
        return high - self._solve(self.sense.kMinimize) >= wanted


def mean_interval(
    column: Column, shown: Sequence[FloatArray], target: FloatArray
) -> tuple[float, float]:
    """Least and greatest mean of the atoms in ``target`` (a 0/1 vector over
    atoms) that agree with what ``shown`` (0/1 vectors of the shown groups)
    publishes of ``column``."""
    return column.interval(shown)(target)


def swap_width(column: Column, shown: Sequence[FloatArray], target: FloatArray) -> float:
    """A width the mean of ``target`` certainly has: answers swapped between
    people of atoms that every shown group either holds both of or neither
    leave every shown figure as it is, so the interval is at least as wide
    as the most and the least such swaps give. Cheap, and enough to clear
    most groups without a linear programme."""
    n = column.counts.sum(axis=1)
    size = float(target @ n)
    if size <= 0:
        return float("inf")
    signature = np.array(shown).T if len(shown) else np.zeros((len(target), 0))
    blocks: dict[bytes, list[int]] = {}
    for atom, row in enumerate(signature):
        blocks.setdefault(row.tobytes(), []).append(atom)
    spread = 0.0
    for members in blocks.values():
        inside = [a for a in members if target[a] > 0]
        if not inside or len(inside) == len(members):
            continue
        values = np.sort(np.concatenate([column.values(a) for a in members]))
        m = int(n[inside].sum())
        if 0 < m < values.size:
            spread += float(values[-m:].sum() - values[:m].sum())
    return spread / size


def pinned(
    interval: Interval,
    shown: Sequence[FloatArray],
    target: FloatArray,
    parts: Sequence[FloatArray] = (),
) -> bool:
    """True when the shown figures together narrow the mean of ``target``
    below PROTECTION, and by at least half of it more than the shown groups
    that hold it, or hold each of its ``parts``, do on their own (each with
    the alliance's figures).

    The second part: a shown group is at least k people, and when all of
    them gave the same answer its figure says so for each of its members
    and every part of it. That is what showing groups of k at all means;
    hiding other figures cannot change it. What the auditor stops is
    figures *combined* telling more about a small group than its own shown
    groups do. (When the whole alliance answered alike, each person's score
    is known to within a point from its distribution alone; combining
    figures then narrows that a little, which is not counted.)
    """
    column = interval.column
    if swap_width(column, shown, target) >= PROTECTION - 1e-9:
        return False
    if interval.width_at_least(target, PROTECTION - 1e-9):
        return False
    low, high = interval(target)
    baseline = _alone(column, shown, target)
    if len(parts) > 1:
        n = column.counts.sum(axis=1)
        size = float(target @ n)
        baseline = min(
            baseline, sum(float(p @ n) * _alone(column, shown, p) for p in parts) / size
        )
    return high - low < min(PROTECTION, baseline - PROTECTION / 2) - 1e-9


def _alone(column: Column, shown: Sequence[FloatArray], target: FloatArray) -> float:
    """The narrowest interval any one shown group that holds ``target``
    gives its mean, with the alliance's figures (the alliance alone too)."""
    whole = np.ones_like(target)
    holders = [g for g in shown if np.all(g >= target) and not np.all(g == whole)]
    widths = []
    for group in [whole, *holders]:
        low, high = mean_interval(column, [whole, group], target)
        widths.append(high - low)
    return min(widths)
