"""Anonymity: which groups to hide so that none below k can be seen or derived."""

from __future__ import annotations

from collections.abc import Mapping


def suppressed_groups(counts: Mapping[str, int], k: int) -> set[str]:
    """Groups whose figures must be hidden when the total is shown beside them.

    A group with 1..k-1 respondents is hidden (primary suppression). If the
    hidden groups could be recomputed from the total and the visible groups —
    because only one is hidden, or together they hold fewer than k — the
    smallest visible groups are hidden too (complementary suppression) until
    the hidden ones together hold at least k respondents. Groups without
    respondents reveal nothing and are left alone.
    """
    hidden = {g for g, n in counts.items() if 0 < n < k}
    if not hidden:
        return hidden
    visible = sorted(
        ((n, g) for g, n in counts.items() if n >= k and g not in hidden), key=lambda t: t
    )
    while len(hidden) < 2 or sum(counts[g] for g in hidden) < k:
        if not visible:
            break
        hidden.add(visible.pop(0)[1])
    return hidden
