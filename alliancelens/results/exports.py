"""Exports of a closed round's published figures: CSV, XLSX and SPSS .sav, with a codebook.

The files hold the figure table of the round's published result
(``analysis.publication.figure_table``): one row per group (the alliance,
each partner, level and partner × level cell) and measure (perspective or
statement), with n, mean, sd, agreement and the answer counts; hidden
groups and figures are rows marked not shown, with no figure. Nothing in a
file is absent from the results page, so a file cannot be set against the
page to recover what the page hides. There are no rows per person (see
docs/privacy-model.md for why). This module only writes the table in each
format, with the instrument id and version, and defuses text cells that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass

import pandas as pd
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliancelens.alliances.models import Round
from alliancelens.analysis.publication import TREND_COLUMNS, figure_table
from alliancelens.instrument import Instrument, localized

from .publish import published_round


@dataclass(frozen=True)
class Export:
    figures: pd.DataFrame
    trends: pd.DataFrame
    codebook: list[dict[str, str]]
    instrument: Instrument
    round: Round
    k: int
    lang: str = "nl"


def build_export(rnd: Round, lang: str = "nl") -> Export:
    """The published figures of a round past its closing, ready to write."""
    publication = published_round(rnd)
    table = figure_table(publication.published, rnd.instrument)
    figures = pd.DataFrame(table.rows, columns=table.columns)
    trends = pd.DataFrame(table.trends, columns=list(TREND_COLUMNS))
    instrument = rnd.instrument
    return Export(
        figures, trends, codebook(instrument, lang), instrument, rnd, publication.k, lang
    )


# A text cell starting with one of these is run as a formula by spreadsheet
# programs (CSV injection); such cells get a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defused(value: object) -> object:
    """``value``, with a leading apostrophe when it is text a spreadsheet
    would read as a formula (a partner named "=HYPERLINK(…)")."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def codebook(instrument: Instrument, lang: str) -> list[dict[str, str]]:
    """What every column and every measure id of the export means."""
    with translation.override(lang):
        scale = "; ".join(
            f"{v} = {label}"
            for v, label in zip(
                instrument.scale.points, instrument.scale.labels[lang], strict=True
            )
        )
        columns = {
            "round": _("Round number"),
            "group": _(
                "Whose figures: alliance (everyone), partner, level, or partner_level "
                "(one level of one partner)"
            ),
            "partner": _("Partner organisation (empty for the alliance and for levels)"),
            "level": _("Level (empty for the alliance and for partners)"),
            "measure": _("perspective (a person's mean over its statements) or statement"),
            "id": _("Id of the perspective or statement (see the rows below)"),
            "perspective": _("Perspective the statement belongs to"),
            "shown": _(
                "1 = shown; 0 = hidden because the group has fewer than k people, or "
                "because showing it would let a hidden group be worked out"
            ),
            "n": _("Number of people (perspective) or answers (statement); empty when hidden"),
            "mean": _("Mean on the scale (%(scale)s)") % {"scale": scale},
            "sd": _("Standard deviation (n − 1)"),
            "agreement": _(
                "Agreement within the group: rwg (statement) or rwg(J) (perspective); "
                "1 = everyone gave the same answer"
            ),
            "ad": _("Average deviation from the mean (AD_M); lower = more agreement"),
            "dont_know": _("Number of “don't know” answers"),
        }
        for point, label in zip(
            instrument.scale.points, instrument.scale.labels[lang], strict=True
        ):
            columns[f"answered_{point}"] = _("Number of answers %(point)s (%(label)s)") % {
                "point": point,
                "label": label,
            }
        columns.update(
            {
                "from_round": _("Trend: the earlier round"),
                "to_round": _("Trend: the later round"),
                "mean_from": _("Trend: mean in the earlier round"),
                "mean_to": _("Trend: mean in the later round"),
                "n_from": _("Trend: people in the earlier round"),
                "n_to": _("Trend: people in the later round"),
                "change": _("Trend: later mean minus earlier mean"),
                "paired_n": _("Trend: people who answered both rounds"),
                "paired_change": _("Trend: mean change of the people who answered both rounds"),
                "paired_p": _("Trend: p-value of the paired t-test"),
            }
        )
        rows = [{"variable": name, "label": label} for name, label in columns.items()]
        for perspective in instrument.perspectives:
            rows.append(
                {
                    "variable": perspective.id,
                    "label": localized(perspective.label, lang),
                    "perspective": perspective.id,
                }
            )
        for item in instrument.items:
            note = _(
                "reverse-worded: answers turned around (%(low)s ↔ %(high)s) before counting"
            ) % {
                "low": instrument.scale.points[0],
                "high": instrument.scale.points[-1],
            }
            rows.append(
                {
                    "variable": item.id,
                    "label": localized(item.text, lang),
                    "perspective": item.perspective,
                    "note": note if item.reverse else "",
                }
            )
    return rows


CODEBOOK_FIELDS = ["variable", "label", "perspective", "note"]


def _about(export: Export) -> list[tuple[str, str]]:
    with translation.override(export.lang):
        return [
            (_("instrument"), export.instrument.id),
            (_("instrument version"), str(export.instrument.version)),
            (_("alliance"), export.round.alliance.name),
            (_("round"), f"{export.round.number}: {export.round.title}"),
            ("k", str(export.k)),
            (_("generated"), timezone.now().date().isoformat()),
        ]


# CSV dialects: the plain one, and Dutch Excel's (semicolons and a decimal
# comma, which it splits and reads as numbers without an import dialog).
DIALECTS = {"plain": (",", "."), "excel-nl": (";", ",")}


def _integers(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns that only hold whole numbers (and gaps) as whole numbers:
    pandas reads a column with a gap as floats and would write 3.0."""
    out = frame.copy()
    for column in out.columns:
        values = pd.to_numeric(out[column], errors="coerce")
        known = values.dropna()
        if (
            len(known)
            and bool((known == known.round()).all())
            and bool(values.notna().eq(out[column].notna()).all())
        ):
            out[column] = values.astype("Int64")
    return out


def _csv(frame: pd.DataFrame, dialect: str = "plain") -> bytes:
    """A header first and nothing before it; whole numbers as whole numbers."""
    sep, decimal = DIALECTS[dialect]
    out = io.StringIO()
    _integers(frame).map(defused).to_csv(
        out, index=False, lineterminator="\n", sep=sep, decimal=decimal
    )
    return out.getvalue().encode("utf-8-sig")


def to_csv(export: Export, dialect: str = "plain") -> bytes:
    return _csv(export.figures, dialect)


def codebook_csv(export: Export, dialect: str = "plain") -> bytes:
    """The codebook, then the export's metadata (instrument, round, k) as
    rows of their own after it: nothing stands before the header."""
    out = io.StringIO()
    sep = DIALECTS[dialect][0]
    writer = csv.DictWriter(out, fieldnames=CODEBOOK_FIELDS, lineterminator="\n", delimiter=sep)
    writer.writeheader()
    writer.writerows({k: defused(v) for k, v in row.items()} for row in export.codebook)
    for key, value in _about(export):
        writer.writerow({"variable": f"# {key}", "label": defused(value)})
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(export: Export) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheets = [("figures", export.figures), ("trends", export.trends)]
    first = book.active
    for position, (title, frame) in enumerate(sheets):
        sheet = first if position == 0 else book.create_sheet(title)
        sheet.title = title
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if _missing(v) else defused(v) for v in row])
    codes = book.create_sheet("codebook")
    codes.append(CODEBOOK_FIELDS)
    for entry in export.codebook:
        codes.append([defused(entry.get(f, "")) for f in CODEBOOK_FIELDS])
    about = book.create_sheet("about")
    for key, value in _about(export):
        about.append([key, defused(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def to_sav(export: Export) -> bytes:
    """SPSS: the figure table with variable labels; the kind of group and of
    measure coded as numbers with value labels."""
    import pyreadstat

    frame = export.figures.copy()
    value_labels: dict[str, dict[float, str]] = {}
    for column in ("group", "measure"):
        values = list(dict.fromkeys(frame[column]))
        value_labels[column] = {float(i + 1): v for i, v in enumerate(values)}
        frame[column] = frame[column].map({v: float(i + 1) for i, v in enumerate(values)})
    with translation.override(export.lang):
        value_labels["shown"] = {0.0: _("hidden"), 1.0: _("shown")}
        names = {
            "alliance": _("Alliance"),
            "partner": _("Partner"),
            "level": _("Level"),
            "partner_level": _("Partner × level"),
            "perspective": _("Perspective"),
            "statement": _("Statement"),
        }
    for column in ("group", "measure"):
        value_labels[column] = {
            code: names.get(value, value) for code, value in value_labels[column].items()
        }
    text = {"partner", "level", "id", "perspective"}
    for column in frame.columns:
        if column in text:
            frame[column] = frame[column].fillna("").astype(str)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    labels = {entry["variable"]: entry["label"][:250] for entry in export.codebook}
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(
            frame,
            path,
            file_label=f"AllianceLens {export.instrument.key} k={export.k}",
            column_labels=[labels.get(c, c) for c in frame.columns],
            variable_value_labels=value_labels,
        )
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)
