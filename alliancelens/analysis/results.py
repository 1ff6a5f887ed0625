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
    id: str
    stat: Stat
    alpha: float | None
    alpha_n: int
    alpha_low: bool


@dataclass(frozen=True)
class GroupSummary:
    """One partner, level or partner × level cell."""

    name: str
    n: int
    suppressed: bool
    perspectives: dict[str, Stat] = field(default_factory=dict)
    items: dict[str, Stat] = field(default_factory=dict)


@dataclass(frozen=True)
class Divergence:
    """Partners see this differently: the largest gap between two partners."""

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


@dataclass(frozen=True)
class Disagreement:
    """People within one partner disagree among themselves (low rwg(J))."""

    partner: str
    perspective: str
    rwg_j: float


@dataclass(frozen=True)
class LevelGap:
    perspective: str
    board: float | None
    professional: float | None
    gap: float | None


@dataclass(frozen=True)
class AmbitionIndex:
    index: float | None
    facets: dict[str, float | None]  # facet → mean on the scale
    scaled: dict[str, float | None]  # facet → 0..1
    weakest: str | None


@dataclass(frozen=True)
class GiveTake:
    partner: str
    gets: float | None
    brings: float | None
    balance: float | None
    imbalance: bool


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


@dataclass(frozen=True)
class RoundsResult:
    rounds: dict[int, AnalysisResult]
    trends: list[Trend]

    @property
    def latest(self) -> AnalysisResult:
        return self.rounds[max(self.rounds)]
