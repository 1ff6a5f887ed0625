"""Anonymity: which groups to hide so that none below k can be seen or derived."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any


def suppressed_groups(
    counts: Mapping[Any, int], k: int, also: Iterable[Hashable] = ()
) -> set[Any]:
    """Groups whose figures must be hidden when the total is shown beside them.

    A group with 1..k-1 respondents is hidden (primary suppression). If the
    hidden groups could be recomputed from the total and the visible groups —
    because only one of them holds respondents, or together they hold fewer
    than k — the smallest visible groups are hidden too (complementary
    suppression) until the hidden ones hold at least k respondents in at
    least two groups. Groups without respondents reveal nothing. ``also``
    names groups hidden for another reason (for instance hidden as a whole
    elsewhere); they count as hidden and are protected in the same way.
    """
    hidden = {g for g, n in counts.items() if 0 < n < k} | {g for g in also if g in counts}

    def exposed() -> bool:
        holding = [g for g in hidden if counts[g] > 0]
        return bool(holding) and (len(holding) < 2 or sum(counts[g] for g in holding) < k)

    visible = sorted((n, g) for g, n in counts.items() if n >= k and g not in hidden)
    while exposed() and visible:
        hidden.add(visible.pop(0)[1])
    return hidden


Cell = tuple[Any, Any]


def suppressed_cells(
    counts: Mapping[Cell, int],
    k: int,
    hidden_rows: Iterable[Hashable] = (),
    hidden_columns: Iterable[Hashable] = (),
) -> set[Cell]:
    """Cells of a two-way table (e.g. partner × level) to hide.

    Row and column totals are published elsewhere unless their row or column
    is hidden there. Cells below k are hidden, all cells of hidden rows and
    columns too, and then, line by line, more cells are hidden until in every
    published row and column the hidden cells hold respondents in at least
    two cells and at least k in all — so no cell can be recomputed from a
    total and the visible cells. Repeats until nothing changes.
    """
    rows_hidden, cols_hidden = set(hidden_rows), set(hidden_columns)
    hidden = {
        cell
        for cell, n in counts.items()
        if 0 < n < k or cell[0] in rows_hidden or cell[1] in cols_hidden
    }
    lines: dict[tuple[int, Any], list[Cell]] = {}
    for cell in counts:
        if cell[0] not in rows_hidden:
            lines.setdefault((0, cell[0]), []).append(cell)
        if cell[1] not in cols_hidden:
            lines.setdefault((1, cell[1]), []).append(cell)
    changed = True
    while changed:
        changed = False
        for cells in lines.values():
            holding = [c for c in cells if c in hidden and counts[c] > 0]
            if not holding or (len(holding) >= 2 and sum(counts[c] for c in holding) >= k):
                continue
            candidates = sorted((counts[c], c) for c in cells if c not in hidden and counts[c] > 0)
            if candidates:
                hidden.add(candidates[0][1])
                changed = True
    return hidden
