"""The long-form answers tables every analysis starts from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

# Scale answers: one row per respondent × item; value NaN for "don't know".
COLUMNS = ("respondent", "partner", "level", "round", "item", "value")
# Other questions: one row per respondent × question; text is a phase id or
# free text.
QUESTION_COLUMNS = ("respondent", "partner", "level", "round", "question", "text")


class AnswersError(ValueError):
    """Answers that cannot be analysed; the message says what and where."""


def answers_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the scale answers table from mappings with the keys in COLUMNS."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(COLUMNS))
    for column in ("respondent", "partner", "level", "item"):
        frame[column] = frame[column].astype(str)
    frame["round"] = frame["round"].astype("int64")
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype("float64")
    return frame


def questions_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=list(QUESTION_COLUMNS))
    for column in ("respondent", "partner", "level", "question", "text"):
        frame[column] = frame[column].astype(str)
    frame["round"] = frame["round"].astype("int64")
    return frame


def empty_questions() -> pd.DataFrame:
    return questions_frame([])
