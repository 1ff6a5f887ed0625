"""One pass over one round's answers: integer codes and the sums every table is read from.

The answers are turned into integer codes once (a categorical column gives
its codes without hashing a string), checked, reverse-coded, and counted
once per partner × level × statement × answer. The alliance, partner, level
and partner × level tables (docs/statistics.md) are sums of that count
cube over one or two of its axes; a respondent's perspective and facet
scores are one bincount each. Nothing here hides anything: suppression is
applied by the callers, on the counts this module provides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from alliancelens.instrument import FACETS, PERSPECTIVES, Instrument

from .frame import AnswersError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Sums:
    """One round's answers, coded and counted.

    ``counts[p, l, i, v]`` is the number of people of partner p and level l
    who gave answer ``points[v]`` to statement i (instrument order); the last
    slot of the answer axis counts "don't know". Per respondent (in the order
    of ``respondents``): partner and
    level codes, perspective scores (NaN without enough answers), facet
    scores and the recoded answers (NaN for none or "don't know").
    """

    respondents: npt.NDArray[np.object_]
    partners: tuple[str, ...]
    levels: tuple[str, ...]
    points: FloatArray
    counts: IntArray
    person_partner: IntArray
    person_level: IntArray
    item_perspective: IntArray  # per statement, its perspective's place in PERSPECTIVES
    scores: FloatArray  # people × PERSPECTIVES
    facets: FloatArray  # people × FACETS
    answers: FloatArray  # people × items

    @property
    def people(self) -> int:
        return int(self.person_partner.size)


def codes(column: pd.Series) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """Integer codes and the distinct values, in sorted order of the values.

    A categorical column (as the web's adapter builds it) gives its codes
    without hashing a string; a missing value raises AnswersError naming
    the column and the row, counting from 1.
    """
    found, uniques = pd.factorize(column, sort=True, use_na_sentinel=True)
    if found.size and found.min() < 0:
        raise AnswersError(f"row {int(found.argmin()) + 1}: {column.name} is missing")
    values = np.asarray(uniques, dtype=object)
    return found.astype(np.int64, copy=False), values


def sums_of(frame: pd.DataFrame, instrument: Instrument) -> Sums:
    """The sums of one round of long-form answers (frame.COLUMNS)."""
    item_codes, item_names = codes(frame["item"])
    known = {item.id: n for n, item in enumerate(instrument.items)}
    questions = {q.id for q in instrument.questions}
    unknown = sorted(str(i) for i in item_names if i not in known and i not in questions)
    if unknown:
        raise AnswersError(f"unknown item(s) for {instrument.key}: {', '.join(unknown)}")
    # Statement position in the instrument, −1 for another question's id.
    position = np.array([known.get(str(i), -1) for i in item_names], dtype=np.int64)
    item = position[item_codes] if item_codes.size else item_codes
    values = frame["value"].to_numpy(dtype=float)
    rows = item >= 0
    if not rows.all():
        item, values, frame = item[rows], values[rows], frame[rows]

    lo, hi = instrument.scale.min, instrument.scale.max
    answered = ~np.isnan(values)
    bad = answered & ((values < lo) | (values > hi))
    if bad.any():
        first = int(bad.argmax())
        raise AnswersError(
            f"value {values[first]:g} for item {instrument.items[int(item[first])].id} "
            f"is outside the scale {lo}..{hi}"
        )
    reverse = np.array([i.reverse for i in instrument.items], dtype=bool)
    values = np.where(reverse[item], instrument.scale.reverse(values), values)

    person, respondents = codes(frame["respondent"])
    partner, partners = codes(frame["partner"])
    level, levels = codes(frame["level"])
    n_people, n_items = (int(person.max()) + 1 if person.size else 0), len(instrument.items)
    _check_one_answer_one_place(frame, person, item, partner, level, n_people, n_items)
    person_partner = np.zeros(n_people, dtype=np.int64)
    person_level = np.zeros(n_people, dtype=np.int64)
    person_partner[person] = partner
    person_level[person] = level

    points = np.unique(values[answered])
    answer = np.full(values.size, points.size, dtype=np.int64)
    answer[answered] = np.searchsorted(points, values[answered])
    shape = (len(partners), len(levels), n_items, points.size + 1)
    cube = ((partner * shape[1] + level) * n_items + item) * shape[3] + answer
    counts = np.bincount(cube, minlength=math.prod(shape)).reshape(shape)

    matrix = np.full((n_people, n_items), np.nan)
    matrix[person[answered], item[answered]] = values[answered]
    perspective = np.array([PERSPECTIVES.index(i.perspective) for i in instrument.items])
    needed = np.array([math.ceil(len(instrument.items_for(p)) / 2) for p in PERSPECTIVES])
    facet = np.array(
        [FACETS.index(i.facet) if i.facet in FACETS else -1 for i in instrument.items]
    )
    return Sums(
        respondents=respondents,
        partners=tuple(str(p) for p in partners),
        levels=tuple(str(v) for v in levels),
        points=points,
        counts=counts,
        person_partner=person_partner,
        person_level=person_level,
        item_perspective=perspective,
        scores=_means(matrix, perspective, len(PERSPECTIVES), needed),
        facets=_means(matrix, facet, len(FACETS), np.ones(len(FACETS), dtype=np.int64)),
        answers=matrix,
    )


def _means(
    matrix: FloatArray, column_group: IntArray, groups: int, needed: IntArray
) -> FloatArray:
    """Per row, the mean of the answered columns of each group, NaN below ``needed``."""
    out = np.full((matrix.shape[0], groups), np.nan)
    answered = ~np.isnan(matrix)
    for g in range(groups):
        columns = column_group == g
        if not columns.any():
            continue
        n = answered[:, columns].sum(axis=1)
        total = np.where(answered[:, columns], matrix[:, columns], 0.0).sum(axis=1)
        enough = n >= max(int(needed[g]), 1)
        out[enough, g] = total[enough] / n[enough]
    return out


def _check_one_answer_one_place(
    frame: pd.DataFrame,
    person: IntArray,
    item: IntArray,
    partner: IntArray,
    level: IntArray,
    n_people: int,
    n_items: int,
) -> None:
    """One answer per respondent and statement, one partner and level per respondent.

    A repeated row would add to a statement's n (and could lift it to k); a
    respondent in two places would count in two groups.
    """
    if not person.size:
        return
    slot = person * n_items + item
    if np.bincount(slot, minlength=n_people * n_items).max() > 1:
        order = np.argsort(slot, kind="stable")
        again = order[1:][slot[order[1:]] == slot[order[:-1]]]
        row = frame.iloc[int(again.min())]
        raise AnswersError(
            f"respondent {row['respondent']} answered item {row['item']} more than once "
            f"in round {row['round']}"
        )
    place = partner * (int(level.max()) + 1) + level
    first = np.full(n_people, -1, dtype=np.int64)
    first[person[::-1]] = place[::-1]
    moved = place != first[person]
    if moved.any():
        # The first respondent seen in a second place, in row order.
        _, first_row = np.unique(person, return_index=True)
        moved = place != place[first_row][person]
        row = frame.iloc[int(moved.argmax())]
        raise AnswersError(
            f"respondent {row['respondent']} appears under more than one partner or level "
            f"in round {row['round']}"
        )
