"""Tests, intervals and error rates of the difference judgements, checked
against scipy's own implementations and against simulated alliances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alliancelens.analysis import calibration
from alliancelens.analysis.inference import (
    Totals,
    benjamini_hochberg,
    compare_groups,
    holm,
    mean_interval,
    rwg_j_chance,
    welch,
)
from alliancelens.analysis.stats import cronbach_alpha, cronbach_alpha_available, icc1


def test_benjamini_hochberg_matches_scipy():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.2, size=40)
    ours = benjamini_hochberg([*p, None])
    assert ours[-1] is None
    assert np.allclose(ours[:-1], stats.false_discovery_control(p, method="bh"))


def test_holm_by_hand():
    # sorted: .005·4 = .02, .01·3 = .03, .03·2 = .06, .04·1 = .04 → .06 (monotone)
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def groups_example():
    values = np.array([4, 5, 4, 4, 2, 3, 2, 3, 3, 3, 4, 3, 4], dtype=float)
    groups = np.array(list("AAAABBBBCCCCC"))
    return values, groups


def test_with_every_group_shown_the_anova_and_icc1_are_the_textbook_ones():
    values, groups = groups_example()
    names = sorted(set(groups))
    means = {g: float(values[groups == g].mean()) for g in names}
    sizes = {g: int((groups == g).sum()) for g in names}
    test = compare_groups(means, sizes, Totals.of(values))
    f, p = stats.f_oneway(*(values[groups == g] for g in names))
    assert test.f == pytest.approx(f, rel=1e-12) and test.f_p == pytest.approx(p, rel=1e-9)
    assert test.icc1 == pytest.approx(icc1(values, groups), rel=1e-12)
    # Each pair: a t-test on the pooled within-group variance, Bonferroni-
    # adjusted, named exactly when its joint interval leaves out zero.
    pairs = list(itertools.combinations(names, 2))
    for pair in test.pairs:
        a, b = pair.higher, pair.lower
        se = math.sqrt(test.msw * (1 / sizes[a] + 1 / sizes[b]))
        raw = 2 * stats.t.sf(abs(means[a] - means[b]) / se, len(values) - 3)
        assert pair.p == pytest.approx(min(1.0, raw * len(pairs)), rel=1e-9)
        assert (pair.p <= 0.05) == (pair.ci_low > 0)
    # The column: each group against the rest, Holm over the groups.
    raw = []
    for g in names:
        rest = values[groups != g]
        se = math.sqrt(test.msw * (1 / sizes[g] + 1 / rest.size))
        raw.append(2 * stats.t.sf(abs(means[g] - rest.mean()) / se, len(values) - 3))
    assert test.p == pytest.approx(min(holm(raw)), rel=1e-9)
    assert (test.pairs[0].higher, test.pairs[0].lower) == ("A", "B")


def test_a_hidden_group_only_widens_the_within_variance():
    """People of a group that is not shown count as within-group noise: the
    variance used is at least that of the shown groups alone."""
    values, groups = groups_example()
    shown = ["A", "B"]
    means = {g: float(values[groups == g].mean()) for g in shown}
    sizes = {g: int((groups == g).sum()) for g in shown}
    with_hidden = compare_groups(means, sizes, Totals.of(values))
    keep = np.isin(groups, shown)
    alone = compare_groups(means, sizes, Totals.of(values[keep]))
    assert with_hidden.msw >= alone.msw


def test_welch_and_the_paired_interval_match_scipy():
    a = np.array([3.1, 2.8, 3.5, 3.0, 2.6, 3.3])
    b = np.array([3.6, 3.9, 3.2, 4.1, 3.8])
    ours = welch(a.mean(), a.std(ddof=1), a.size, b.mean(), b.std(ddof=1), b.size)
    theirs = stats.ttest_ind(b, a, equal_var=False)
    assert ours.p == pytest.approx(theirs.pvalue, rel=1e-9)
    ci = theirs.confidence_interval()
    assert (ours.ci_low, ours.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    d = b[:5] - a[:5]
    low, high = mean_interval(d)
    ci = stats.ttest_1samp(d, 0).confidence_interval()
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_the_chance_line_for_agreement_matches_an_exact_count():
    """Three people answering two statements at random: every one of the
    5⁶ answer sets counted exactly. At most about 5 % of random groups agree
    more than the chance line."""
    answers = np.array(list(itertools.product(range(5), repeat=6)), dtype=float)
    variances = answers.reshape(-1, 3, 2).var(axis=1, ddof=1).mean(axis=1)
    ratio = np.minimum(variances / 2.0, 1.0)
    rwg = np.where(2 * (1 - ratio) + ratio > 0, 2 * (1 - ratio) / (2 * (1 - ratio) + ratio), 1)
    line = rwg_j_chance(3, 2, 5)
    assert (rwg > line + 1e-9).mean() <= 0.05
    assert (rwg >= line - 1e-9).mean() >= 0.05
    assert rwg_j_chance(12, 8, 5) < rwg_j_chance(4, 8, 5)


def test_alpha_on_available_answers_equals_the_complete_case_alpha_without_gaps():
    rng = np.random.default_rng(5)
    person = rng.normal(0, 1, size=(30, 1))
    matrix = np.clip(np.rint(3 + person + rng.normal(0, 0.8, size=(30, 6))), 1, 5)
    alpha, n, pairs = cronbach_alpha_available(matrix)
    assert alpha == pytest.approx(cronbach_alpha(matrix)[0], rel=1e-12)
    assert n == pairs == 30
    # With gaps: the pairwise covariance matrix (pandas computes it on
    # pairwise complete rows, as psych::alpha does with use = "pairwise").
    matrix[rng.random(matrix.shape) < 0.15] = np.nan
    alpha, n, pairs = cronbach_alpha_available(matrix)
    cov = pd.DataFrame(matrix).cov().to_numpy()
    assert alpha == pytest.approx(6 / 5 * (1 - np.trace(cov) / cov.sum()), rel=1e-12)
    assert pairs == int((~np.isnan(matrix)).astype(int).T.dot(~np.isnan(matrix)).min())
    assert cronbach_alpha(matrix)[1] < pairs  # complete cases would have been fewer


def test_calibration_on_a_small_fixed_sample():
    """Looser bounds than make calibrate's targets (docs/statistics.md), on
    fewer alliances with a fixed seed."""
    Scenario = calibration.Scenario
    rates = calibration.run(
        [
            Scenario("null", "null", 80),
            Scenario("noisy", "null", 40, noisy=2.0),
            Scenario("planted", "planted", 40, shift=1.2),
            Scenario("series", "series", 10),
        ],
        seed=11,
    )
    nothing, noisy, something, twice = rates.values()
    assert nothing.share(nothing.any_flag) <= 0.10
    assert noisy.share(noisy.any_flag) <= 0.15
    assert something.share(something.found) >= 0.75
    assert something.share(something.named_wrongly) <= 0.05
    assert max((nothing.share(n) for n in nothing.rules.values()), default=0) <= 0.10
    assert twice.share(twice.trend_changed) <= 0.10
    text, _ = calibration.report(rates, 1.0)
    assert "null: any divergence flag" in text and "95 % interval" in text


def test_with_two_groups_the_column_test_is_their_one_comparison():
    values, groups = groups_example()
    keep = np.isin(groups, ["A", "B"])
    values, groups = values[keep], groups[keep]
    means = {g: float(values[groups == g].mean()) for g in "AB"}
    sizes = {g: int((groups == g).sum()) for g in "AB"}
    test = compare_groups(means, sizes, Totals.of(values))
    pooled = stats.ttest_ind(values[groups == "A"], values[groups == "B"])
    assert test.p == pytest.approx(pooled.pvalue, rel=1e-9) == test.pairs[0].p


def test_a_small_group_that_only_answers_more_widely_is_not_named():
    """The pooled variance is mostly the large groups': a noisy small group
    can look different by that test alone. Welch on the groups' own
    spreads must agree before a pair is named."""
    means = {"big": 3.0, "small": 4.2}
    sizes = {"big": 40, "small": 4}
    totals = Totals(44, (40 * 3.0 + 4 * 4.2) / 44, 40 * 0.25 + 4 * 4.0 + 40 * 4 / 44 * 1.44)
    calm = compare_groups(means, sizes, totals, {"big": 0.5, "small": 0.5})
    wild = compare_groups(means, sizes, totals, {"big": 0.5, "small": 2.3})
    assert calm.pairs[0].p <= 0.05 and calm.pairs[0].robust
    assert wild.pairs[0].p == calm.pairs[0].p and not wild.pairs[0].robust
