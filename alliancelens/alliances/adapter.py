"""The one place where database rows become the analysis engine's tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from alliancelens.analysis import (
    AnalysisResult,
    Context,
    analyze,
    answers_frame,
    questions_frame,
    trends,
)
from alliancelens.analysis.results import Trend

from .models import ItemAnswer, QuestionAnswer, Round


def _respondent(response_id: int, participant_id: int | None) -> str:
    # The participant links answers across rounds (paired trends); answers
    # kept after a participant was erased stand alone under their response.
    return f"p{participant_id}" if participant_id is not None else f"r{response_id}"


def _submitted_rows(
    model: type[ItemAnswer] | type[QuestionAnswer], round: Round, key: str
) -> Iterator[dict[str, Any]]:
    """Rows of answers (``key`` = item_id or question_id) of submitted responses."""
    rows = (
        model.objects.filter(response__round=round, response__submitted_at__isnull=False)
        .order_by("response_id", key)
        .values_list(
            "response_id",
            "response__invitation__participant_id",
            "response__partner__name",
            "response__level",
            key,
            "value",
        )
    )
    for rid, pid, partner, level, ident, value in rows:
        yield {
            "respondent": _respondent(rid, pid),
            "partner": partner,
            "level": level,
            "round": round.number,
            "id": ident,
            "value": value,
        }


def round_answers(round: Round) -> pd.DataFrame:
    """Long-form scale answers of the submitted responses of a round."""
    return answers_frame(
        {**row, "item": row["id"], "value": float("nan") if row["value"] is None else row["value"]}
        for row in _submitted_rows(ItemAnswer, round, "item_id")
    )


def round_questions(round: Round) -> pd.DataFrame:
    """Answers to the other questions (phase, open) of the submitted responses."""
    return questions_frame(
        {**row, "question": row["id"], "text": row["value"]}
        for row in _submitted_rows(QuestionAnswer, round, "question_id")
    )


def round_context(round: Round) -> Context:
    alliance = round.alliance
    return Context(declared_phase=alliance.current_phase, stage=alliance.stage)


def round_analyses(round: Round) -> list[AnalysisResult]:
    """The closed earlier rounds (same instrument) and this one, oldest first.

    Each round's analysis knows the one before it (for the trend indicators
    of the advice), and each is computed once.
    """
    earlier = list(
        round.alliance.rounds.filter(
            number__lt=round.number,
            state=Round.State.CLOSED,
            instrument_id=round.instrument_id,
        ).order_by("number")
    )
    k = round.alliance.anonymity_threshold
    results: list[AnalysisResult] = []
    for rnd in [*earlier, round]:
        results.append(
            analyze(
                round_answers(rnd),
                rnd.instrument,
                k=k,
                questions=round_questions(rnd),
                context=round_context(rnd),
                previous=results[-1] if results else None,
            )
        )
    return results


def round_analysis(round: Round) -> AnalysisResult:
    """The analysis of one round, with the trend against the previous closed round."""
    return round_analyses(round)[-1]


def round_trends(round: Round) -> list[Trend]:
    """Change per perspective since the previous closed round (paired where possible)."""
    previous = (
        round.alliance.rounds.filter(
            number__lt=round.number, state=Round.State.CLOSED, instrument_id=round.instrument_id
        )
        .order_by("-number")
        .first()
    )
    if previous is None:
        return []
    frame = pd.concat([round_answers(previous), round_answers(round)], ignore_index=True)
    return trends(frame, round.instrument, k=round.alliance.anonymity_threshold)
