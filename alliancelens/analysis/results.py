"""The typed results of the engine (plain dataclasses, JSON-ready)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Stat:
    """Mean, sd (n − 1) and n of one item or perspective in one group.

    ``hidden`` cells keep only their n: their group is too small, or hiding
    them stops another hidden cell from being recomputed. ``agreement`` is
    rwg for an item and rwg(J) for a perspective; ``ad`` is AD_M (the mean
    of the item AD_Ms for a perspective). ``distribution`` counts answers per
    scale point (and "dont_know") for items, and rounded scores for
    perspectives.
    """

    mean: float | None
    sd: float | None
    n: int
    hidden: bool = False
    agreement: float | None = None
    ad: float | None = None
    distribution: dict[str, int] = field(default_factory=dict)

    def hide(self) -> Stat:
        return Stat(None, None, self.n, hidden=True)


@dataclass(frozen=True)
class PerspectiveSummary:
    """``alpha``: Cronbach's α on all available answers; ``alpha_n`` the
    people with at least two answers, ``alpha_pairs`` the fewest people
    behind one of its covariances; ``alpha_low`` only when α rests on at
    least ALPHA_MIN_PAIRS people per pair."""

    id: str
    stat: Stat
    alpha: float | None
    alpha_n: int
    alpha_low: bool
    alpha_pairs: int = 0


@dataclass(frozen=True)
class GroupSummary:
    """One partner, level or partner × level cell."""

    name: str
    n: int
    suppressed: bool
    perspectives: dict[str, Stat] = field(default_factory=dict)
    items: dict[str, Stat] = field(default_factory=dict)


@dataclass(frozen=True)
class PairDifference:
    """Two partners whose means differ by more than chance: higher − lower,
    with its interval (95 % jointly over the column's pairs) and the
    Holm-adjusted p."""

    higher: str
    lower: str
    difference: float
    ci_low: float
    ci_high: float
    p: float


@dataclass(frozen=True)
class Divergence:
    """Partners see this differently: the largest gap between two partners.

    ``flagged``: some shown partner differs from the rest by more than
    chance (``p``, inference.GroupTest), a discovery at the false discovery
    rate (``q`` ≤ ``alpha``: 0.04 over the perspectives, 0.01 over the
    statements), and at least one pair differs by more than chance and by
    at least the minimum gap; ``f`` and ``df``: the one-way ANOVA; ``high`` and ``low`` are then
    the largest such pair, else the largest gap. ``ci_low``/``ci_high``:
    the interval of high − low. ``pairs``: every pair that differs.
    """

    kind: str  # "item" or "perspective"
    id: str
    perspective: str
    gap: float | None  # None only in a restricted view (analysis.scope)
    high: str
    low: str
    partner_means: dict[str, float]
    icc1: float | None
    flagged: bool
    prompts: dict[str, list[str]] = field(default_factory=dict)
    f: float | None = None
    df: list[int] = field(default_factory=list)  # between, within
    p: float | None = None
    q: float | None = None
    alpha: float | None = None  # the false discovery rate q is held to
    ci_low: float | None = None
    ci_high: float | None = None
    pairs: list[PairDifference] = field(default_factory=list)


@dataclass(frozen=True)
class Disagreement:
    """People within one partner disagree among themselves: rwg(J) below the
    threshold and no higher than a group of that size answering at random
    reaches in 95 % of cases (``chance``)."""

    partner: str
    perspective: str
    rwg_j: float
    n: int = 0
    chance: float | None = None


@dataclass(frozen=True)
class LevelGap:
    """Board − professional on one perspective, with its 95 % interval, p,
    q (false discovery rate over the five perspectives) and whether it is
    a difference worth discussing (q ≤ 0.05 and at least the minimum gap)."""

    perspective: str
    board: float | None
    professional: float | None
    gap: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None
    q: float | None = None
    flagged: bool = False


@dataclass(frozen=True)
class AmbitionIndex:
    index: float | None
    facets: dict[str, float | None]  # facet → mean on the scale
    scaled: dict[str, float | None]  # facet → 0..1
    weakest: str | None


@dataclass(frozen=True)
class GiveTake:
    """What a partner gets out against what it puts in. ``balance`` (gets −
    brings) is only given when the instrument words both on the same
    footing; ``imbalance``: q ≤ 0.05 over the partners and at least the
    threshold."""

    partner: str
    gets: float | None
    brings: float | None
    balance: float | None
    imbalance: bool
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None


@dataclass(frozen=True)
class PhaseResult:
    n: int
    hidden: bool
    distribution: dict[str, int]
    mode: str | None
    agreement: float | None
    declared: str | None
    reference: str | None
    skipped_foundations: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PseudoCollaboration:
    score: float | None  # 0..100
    level: str | None  # low | medium | high
    inputs: dict[str, float | None]
    components: dict[str, float | None]


@dataclass(frozen=True)
class Advice:
    id: str
    perspective: str | None
    phase: str | None
    stage: str | None
    source: dict[str, str]
    text: dict[str, str]
    urgency: str
    why: list[str]
    prompts: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysisResult:
    instrument: str
    round: int | None
    k: int
    n_respondents: int
    suppressed: bool
    perspectives: dict[str, PerspectiveSummary]
    items: dict[str, Stat]
    partners: dict[str, GroupSummary]
    levels: dict[str, GroupSummary]
    partner_levels: dict[str, GroupSummary]
    divergence: list[Divergence]
    disagreement: list[Disagreement]
    level_gap: dict[str, LevelGap]
    ambition_index: AmbitionIndex
    give_take: list[GiveTake]
    phase: PhaseResult
    pseudo_collaboration: PseudoCollaboration
    advice: list[Advice]
    indicators: dict[str, Any]
    ad_cutoff: float = 5 / 6  # c/6: AD_M at or below this shows agreement


@dataclass(frozen=True)
class Trend:
    perspective: str
    from_round: int
    to_round: int
    mean_from: float | None
    mean_to: float | None
    n_from: int
    n_to: int
    delta: float | None
    paired_n: int
    paired_delta: float | None
    paired_p: float | None
    # The spread of each round's scores (the alliance's, published), and the
    # judgement: the change (paired when shown, else between the means) with
    # its 95 % interval, p, q over the five perspectives, and ``changed``
    # when q ≤ 0.05 and |change| ≥ 0.3.
    sd_from: float | None = None
    sd_to: float | None = None
    change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None
    q: float | None = None
    changed: bool = False


@dataclass(frozen=True)
class RoundsResult:
    rounds: dict[int, AnalysisResult]
    trends: list[Trend]

    @property
    def latest(self) -> AnalysisResult:
        return self.rounds[max(self.rounds)]
