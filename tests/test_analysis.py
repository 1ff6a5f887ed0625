"""The first part of the analysis engine: perspective scores and suppression."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliancelens.analysis import AnswersError, analyze, answers_frame, joint_plan
from alliancelens.analysis.engine import perspective_scores
from alliancelens.analysis.sums import sums_of
from alliancelens.instrument import PERSPECTIVES, get_instrument

INSTRUMENT = get_instrument("reflection-core", 1)  # fixtures written for v1


def rows_for(respondent: str, partner: str, values: dict[str, float], level: str = "professional"):
    return [
        {
            "respondent": respondent,
            "partner": partner,
            "level": level,
            "round": 1,
            "item": item,
            "value": v,
        }
        for item, v in values.items()
    ]


def all_items(value: float) -> dict[str, float]:
    return {i.id: value for i in INSTRUMENT.items}


def test_reverse_items_are_turned_around_and_dont_know_is_missing():
    frame = answers_frame(
        rows_for(
            "r1", "A", {"amb_fine_words": 5, "amb_direction": 5, "amb_resources": float("nan")}
        )
    )
    answers = sums_of(frame, INSTRUMENT).answers[0]
    position = {i.id: n for n, i in enumerate(INSTRUMENT.items)}
    assert answers[position["amb_fine_words"]] == 1  # reverse-worded
    assert answers[position["amb_direction"]] == 5
    assert math.isnan(answers[position["amb_resources"]])


def test_a_perspective_score_needs_half_of_its_items():
    process = [i.id for i in INSTRUMENT.items_for("process") if not i.reverse]
    n = len(INSTRUMENT.items_for("process"))
    half = math.ceil(n / 2)
    enough = {item: 4 for item in process[:half]}
    too_few = {item: 4 for item in process[: half - 1]}
    frame = answers_frame(rows_for("r1", "A", enough) + rows_for("r2", "A", too_few))
    scores = perspective_scores(frame, INSTRUMENT).set_index("respondent")
    assert scores.loc["r1", "process"] == 4
    assert math.isnan(scores.loc["r2", "process"])


def test_mean_and_sample_sd_over_respondents():
    frame = answers_frame(
        rows_for("r1", "A", all_items(2))
        + rows_for("r2", "A", all_items(4))
        + rows_for("r3", "A", all_items(3))
    )
    result = analyze(frame, INSTRUMENT, k=3)
    stat = result.perspectives["relationship"].stat
    # Reverse items flip 2↔4 and keep 3, so every respondent's relationship
    # score is a mix; compute the expectation independently.
    items = INSTRUMENT.items_for("relationship")

    def score(v):
        return sum((6 - v) if i.reverse else v for i in items) / len(items)

    expected = pd.Series([score(2), score(4), score(3)])
    assert stat.n == 3
    assert stat.mean == pytest.approx(expected.mean())
    assert stat.sd == pytest.approx(expected.std(ddof=1))


def test_unknown_items_and_out_of_range_values_are_errors():
    with pytest.raises(AnswersError, match="unknown item"):
        analyze(answers_frame(rows_for("r1", "A", {"nope": 3})), INSTRUMENT, k=1)
    with pytest.raises(AnswersError, match="outside the scale"):
        analyze(answers_frame(rows_for("r1", "A", {"amb_direction": 6})), INSTRUMENT, k=1)


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"A": 5, "B": 4, "C": 3}, set()),
        ({"A": 5, "B": 4, "C": 2}, {"C", "B"}),  # one hidden → the smallest other too
        ({"A": 5, "B": 1, "C": 1, "D": 6}, {"B", "C", "A"}),  # 1 + 1 < k → add more
        ({"A": 5, "B": 0}, set()),  # an empty group reveals nothing
        ({"A": 2}, {"A"}),
        ({"A": 2, "B": 2}, {"A", "B"}),
    ],
)
def test_complementary_suppression(counts, hidden):
    plan = joint_plan({(group, "board"): n for group, n in counts.items()}, 3)
    assert plan.partners == hidden


def test_no_partner_below_k_is_ever_shown():
    frame = answers_frame(
        [r for n in range(4) for r in rows_for(f"a{n}", "A", all_items(4))]
        + [r for n in range(3) for r in rows_for(f"b{n}", "B", all_items(3))]
        + [r for n in range(2) for r in rows_for(f"c{n}", "C", all_items(2))]
    )
    result = analyze(frame, INSTRUMENT, k=3)
    assert result.partners["C"].suppressed
    # C alone hidden could be recomputed from the total: the smallest other
    # partner (B) is hidden too. In the statements A stays.
    for item in INSTRUMENT.items:
        assert result.partners["B"].items[item.id].hidden
        assert result.partners["A"].items[item.id].mean is not None
    # In the perspectives everyone's score rounds to 3 or 4, and the alliance
    # shows how many of each: where A's mean beside it would put C's mean
    # within less than a point (the auditor), A is hidden as well.
    for p in PERSPECTIVES:
        assert result.partners["B"].perspectives[p].hidden
    assert any(result.partners["A"].perspectives[p].hidden for p in PERSPECTIVES)


@st.composite
def answer_sets(draw):
    """Random respondents in up to five partners and three levels, with gaps."""
    rows = []
    n_partners = draw(st.integers(1, 5))
    for p in range(n_partners):
        for r in range(draw(st.integers(0, 7))):
            level = draw(st.sampled_from(["board", "management", "professional"]))
            for item in INSTRUMENT.items:
                # Respondents skip items now and then, so scored counts
                # differ between perspectives and items.
                if draw(st.integers(0, 9)) == 0:
                    continue
                value = draw(st.sampled_from([1, 2, 3, 4, 5, float("nan")]))
                rows.append(
                    {
                        "respondent": f"{p}-{r}",
                        "partner": f"P{p}",
                        "level": level,
                        "round": 1,
                        "item": item.id,
                        "value": value,
                    }
                )
    return rows


def _published(result, column, kind):
    """(atom → n, list of shown figures as sets of atoms) for one column."""
    shown = []
    total = result.perspectives[column].stat if kind == "perspectives" else result.items[column]
    atoms = {}
    for name, group in result.partner_levels.items():
        partner, level = name.rsplit(" | ", 1)
        cell = getattr(group, kind)[column]
        if cell.n:
            atoms[(partner, level)] = cell.n
            if cell.mean is not None:
                assert cell.n >= result.k
                shown.append({(partner, level)})
    if total.mean is not None:
        shown.append(set(atoms))
    for axis, groups in ((0, result.partners), (1, result.levels)):
        for name, group in groups.items():
            cell = getattr(group, kind)[column]
            if cell.mean is not None:
                assert cell.n >= result.k
                shown.append({a for a in atoms if a[axis] == name})
    return atoms, shown


def _derivable(atoms, shown, target):
    order = sorted(atoms, key=repr)
    if not shown:
        return False
    rows = np.array([[1.0 if a in s else 0.0 for a in order] for s in shown])
    vector = np.array([[1.0 if a in target else 0.0 for a in order]])
    return np.linalg.matrix_rank(np.vstack([rows, vector])) == np.linalg.matrix_rank(rows)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(answer_sets(), st.integers(3, 5))
def test_no_output_reveals_a_group_below_k_directly_or_by_subtraction(rows, k):
    """No combination of the shown figures isolates a partner, a level, a
    partner × level cell or a pair of cells with fewer than k people."""
    if not rows:
        return
    result = analyze(answers_frame(rows), INSTRUMENT, k=k)
    for breakdown in (result.partners, result.levels, result.partner_levels):
        for name, group in breakdown.items():
            if group.n < k:
                assert group.suppressed, name
            if group.suppressed:
                assert all(c.mean is None for c in group.perspectives.values())
                assert all(c.mean is None for c in group.items.values())
    columns = [(p, "perspectives") for p in PERSPECTIVES] + [
        (i.id, "items") for i in INSTRUMENT.items
    ]
    for column, kind in columns:
        atoms, shown = _published(result, column, kind)
        candidates = [{a} for a in atoms]
        candidates += [{a for a in atoms if a[0] == p} for p in {a[0] for a in atoms}]
        candidates += [{a for a in atoms if a[1] == lvl} for lvl in {a[1] for a in atoms}]
        small = [a for a in atoms if atoms[a] < k]
        candidates += [{a, b} for i, a in enumerate(small) for b in small[i + 1 :]]
        for target in candidates:
            n = sum(atoms[a] for a in target)
            if 0 < n < k:
                assert not _derivable(atoms, shown, target), (column, sorted(target))
    for d in result.divergence:
        for partner in d.partner_means:
            assert not result.partners[partner].suppressed


def test_a_missing_text_is_refused_not_counted_as_another_answer():
    """A table built by hand (not through answers_frame) with a missing
    statement id must not be counted under another statement."""
    rows = [(f"r{n}", "P", "board", 1, "amb_direction", 5.0) for n in range(3)]
    frame = pd.DataFrame(
        [*rows, ("r9", "P", "board", 1, None, 1.0)],
        columns=["respondent", "partner", "level", "round", "item", "value"],
    )
    with pytest.raises(AnswersError, match="row 4: item is missing"):
        analyze(frame, INSTRUMENT, k=1)
    frame.loc[3, ["item", "partner"]] = ["amb_direction", None]
    with pytest.raises(AnswersError, match="row 4: partner is missing"):
        analyze(frame, INSTRUMENT, k=1)
