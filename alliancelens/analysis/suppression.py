"""Anonymity: which groups to hide so that none below k can be seen or derived."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def joint_plan(
    counts: Mapping[tuple[Any, Any], int],
    k: int,
    *,
    partners_hidden: Iterable[Any] = (),
    levels_hidden: Iterable[Any] = (),
    cells_hidden: Iterable[tuple[Any, Any]] = (),
) -> Plan:
    """Suppression of the total, partners, levels and partner × level cells together.

    The atoms are the partner × level cells with respondents. Every shown
    figure (total, partner, level, cell) is a sum over atoms, so any linear
    combination of shown figures is known too. A set of atoms is exposed when
    its indicator lies in the span of the shown figures; the check covers
    every hidden group (partner, level, cell) and every pair of cells, with
    fewer than k people. While one is exposed, the smallest shown figure that
    touches it is hidden as well. Single columns alone were not enough: the
    total minus one partner minus one level can isolate a hidden partner.
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

    for key, v in groups.items():
        if 0 < float(v @ size) < k:
            _hide(plan, key)

    sensitive = [v for v in groups.values() if 0 < float(v @ size) < k]
    small = [i for i, a in enumerate(atoms) if size[i] < k]
    for x, i in enumerate(small):
        for j in small[x + 1 :]:
            if size[i] + size[j] < k:
                sensitive.append(vector([atoms[i], atoms[j]]))
    if not sensitive:
        return plan
    while True:
        shown_keys = [key for key in groups if not hidden(key)]
        shown = np.array([groups[key] for key in shown_keys])
        exposed = _first_exposed(shown, sensitive)
        if exposed is None:
            return plan
        candidates = sorted(
            (float(groups[key] @ size), repr(key), key) for key in shown_keys if key[0] != "total"
        )
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
