"""Anonymity: which groups to hide so that none below k can be seen or derived."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

# The anonymity threshold an alliance may choose: groups of fewer than k
# people are never shown. Three is the least that keeps one person's answers
# from being worked out by the two others of a group.
K_MIN, K_MAX, K_DEFAULT = 3, 10, 3


@dataclass
class Plan:
    """What to hide in one column (item or perspective)."""

    overall: bool = False
    partners: set[Any] = field(default_factory=set)
    levels: set[Any] = field(default_factory=set)
    cells: set[tuple[Any, Any]] = field(default_factory=set)


# Unions of up to this many small groups are checked as one set: a union
# of hidden groups can be given away by the shown figures even when each of
# them alone cannot (the total minus the shown partners is the union of the
# hidden ones).
UNION_SIZE = 3


@dataclass(frozen=True)
class ColumnFigures:
    """What a column holds per atom, for the auditor (audit.Column):
    ``distributions[atom]`` counts per scale point (for a perspective, of the
    rounded scores), ``scores[atom]`` a perspective's scores (None for a
    statement)."""

    points: npt.NDArray[np.float64]
    distributions: Mapping[tuple[Any, Any], npt.NDArray[np.int64]]
    scores: Mapping[tuple[Any, Any], npt.NDArray[np.float64]] | None = None


def joint_plan(
    counts: Mapping[tuple[Any, Any], int],
    k: int,
    *,
    partners_hidden: Iterable[Any] = (),
    levels_hidden: Iterable[Any] = (),
    cells_hidden: Iterable[tuple[Any, Any]] = (),
    published: ColumnFigures | None = None,
) -> Plan:
    """Suppression of the total, partners, levels and partner × level cells together.

    The atoms are the partner × level cells with respondents. Every shown
    figure (total, partner, level, cell) is a sum over atoms, so any linear
    combination of shown figures is known too. A set of atoms is exposed when
    its indicator lies in the span of the shown figures. The sets checked
    are every group (partner, level, cell) with fewer than k people, every
    union of up to UNION_SIZE such groups that stays below k, and, per kind
    of group, the union of all hidden ones (what the total minus the shown
    ones leaves). While one is exposed, the smallest shown figure that
    touches it is hidden as well. Single columns alone were not enough: the
    total minus one partner minus one level can isolate a hidden partner.

    With ``published``, the auditor (audit.py) then checks every group below
    k, every union of two of them and every leftover set against everything
    shown of this column, bounds included; a set whose mean is pinned to a
    narrow interval is treated as exposed.
    """
    atoms = sorted((c for c, n in counts.items() if n > 0), key=repr)
    plan = Plan(partners=set(partners_hidden), levels=set(levels_hidden), cells=set(cells_hidden))
    total = sum(counts[a] for a in atoms)
    if not atoms:
        return plan
    if total < k:
        plan.overall = True
        plan.partners |= {a[0] for a in atoms}
        plan.levels |= {a[1] for a in atoms}
        plan.cells |= set(atoms)
        return plan
    index = {a: i for i, a in enumerate(atoms)}
    size = np.array([counts[a] for a in atoms], dtype=float)

    def vector(members: Iterable[tuple[Any, Any]]) -> npt.NDArray[np.float64]:
        v = np.zeros(len(atoms))
        for m in members:
            v[index[m]] = 1.0
        return v

    groups: dict[tuple[str, Any], npt.NDArray[np.float64]] = {("total", None): np.ones(len(atoms))}
    for p in {a[0] for a in atoms}:
        groups[("partner", p)] = vector(a for a in atoms if a[0] == p)
    for lvl in {a[1] for a in atoms}:
        groups[("level", lvl)] = vector(a for a in atoms if a[1] == lvl)
    for a in atoms:
        groups[("cell", a)] = vector([a])

    def hidden(key: tuple[str, Any]) -> bool:
        kind, value = key
        return (
            (kind == "partner" and value in plan.partners)
            or (kind == "level" and value in plan.levels)
            or (kind == "cell" and value in plan.cells)
        )

    def below_k(v: npt.NDArray[np.float64]) -> bool:
        return 0 < float(v @ size) < k

    for key, v in groups.items():
        if below_k(v):
            _hide(plan, key)

    small = [v for v in groups.values() if below_k(v)]
    unions = _unions(small, below_k)
    sensitive = [v for v, _ in unions]
    # The auditor checks single groups and pairs (unions of three are
    # checked for exact derivation only, to keep it quick).
    audited = [(v, parts) for v, parts in unions if len(parts) <= 2]
    column = None
    if published is not None:
        from .audit import Column

        scores = None if published.scores is None else [published.scores[a] for a in atoms]
        column = Column(
            points=published.points,
            counts=np.array([published.distributions[a] for a in atoms], dtype=np.int64),
            sums=None if scores is None else np.array([s.sum() for s in scores], dtype=float),
            scores=scores,
        )
    zero = np.zeros(len(atoms))
    while True:
        shown_keys = [key for key in groups if not hidden(key)]
        shown = np.array([groups[key] for key in shown_keys])
        # What the shown groups of each kind leave over: the hidden ones together.
        residuals = [
            r
            for kind in ("partner", "level", "cell")
            if below_k(r := 1.0 - sum((groups[g] for g in shown_keys if g[0] == kind), zero))
        ]
        exposed = _first_exposed(shown, [*sensitive, *residuals])
        exact = exposed is not None
        exposed_parts: tuple[npt.NDArray[np.float64], ...] = ()
        targets = [*audited, *((r, (r,)) for r in residuals)]
        if exposed is None and column is not None and targets:
            from .audit import pinned

            interval = column.interval(list(shown))
            found = next(
                ((v, parts) for v, parts in targets if pinned(interval, list(shown), v, parts)),
                None,
            )
            if found is not None:
                exposed, exposed_parts = found
        if exposed is None:
            return plan
        candidates = sorted(
            (float(groups[key] @ size), repr(key), key) for key in shown_keys if key[0] != "total"
        )
        if not exact:
            # Pinned by bounds: hide the figure whose hiding alone frees it,
            # the partner × level cells first (the least read), then levels,
            # then partners, the smallest first; failing that, the first
            # such figure that overlaps it, and go on.
            order = {"cell": 0, "level": 1, "partner": 2}
            ranked = sorted(candidates, key=lambda c: (order[c[2][0]], c[0], c[1]))
            choice = next(
                (
                    key
                    for _, _, key in ranked
                    if not _still_pinned(column, groups, shown_keys, key, exposed, exposed_parts)
                ),
                None,
            )
            if choice is None:
                choice = next(
                    (key for _, _, key in ranked if float(groups[key] @ exposed) > 0), None
                )
            if choice is None:
                plan.overall = True
                return plan
            _hide(plan, choice)
            continue
        if not candidates:
            plan.overall = True  # only the total is left and it gives the set away
            return plan
        # Prefer the smallest figure whose hiding alone closes this leak;
        # otherwise hide the smallest figure the derivation uses, and go on.
        for _, _, key in candidates:
            rest = np.array([groups[other] for other in shown_keys if other != key])
            if _first_exposed(rest, [exposed]) is None:
                _hide(plan, key)
                break
        else:
            coefficients = np.linalg.lstsq(shown.T, exposed, rcond=None)[0]
            used = {shown_keys[i] for i, c in enumerate(coefficients) if abs(c) > 1e-9}
            choice = next((key for _, _, key in candidates if key in used), None)
            if choice is None:
                plan.overall = True
                return plan
            _hide(plan, choice)


def _still_pinned(
    column: Any,
    groups: Mapping[tuple[str, Any], npt.NDArray[np.float64]],
    shown_keys: list[tuple[str, Any]],
    without: tuple[str, Any],
    target: npt.NDArray[np.float64],
    parts: tuple[npt.NDArray[np.float64], ...],
) -> bool:
    from .audit import pinned

    rest = [groups[key] for key in shown_keys if key != without]
    return pinned(column.interval(rest), rest, target, parts)


def _unions(
    small: list[npt.NDArray[np.float64]], below_k: Callable[[npt.NDArray[np.float64]], bool]
) -> list[tuple[npt.NDArray[np.float64], tuple[npt.NDArray[np.float64], ...]]]:
    """Every set of up to UNION_SIZE small groups whose union is below k,
    each distinct union once, with the fewest groups that make it up."""
    seen: set[bytes] = set()
    out = []
    for r in range(1, UNION_SIZE + 1):
        for combination in itertools.combinations(small, r):
            union = np.minimum(1.0, sum(combination, np.zeros_like(small[0])))
            key = union.tobytes()
            if key not in seen and below_k(union):
                seen.add(key)
                out.append((union, combination))
    return out


def _hide(plan: Plan, key: tuple[str, Any]) -> None:
    kind, value = key
    if kind == "partner":
        plan.partners.add(value)
    elif kind == "level":
        plan.levels.add(value)
    elif kind == "cell":
        plan.cells.add(value)


def _first_exposed(
    shown: npt.NDArray[np.float64], sensitive: list[npt.NDArray[np.float64]]
) -> npt.NDArray[np.float64] | None:
    """The first sensitive set whose indicator lies in the span of the shown rows."""
    if shown.size == 0:
        return None
    # Orthonormal basis of the null space of the shown rows: a vector is in
    # the row space exactly when it is orthogonal to every null vector.
    _, singular, vt = np.linalg.svd(shown, full_matrices=True)
    rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
    null = vt[rank:]
    for v in sensitive:
        if null.size == 0 or np.abs(null @ v).max() < 1e-9:
            return v
    return None
