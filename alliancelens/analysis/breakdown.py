"""Statistics per group (alliance, partner, level, partner × level), suppressed.

Every group's figures are read from the one count cube of ``sums``: a
statement's n, mean, variance, AD_M and distribution follow from how many
people of the group gave each answer, and the perspective figures from the
respondents' scores, with one bincount per grouping. Anonymity is applied
per column (statement or perspective) on the number of people in each cell.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Literal

import numpy as np

from alliancelens.instrument import PERSPECTIVES, Instrument

from .results import GroupSummary, Stat
from .stats import TINY, rwg_from_variance, rwg_j
from .sums import FloatArray, IntArray, Sums

GroupKey = Hashable
HideRule = Callable[[str, dict[GroupKey, int]], set[GroupKey]]
Grouping = Literal["all", "partner", "level", "cell"]


def _group_codes(sums: Sums, grouping: Grouping) -> tuple[list[GroupKey], IntArray, IntArray]:
    """Group keys, each person's group and the counts summed to group × item × answer."""
    cube = sums.counts
    if grouping == "all":
        return ["all"], np.zeros(sums.people, dtype=np.int64), cube.sum(axis=(0, 1))[None]
    if grouping == "partner":
        return list(sums.partners), sums.person_partner, cube.sum(axis=1)
    if grouping == "level":
        return list(sums.levels), sums.person_level, cube.sum(axis=0)
    keys: list[GroupKey] = [(p, lvl) for p in sums.partners for lvl in sums.levels]
    cell = sums.person_partner * len(sums.levels) + sums.person_level
    return keys, cell, cube.reshape(-1, *cube.shape[2:])


def _name(key: GroupKey) -> str:
    return " | ".join(key) if isinstance(key, tuple) else str(key)


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def breakdown(
    sums: Sums, grouping: Grouping, instrument: Instrument, hide: HideRule
) -> dict[GroupKey, GroupSummary]:
    """Statement and perspective statistics per group that has people.

    ``hide(column, counts)`` says which groups to hide in that column, given
    the number of people of each group there. Groups are keyed by name, or
    by a (partner, level) tuple for the crossed grouping.
    """
    points = instrument.scale.max - instrument.scale.min + 1
    keys, person_group, cube = _group_codes(sums, grouping)
    people = np.bincount(person_group, minlength=len(keys))
    present = [g for g in range(len(keys)) if people[g]]
    items = _ItemTable(cube, sums.points)
    summaries: dict[int, tuple[dict[str, Stat], dict[str, Stat]]] = {g: ({}, {}) for g in present}
    for n, p in enumerate(PERSPECTIVES):
        count, mean, sd, rounded = _perspective_table(
            sums.scores[:, n], person_group, len(keys), instrument
        )
        hidden = hide(p, {keys[g]: int(count[g]) for g in present})
        own = sums.item_perspective == n
        for g in present:
            key = keys[g]
            if key in hidden or not count[g]:
                summaries[g][0][p] = Stat(None, None, int(count[g]), hidden=key in hidden)
                continue
            with_answers = own & (items.n[g] > 0)
            variances = items.var[g, with_answers]
            ads = items.ad[g, own & (items.n[g] >= 2)]
            summaries[g][0][p] = Stat(
                mean=float(mean[g]),
                sd=_num(sd[g]),
                n=int(count[g]),
                agreement=rwg_j(variances[~np.isnan(variances)], points),
                ad=float(ads.mean()) if ads.size else None,
                distribution=rounded[g],
            )
    for i, item in enumerate(instrument.items):
        n = items.n[:, i]
        hidden = hide(item.id, {keys[g]: int(n[g]) for g in present if n[g]})
        for g in present:
            key = keys[g]
            if key in hidden or not n[g]:
                # No distribution without answers on the scale: a group whose
                # people all said "don't know" is not necessarily k strong.
                summaries[g][1][item.id] = Stat(None, None, int(n[g]), hidden=key in hidden)
                continue
            variance = _num(items.var[g, i])
            summaries[g][1][item.id] = Stat(
                mean=float(items.mean[g, i]),
                sd=_num(items.sd[g, i]),
                n=int(n[g]),
                agreement=None if variance is None else rwg_from_variance(variance, points),
                ad=float(items.ad[g, i]) if n[g] >= 2 else None,
                distribution=items.distribution(g, i),
            )
    return {
        keys[g]: GroupSummary(
            name=_name(keys[g]),
            n=int(people[g]),
            suppressed=False,
            perspectives=summaries[g][0],
            items=summaries[g][1],
        )
        for g in present
    }


class _ItemTable:
    """n, mean, sd, variance and AD_M per group × statement, from answer counts."""

    def __init__(self, cube: IntArray, points: FloatArray) -> None:
        answered = cube[..., :-1].astype(float)
        self.n = cube[..., :-1].sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.mean = (answered @ points) / self.n
            deviation = points - self.mean[..., None]
            squares = (answered * deviation**2).sum(axis=-1)
            self.var = np.where(self.n >= 2, squares / (self.n - 1), np.nan)
            self.ad = (answered * np.abs(deviation)).sum(axis=-1) / self.n
        self.var[self.var <= TINY] = 0.0
        self.sd = np.sqrt(self.var)
        self._keys = [str(int(p)) for p in points]
        self._cube: list[list[list[int]]] = cube.tolist()

    def distribution(self, group: int, item: int) -> dict[str, int]:
        """Answers per scale point, and "dont_know" when there are any."""
        out: dict[str, int] = {}
        *answers, dont_know = self._cube[group][item]
        for key, count in zip(self._keys, answers, strict=True):
            if count:
                out[key] = out.get(key, 0) + count
        if dont_know:
            out["dont_know"] = dont_know
        return out


def point_slot(scores: FloatArray, lowest: int) -> IntArray:
    """The scale point each score rounds to, as 0, 1, … from ``lowest``:
    half up (2.5 → 3), not half to even."""
    return np.floor(scores + 0.5).astype(np.int64) - lowest


def _perspective_table(
    scores: FloatArray, person_group: IntArray, groups: int, instrument: Instrument
) -> tuple[IntArray, FloatArray, FloatArray, list[dict[str, int]]]:
    """Per group: number of scores, mean, sd (n − 1) and the rounded-score distribution."""
    valid = ~np.isnan(scores)
    group, x = person_group[valid], scores[valid]
    count = np.bincount(group, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(group, x, minlength=groups) / count
        squares = np.bincount(group, (x - mean[group]) ** 2, minlength=groups)
        sd = np.sqrt(np.where(count >= 2, squares / (count - 1), np.nan))
    lo, hi = instrument.scale.min, instrument.scale.max
    rounded = point_slot(x, lo)
    width = hi - lo + 1
    table = np.bincount(group * width + rounded, minlength=groups * width).reshape(groups, width)
    distribution = [
        {str(lo + r): int(c) for r, c in enumerate(table[g]) if c} for g in range(groups)
    ]
    return count, mean, sd, distribution
