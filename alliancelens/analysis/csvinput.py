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


# White space next to a separator or a line end: such a file takes the
# row-by-row reader, which strips every cell.
_PADDING = (" ,", ", ", "\t", " \n", " \r", "\n ")


def _padded(text: str) -> bool:
    return text[:1] == " " or text[-1:] == " " or any(p in text for p in _PADDING)


def _columnar(text: str, instrument: Instrument) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The tables of a valid file, read with pandas' C parser and checked
    with vectorised tests; None where any check fails or anything is odd."""
    if _padded(text):
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
    names = [str(h).strip().lower() for h in raw.columns]
    if raw.empty or raw.isna().to_numpy().any() or any(c not in names for c in COLUMNS):
        return None
    cols = {c: raw.iloc[:, names.index(c)] for c in COLUMNS}
    respondent, partner, level = cols["respondent"], cols["partner"], cols["level"]
    item, value, round_text = cols["item"], cols["value"], cols["round"]
    if not (respondent != "").all() or not (partner != "").all() or not level.isin(LEVELS).all():
        return None
    parsed = pd.to_numeric(round_text, errors="coerce")
    if parsed.isna().any() or not parsed.between(1, MAX_ROUND).all():
        return None
    rounds = parsed.astype("int64")
    # Only the plain spelling ("3", not "3.0" or "+3"), as the row reader takes it.
    if not (rounds.astype(str) == round_text).all():
        return None
    keys = pd.DataFrame({"r": respondent, "n": rounds, "i": item})
    if keys.duplicated().any():
        return None
    places = pd.DataFrame({"r": respondent, "n": rounds, "p": partner, "l": level})
    if places.drop_duplicates().duplicated(["r", "n"]).any():
        return None
    items = {i.id for i in instrument.items}
    questions = {q.id: q.kind for q in instrument.questions}
    is_item, is_question = item.isin(items), item.isin(list(questions))
    if not (is_item | is_question).all():
        return None
    missing = value.str.lower().isin(MISSING)
    numbers = pd.to_numeric(value.where(is_item & ~missing), errors="coerce")
    given = is_item & ~missing
    lo, hi = instrument.scale.min, instrument.scale.max
    if numbers[given].isna().any():
        return None
    chosen = numbers[given]
    if not ((chosen % 1 == 0) & chosen.between(lo, hi)).all():
        return None
    phase_rows = is_question & ~missing & item.map(questions).eq("phase")
    if not value[phase_rows].isin(PHASES).all():
        return None
    scale = is_item.to_numpy()
    if not scale.any():
        return None
    values = numbers.where(given, float("nan"))
    scale_frame = answers_table(
        pd.DataFrame(
            {
                "respondent": respondent[scale],
                "partner": partner[scale],
                "level": level[scale],
                "round": rounds[scale],
                "item": item[scale],
                "value": values[scale],
            }
        )
    )
    asked = (is_question & ~missing).to_numpy()
    question_frame = questions_table(
        pd.DataFrame(
            {
                "respondent": respondent[asked],
                "partner": partner[asked],
                "level": level[asked],
                "round": rounds[asked],
                "question": item[asked],
                "text": value[asked],
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
            elif instrument.has_question(item):
                question = instrument.question(item)
                if value.lower() in MISSING:
                    continue
                if question.kind == "phase" and value not in PHASES:
                    fail(number, f"phase {value!r} is not one of {', '.join(PHASES)}")
                    continue
                question_rows.append({**base, "question": item, "text": value})
            else:
                fail(number, f"unknown item {item!r} for instrument {instrument.key}")
    except csv.Error as exc:
        fail(reader.line_num, str(exc))
    if problems:
        more = " (first 20 shown)" if len(problems) >= MAX_PROBLEMS else ""
        raise AnswersError(f"{source}: {len(problems)} problem(s){more}:\n" + "\n".join(problems))
    if not scale_rows:
        raise AnswersError(f"{source}: no scale answers found")
    return answers_frame(scale_rows), questions_frame(question_rows)
