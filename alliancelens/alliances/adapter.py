"""The one place where database rows become the analysis engine's table."""

from __future__ import annotations

import pandas as pd

from alliancelens.analysis import AnalysisResult, analyze, answers_frame

from .models import ItemAnswer, Round


def round_answers(round: Round) -> pd.DataFrame:
    """Long-form scale answers of the submitted responses of a round."""
    rows = (
        ItemAnswer.objects.filter(response__round=round, response__submitted_at__isnull=False)
        .order_by("response_id", "item_id")
        .values_list(
            "response_id", "response__partner__name", "response__level", "item_id", "value"
        )
    )
    return answers_frame(
        {
            "respondent": str(rid),
            "partner": partner,
            "level": level,
            "round": round.number,
            "item": item,
            "value": float("nan") if value is None else value,
        }
        for rid, partner, level, item, value in rows
    )


def round_analysis(round: Round) -> AnalysisResult:
    return analyze(round_answers(round), round.instrument, k=round.alliance.anonymity_threshold)
