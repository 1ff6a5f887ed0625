"""Statistics per group (alliance, partner, level, partner × level), suppressed.

Everything is computed with grouped pandas operations in one pass per
grouping and then read from plain dicts; anonymity is applied per column
(item or perspective) on the number of respondents in each cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from alliancelens.instrument import PERSPECTIVES, Instrument

from .results import GroupSummary, Stat
from .stats import TINY, rwg_from_variance, rwg_j

GroupKey = Hashable
HideRule = Callable[[str, dict[GroupKey, int]], set[GroupKey]]


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else x


def _tuple(index: Any) -> tuple[Any, ...]:
    return index if isinstance(index, tuple) else (index,)


def breakdown(
    scale: pd.DataFrame,
    scores: pd.DataFrame,
    keys: list[str],
    instrument: Instrument,
    hide: HideRule,
) -> dict[GroupKey, GroupSummary]:
    """Item and perspective statistics per group of ``keys``.

    ``scale`` has one row per respondent and answered item (value NaN for
    "don't know"); ``scores`` one row per respondent with a column per
    perspective. ``hide(column, counts)`` says which groups to hide in that
    column, given the number of respondents of each group there. Groups are
    keyed by their value (one key) or a tuple of values (several keys).
    """
    points = instrument.scale.max - instrument.scale.min + 1
    perspective_of = {i.id: i.perspective for i in instrument.items}
    n_keys = len(keys)

    def group_of(index: tuple[Any, ...]) -> GroupKey:
        return index[0] if n_keys == 1 else tuple(index[:n_keys])

    # --- items ------------------------------------------------------------
    answered = scale.dropna(subset=["value"])
    grouped = answered.groupby([*keys, "item"], observed=True)["value"]
    item_table = grouped.agg(["mean", "std", "count"])
    item_table["var"] = item_table["std"] ** 2
    item_table.loc[item_table["var"] <= TINY, "var"] = 0.0
    item_table.loc[item_table["var"] == 0.0, "std"] = 0.0
    deviation = (answered["value"] - grouped.transform("mean")).abs()
    item_table["ad"] = deviation.groupby(
        [answered[c] for c in (*keys, "item")], observed=True
    ).mean()
    item_rows: dict[tuple[Any, ...], Any] = {
        _tuple(i): row for i, row in item_table.to_dict("index").items()
    }
    distribution: dict[tuple[Any, ...], dict[str, int]] = defaultdict(dict)
    for index, count in answered.groupby([*keys, "item", "value"], observed=True).size().items():
        distribution[_tuple(index)[:-1]][str(int(_tuple(index)[-1]))] = int(count)
    for index, count in (
        scale[scale["value"].isna()].groupby([*keys, "item"], observed=True).size().items()
    ):
        distribution[_tuple(index)]["dont_know"] = int(count)

    # --- perspectives -------------------------------------------------------
    per_perspective: dict[tuple[Any, ...], list[tuple[float | None, float | None]]] = defaultdict(
        list
    )
    for index, row in item_rows.items():
        per_perspective[(*index[:-1], perspective_of[index[-1]])].append(
            (_num(row["var"]), _num(row["ad"]) if row["count"] >= 2 else None)
        )
    score_groups = scores.groupby(keys if n_keys > 1 else keys[0], observed=True)
    people = {g: int(n) for g, n in score_groups["respondent"].nunique().items()}
    summaries: dict[GroupKey, dict[str, Any]] = {
        g: {"perspectives": {}, "items": {}} for g in people
    }

    for p in PERSPECTIVES:
        table: dict[Any, Any] = score_groups[p].agg(["mean", "std", "count"]).to_dict("index")
        rounded: dict[GroupKey, dict[str, int]] = defaultdict(dict)
        valid = scores.dropna(subset=[p])
        for index, count in (
            # Half up (2.5 → 3), not half to even.
            valid.assign(_r=np.floor(valid[p] + 0.5).astype(int))
            .groupby([*keys, "_r"], observed=True)
            .size()
            .items()
        ):
            rounded[group_of(_tuple(index))][str(_tuple(index)[-1])] = int(count)
        counts = {g: int(row["count"]) for g, row in table.items()}
        hidden = hide(p, counts)
        for g, data in summaries.items():
            n = counts.get(g, 0)
            if g in hidden or n == 0:
                data["perspectives"][p] = Stat(None, None, n, hidden=g in hidden)
                continue
            parts = per_perspective.get((*_tuple(g), p), [])
            variances = [v for v, _ in parts if v is not None]
            ads = [a for _, a in parts if a is not None]
            row = table[g]
            data["perspectives"][p] = Stat(
                mean=float(row["mean"]),
                sd=_num(row["std"]),
                n=n,
                agreement=rwg_j(variances, points),
                ad=float(np.mean(ads)) if ads else None,
                distribution=dict(rounded[g]),
            )

    item_counts: dict[str, dict[GroupKey, int]] = defaultdict(dict)
    for index, row in item_rows.items():
        item_counts[index[-1]][group_of(index)] = int(row["count"])
    for item in instrument.items:
        counts = item_counts[item.id]
        hidden = hide(item.id, counts)
        for g, data in summaries.items():
            n = counts.get(g, 0)
            index = (*_tuple(g), item.id)
            if g in hidden or n == 0:
                # No distribution without answers on the scale: a group whose
                # people all said "don't know" is not necessarily k strong.
                data["items"][item.id] = Stat(None, None, n, hidden=g in hidden)
                continue
            row = item_rows[index]
            data["items"][item.id] = Stat(
                mean=float(row["mean"]),
                sd=_num(row["std"]),
                n=n,
                agreement=None
                if (v := _num(row["var"])) is None
                else rwg_from_variance(v, points),
                ad=_num(row["ad"]) if n >= 2 else None,
                distribution=dict(distribution.get(index, {})),
            )
    return {
        g: GroupSummary(
            name=" | ".join(map(str, g)) if isinstance(g, tuple) else str(g),
            n=people[g],
            suppressed=False,
            perspectives=data["perspectives"],
            items=data["items"],
        )
        for g, data in summaries.items()
    }
