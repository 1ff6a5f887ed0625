"""Read answers in the CLI's CSV format, checking every row.

Columns: respondent, partner, level, round, item, value. Partner by name,
level and phase by their ids, round a whole number; value empty or NA for
"don't know"; non-scale questions by their question id (the phase question's
value a phase id, open questions free text).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from alliancelens.instrument import LEVELS, PHASES, Instrument

from .frame import (
    COLUMNS,
    AnswersError,
    answers_frame,
    answers_table,
    questions_frame,
    questions_table,
)

MISSING = {"", "na", "n/a", "nan"}
MAX_PROBLEMS = 20
MAX_ROUND = 1_000_000


def read_answers_csv(
    path: str | Path, instrument: Instrument
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scale answers, question answers) from a CSV file; AnswersError on bad rows."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise AnswersError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswersError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return parse_answers_csv(text, instrument, source=str(path))


def parse_answers_csv(
    text: str, instrument: Instrument, source: str = "<csv>"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scale answers, question answers); AnswersError listing the bad rows.

    A file that passes every check is read column by column (``_columnar``);
    anything unusual — a bad row, a blank line, a value in another spelling —
    goes through the row-by-row reader, which names each problem and its row.
    Both give the same tables for the same valid file (tested).
    """
    fast = _columnar(text, instrument)
    if fast is not None:
        return fast
    return parse_rows(text, instrument, source)


def _same_width(text: str) -> bool:
    """True when the lines hold as many separators in all as the header's
    width asks: with pandas refusing a row with too many fields and the row
    label check in ``_columnar``, no row can be short (pandas would fill it
    with empty cells, where the row reader names it). A quote (a separator
    may sit inside one) or a stray BOM leaves the file to the row reader."""
    if '"' in text or text.startswith("\ufeff"):
        return False
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return text.count(",") == text.split("\n", 1)[0].count(",") * lines


def _columnar(text: str, instrument: Instrument) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The tables of a valid file, read with pandas' C parser and checked on
    integer codes; None where any check fails or anything is odd.

    Every text column is factorised once; each check looks at the distinct
    values (a handful) or at integer codes, and the scale table keeps the
    codes as categorical columns, which the lens counts with directly.
    """
    if not _same_width(text):
        return None
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except (ValueError, pd.errors.ParserError, csv.Error):
        return None
    if not isinstance(raw.index, pd.RangeIndex):
        return None  # one field more on every row: pandas took the first for a label
    names = [str(h).strip().lower() for h in raw.columns]
    if raw.empty or any(c not in names for c in COLUMNS):
        return None
    coded = {c: pd.factorize(raw.iloc[:, names.index(c)]) for c in COLUMNS}
    distinct = {c: [str(v) for v in u] for c, (_, u) in coded.items()}
    if any(v != v.strip() for values in distinct.values() for v in values):
        return None  # white space around a value: the row reader strips it
    code = {c: np.asarray(k, dtype=np.int64) for c, (k, _) in coded.items()}
    if "" in distinct["respondent"] or "" in distinct["partner"]:
        return None
    if not set(distinct["level"]) <= set(LEVELS):
        return None
    # Only the plain spelling of a round ("3", not "3.0" or "+3"), as the row reader.
    numbers_of_rounds = []
    for spelled in distinct["round"]:
        if not (spelled.isascii() and spelled.isdigit()) or str(int(spelled)) != spelled:
            return None
        numbers_of_rounds.append(int(spelled))
    if not all(1 <= n <= MAX_ROUND for n in numbers_of_rounds):
        return None
    kinds = {i.id: "item" for i in instrument.items} | {q.id: q.kind for q in instrument.questions}
    if not set(distinct["item"]) <= set(kinds):
        return None
    # One answer per respondent, round and item; one place per respondent and round.
    person = pd.factorize(code["respondent"] * len(distinct["round"]) + code["round"])[0].astype(
        np.int64
    )
    if pd.Series(person * len(distinct["item"]) + code["item"]).duplicated().any():
        return None
    place = code["partner"] * len(LEVELS) + code["level"]
    first = np.empty(int(person.max()) + 1, dtype=np.int64)
    first[person] = place
    if (first[person] != place).any():
        return None

    is_item = np.array([kinds[i] == "item" for i in distinct["item"]])[code["item"]]
    is_phase = np.array([kinds[i] == "phase" for i in distinct["item"]])[code["item"]]
    missing = np.array([v.lower() in MISSING for v in distinct["value"]])[code["value"]]
    numbers = pd.to_numeric(pd.Series(distinct["value"], dtype=object), errors="coerce")
    value = numbers.to_numpy(dtype=float)[code["value"]]
    given = is_item & ~missing
    lo, hi = instrument.scale.min, instrument.scale.max
    chosen = value[given]
    with np.errstate(invalid="ignore"):  # NaN and inf: refused just below
        whole = chosen % 1 == 0
    if not (~np.isnan(chosen) & whole & (chosen >= lo) & (chosen <= hi)).all():
        return None
    texts = np.asarray(distinct["value"], dtype=object)
    phases = np.isin(texts, PHASES)[code["value"]]
    if (is_phase & ~missing & ~phases).any():
        return None
    if not is_item.any():
        return None
    rounds = np.asarray(numbers_of_rounds, dtype=np.int64)[code["round"]]

    def categorical(column: str, rows: npt.NDArray[np.bool_]) -> pd.Series:
        return pd.Series(pd.Categorical.from_codes(code[column][rows], pd.Index(distinct[column])))

    scale_frame = answers_table(
        pd.DataFrame(
            {
                "respondent": categorical("respondent", is_item),
                "partner": categorical("partner", is_item),
                "level": categorical("level", is_item),
                "round": rounds[is_item],
                "item": categorical("item", is_item),
                "value": np.where(given, value, np.nan)[is_item],
            }
        )
    )
    asked = ~is_item & ~missing

    def plain(column: str) -> npt.NDArray[np.object_]:
        return np.asarray(distinct[column], dtype=object)[code[column][asked]]

    question_frame = questions_table(
        pd.DataFrame(
            {
                "respondent": plain("respondent"),
                "partner": plain("partner"),
                "level": plain("level"),
                "round": rounds[asked],
                "question": plain("item"),
                "text": plain("value"),
            }
        )
    )
    return scale_frame, question_frame


def parse_rows(
    text: str, instrument: Instrument, source: str = "<csv>"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The row-by-row reader: every row checked, every problem named."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise AnswersError(f"{source}: the file is empty") from None
    except csv.Error as exc:
        raise AnswersError(f"{source}: row 1: {exc}") from exc
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise AnswersError(
            f"{source}: row 1: missing column(s) {', '.join(missing)}; "
            f"expected {','.join(COLUMNS)}"
        )
    at = {c: names.index(c) for c in COLUMNS}
    problems: list[str] = []
    scale_rows: list[dict[str, object]] = []
    question_rows: list[dict[str, object]] = []
    seen: dict[tuple[str, int, str], int] = {}
    who: dict[tuple[str, int], tuple[str, str, int]] = {}
    lo, hi = instrument.scale.min, instrument.scale.max

    def fail(row: int, message: str) -> None:
        problems.append(f"row {row}: {message}")

    try:
        for number, row in enumerate(reader, start=2):
            if len(problems) >= MAX_PROBLEMS:
                break
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                fail(number, f"{len(row)} fields where the header has {len(header)}")
                continue
            respondent, partner, level, round_text, item, value = (
                row[at[c]].strip() for c in COLUMNS
            )
            if not respondent:
                fail(number, "respondent is empty")
            if not partner:
                fail(number, "partner is empty")
            if level not in LEVELS:
                fail(number, f"level {level!r} is not one of {', '.join(LEVELS)}")
            try:
                round_number = int(round_text)
                if not 1 <= round_number <= MAX_ROUND:
                    raise ValueError
            except ValueError:
                fail(number, f"round {round_text!r} is not a whole number from 1 to {MAX_ROUND}")
                continue
            if not (instrument.has_item(item) or instrument.has_question(item)):
                # Named once, and never again as a repeat of itself.
                fail(number, f"unknown item {item!r} for instrument {instrument.key}")
                continue
            key = (respondent, round_number, item)
            if key in seen:
                fail(
                    number,
                    f"{item} for respondent {respondent} in round {round_number} "
                    f"is also on row {seen[key]}",
                )
                continue
            seen[key] = number
            person = (respondent, round_number)
            if person in who and who[person][:2] != (partner, level):
                fail(
                    number,
                    f"respondent {respondent} is {who[person][0]}/{who[person][1]} "
                    f"on row {who[person][2]}, here {partner}/{level}",
                )
            who.setdefault(person, (partner, level, number))
            base = {
                "respondent": respondent,
                "partner": partner,
                "level": level,
                "round": round_number,
            }
            if instrument.has_item(item):
                if value.lower() in MISSING:
                    scale_rows.append({**base, "item": item, "value": float("nan")})
                    continue
                try:
                    number_value = float(value)
                except ValueError:
                    fail(number, f"value {value!r} for {item} is not a number (or NA)")
                    continue
                if not number_value.is_integer() or not lo <= number_value <= hi:
                    fail(number, f"value {value} for {item} is outside the scale {lo}..{hi}")
                    continue
                scale_rows.append({**base, "item": item, "value": number_value})
            else:
                question = instrument.question(item)
                if value.lower() in MISSING:
                    continue
                if question.kind == "phase" and value not in PHASES:
                    fail(number, f"phase {value!r} is not one of {', '.join(PHASES)}")
                    continue
                question_rows.append({**base, "question": item, "text": value})
    except csv.Error as exc:
        fail(reader.line_num, str(exc))
    if problems:
        more = " (first 20 shown)" if len(problems) >= MAX_PROBLEMS else ""
        raise AnswersError(f"{source}: {len(problems)} problem(s){more}:\n" + "\n".join(problems))
    if not scale_rows:
        raise AnswersError(f"{source}: no scale answers found")
    return answers_frame(scale_rows), questions_frame(question_rows)
