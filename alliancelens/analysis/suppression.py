"""Anonymity: which groups to hide so that none below k can be seen or derived."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def suppressed_groups(counts: Mapping[str, int], k: int, also: Iterable[str] = ()) -> set[str]:
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
