"""Agreement, reliability and intraclass correlations. Formulas: docs/statistics.md.

Every function takes plain numbers or arrays and returns floats (or None when
the statistic is undefined for the data), so each can be checked against
published values on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
# Variances below this are rounding noise of equal answers (their exact value
# depends on summation order): they count as zero.
TINY = 1e-12


def expected_uniform_variance(points: int) -> float:
    """σ²_EU = (A² − 1) / 12: the variance of answers spread evenly over A points."""
    return (points**2 - 1) / 12


def rwg(values: Sequence[float] | FloatArray, points: int) -> float | None:
    """Within-group agreement on one item (James, Demaree & Wolf, 1984).

    rwg = 1 − s² / σ²_EU, truncated to [0, 1]; None with fewer than 2 answers.
    """
    x = _clean(values)
    if x.size < 2:
        return None
    return rwg_from_variance(float(x.var(ddof=1)), points)


def rwg_from_variance(variance: float, points: int) -> float:
    """rwg for a known sample variance s² of one item."""
    return float(min(1.0, max(0.0, 1 - variance / expected_uniform_variance(points))))


def rwg_j(item_variances: Sequence[float] | FloatArray, points: int) -> float | None:
    """Agreement on a scale of J parallel items (James, Demaree & Wolf, 1984).

    rwg(J) = J(1 − s̄²/σ²_EU) / [J(1 − s̄²/σ²_EU) + s̄²/σ²_EU], with s̄² the
    mean item variance; s̄² is set to σ²_EU (giving 0) when it is larger.
    """
    v = _clean(item_variances)
    if v.size == 0:
        return None
    return float(rwg_j_of(np.float64(v.mean()), v.size, points))


def rwg_j_of(mean_variance: FloatArray | np.float64, j: int, points: int) -> FloatArray:
    """rwg(J) from the mean item variance s̄² (a number or an array of them)
    over J items; the denominator J − (J − 1)·ratio is at least 1."""
    ratio = np.minimum(mean_variance / expected_uniform_variance(points), 1.0)
    agreement = j * (1 - ratio)
    return np.asarray(agreement / (agreement + ratio))


def ad_m(values: Sequence[float] | FloatArray) -> float | None:
    """Average absolute deviation around the mean (Burke, Finkelstein & Dusig, 1999).

    Agreement is practically significant when AD_M ≤ c/6 for c scale points.
    """
    x = _clean(values)
    if x.size < 2:
        return None
    return float(np.abs(x - x.mean()).mean())


def ad_cutoff(points: int) -> float:
    """c/6 for c scale points: AD_M at or below it shows practically
    meaningful agreement (Burke & Dunlap, 2002)."""
    return points / 6


def cronbach_alpha(matrix: FloatArray) -> tuple[float | None, int]:
    """Cronbach's α on complete cases: rows are respondents, columns items.

    α = J/(J − 1) · (1 − Σ s²_item / s²_total), sample variances (n − 1).
    Returns (α, number of complete cases); α is None with fewer than 2 items
    or 3 complete cases, or when the total has no variance.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[1] < 2:
        return None, 0
    complete = m[~np.isnan(m).any(axis=1)]
    n = int(complete.shape[0])
    if n < 3:
        return None, n
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var <= TINY:
        return None, n
    j = complete.shape[1]
    item_var = complete.var(axis=0, ddof=1).sum()
    return float(j / (j - 1) * (1 - item_var / total_var)), n


def cronbach_alpha_available(matrix: FloatArray) -> tuple[float | None, int, int]:
    """Cronbach's α on all available answers: item variances over everyone
    who answered the item, covariances over everyone who answered both
    (pairwise), α = J/(J − 1) · (1 − Σ s²_j / (Σ s²_j + Σ_{i≠j} s_ij)), as
    psych::alpha computes it from a pairwise covariance matrix.

    Returns (α, people with at least two answers, the fewest people behind
    any covariance). Without missing answers it equals cronbach_alpha. α is
    None with fewer than 2 items, a pair answered by fewer than 3 people, or
    a total without variance.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[1] < 2:
        return None, 0, 0
    answered = ~np.isnan(m)
    people = int((answered.sum(axis=1) >= 2).sum())
    both = answered.T.astype(float) @ answered.astype(float)
    fewest = int(both.min())
    if fewest < 3:
        return None, people, fewest
    j = m.shape[1]
    covariance = np.empty((j, j))
    for a in range(j):
        for b in range(a, j):
            keep = answered[:, a] & answered[:, b]
            x, y = m[keep, a], m[keep, b]
            value = float(((x - x.mean()) * (y - y.mean())).sum() / (x.size - 1))
            covariance[a, b] = covariance[b, a] = value
    total = float(covariance.sum())
    if total <= TINY:
        return None, people, fewest
    return float(j / (j - 1) * (1 - np.trace(covariance) / total)), people, fewest


def icc1(
    values: Sequence[float] | FloatArray, groups: Sequence[object] | npt.NDArray[Any]
) -> float | None:
    """ICC(1) with unequal group sizes, from a one-way ANOVA (Bliese, 2000).

    ICC(1) = (MSB − MSW) / (MSB + (n0 − 1)·MSW), n0 = (N − Σnᵢ²/N) / (g − 1).
    None with fewer than 2 groups or no within-group degrees of freedom.
    """
    x = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    keep = ~np.isnan(x)
    x, g = x[keep], g[keep]
    labels, codes = np.unique(g if g.dtype.kind in "iu" else g.astype(str), return_inverse=True)
    k = labels.size
    n_total = x.size
    if k < 2 or n_total - k < 1:
        return None
    sizes = np.bincount(codes).astype(float)
    sums = np.bincount(codes, weights=x)
    means = sums / sizes
    grand = x.mean()
    ssb = float((sizes * (means - grand) ** 2).sum())
    ssw = float(((x - means[codes]) ** 2).sum())
    msb = ssb / (k - 1)
    msw = ssw / (n_total - k)
    n0 = (n_total - (sizes**2).sum() / n_total) / (k - 1)
    denominator = msb + (n0 - 1) * msw
    return float((msb - msw) / denominator) if denominator > TINY else None


def paired_t_p(differences: FloatArray) -> float | None:
    """Two-sided p of the paired t-test on these differences (n ≥ 2), None
    when they do not vary: t = mean / (sd / √n) with n − 1 degrees of freedom.

    Student's t distribution from scipy.special (tests compare the result
    with scipy.stats.ttest_rel), imported here: loading scipy costs the
    command line a quarter of a second on every start, and only a series of
    rounds with paired respondents needs it.
    """
    from scipy.special import stdtr

    sd = float(differences.std(ddof=1))
    if not sd > 0:
        return None
    n = differences.size
    t = float(differences.mean()) / (sd / math.sqrt(n))
    return float(2 * stdtr(n - 1, -abs(t)))


@dataclass(frozen=True)
class ICCFamily:
    """The six intraclass correlations of Shrout & Fleiss (1979)."""

    icc1_1: float
    icc2_1: float
    icc3_1: float
    icc1_k: float
    icc2_k: float
    icc3_k: float
    bms: float
    wms: float
    jms: float
    ems: float


def icc_family(matrix: FloatArray) -> ICCFamily:
    """Targets in rows, k judges in columns, no missing values."""
    m = np.asarray(matrix, dtype=float)
    n, k = m.shape
    grand = m.mean()
    row_means = m.mean(axis=1)
    col_means = m.mean(axis=0)
    ss_total = ((m - grand) ** 2).sum()
    ss_rows = k * ((row_means - grand) ** 2).sum()
    ss_cols = n * ((col_means - grand) ** 2).sum()
    bms = ss_rows / (n - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    jms = ss_cols / (k - 1)
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    return ICCFamily(
        icc1_1=(bms - wms) / (bms + (k - 1) * wms),
        icc2_1=(bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n),
        icc3_1=(bms - ems) / (bms + (k - 1) * ems),
        icc1_k=(bms - wms) / bms,
        icc2_k=(bms - ems) / (bms + (jms - ems) / n),
        icc3_k=(bms - ems) / bms,
        bms=bms,
        wms=wms,
        jms=jms,
        ems=ems,
    )


def _clean(values: Sequence[float] | FloatArray) -> FloatArray:
    x = np.asarray(values, dtype=float)
    return x[~np.isnan(x)]
