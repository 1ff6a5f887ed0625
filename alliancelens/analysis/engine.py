"""Scores per perspective for the alliance and per partner.

Definitions (docs/statistics.md):
- reverse-worded items are recoded v' = min + max - v; "don't know" is missing;
- a respondent's perspective score is the mean of their answered items of that
  perspective, only when at least half of its items are answered;
- perspective statistics are over respondents' perspective scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from alliancelens.instrument import PERSPECTIVES, Instrument

from .frame import COLUMNS, AnswersError
from .suppression import suppressed_groups


@dataclass(frozen=True)
class Stat:
    mean: float | None
    sd: float | None
    n: int

    @classmethod
    def of(cls, values: pd.Series) -> Stat:
        clean = values.dropna()
        n = int(clean.size)
        if n == 0:
            return cls(None, None, 0)
        sd = float(clean.std(ddof=1)) if n > 1 else None
        return cls(float(clean.mean()), sd, n)


@dataclass(frozen=True)
class GroupSummary:
    name: str
    n: int
    suppressed: bool
    perspectives: dict[str, Stat] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysisResult:
    instrument: str
    k: int
    n_respondents: int
    suppressed: bool
    perspectives: dict[str, Stat]
    partners: dict[str, GroupSummary]


def recode(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Only scale items, with reverse-worded items turned around."""
    known = {i.id for i in instrument.items}
    unknown = sorted(set(frame["item"]) - known - {q.id for q in instrument.questions})
    if unknown:
        raise AnswersError(f"unknown item(s) for {instrument.key}: {', '.join(unknown)}")
    scale = frame[frame["item"].isin(known)].copy()
    lo, hi = instrument.scale.min, instrument.scale.max
    bad = scale["value"].notna() & ~scale["value"].between(lo, hi)
    if bad.any():
        row = scale[bad].iloc[0]
        raise AnswersError(
            f"value {row['value']:g} for item {row['item']} is outside the scale {lo}..{hi}"
        )
    reverse = {i.id for i in instrument.items if i.reverse}
    flip = scale["item"].isin(reverse)
    scale.loc[flip, "value"] = lo + hi - scale.loc[flip, "value"]
    return scale


def perspective_scores(scale: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """One row per respondent: partner, level, round and a score per perspective."""
    perspective_of = {i.id: i.perspective for i in instrument.items}
    sizes = {p: len(instrument.items_for(p)) for p in PERSPECTIVES}
    data = scale.assign(perspective=scale["item"].map(perspective_of))
    keys = ["respondent", "partner", "level", "round"]
    grouped = data.groupby([*keys, "perspective"], observed=True)["value"]
    agg = grouped.agg(["mean", "count"]).reset_index()
    needed = agg["perspective"].map(lambda p: math.ceil(sizes[p] / 2))
    agg.loc[agg["count"] < needed, "mean"] = float("nan")
    wide = agg.pivot_table(
        index=keys, columns="perspective", values="mean", dropna=False, aggfunc="first"
    )
    wide = wide.reindex(columns=list(PERSPECTIVES))
    people = data[keys].drop_duplicates().set_index(keys)
    return people.join(wide).reset_index()


def analyze(frame: pd.DataFrame, instrument: Instrument, *, k: int) -> AnalysisResult:
    """Perspective scores overall and per partner, with groups below k hidden.

    Suppression works per perspective, on the number of respondents who have
    a score there: a partner hidden as a whole stays hidden everywhere, and
    in each perspective the hidden cells together always cover at least k
    scored respondents (or none), so no cell can be recomputed from the
    total and the visible cells.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise AnswersError(f"missing column(s): {', '.join(missing)}")
    scores = perspective_scores(recode(frame, instrument), instrument)
    n_total = int(scores["respondent"].nunique())
    everything_hidden = n_total < k
    counts = {str(g): int(n) for g, n in scores.groupby("partner")["respondent"].nunique().items()}
    hidden = set(counts) if everything_hidden else suppressed_groups(counts, k)

    overall: dict[str, Stat] = {}
    cells: dict[str, dict[str, Stat]] = {name: {} for name in counts}
    groups = {str(name): group for name, group in scores.groupby("partner")}
    for p in PERSPECTIVES:
        stats = {name: Stat.of(group[p]) for name, group in groups.items()}
        total = Stat.of(scores[p])
        if everything_hidden or total.n < k:
            overall[p] = Stat(None, None, total.n)
            hidden_here = set(stats)
        else:
            overall[p] = total
            hidden_here = suppressed_groups({g: s.n for g, s in stats.items()}, k, also=hidden)
        for name, stat in stats.items():
            cells[name][p] = Stat(None, None, stat.n) if name in hidden_here else stat

    partners = {
        name: (
            GroupSummary(name=name, n=n, suppressed=True)
            if name in hidden
            else GroupSummary(name=name, n=n, suppressed=False, perspectives=cells[name])
        )
        for name, n in counts.items()
    }
    return AnalysisResult(
        instrument=instrument.key,
        k=k,
        n_respondents=n_total,
        suppressed=everything_hidden,
        perspectives=overall,
        partners=partners,
    )
