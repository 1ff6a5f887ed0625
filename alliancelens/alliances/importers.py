"""Import participants from CSV or XLSX: everything or nothing.

Every row is checked before anything is written. When a single row is wrong,
nothing is imported and the report lists every bad row with its reason, using
the row numbers a spreadsheet program shows (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import Alliance, Language, Level, Participant
from .services import invitations_sync

# Header names accepted per field, in English and Dutch (lower case).
HEADERS = {
    "name": {"name", "naam", "full name", "volledige naam"},
    "email": {"email", "e-mail", "e-mail address", "email address", "e-mailadres", "emailadres"},
    "partner": {"partner", "organisation", "organization", "organisatie", "partnerorganisatie"},
    "level": {"level", "niveau"},
    "language": {"language", "taal"},
}
REQUIRED = ("name", "partner", "level")
LEVEL_WORDS = {
    "board": Level.BOARD,
    "bestuur": Level.BOARD,
    "bestuurlijk": Level.BOARD,
    "management": Level.MANAGEMENT,
    "manager": Level.MANAGEMENT,
    "professional": Level.PROFESSIONAL,
    "professioneel": Level.PROFESSIONAL,
    "uitvoerend": Level.PROFESSIONAL,
}
LANGUAGE_WORDS = {
    "nl": Language.NL,
    "nederlands": Language.NL,
    "dutch": Language.NL,
    "en": Language.EN,
    "engels": Language.EN,
    "english": Language.EN,
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, header, size)."""


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportReport:
    created: list[Participant] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def upload_size_problem(size: int) -> str:
    """Why a file of this many bytes is not read at all, or ""."""
    limit = settings.IMPORT_MAX_BYTES
    if size <= limit:
        return ""
    return _("The file is %(size)s, %(over)s more than the limit of %(limit)s.") % {
        "size": filesizeformat(size),
        "over": filesizeformat(size - limit),
        "limit": filesizeformat(limit),
    }


def _too_many_cells(rows: int, columns: int) -> ImportFileError:
    limit = settings.IMPORT_MAX_CELLS
    return ImportFileError(
        _(
            "The file has %(rows)s rows × %(columns)s columns = %(cells)s cells, %(over)s "
            "more than the limit of %(limit)s cells. Remove empty rows and columns, or "
            "import it in parts."
        )
        % {
            "rows": _count(rows),
            "columns": _count(columns),
            "cells": _count(rows * columns),
            "over": _count(rows * columns - limit),
            "limit": _count(limit),
        }
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _rows_from_csv(content: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise ImportFileError(_("The file is not readable text (use UTF-8)."))
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV text file."))
    # The header is the first line with words in it: empty rows above it, or
    # a file with old Mac line ends, say nothing about the delimiter.
    first_line = next((line for line in text.splitlines() if any(map(str.isalnum, line))), "")
    delimiter = max([",", ";", "\t"], key=first_line.count)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [_cell(c) for c in row]


# What a damaged or crafted workbook makes zipfile and openpyxl raise: besides
# the usual, an entry packed with an unknown method (NotImplementedError) or
# marked encrypted (RuntimeError).
_UNREADABLE_XLSX = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _check_unpacked_size(content: bytes) -> None:
    """Refuse a workbook whose parts together unpack to more than the limit.

    The sizes come from the zip's directory, before anything is unpacked. They
    can be trusted as an upper bound: zipfile never returns more of a part
    than its stated size (and reports a damaged file when the data says
    otherwise).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except _UNREADABLE_XLSX as exc:
        raise ImportFileError(_("The file is not a readable Excel (.xlsx) workbook.")) from exc
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if unpacked > limit:
        raise ImportFileError(
            _(
                "The workbook unpacks to %(size)s, %(over)s more than the limit of %(limit)s. "
                "Save only the participant list in it, or import it in parts."
            )
            % {
                "size": filesizeformat(unpacked),
                "over": filesizeformat(unpacked - limit),
                "limit": filesizeformat(limit),
            }
        )


def _rows_from_xlsx(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    _check_unpacked_size(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _UNREADABLE_XLSX as exc:
        raise ImportFileError(_("The file is not a readable Excel (.xlsx) workbook.")) from exc
    try:
        # A damaged workbook can lack its sheets, or fail to unpack one only
        # when it is read.
        if not workbook.worksheets:
            raise ImportFileError(_("The file is not a readable Excel (.xlsx) workbook."))
        sheet = workbook.worksheets[0]
        # openpyxl fills every row out to the sheet's stated dimension (a
        # cell's worth of XML can claim A1:XFD1048576), so the dimension is
        # checked before the first row is read.
        rows, columns = sheet.max_row, sheet.max_column
        if rows and columns and rows * columns > settings.IMPORT_MAX_CELLS:
            raise _too_many_cells(rows, columns)
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(c) for c in row]
    except _UNREADABLE_XLSX as exc:
        raise ImportFileError(_("The file is not a readable Excel (.xlsx) workbook.")) from exc
    finally:
        workbook.close()


def read_rows(filename: str, content: bytes) -> list[list[str]]:
    """The file's rows as text, after checking its size and cells before
    anything big is built; ImportFileError says which limit and by how much."""
    lower = filename.lower()
    limit = settings.IMPORT_MAX_ROWS
    max_cells = settings.IMPORT_MAX_CELLS
    is_xlsx = lower.endswith(".xlsx")
    if not is_xlsx and not lower.endswith((".csv", ".txt")):
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if problem := upload_size_problem(len(content)):
        raise ImportFileError(problem)
    reader = _rows_from_xlsx(content) if is_xlsx else _rows_from_csv(content)
    rows: list[list[str]] = []
    columns = 0
    try:
        for row in reader:
            columns = max(columns, len(row))
            if (len(rows) + 1) * columns > max_cells:
                if is_xlsx:
                    # A sheet without a stated dimension: its rows are as
                    # wide as their last cell, so reading on to count them
                    # all could take long. Say how far it got.
                    raise ImportFileError(
                        _(
                            "The sheet has more than %(limit)s cells (rows × columns): at "
                            "row %(row)s it is %(columns)s columns wide. Remove empty rows "
                            "and columns, or import it in parts."
                        )
                        % {
                            "limit": _count(max_cells),
                            "row": _count(len(rows) + 1),
                            "columns": _count(columns),
                        }
                    )
                # The rest of a CSV file within the size limit is quickly
                # counted, without keeping it, to say how many cells it has.
                total = len(rows) + 1
                for rest in reader:
                    total += 1
                    columns = max(columns, len(rest))
                raise _too_many_cells(total, columns)
            rows.append(row)
            if len(rows) > limit + 1:
                raise ImportFileError(
                    _("The file has more than %(limit)d rows; import it in parts.")
                    % {"limit": limit}
                )
    except ImportFileError:
        raise
    except (
        csv.Error,
        ValueError,
        KeyError,
        TypeError,
        SyntaxError,
        zipfile.BadZipFile,
        OSError,
    ) as exc:
        # openpyxl and csv report damaged files with a range of exceptions;
        # each means the same thing to the person uploading.
        raise ImportFileError(
            _("The file could not be read (%(reason)s). Save it again as CSV or .xlsx.")
            % {"reason": type(exc).__name__}
        ) from exc
    return rows


def _header_map(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems = []
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        for fieldname, aliases in HEADERS.items():
            if name in aliases:
                if fieldname in columns:
                    problems.append(
                        _("Column “%(name)s” appears twice in the header.") % {"name": raw}
                    )
                columns[fieldname] = index
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        problems.append(
            _("The header row lacks the column(s): %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": "name, email, partner, level, language"}
        )
    if problems:
        raise ImportFileError(" ".join(problems))
    return columns


def _field_label(name: str) -> str:
    if name == NON_FIELD_ERRORS:
        return str(_("row"))
    return str(getattr(Participant._meta.get_field(name), "verbose_name", name))


def participants_import(*, alliance: Alliance, filename: str, content: bytes) -> ImportReport:
    report = ImportReport()
    try:
        rows = read_rows(filename, content)
        while rows and not any(rows[0]):
            rows.pop(0)
        if not rows:
            raise ImportFileError(_("The file is empty."))
        columns = _header_map(rows[0])
    except ImportFileError as exc:
        report.file_error = str(exc)
        return report

    partners = {p.name.casefold(): p for p in alliance.partners.all()}
    existing = {
        (p.partner_id, p.name.casefold(), p.email.casefold())
        for p in Participant.objects.filter(partner__alliance=alliance)
    }
    seen: dict[tuple[int, str, str], int] = {}
    pending: list[Participant] = []

    def get(row: list[str], fieldname: str) -> str:
        index = columns.get(fieldname)
        return row[index] if index is not None and index < len(row) else ""

    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        problems = []
        name = get(row, "name")
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > 200:
            problems.append(_("the name is longer than 200 characters"))
        email = get(row, "email")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("“%(email)s” is not a valid e-mail address") % {"email": email})
        partner_name = get(row, "partner")
        partner = partners.get(partner_name.casefold())
        if partner is None:
            problems.append(
                _("unknown partner “%(partner)s” (known: %(known)s)")
                % {
                    "partner": partner_name,
                    "known": ", ".join(p.name for p in partners.values()) or "-",
                }
            )
        level_word = get(row, "level")
        level = LEVEL_WORDS.get(level_word.lower())
        if level is None:
            problems.append(
                _("unknown level “%(level)s” (use board, management or professional)")
                % {"level": level_word}
            )
        language_word = get(row, "language")
        language = LANGUAGE_WORDS.get(language_word.lower()) if language_word else Language.NL
        if language is None:
            problems.append(
                _("unknown language “%(language)s” (use nl or en)") % {"language": language_word}
            )
        if partner is not None and name:
            key = (partner.pk, name.casefold(), email.casefold())
            if key in existing:
                problems.append(_("this participant is already in the alliance"))
            elif key in seen:
                problems.append(_("the same person is on row %(row)d") % {"row": seen[key]})
            else:
                seen[key] = number
        if not problems:
            assert partner is not None and level is not None and language is not None
            participant = Participant(
                partner=partner, name=name, email=email, level=level, language=language
            )
            try:
                participant.full_clean()
            except ValidationError as exc:
                problems.extend(
                    f"{_field_label(f)}: {' '.join(m)}" for f, m in exc.message_dict.items()
                )
        if problems:
            report.errors.append(RowError(number, "; ".join(problems)))
            continue
        pending.append(participant)

    if report.errors:
        return report
    if not pending:
        report.file_error = _("The file has a header but no participants.")
        return report
    with transaction.atomic():
        Participant.objects.bulk_create(pending)
        # Open rounds invite newcomers straight away.
        for rnd in alliance.rounds.filter(state="open"):
            invitations_sync(rnd=rnd)
    report.created = pending
    return report
