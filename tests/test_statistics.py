"""The statistics against published and hand-worked reference values."""

from __future__ import annotations

import numpy as np
import pytest

from alliancelens.analysis.stats import (
    ad_cutoff,
    ad_m,
    cronbach_alpha,
    icc1,
    icc_family,
    paired_t_p,
    rwg,
    rwg_j,
)

# Shrout & Fleiss (1979), Table 2: six targets rated by four judges.
SHROUT_FLEISS = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ],
    dtype=float,
)


def test_icc_family_matches_shrout_and_fleiss_table_4():
    f = icc_family(SHROUT_FLEISS)
    # Mean squares of their Table 3.
    assert f.bms == pytest.approx(11.24, abs=0.005)
    assert f.wms == pytest.approx(6.26, abs=0.005)
    assert f.jms == pytest.approx(32.49, abs=0.005)
    assert f.ems == pytest.approx(1.02, abs=0.005)
    # The six coefficients of their Table 4, to the two decimals published.
    assert round(f.icc1_1, 2) == 0.17
    assert round(f.icc2_1, 2) == 0.29
    assert round(f.icc3_1, 2) == 0.71
    assert round(f.icc1_k, 2) == 0.44
    assert round(f.icc2_k, 2) == 0.62
    assert round(f.icc3_k, 2) == 0.91


def test_icc1_with_groups_equals_icc_1_1_on_balanced_data():
    values = SHROUT_FLEISS.ravel()
    groups = np.repeat(np.arange(6), 4)
    assert icc1(values, groups) == pytest.approx(icc_family(SHROUT_FLEISS).icc1_1)


def test_icc1_with_unequal_groups_by_hand():
    # Groups A = [1, 2, 3], B = [4, 5]: grand mean 3, SSB = 3·1 + 2·2.25 = 7.5,
    # SSW = 2 + 0.5 = 2.5; MSB = 7.5, MSW = 2.5/3; n0 = (5 − 13/5)/1 = 2.4.
    expected = (7.5 - 2.5 / 3) / (7.5 + 1.4 * 2.5 / 3)
    assert icc1([1, 2, 3, 4, 5], ["A", "A", "A", "B", "B"]) == pytest.approx(expected)
    assert icc1([1, 2, 3], ["A", "A", "A"]) is None


def test_cronbach_alpha_equals_icc_3_k_on_the_same_table():
    """α of the four judges as items is the consistency ICC(3,k) (0.91)."""
    alpha, n = cronbach_alpha(SHROUT_FLEISS)
    assert n == 6
    assert alpha == pytest.approx(icc_family(SHROUT_FLEISS).icc3_k)
    assert round(alpha, 2) == 0.91


def test_cronbach_alpha_by_the_covariance_formula_and_complete_cases():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(40, 1))
    data = np.clip(np.round(3 + base + rng.normal(scale=0.8, size=(40, 5))), 1, 5)
    data[3, 2] = np.nan  # an incomplete case is left out
    alpha, n = cronbach_alpha(data)
    complete = data[~np.isnan(data).any(axis=1)]
    cov = np.cov(complete, rowvar=False)
    k = cov.shape[0]
    mean_cov = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    mean_var = np.trace(cov) / k
    assert n == 39
    assert alpha == pytest.approx(k * mean_cov / (mean_var + (k - 1) * mean_cov))


def test_rwg_by_hand():
    # [4, 4, 5, 3, 4]: s² = 0.5; σ²_EU = (25 − 1)/12 = 2 → rwg = 0.75.
    assert rwg([4, 4, 5, 3, 4], 5) == pytest.approx(0.75)
    assert rwg([1, 5, 1, 5], 5) == 0.0  # truncated: s² = 5.33 > 2
    assert rwg([3, 3, 3], 5) == 1.0
    assert rwg([3, float("nan")], 5) is None


def test_rwg_j_by_hand():
    # Item variances 0.5, 1.0, 0.5: s̄² = 2/3, ratio 1/3, J(1 − 1/3) = 2,
    # rwg(J) = 2 / (2 + 1/3) = 6/7.
    assert rwg_j([0.5, 1.0, 0.5], 5) == pytest.approx(6 / 7)
    assert rwg_j([3.0, 2.5], 5) == 0.0  # s̄² ≥ σ²_EU
    assert rwg_j([0.0, 0.0], 5) == 1.0


def test_average_deviation_by_hand():
    # |4−4| + |4−4| + |5−4| + |3−4| + |4−4| = 2 over 5 answers.
    assert ad_m([4, 4, 5, 3, 4]) == pytest.approx(0.4)
    assert ad_cutoff(5) == pytest.approx(5 / 6)


def test_paired_t_test_matches_students_sleep_data():
    # Cushny & Peebles' sleep data as Student (1908) analysed it: extra hours
    # of sleep with drug 2 minus drug 1 for ten patients. The paired t-test
    # gives t = 4.0621 with 9 degrees of freedom, two-sided p = 0.002833.
    differences = np.array([1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4])
    assert paired_t_p(differences) == pytest.approx(0.002833, abs=5e-7)


def test_paired_t_test_agrees_with_scipy_and_needs_variation():
    from scipy import stats

    rng = np.random.default_rng(3)
    for n in (2, 3, 7, 40):
        before, after = rng.normal(3, 1, n), rng.normal(3.3, 1, n)
        expected = stats.ttest_rel(after, before).pvalue
        assert paired_t_p(after - before) == pytest.approx(expected, rel=1e-12)
    assert paired_t_p(np.array([0.5, 0.5, 0.5])) is None
