"""What a closed round publishes: computed once, stored, read by every output.

``publish`` runs the multi-round engine once on one frame holding the closed
earlier rounds and this one, and returns this round's result with the trends
of the whole series, the free-text answers of the partners that may be shown,
and the anonymised answer table for researchers. The web stores it when the
round closes; pages, reports, the dialogue guide, the workshop and the
exports read only that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import cast

import pandas as pd

from alliancelens.instrument import Instrument

from .engine import Context, analyze, analyze_rounds
from .frame import AnswersError, empty_questions
from .results import AnalysisResult, Trend

# Where the anonymised table pools partners below k.
OTHER = "other"


@dataclass(frozen=True)
class AnswerTable:
    """One row per respondent for researchers, every partner × level cell ≥ k.

    Where a partner × level cell is smaller than k, the level is left empty
    for the whole partner; partners smaller than k are pooled as ``OTHER``,
    and if that pool is still smaller than k its rows are left out. Rows are
    ordered by partner, level and a keyed hash, never by time of answering.
    """

    columns: list[str]
    rows: list[list[str | float | int | None]]
    left_out: int


@dataclass(frozen=True)
class Published:
    """A round's published result (see the module docstring)."""

    result: AnalysisResult
    trends: list[Trend]  # consecutive closed rounds of the series, up to this one
    # question id → partner → answers (alphabetical), partners shown only
    open_answers: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def latest_trends(self) -> list[Trend]:
        """The change since the round before this one."""
        return [t for t in self.trends if t.to_round == self.result.round]

    def series(self) -> tuple[list[int], dict[str, list[float | None]]]:
        """Round numbers and each perspective's mean per round, for a trend line."""
        means: dict[str, dict[int, float | None]] = {}
        for t in self.trends:
            means.setdefault(t.perspective, {}).update(
                {t.from_round: t.mean_from, t.to_round: t.mean_to}
            )
        rounds = sorted({r for by_round in means.values() for r in by_round})
        return rounds, {p: [by_round.get(r) for r in rounds] for p, by_round in means.items()}


def publish(
    frame: pd.DataFrame,
    instrument: Instrument,
    *,
    number: int,
    k: int,
    questions: pd.DataFrame | None = None,
    context: Context | None = None,
) -> Published:
    """The published result of round ``number``; ``frame`` holds it and the
    closed rounds before it (same instrument), nothing later."""
    questions = empty_questions() if questions is None else questions
    later = sorted({int(r) for r in frame["round"] if int(r) > number})
    if later:
        raise AnswersError(f"round {number} cannot be published with later rounds {later}")
    rounds = analyze_rounds(frame, instrument, k=k, questions=questions, context=context)
    result = rounds.rounds.get(number)
    if result is None:
        # No one submitted: the round still publishes, with nothing shown.
        empty = analyze(frame.iloc[0:0], instrument, k=k, context=context)
        result = replace(empty, round=number)
    own = questions[questions["round"] == number]
    return Published(
        result=result,
        trends=rounds.trends,
        open_answers={
            q.id: open_answers(own, result, q.id) for q in instrument.questions if q.kind == "open"
        },
    )


def open_answers(
    questions: pd.DataFrame, result: AnalysisResult, question_id: str
) -> dict[str, list[str]]:
    """Free-text answers per partner, only for partners shown (n ≥ k).

    Sorted alphabetically within a partner, never in the order they came in,
    and without level or respondent, so no answer can be traced to a person.
    """
    if result.suppressed:
        return {}
    visible = {name for name, g in result.partners.items() if not g.suppressed}
    rows = questions[questions["question"] == question_id]
    out: dict[str, list[str]] = {}
    for partner, text in zip(rows["partner"], rows["text"], strict=True):
        if partner in visible and str(text).strip():
            out.setdefault(str(partner), []).append(str(text).strip())
    return {p: sorted(a, key=str.casefold) for p, a in sorted(out.items())}


def _number(value: float) -> int | float | None:
    """Scale points as whole numbers (4, not 4.0); "don't know" as empty."""
    if pd.isna(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def answer_table(
    frame: pd.DataFrame,
    questions: pd.DataFrame,
    instrument: Instrument,
    *,
    k: int,
    salt: str,
) -> AnswerTable:
    """The anonymised answers of one round (see AnswerTable); ``salt`` keys
    the order of rows, so it says nothing about who answered first."""
    people = (
        frame[["respondent", "partner", "level"]]
        .drop_duplicates("respondent")
        .astype(str)
        .reset_index(drop=True)
    )
    sizes = people["partner"].value_counts()
    small = set(sizes[sizes < k].index)
    people.loc[people["partner"].isin(small), "partner"] = OTHER
    if (people["partner"] == OTHER).sum() < k:
        people = people[people["partner"] != OTHER]
    left_out = int(frame["respondent"].nunique()) - len(people)
    cells = people.value_counts(["partner", "level"])
    blank = {str(cast(tuple[str, str], key)[0]) for key, n in cells.items() if n < k} | {OTHER}
    people.loc[people["partner"].isin(blank), "level"] = ""
    people["order"] = [
        hashlib.sha256(f"{salt}:{who}".encode()).hexdigest() for who in people["respondent"]
    ]
    people = people.sort_values(["partner", "level", "order"]).reset_index(drop=True)

    phase_ids = [q.id for q in instrument.questions if q.kind == "phase"]
    answers: dict[str, dict[str, str | int | float | None]] = {}
    for who, item, value in zip(frame["respondent"], frame["item"], frame["value"], strict=True):
        answers.setdefault(str(who), {})[str(item)] = _number(value)
    chosen = questions[questions["question"].isin(phase_ids)]
    for who, question, text in zip(
        chosen["respondent"], chosen["question"], chosen["text"], strict=True
    ):
        answers.setdefault(str(who), {})[str(question)] = str(text)
    rounds = sorted({int(r) for r in frame["round"]})
    number = rounds[0] if len(rounds) == 1 else None
    columns = ["respondent", "round", "partner", "level", *(i.id for i in instrument.items)]
    columns += phase_ids
    rows: list[list[str | float | int | None]] = []
    for position, person in enumerate(people.itertuples(index=False), start=1):
        given = answers.get(str(person.respondent), {})
        rows.append(
            [
                position,
                number,
                str(person.partner),
                str(person.level),
                *(given.get(i.id) for i in instrument.items),
                *(given.get(q, "") for q in phase_ids),
            ]
        )
    return AnswerTable(columns, rows, left_out)
