"""The long-form answers table every analysis starts from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

# One row per respondent × item; value is NaN for "don't know".
COLUMNS = ("respondent", "partner", "level", "round", "item", "value")


class AnswersError(ValueError):
    """Answers that cannot be analysed; the message says what and where."""


def answers_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the long-form table from mappings with the keys in COLUMNS."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(COLUMNS))
    frame["respondent"] = frame["respondent"].astype(str)
    frame["partner"] = frame["partner"].astype(str)
    frame["level"] = frame["level"].astype(str)
    frame["round"] = frame["round"].astype("int64")
    frame["item"] = frame["item"].astype(str)
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype("float64")
    return frame
