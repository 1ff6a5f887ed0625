"""The one place where database rows become the lens's tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from alliancelens.alliances.models import ItemAnswer, QuestionAnswer, Round
from alliancelens.analysis import (
    AnalysisResult,
    Context,
    analyze_rounds,
    answers_frame,
    questions_frame,
)


def _respondent(response_id: int, participant_id: int | None) -> str:
    # The participant links answers across rounds (paired trends); answers
    # kept after a participant was erased stand alone under their response.
    return f"p{participant_id}" if participant_id is not None else f"r{response_id}"


def _submitted_rows(
    model: type[ItemAnswer] | type[QuestionAnswer], rounds: Sequence[Round], key: str
) -> Iterator[tuple[str, str, str, int, str, Any]]:
    """(respondent, partner, level, round, id, value) of submitted responses."""
    rows = (
        model.objects.filter(
            response__round__in=[r.pk for r in rounds], response__submitted_at__isnull=False
        )
        .order_by("response__round__number", "response_id", key)
        .values_list(
            "response_id",
            "response__invitation__participant_id",
            "response__partner__name",
            "response__level",
            "response__round__number",
            key,
            "value",
        )
    )
    for rid, pid, partner, level, number, ident, value in rows:
        yield _respondent(rid, pid), partner, level, number, ident, value


def answers_of(rounds: Sequence[Round]) -> pd.DataFrame:
    """Long-form scale answers of the submitted responses of these rounds.

    Rows go to the frame as tuples in the order of ``analysis.COLUMNS``
    (no dict per answer); "don't know" (NULL) becomes NaN.
    """
    nan = float("nan")
    return answers_frame(
        (who, partner, level, number, item, nan if value is None else value)
        for who, partner, level, number, item, value in _submitted_rows(
            ItemAnswer, rounds, "item_id"
        )
    )


def questions_of(rounds: Sequence[Round]) -> pd.DataFrame:
    """Answers to the other questions (phase, open) of the submitted responses."""
    return questions_frame(_submitted_rows(QuestionAnswer, rounds, "question_id"))


def round_answers(rnd: Round) -> pd.DataFrame:
    return answers_of([rnd])


def round_questions(rnd: Round) -> pd.DataFrame:
    return questions_of([rnd])


def round_context(rnd: Round) -> Context:
    alliance = rnd.alliance
    return Context(declared_phase=alliance.current_phase, stage=alliance.stage)


def series_of(rnd: Round) -> list[Round]:
    """The closed earlier rounds with the same instrument, and this one, oldest first."""
    earlier = rnd.alliance.rounds.filter(
        number__lt=rnd.number, state=Round.State.CLOSED, instrument_id=rnd.instrument_id
    ).order_by("number")
    return [*earlier, rnd]


def round_analysis(rnd: Round) -> AnalysisResult:
    """The round's analysis computed afresh from its rows, with the closed
    earlier rounds as its series.

    For checks only (a restored backup must analyse, tests compare it with
    the store): every output reads the published result instead.
    """
    series = series_of(rnd)
    return analyze_rounds(
        answers_of(series),
        rnd.instrument,
        k=rnd.alliance.anonymity_threshold,
        questions=questions_of(series),
        context=round_context(rnd),
    ).rounds[rnd.number]
