"""The long-form answers tables every analysis starts from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

# Scale answers: one row per respondent × item; value NaN for "don't know".
COLUMNS = ("respondent", "partner", "level", "round", "item", "value")
# Other questions: one row per respondent × question; text is a phase id or
# free text.
QUESTION_COLUMNS = ("respondent", "partner", "level", "round", "question", "text")


class AnswersError(ValueError):
    """Answers that cannot be analysed; the message says what and where."""


def answers_frame(rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> pd.DataFrame:
    """Build the scale answers table from mappings with the keys in COLUMNS,
    or from tuples in that order.

    A missing respondent, partner, level or item, a round that is not a whole
    number, or a value that is not a number (or missing) raises AnswersError
    naming the row, counting from 1.
    """
    return answers_table(
        pd.DataFrame.from_records(list(rows), columns=list(COLUMNS))  # type: ignore[arg-type]
    )


def answers_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The same checks and types on a table that already has the columns."""
    frame = frame.loc[:, list(COLUMNS)].reset_index(drop=True)
    _texts(frame, ("respondent", "partner", "level", "item"))
    frame["round"] = _whole_numbers(frame["round"], "round")
    frame["value"] = _numbers(frame["value"], "value").astype("float64")
    return frame


def _texts(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """Text columns as text; a categorical column of texts stays categorical
    (its integer codes are what the lens counts with)."""
    for column in columns:
        dtype = frame[column].dtype
        if not (
            isinstance(dtype, pd.CategoricalDtype)
            and all(isinstance(c, str) for c in dtype.categories)
        ):
            frame[column] = frame[column].astype(str)
        missing = frame[column].isna()
        if missing.any():
            raise AnswersError(f"row {int(missing.argmax()) + 1}: {column} is missing")


def _numbers(column: pd.Series, name: str) -> pd.Series:
    """The column as numbers; AnswersError naming the first row that is not one."""
    try:
        return pd.to_numeric(column, errors="raise")
    except (ValueError, TypeError):
        for number, value in enumerate(column, start=1):
            try:
                pd.to_numeric(pd.Series([value], dtype=object), errors="raise")
            except (ValueError, TypeError):
                raise AnswersError(f"row {number}: {name} {value!r} is not a number") from None
        raise


def _whole_numbers(column: pd.Series, name: str) -> pd.Series:
    numbers = _numbers(column, name)
    whole = numbers.notna() & (numbers % 1 == 0) & numbers.abs().le(2**53)
    if not whole.all():
        number = int(whole.argmin())
        value = column.iloc[number : number + 1].tolist()[0]
        raise AnswersError(f"row {number + 1}: {name} {value!r} is not a whole number")
    return numbers.astype("int64")


def questions_frame(rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> pd.DataFrame:
    """The other answers table; AnswersError on bad rows as in answers_frame."""
    return questions_table(
        pd.DataFrame.from_records(list(rows), columns=list(QUESTION_COLUMNS))  # type: ignore[arg-type]
    )


def questions_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The same checks and types on a table that already has the columns."""
    frame = frame.loc[:, list(QUESTION_COLUMNS)].reset_index(drop=True)
    _texts(frame, ("respondent", "partner", "level", "question", "text"))
    frame["round"] = _whole_numbers(frame["round"], "round")
    return frame


def empty_questions() -> pd.DataFrame:
    return questions_frame([])
