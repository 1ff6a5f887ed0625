"""The one place where database rows become the analysis engine's tables."""

from __future__ import annotations

import pandas as pd

from alliancelens.analysis import (
    AnalysisResult,
    Context,
    analyze,
    answers_frame,
    questions_frame,
)

from .models import ItemAnswer, QuestionAnswer, Round


def _respondent(response_id: int, participant_id: int | None) -> str:
    # The participant links answers across rounds (paired trends); answers
    # kept after a participant was erased stand alone under their response.
    return f"p{participant_id}" if participant_id is not None else f"r{response_id}"


def round_answers(round: Round) -> pd.DataFrame:
    """Long-form scale answers of the submitted responses of a round."""
    rows = (
        ItemAnswer.objects.filter(response__round=round, response__submitted_at__isnull=False)
        .order_by("response_id", "item_id")
        .values_list(
            "response_id",
            "response__invitation__participant_id",
            "response__partner__name",
            "response__level",
            "item_id",
            "value",
        )
    )
    return answers_frame(
        {
            "respondent": _respondent(rid, pid),
            "partner": partner,
            "level": level,
            "round": round.number,
            "item": item,
            "value": float("nan") if value is None else value,
        }
        for rid, pid, partner, level, item, value in rows
    )


def round_questions(round: Round) -> pd.DataFrame:
    """Answers to the other questions (phase, open) of the submitted responses."""
    rows = (
        QuestionAnswer.objects.filter(response__round=round, response__submitted_at__isnull=False)
        .order_by("response_id", "question_id")
        .values_list(
            "response_id",
            "response__invitation__participant_id",
            "response__partner__name",
            "response__level",
            "question_id",
            "value",
        )
    )
    return questions_frame(
        {
            "respondent": _respondent(rid, pid),
            "partner": partner,
            "level": level,
            "round": round.number,
            "question": question,
            "text": text,
        }
        for rid, pid, partner, level, question, text in rows
    )


def round_context(round: Round) -> Context:
    alliance = round.alliance
    return Context(declared_phase=alliance.current_phase, stage=alliance.stage)


def round_analysis(round: Round) -> AnalysisResult:
    """The analysis of one round, with the trend against the previous closed round."""
    previous_round = (
        round.alliance.rounds.filter(number__lt=round.number, state=Round.State.CLOSED)
        .order_by("-number")
        .first()
    )
    k = round.alliance.anonymity_threshold
    context = round_context(round)
    previous = None
    if previous_round is not None and previous_round.instrument_id == round.instrument_id:
        previous = analyze(
            round_answers(previous_round),
            previous_round.instrument,
            k=k,
            questions=round_questions(previous_round),
            context=context,
        )
    return analyze(
        round_answers(round),
        round.instrument,
        k=k,
        questions=round_questions(round),
        context=context,
        previous=previous,
    )


def round_history(round: Round) -> list[AnalysisResult]:
    """Analyses of the closed rounds up to this one (same instrument), oldest first."""
    earlier = round.alliance.rounds.filter(
        number__lte=round.number, state=Round.State.CLOSED, instrument_id=round.instrument_id
    ).order_by("number")
    k = round.alliance.anonymity_threshold
    return [
        analyze(
            round_answers(r),
            r.instrument,
            k=k,
            questions=round_questions(r),
            context=round_context(r),
        )
        for r in earlier
    ]
