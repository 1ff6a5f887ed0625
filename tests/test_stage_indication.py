"""The development stage from the statements people recognise: shares,
intervals and certainty checked against independent reference values, and
against simulated raters answering at random (docs/statistics.md,
"Development stage from what people see")."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from scipy import stats

from alliancelens.analysis.stage import Certainty, stage_indication
from alliancelens.instrument import STAGES
from scripts import calibrate_stage

DESIGN = [f"designing-{i}" for i in range(1, 7)]
DISCOVER = [f"discovering-{i}" for i in range(1, 7)]
PRODUCT = [f"productive-{i}" for i in range(1, 6)]
STATEMENTS = {"designing": DESIGN, "discovering": DISCOVER, "productive": PRODUCT}
Z = stats.norm.ppf(0.975)


def test_with_one_rater_each_interval_is_the_wilson_interval_of_that_stages_statements():
    result = stage_indication(
        {"facilitator": [*DESIGN[:4], DISCOVER[0], *PRODUCT[:2]]}, STATEMENTS
    )
    assert result.n_raters == 1
    for share, ticked in zip(result.stages, (4, 1, 2), strict=True):
        reference = stats.binomtest(ticked, share.statements).proportion_ci(
            confidence_level=0.95, method="wilson"
        )
        assert share.recognised == ticked
        assert share.share == pytest.approx(ticked / share.statements, abs=1e-15)
        assert share.n_effective == share.statements
        assert (share.low, share.high) == pytest.approx((reference.low, reference.high), abs=1e-12)
        assert share.top_support is None  # one rater: nobody to resample


def test_shares_are_over_raters_times_statements_worked_out_by_hand():
    marks = {
        "ann": [DESIGN[0], DESIGN[1], DESIGN[2], DISCOVER[0]],
        "bob": [DESIGN[0], DESIGN[3], DESIGN[4], PRODUCT[1]],
        "cas": [DESIGN[1], DESIGN[2], DESIGN[5], DISCOVER[4]],
    }
    result = stage_indication(marks, STATEMENTS)
    designing, discovering, productive = result.stages
    assert [s.stage for s in result.stages] == list(STAGES)
    assert (designing.recognised, designing.share) == (9, pytest.approx(9 / 18))
    assert (discovering.recognised, discovering.share) == (2, pytest.approx(2 / 18))
    assert (productive.recognised, productive.share) == (1, pytest.approx(1 / 15))
    # designing: every rater ticks 3 of 6 (no spread between raters); the
    # statements are ticked by 2, 2, 2, 1, 1, 1 of 3 (variance 1/36), so the
    # two-way variance is (1/4 + 5·0 + 2·1/36) / 18 = 11/648 and the
    # effective number of ticks (1/4) / (11/648) = 648/44.
    assert designing.n_effective == pytest.approx(648 / 44)
    assert result.certainty is Certainty.CLEAR and result.indicated == "designing"
    assert result.between is None
    assert designing.top_support == 1.0


def test_the_effective_size_is_the_exact_variance_of_resampling_raters_and_statements():
    """Enumerates every draw of raters and of statements (with replacement)
    for a small stage and compares the variance of the share."""
    statements = {
        "designing": ["a", "b", "c"],
        "discovering": ["d", "e", "f"],
        "productive": ["g"],
    }
    marks = {"r1": ["a", "b", "d"], "r2": ["c", "e", "f", "g"]}
    ticks = np.array([[1, 1, 0], [0, 0, 1]])  # designing
    shares = [
        ticks[np.ix_(rows, columns)].mean()
        for rows in itertools.product(range(2), repeat=2)
        for columns in itertools.product(range(3), repeat=3)
    ]
    variance = float(np.var(shares))
    designing = stage_indication(marks, statements).share("designing")
    p = designing.share
    assert p == pytest.approx(0.5)
    assert designing.n_effective == pytest.approx(p * (1 - p) / variance, rel=1e-12)
    # The Wilson interval inverts the score test: at each bound π,
    # (p − π)² = z² π (1 − π) / n.
    for bound in (designing.low, designing.high):
        assert (p - bound) ** 2 == pytest.approx(
            Z**2 * bound * (1 - bound) / designing.n_effective, rel=1e-9
        )


def test_the_same_ticks_give_the_same_result_whatever_the_names_and_order():
    marks = {
        "ann": [DESIGN[0], DESIGN[2], DISCOVER[1]],
        "bob": [DESIGN[1], DESIGN[2], PRODUCT[4]],
        "cas": [DISCOVER[0], PRODUCT[0], DESIGN[5]],
    }
    first = stage_indication(marks, STATEMENTS)
    assert stage_indication(marks, STATEMENTS) == first
    renamed = {"zoe": list(reversed(marks["cas"])), "ann": marks["bob"], "yan": marks["ann"]}
    reordered = {stage: list(reversed(ids)) for stage, ids in reversed(STATEMENTS.items())}
    other = stage_indication(renamed, reordered)
    assert (other.certainty, other.indicated, other.between, other.p_value) == (
        first.certainty,
        first.indicated,
        first.between,
        first.p_value,
    )
    for a, b in zip(other.stages, first.stages, strict=True):
        assert (a.stage, a.recognised, a.top_support) == (b.stage, b.recognised, b.top_support)
        assert (a.share, a.low, a.high) == pytest.approx((b.share, b.low, b.high), rel=1e-12)


def test_one_rater_can_be_clear_from_the_statements_alone():
    result = stage_indication({"facilitator": DESIGN}, STATEMENTS)
    assert result.certainty is Certainty.CLEAR and result.certain
    assert result.indicated == "designing"
    # All six of one stage and nothing else: 2 of the C(17, 6) ways to
    # place six ticks fill a stage of six, so the shuffles find it rare.
    assert result.p_value is not None and result.p_value < 0.002


def test_one_rater_with_no_stage_standing_out_is_unclear():
    result = stage_indication(
        {"facilitator": [*DESIGN[:3], *DISCOVER[:3], *PRODUCT[:2]]}, STATEMENTS
    )
    assert result.certainty is Certainty.UNCLEAR and not result.certain
    assert result.indicated is None
    assert result.between == ("designing", "discovering")  # 3/6, 3/6 above 2/5


def test_without_raters_there_is_no_indication():
    result = stage_indication({}, STATEMENTS)
    assert result.n_raters == 0
    assert result.certainty is Certainty.NO_DATA
    assert result.indicated is None and result.between is None and result.p_value is None
    assert all(s.share is None and s.low is None and s.high is None for s in result.stages)
    assert [s.statements for s in result.stages] == [6, 6, 5]
    with pytest.raises(ValueError, match="unknown stage 'harvesting'"):
        result.share("harvesting")


def test_unanimous_raters_give_a_clear_stage():
    result = stage_indication(
        {name: PRODUCT for name in ("ann", "bob", "cas", "dirk")}, STATEMENTS
    )
    assert result.certainty is Certainty.CLEAR
    assert result.indicated == "productive"
    productive = result.share("productive")
    assert productive.share == 1.0 and productive.top_support == 1.0
    # No spread to learn from: the interval is on all 20 ticks.
    assert productive.high == 1.0
    assert productive.low == pytest.approx(
        stats.binomtest(20, 20).proportion_ci(method="wilson").low, abs=1e-12
    )


def test_a_tie_is_not_clear_and_names_both_stages():
    result = stage_indication(
        {name: [*DESIGN, *DISCOVER] for name in ("ann", "bob", "cas")}, STATEMENTS
    )
    assert result.certainty is Certainty.UNCLEAR
    assert result.indicated is None
    assert result.between == ("designing", "discovering")
    assert result.share("designing").top_support == result.share("discovering").top_support == 0.5


def test_one_rater_who_sees_another_stage_keeps_two_others_from_being_clear():
    """The statements alone would call it (p below the level), but one of
    three raters has another stage on top: leaning, between the two."""
    result = stage_indication({"ann": DESIGN, "bob": DESIGN, "cas": PRODUCT}, STATEMENTS)
    assert result.p_value is not None and result.p_value < 0.04
    assert result.share("designing").top_support == pytest.approx(20 / 27, abs=0.03)
    assert result.certainty is Certainty.LEANING
    assert result.indicated == "designing"
    assert result.between == ("designing", "productive")


def test_recognising_nothing_is_an_answer_that_lowers_every_share():
    nobody = stage_indication({"ann": [], "bob": []}, STATEMENTS)
    assert nobody.n_raters == 2
    assert [s.share for s in nobody.stages] == [0.0, 0.0, 0.0]
    assert all(s.low == 0.0 and s.high is not None and s.high > 0 for s in nobody.stages)
    assert nobody.certainty is Certainty.UNCLEAR
    assert nobody.indicated is None and nobody.between is None  # all three tied

    marks = {"ann": [DESIGN[0], DESIGN[1], DISCOVER[2]], "bob": [DESIGN[2], DESIGN[3], PRODUCT[0]]}
    with_silent = stage_indication({**marks, "cas": []}, STATEMENTS)
    without = stage_indication(marks, STATEMENTS)
    assert with_silent.n_raters == 3
    assert with_silent.share("designing").share == pytest.approx(4 / 18)
    assert without.share("designing").share == pytest.approx(4 / 12)
    # It says nothing about which stage: the statements' test is unchanged.
    assert with_silent.p_value == without.p_value


@pytest.mark.parametrize(
    ("marks", "statements", "message"),
    [
        (
            {"ann": [DESIGN[0], "not-a-statement"]},
            STATEMENTS,
            "marks of rater 'ann': 'not-a-statement' belongs to no stage",
        ),
        ({"ann": DESIGN[0]}, STATEMENTS, "marks of rater 'ann' must be a collection"),
        (
            {"ann": [DESIGN[0], DESIGN[0]]},
            STATEMENTS,
            f"marks of rater 'ann': '{DESIGN[0]}' is marked twice",
        ),
        ({}, {**STATEMENTS, "productive": []}, "stage 'productive' has no statements"),
        ({}, {**STATEMENTS, "harvesting": ["h1"]}, "unknown stage 'harvesting'"),
        ({}, {"designing": DESIGN, "discovering": DISCOVER}, "stage 'productive' is missing"),
        (
            {},
            {**STATEMENTS, "productive": [*PRODUCT, DESIGN[0]]},
            f"'{DESIGN[0]}' is in stage 'designing' and in stage 'productive'",
        ),
        (
            {},
            {**STATEMENTS, "designing": [DESIGN[0], DESIGN[0]]},
            f"'{DESIGN[0]}' is twice in stage",
        ),
        ({}, {**STATEMENTS, "designing": "d1"}, "stage 'designing' must list statement ids"),
    ],
)
def test_bad_input_is_refused_saying_what_and_where(marks, statements, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        stage_indication(marks, statements)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="confidence must lie between 0 and 1"):
        stage_indication({}, STATEMENTS, confidence=95)
    with pytest.raises(ValueError, match="shuffles must be at least 1"):
        stage_indication({}, STATEMENTS, shuffles=0)


def test_random_answering_is_rarely_clear_and_a_planted_stage_is_found():
    """A few hundred simulated alliances with a fixed seed (make calibrate
    runs thousands): three raters ticking at random, each with their own
    tendency, are called clear at most 5 % of the time; five raters who
    recognise one stage's statements at 0.7 and the others at 0.3 are
    mostly called clear, and never for a wrong stage."""
    random = calibrate_stage.run("random", 3, 300, seed=11)
    assert random.clear / random.alliances <= 0.05
    planted = calibrate_stage.run("planted", 5, 100, seed=11)
    assert planted.clear_true / planted.alliances >= 0.65
    assert planted.clear_wrong == 0


def test_the_calibration_table_prints_every_scenario(capsys):
    assert calibrate_stage.main(["--alliances", "5"]) in (0, 1)
    out = capsys.readouterr().out
    for scenario in calibrate_stage.SCENARIOS:
        assert scenario.name in out
    assert "clear ≤ 5%" in out
