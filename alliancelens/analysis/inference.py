"""Which differences are larger than chance: tests, intervals and the false
discovery rate. Method and calibration: docs/statistics.md ("Differences
that are real").

Every variance used here is one a reader could work out from what is
published anyway (the alliance's spread and the shown groups' means and n),
never the spread of a partner or level on its own: an interval must not
become a way to learn a group's spread, and through it a hidden group's
answers (docs/privacy-model.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from .results import PairDifference
from .stats import TINY, rwg_j_of

# The level of every comparison within one column, and of the false
# discovery rate of levels, rounds and partners' give and take.
ALPHA = 0.05
# Partners' differences: the false discovery rate of the five perspectives
# and of all statements, split so that a round with no true difference shows
# any flag at most 5 % of the time (0.04 + 0.01); the perspectives, which
# pool several statements and so see more, get most of it.
ALPHA_PERSPECTIVES = 0.04
ALPHA_STATEMENTS = 0.01
# Differences smaller than this are not worth a conversation, however sure:
# half a point on a five-point scale between partners or levels.
MIN_GAP = 0.5
# A change of a perspective between rounds worth naming.
MIN_CHANGE = 0.3
# Groups answering at random: simulated groups per size (fixed seed), in
# batches; groups above CHANCE_LARGEST people use its line (lower still).
CHANCE_DRAWS = 40_000
CHANCE_BATCH = 4_000
CHANCE_LARGEST = 50


def _special():  # type: ignore[no-untyped-def]
    """scipy.special, imported when first needed (see stats.paired_t_p)."""
    import scipy.special

    return scipy.special


def t_p(t: float, df: float) -> float:
    """Two-sided p of Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 0.0
    return float(2 * _special().stdtr(df, -abs(t)))


def t_quantile(probability: float, df: float) -> float:
    return float(_special().stdtrit(df, probability))


def f_p(f: float, df_between: float, df_within: float) -> float:
    """Upper tail of the F distribution: the p of a one-way ANOVA."""
    if math.isinf(f):
        return 0.0
    return float(_special().fdtrc(df_between, df_within, f))


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Adjusted p-values (q) of Benjamini & Hochberg (1995), step-up; None stays None.

    A test is a discovery at false discovery rate α when its q ≤ α.
    """
    known = [(p, n) for n, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    m = len(known)
    running = 1.0
    for rank, (p, n) in reversed(list(enumerate(sorted(known), start=1))):
        running = min(running, p * m / rank)
        out[n] = min(1.0, running)
    return out


def holm(p_values: Sequence[float] | np.ndarray) -> list[float]:
    """Holm's (1979) step-down adjusted p-values: family-wise error control."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    steps = np.minimum(1.0, (p.size - np.arange(p.size)) * p[order])
    out = np.empty(p.size)
    out[order] = np.maximum.accumulate(steps)
    return [float(x) for x in out]


def _t_ps(difference: np.ndarray, se: np.ndarray, df: float) -> np.ndarray:
    """Two-sided p of difference / se for arrays; a zero se gives 0 for a
    difference and 1 for none."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(difference) / se
        p = 2 * _special().stdtr(df, -t)
    flat = se <= TINY
    return np.where(flat, np.where(np.abs(difference) > TINY, 0.0, 1.0), p)


@dataclass(frozen=True)
class Totals:
    """One column (a statement or perspective) over everyone who answered it:
    their number, mean and sum of squared deviations (all published)."""

    n: int
    mean: float
    ss: float

    @classmethod
    def of(cls, values: np.ndarray) -> Totals | None:
        x = values[~np.isnan(values)]
        if x.size == 0:
            return None
        mean = float(x.mean())
        return cls(int(x.size), mean, float(((x - mean) ** 2).sum()))


@dataclass(frozen=True)
class Comparison(PairDifference):
    """Two groups compared: higher − lower with its interval and p (the
    published PairDifference). ``robust``: the difference holds with each
    group's own spread too (Welch); internal, never published."""

    robust: bool = True


@dataclass(frozen=True)
class GroupTest:
    """One column's shown groups compared.

    ``p``: does any group differ from the others? The smallest
    Holm-adjusted p of "this group against the rest of the shown groups"
    (one contrast per group; with two groups, their one comparison): a
    partner that sees it differently is what the lens looks for, and this
    finds one far more often than the ANOVA's F-test, which spreads its
    attention over every pattern. The F (with its p, ``f_p``) and ICC(1) are
    given as well. ``pairs``: the pairs that differ (Bonferroni-adjusted p
    ≤ 0.05, interval 95 % jointly) and the pair of the highest and lowest
    mean, highest difference first.
    """

    f: float
    df_between: int
    df_within: int
    f_p: float
    p: float
    msw: float
    icc1: float | None
    pairs: list[Comparison]


def within_variance(
    means: Mapping[str, float], sizes: Mapping[str, int], totals: Totals
) -> tuple[float, int] | None:
    """The within-group variance and its degrees of freedom, from what is
    published: the alliance's sum of squares minus the shown groups' share
    of it. With every group shown this is the ANOVA's MSW exactly. The
    people of groups not shown count as one more group ("the rest"), so
    neither the variance nor its degrees of freedom depend on how those
    people are spread over hidden groups — not even on how many hidden
    groups answered at all (a hidden person's "don't know" would show) —
    and no shown group's spread can be read from it.
    """
    rest = totals.n - sum(sizes[g] for g in means)
    df = totals.n - len(means) - (1 if rest > 0 else 0)
    if df < 1:
        return None
    between = sum(sizes[g] * (means[g] - totals.mean) ** 2 for g in means)
    return max(0.0, (totals.ss - between) / df), df


def compare_groups(
    means: Mapping[str, float],
    sizes: Mapping[str, int],
    totals: Totals,
    spreads: Mapping[str, float] | None = None,
) -> GroupTest | None:
    """Does a shown group differ from the rest (see GroupTest), the F-test,
    ICC(1), and every pair with a Bonferroni-adjusted p and interval (95 %
    jointly). ``spreads``: each group's own sd, used only to check a pair
    (Comparison.robust), never shown.

    ICC(1) = (MSB − MSW) / (MSB + (n₀ − 1)·MSW) with the ANOVA's n₀ for
    unequal groups (docs/statistics.md).
    """
    names = sorted(means)
    g = len(names)
    within = within_variance(means, sizes, totals)
    if g < 2 or within is None:
        return None
    msw, df = within
    n = np.array([sizes[x] for x in names], dtype=float)
    m = np.array([means[x] for x in names])
    shown = n.sum()
    centre = float((n * m).sum() / shown)
    msb = float((n * (m - centre) ** 2).sum()) / (g - 1)
    f = (math.inf if msb > TINY else 0.0) if msw <= TINY else msb / msw
    n0 = (shown - (n**2).sum() / shown) / (g - 1)
    denominator = msb + (n0 - 1) * msw
    icc = (msb - msw) / denominator if denominator > TINY else None
    # Every pair at once, the higher mean first (of equal means the later
    # name, as the divergence's high and low), Bonferroni-adjusted so that a
    # pair is named exactly when its interval (95 % jointly) leaves out zero.
    first, second = np.triu_indices(g, 1)
    swap = np.round(m[second], 9) >= np.round(m[first], 9)
    hi, lo = np.where(swap, second, first), np.where(swap, first, second)
    difference = m[hi] - m[lo]
    se = np.sqrt(msw * (1 / n[hi] + 1 / n[lo]))
    adjusted = np.minimum(1.0, _t_ps(difference, se, df) * len(hi))
    width = t_quantile(1 - ALPHA / (2 * len(hi)), df) * se
    # The same pairs with each group's own spread (Welch), when known: the
    # pooled variance is mostly the large groups', so a small group that
    # answers more widely would look different when it is only noisier.
    robust = np.ones(len(hi), dtype=bool)
    if spreads is not None:
        sd = np.array([spreads.get(x, math.nan) for x in names])
        v = sd**2 / n
        own = v[hi] + v[lo]
        with np.errstate(divide="ignore", invalid="ignore"):
            dfw = own**2 / (v[hi] ** 2 / (n[hi] - 1) + v[lo] ** 2 / (n[lo] - 1))
            welch_p = _special().stdtr(np.nan_to_num(dfw, nan=1.0), -difference / np.sqrt(own))
        welch_p = np.where(own <= TINY, np.where(difference > TINY, 0.0, 1.0), 2 * welch_p)
        # Adjusted for the comparisons of one group with the others (g − 1),
        # not for every pair: it guards against a noisy group, while the
        # pooled test already holds the error rate (make calibrate: over all
        # pairs it cost a tenth of the planted differences found).
        robust = np.isnan(own) | (welch_p * (g - 1) <= ALPHA)
    # Kept: the pairs that differ, and the one between the highest and the
    # lowest mean (the gap shown when none differs). With many partners
    # there are hundreds of pairs per column, most of them of no interest.
    top = max(range(g), key=lambda i: (round(float(m[i]), 9), names[i]))
    bottom = min(range(g), key=lambda i: (round(float(m[i]), 9), names[i]))
    extreme = (hi == top) & (lo == bottom)
    keep = np.flatnonzero((adjusted <= ALPHA) | extreme)
    comparisons = [
        Comparison(
            names[hi[i]],
            names[lo[i]],
            float(difference[i]),
            float(difference[i] - width[i]),
            float(difference[i] + width[i]),
            float(adjusted[i]),
            bool(robust[i]),
        )
        for i in keep
    ]
    comparisons.sort(key=lambda c: (-round(c.difference, 9), c.higher, c.lower))
    if g == 2:
        # The two contrasts are one test: no adjustment.
        column_p = comparisons[0].p
    else:
        # Each group against the rest of the shown groups, Holm over the groups.
        rest = shown - n
        contrast = m - (centre * shown - n * m) / rest
        column_p = min(holm(_t_ps(np.abs(contrast), np.sqrt(msw * (1 / n + 1 / rest)), df)))
    return GroupTest(
        f=float(f),
        df_between=g - 1,
        df_within=df,
        f_p=f_p(f, g - 1, df) if f > 0 else 1.0,
        p=float(column_p),
        msw=msw,
        icc1=None if icc is None else float(icc),
        pairs=comparisons,
    )


def two_groups(
    high: str,
    low: str,
    means: Mapping[str, float],
    sizes: Mapping[str, int],
    totals: Totals,
    spreads: Mapping[str, float] | None = None,
) -> Comparison | None:
    """``high`` − ``low`` with a 95 % interval and p, on the published
    within-group variance of all the shown groups; ``robust`` when Welch's
    test on the two groups' own spreads (``spreads``, never shown) agrees."""
    within = within_variance(means, sizes, totals)
    if within is None:
        return None
    msw, df = within
    se = math.sqrt(msw * (1 / sizes[high] + 1 / sizes[low]))
    robust = True
    if spreads is not None and high in spreads and low in spreads:
        check = welch(
            means[low], spreads[low], sizes[low], means[high], spreads[high], sizes[high]
        )
        robust = check is None or check.p <= ALPHA
    return t_comparison(high, low, means[high] - means[low], se, df, robust)


def welch(
    mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int
) -> Comparison | None:
    """b − a for two independent groups (Welch's t), 95 % interval."""
    if n_a < 2 or n_b < 2:
        return None
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    se = math.sqrt(va + vb)
    # Without spread (se ≤ TINY) t_comparison does not use the degrees of freedom.
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1)) if se > TINY else 1.0
    return t_comparison("b", "a", mean_b - mean_a, se, df)


def t_comparison(
    higher: str, lower: str, difference: float, se: float, df: float, robust: bool = True
) -> Comparison:
    """higher − lower with its 95 % t-interval and two-sided p (``df``
    degrees of freedom); a zero se gives p 0 for a difference and 1 for none."""
    if se <= TINY:
        p = 0.0 if abs(difference) > TINY else 1.0
        return Comparison(higher, lower, difference, difference, difference, p, robust)
    spread = t_quantile(1 - ALPHA / 2, df) * se
    return Comparison(
        higher,
        lower,
        difference,
        difference - spread,
        difference + spread,
        t_p(difference / se, df),
        robust,
    )


def mean_interval(differences: np.ndarray) -> tuple[float, float] | None:
    """The 95 % t-interval of the mean of paired differences (n ≥ 2)."""
    n = differences.size
    if n < 2:
        return None
    mean = float(differences.mean())
    spread = t_quantile(1 - ALPHA / 2, n - 1) * float(differences.std(ddof=1)) / math.sqrt(n)
    return mean - spread, mean + spread


def rwg_j_chance(n: int, items: int, points: int) -> float | None:
    """The rwg(J) that a group of ``n`` answering ``items`` statements at
    random (every point equally likely) reaches or exceeds in only 5 % of
    groups: below it, a group's agreement is what chance gives (after
    Dunlap, Burke & Smith-Crowe, 2003, who tabulate such values).
    """
    if n < 2 or items < 1:
        return None
    return _chance(min(n, CHANCE_LARGEST), items, points)


@cache
def _chance(n: int, items: int, points: int) -> float:
    rng = np.random.default_rng([n, items, points])
    found = []
    for _ in range(CHANCE_DRAWS // CHANCE_BATCH):
        answers = rng.integers(0, points, size=(CHANCE_BATCH, n, items)).astype(float)
        found.append(rwg_j_of(answers.var(axis=1, ddof=1).mean(axis=1), items, points))
    return float(np.quantile(np.concatenate(found), 1 - ALPHA))
