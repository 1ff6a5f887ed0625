"""The one place where database rows become the lens's tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from alliancelens.alliances.models import ItemAnswer, Partner, QuestionAnswer, Round
from alliancelens.analysis import (
    AnalysisResult,
    Context,
    analyze_rounds,
    answers_table,
    questions_frame,
)


def _respondent(who: int) -> str:
    """A respondent's name from their code: the participant's id links answers
    across rounds (paired trends); answers kept after a participant was
    erased stand alone under their response's id, coded negative."""
    return f"p{who}" if who > 0 else f"r{-who}"


def _submitted(
    model: type[ItemAnswer] | type[QuestionAnswer],
    rounds: Sequence[Round],
    key: str,
    partner: str,
) -> Any:
    """(response id, participant id, ``partner``, level, round, ``key``, value)
    tuples of the submitted responses of these rounds, in a fixed order."""
    return (
        model.objects.filter(
            response__round__in=[r.pk for r in rounds], response__submitted_at__isnull=False
        )
        .order_by("response__round__number", "response_id", key)
        .values_list(
            "response_id",
            "response__invitation__participant_id",
            partner,
            "response__level",
            "response__round__number",
            key,
            "value",
        )
    )


def answers_of(rounds: Sequence[Round]) -> pd.DataFrame:
    """Long-form scale answers of the submitted responses of these rounds.

    The rows come as plain tuples and go to the frame column by column as
    integer codes: a respondent is coded from the participant or response
    id, a partner from its id, and only the distinct ones get a name, so no
    string is built or hashed per answer. "Don't know" (NULL) becomes NaN.
    """
    rows = _submitted(ItemAnswer, rounds, "item_id", "response__partner_id")
    columns = list(zip(*rows, strict=True)) or [()] * 7
    response, participant, partner, level, number, item, value = columns
    linked = np.array(participant, dtype=float)
    who = np.where(np.isnan(linked), -np.array(response, dtype=float), linked).astype(np.int64)
    who_codes, who_ids = pd.factorize(who)
    partner_codes, partner_ids = pd.factorize(np.array(partner, dtype=np.int64))
    names = dict(Partner.objects.filter(pk__in=list(partner_ids)).values_list("pk", "name"))
    return answers_table(
        pd.DataFrame(
            {
                "respondent": pd.Categorical.from_codes(
                    who_codes,
                    pd.Index([_respondent(int(i)) for i in who_ids]),
                ),
                "partner": pd.Categorical.from_codes(
                    partner_codes, pd.Index([names[int(i)] for i in partner_ids])
                ),
                "level": pd.Categorical(level),
                "round": np.array(number, dtype=np.int64),
                "item": pd.Categorical(item),
                "value": np.array(value, dtype=float),
            }
        )
    )


def questions_of(rounds: Sequence[Round]) -> pd.DataFrame:
    """Answers to the other questions (phase, open) of the submitted responses."""
    return questions_frame(
        (_respondent(pid if pid is not None else -rid), partner, level, number, ident, value)
        for rid, pid, partner, level, number, ident, value in _submitted(
            QuestionAnswer, rounds, "question_id", "response__partner__name"
        )
    )


def round_answers(rnd: Round) -> pd.DataFrame:
    return answers_of([rnd])


def round_questions(rnd: Round) -> pd.DataFrame:
    return questions_of([rnd])


def round_context(rnd: Round) -> Context:
    alliance = rnd.alliance
    return Context(declared_phase=alliance.current_phase, stage=alliance.stage)


def series_of(rnd: Round) -> list[Round]:
    """The closed earlier rounds with the same instrument and version, and this
    one, oldest first: statements of another version are other statements,
    so no trend crosses versions (docs/instrument-v2.md)."""
    earlier = rnd.alliance.rounds.filter(
        number__lt=rnd.number,
        state=Round.State.CLOSED,
        instrument_id=rnd.instrument_id,
        instrument_version=rnd.instrument_version,
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
        k=rnd.threshold,
        questions=questions_of(series),
        context=round_context(rnd),
    ).rounds[rnd.number]
