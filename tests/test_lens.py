"""The lens beyond averages: divergence, agreement, ambition, phase, advice."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliancelens.analysis import Context, analyze, analyze_rounds, answers_frame, questions_frame
from alliancelens.analysis.advice import AdviceError, advise, load_rules, parse_rules
from alliancelens.analysis.engine import perspective_scores
from alliancelens.analysis.sums import sums_of
from alliancelens.instrument import FACETS, PERSPECTIVES, PHASES, get_instrument

INSTRUMENT = get_instrument("reflection-core", 1)  # fixtures written for v1


def people(
    partner: str,
    values: list[float],
    level: str = "professional",
    round: int = 1,
    prefix: str = "",
    instrument=INSTRUMENT,
):
    """One respondent per value, answering every statement with that value
    before reversal (so every perspective score equals the value)."""
    rows = []
    for n, value in enumerate(values):
        for item in instrument.items:
            raw = (6 - value) if item.reverse else value
            rows.append(
                {
                    "respondent": f"{prefix}{partner}{n}",
                    "partner": partner,
                    "level": level,
                    "round": round,
                    "item": item.id,
                    "value": raw,
                }
            )
    return rows


def test_a_gap_between_partners_is_flagged_with_prompts_and_icc():
    frame = answers_frame(
        people("Gemeente", [5, 5, 4]) + people("Zorg", [2, 2, 3]) + people("Welzijn", [3, 4, 3])
    )
    result = analyze(frame, INSTRUMENT, k=3)
    rel = next(d for d in result.divergence if d.kind == "perspective" and d.id == "relationship")
    assert rel.flagged
    assert (rel.high, rel.low) == ("Gemeente", "Zorg")
    assert rel.gap == pytest.approx(14 / 3 - 7 / 3)
    assert rel.icc1 is not None and rel.icc1 > 0.5
    assert any("Gemeente" in q and "Zorg" in q for q in rel.prompts["nl"])
    assert any("Gemeente" in q and "Zorg" in q for q in rel.prompts["en"])
    assert result.divergence[0].flagged
    assert result.indicators["divergence.relationship.gap"] == pytest.approx(rel.gap)


def test_disagreement_within_a_partner_is_kept_apart_from_a_gap_between_partners():
    # Equal partner means, but inside Gemeente people answer 1 and 5.
    frame = answers_frame(people("Gemeente", [1, 5, 3, 5, 1]) + people("Zorg", [3, 3, 3, 3, 3]))
    result = analyze(frame, INSTRUMENT, k=3)
    assert not any(d.flagged for d in result.divergence if d.kind == "perspective")
    partners_in_disagreement = {d.partner for d in result.disagreement}
    assert partners_in_disagreement == {"Gemeente"}
    assert all(d.rwg_j < 0.7 for d in result.disagreement)
    assert result.partners["Zorg"].perspectives["process"].agreement == 1.0


def test_level_gap_is_board_minus_professional():
    frame = answers_frame(
        people("A", [5, 5, 4], level="board")
        + people("A", [2, 3, 2], level="professional", prefix="p")
    )
    gap = analyze(frame, INSTRUMENT, k=3).level_gap["ambition"]
    assert gap.board == pytest.approx(14 / 3)
    assert gap.professional == pytest.approx(7 / 3)
    assert gap.gap == pytest.approx(7 / 3)


def test_ambition_index_is_the_geometric_mean_of_rescaled_facets():
    rows = []
    facet_value = {"promise": 5, "commitment": 4, "action": 2}
    for n in range(3):
        for item in INSTRUMENT.items_for("ambition"):
            value = facet_value[item.facet]
            rows.append(
                {
                    "respondent": f"r{n}",
                    "partner": "A",
                    "level": "board",
                    "round": 1,
                    "item": item.id,
                    "value": 6 - value if item.reverse else value,
                }
            )
    result = analyze(answers_frame(rows), INSTRUMENT, k=3)
    index = result.ambition_index
    assert index.facets == {"promise": 5.0, "commitment": 4.0, "action": 2.0}
    assert index.index == pytest.approx((1.0 * 0.75 * 0.25) ** (1 / 3) * 100)
    assert index.weakest == "action"
    # Much promise, little action: pseudo-collaboration risk is raised.
    assert result.pseudo_collaboration.components["promise_over_action"] == pytest.approx(1.0)
    assert result.pseudo_collaboration.score >= 50
    assert result.pseudo_collaboration.level == "high"


def test_the_ambition_index_is_zero_with_one_zero_factor_and_sensible_when_mildly_positive():
    def index(promise: float, commitment: float, action: float) -> float | None:
        rows = []
        for n in range(3):
            for item in INSTRUMENT.items_for("ambition"):
                facets = {"promise": promise, "commitment": commitment, "action": action}
                value = facets[str(item.facet)]
                rows.append(
                    (f"r{n}", "A", "board", 1, item.id, 6 - value if item.reverse else value)
                )
        return analyze(answers_frame(rows), INSTRUMENT, k=3).ambition_index.index

    assert index(5, 5, 1) == 0.0
    assert index(3.5, 3.5, 3.5) == pytest.approx(62.5)  # the product read 24
    assert index(3, 3, 3) == pytest.approx(50.0)


V2 = get_instrument("reflection-core", 2)


def test_give_and_take_flags_an_imbalance_only_when_both_are_worded_alike():
    gets, brings = "int_gets_fair_share", "int_brings_fair_share"
    rows = people("A", [3] * 6, instrument=V2) + people("B", [3, 4, 3, 4, 3, 4], instrument=V2)
    for row in rows:
        if row["partner"] == "A" and row["item"] == gets:
            row["value"] = 1
        if row["partner"] == "A" and row["item"] == brings:
            row["value"] = 5
    result = analyze(answers_frame(rows), V2, k=3)
    by_partner = {g.partner: g for g in result.give_take}
    assert by_partner["A"].balance == pytest.approx(-4)
    assert by_partner["A"].ci_low < -4 < by_partner["A"].ci_high
    assert by_partner["A"].imbalance and not by_partner["B"].imbalance
    assert result.indicators["give_take.imbalanced"] == 1
    assert "give_and_take_balance" in {a.id for a in result.advice}
    # Version 1 sets an amount ("brings a lot") against a judgement: both are
    # shown, no balance is drawn and no advice rests on it.
    old = people("A", [3] * 6) + people("B", [3] * 6)
    for row in old:
        if row["partner"] == "A" and row["item"] == "int_brings":
            row["value"] = 5
    v1 = analyze(answers_frame(old), INSTRUMENT, k=3)
    a = {g.partner: g for g in v1.give_take}["A"]
    assert a.gets == 3 and a.brings == 5 and a.balance is None and not a.imbalance


def phase_rows(phases: list[str]):
    return questions_frame(
        {
            "respondent": f"A{n}",
            "partner": "A",
            "level": "professional",
            "round": 1,
            "question": "phase_now",
            "text": p,
        }
        for n, p in enumerate(phases)
    )


def test_phase_distribution_mode_agreement_and_skipped_foundations():
    frame = answers_frame(people("A", [2, 2, 3, 2]))
    result = analyze(
        frame,
        INSTRUMENT,
        k=3,
        questions=phase_rows(["execute", "execute", "design", "agree"]),
        context=Context(declared_phase="execute"),
    )
    phase = result.phase
    assert phase.distribution == {"explore": 0, "share": 0, "agree": 1, "design": 1, "execute": 2}
    assert phase.mode == "execute" and phase.agreement == 0.5
    assert phase.skipped_foundations
    assert any("ambition" in r for r in phase.reasons) and any(
        "interests" in r for r in phase.reasons
    )
    ids = [a.id for a in result.advice]
    assert "process_skipped_foundations" in ids and "phase_execute" in ids


def test_phase_answers_of_fewer_than_k_are_not_shown():
    frame = answers_frame(people("A", [3, 3, 3]))
    phase = analyze(frame, INSTRUMENT, k=3, questions=phase_rows(["share", "agree"])).phase
    assert phase.hidden and phase.distribution == {} and phase.mode is None


def test_trends_between_rounds_are_paired_where_people_answered_both():
    first = people("A", [2, 2, 3, 3], round=1) + people("B", [3, 3, 3], round=1)
    second = people("A", [3, 3, 4, 4], round=2) + people("B", [3, 4, 3], round=2)
    result = analyze_rounds(answers_frame(first + second), INSTRUMENT, k=3)
    assert set(result.rounds) == {1, 2}
    trend = next(t for t in result.trends if t.perspective == "relationship")
    assert trend.delta == pytest.approx(24 / 7 - 19 / 7)
    assert trend.paired_n == 7
    assert trend.paired_delta == pytest.approx(5 / 7)
    assert trend.paired_p is not None and trend.paired_p < 0.05
    assert result.rounds[2].indicators["trend.relationship.delta"] == pytest.approx(5 / 7)
    assert "trend_improved" in [a.id for a in result.rounds[2].advice]


def test_alpha_is_reported_with_its_n_and_flagged_when_low():
    rows = []
    values = [1, 5, 2, 4, 3, 1, 5]  # answers that do not hang together
    for n in range(14):
        for j, item in enumerate(INSTRUMENT.items_for("process")):
            rows.append(
                {
                    "respondent": f"r{n}",
                    "partner": "A",
                    "level": "board",
                    "round": 1,
                    "item": item.id,
                    "value": values[(n + 3 * j) % 7],
                }
            )
    frame = answers_frame(rows)
    summary = analyze(frame, INSTRUMENT, k=3).perspectives["process"]
    assert summary.alpha_n == summary.alpha_pairs == 14
    assert summary.alpha is not None and summary.alpha < 0.7 and summary.alpha_low
    # On seven people the same α is given but not called low: too few to tell.
    few = analyze(frame[frame["respondent"].isin([f"r{n}" for n in range(7)])], INSTRUMENT, k=3)
    assert few.perspectives["process"].alpha is not None
    assert few.perspectives["process"].alpha_pairs == 7
    assert not few.perspectives["process"].alpha_low


# --- advice --------------------------------------------------------------------


def test_the_rule_base_spans_the_model():
    base = load_rules()
    assert len(base.rules) >= 25
    assert {r.perspective for r in base.rules} >= set(PERSPECTIVES)
    assert {r.phase for r in base.rules} >= set(PHASES)
    assert {r.stage for r in base.rules} >= {"designing", "discovering", "productive"}
    sources = " ".join(r.source["en"] for r in base.rules)
    for concept in (
        "Do's",
        "Don'ts",
        "Seven ingredients",
        "Seven tips",
        "Reflection model",
        "Development stage",
    ):
        assert concept in sources
    ingredients = {
        r.source["en"] for r in base.rules if r.source["en"].startswith("Seven ingredients")
    }
    assert len(ingredients) >= 7
    for rule in base.rules:
        assert rule.text["nl"] and rule.text["en"] and rule.text["nl"] != rule.text["en"]


def test_advice_says_why_it_fired_and_comes_most_urgent_first():
    indicators = {"theme.trust.mean": 2.4, "phase.reference": "share", "stage": "discovering"}
    advice = advise(indicators)
    ids = [a.id for a in advice]
    assert ids.index("relationship_trust") < ids.index("phase_share")
    trust = advice[ids.index("relationship_trust")]
    assert trust.why == ["theme.trust.mean = 2.40 < 3.00"]
    assert trust.source["en"] == "Reflection model: trust can be organised"
    urgencies = [a.urgency for a in advice]
    assert urgencies == sorted(urgencies, key=["high", "medium", "low"].index)


def test_missing_indicators_never_fire_a_rule():
    assert advise({}) == []
    assert advise({"theme.trust.mean": None}) == []


def test_a_broken_rule_file_lists_every_problem():
    data = {
        "prompts": {
            "generic": {"nl": ["Wat vindt {partner}?"], "en": ["What does {high} think?"]}
        },
        "rules": [
            {
                "id": "a",
                "urgency": "high",
                "source": {"nl": "x", "en": "x"},
                "text": {"nl": "x", "en": "y"},
                "when": {"all": [["theme.trust.mean", "<<", 3]]},
            },
            {
                "id": "a",
                "urgency": "soon",
                "perspective": "money",
                "source": {"nl": "x"},
                "text": {"nl": "x", "en": "y"},
                "when": {"all": [["x", "<", 3]]},
            },
        ],
    }
    with pytest.raises(AdviceError) as info:
        parse_rules(data)
    message = str(info.value)
    for expected in (
        "unknown placeholder",
        "unknown operator '<<'",
        "id used twice",
        "urgency must be",
        "perspective 'money'",
        "rule 'a' source: needs a non-empty text",
    ):
        assert expected in message


# --- properties -------------------------------------------------------------------

values = st.lists(
    st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, float("nan")]),
    min_size=len(INSTRUMENT.items),
    max_size=len(INSTRUMENT.items),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=1, max_size=8))
def test_reverse_statements_are_turned_once_and_scores_stay_inside_the_scale(answer_sets):
    rows = []
    for n, answers in enumerate(answer_sets):
        for item, value in zip(INSTRUMENT.items, answers, strict=True):
            rows.append(
                {
                    "respondent": f"r{n}",
                    "partner": "A",
                    "level": "board",
                    "round": 1,
                    "item": item.id,
                    "value": value,
                }
            )
    frame = answers_frame(rows)
    recoded = sums_of(frame, INSTRUMENT).answers
    given_answers = np.array(answer_sets, dtype=float)
    np.testing.assert_array_equal(
        np.isnan(recoded), np.isnan(given_answers), err_msg="a don't know moved"
    )
    reverse = np.array([i.reverse for i in INSTRUMENT.items])
    np.testing.assert_array_equal(
        np.where(reverse, INSTRUMENT.scale.reverse(recoded), recoded), given_answers
    )
    scores = perspective_scores(frame, INSTRUMENT)
    for p in PERSPECTIVES:
        assert scores[p].dropna().between(1, 5).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=3, max_size=9), st.randoms(use_true_random=False))
def test_permuting_respondents_changes_nothing(answer_sets, rnd):
    rows = []
    for n, answers in enumerate(answer_sets):
        partner = "AB"[n % 2]
        for item, value in zip(INSTRUMENT.items, answers, strict=True):
            rows.append(
                {
                    "respondent": f"r{n}",
                    "partner": partner,
                    "level": "board",
                    "round": 1,
                    "item": item.id,
                    "value": value,
                }
            )
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a = analyze(answers_frame(rows), INSTRUMENT, k=3)
    b = analyze(answers_frame(shuffled), INSTRUMENT, k=3)
    assert _close(a, b)


def _close(a, b) -> bool:
    """Equal, with floats compared to 1e-9 (summation order may differ)."""
    from dataclasses import asdict, is_dataclass

    def walk(x, y):
        if is_dataclass(x):
            return walk(asdict(x), asdict(y))
        if isinstance(x, dict):
            return x.keys() == y.keys() and all(walk(x[k], y[k]) for k in x)
        if isinstance(x, (list, tuple)):
            return len(x) == len(y) and all(walk(i, j) for i, j in zip(x, y, strict=True))
        if isinstance(x, float) and isinstance(y, float):
            return (math.isnan(x) and math.isnan(y)) or math.isclose(
                x, y, rel_tol=1e-9, abs_tol=1e-12
            )
        return x == y

    return walk(a, b)


def test_facets_cover_every_ambition_statement():
    assert {i.facet for i in INSTRUMENT.items_for("ambition")} == set(FACETS)


def test_an_exact_gap_of_the_minimum_is_flagged_despite_rounding_noise():
    """Means 2.67 and 1.67 differ by 0.9999999999999998: at a minimum gap of
    1.0 this counts as 1.0. Large groups make the difference certain."""
    rows = []
    for partner, values in (("A", [3, 3, 2] * 8), ("B", [2, 2, 1] * 8)):
        for n, value in enumerate(values):
            rows.append(
                {
                    "respondent": f"{partner}{n}",
                    "partner": partner,
                    "level": "board",
                    "round": 1,
                    "item": "amb_direction",
                    "value": value,
                }
            )
    result = analyze(answers_frame(rows), INSTRUMENT, k=3, context=Context(gap_threshold=1.0))
    gap = next(d for d in result.divergence if d.id == "amb_direction")
    assert gap.gap != 1.0 and round(gap.gap, 9) == 1.0
    assert gap.flagged and gap.pairs[0].higher == "A"


def test_a_paired_change_is_hidden_when_it_would_expose_a_newcomer():
    first = people("A", [2, 3, 3, 2, 3], round=1)
    second = people("A", [3, 3, 4, 3, 3, 5], round=2)  # the same five and one newcomer
    trend = next(
        t
        for t in analyze_rounds(answers_frame(first + second), INSTRUMENT, k=3).trends
        if t.perspective == "ambition"
    )
    assert trend.delta is not None
    assert trend.paired_delta is None and trend.paired_n == 0


def test_sparse_rounds_do_not_crash():
    one_item = [
        {
            "respondent": r,
            "partner": "A",
            "level": "board",
            "round": 1,
            "item": "amb_direction",
            "value": 3,
        }
        for r in "abc"
    ]
    assert analyze(answers_frame(one_item), INSTRUMENT, k=3).items["amb_direction"].n == 3
    assert analyze(answers_frame([]), INSTRUMENT, k=3).suppressed
    only_dont_know = [dict(r, value=float("nan")) for r in one_item]
    assert (
        analyze(answers_frame(only_dont_know), INSTRUMENT, k=3).items["amb_direction"].mean is None
    )
