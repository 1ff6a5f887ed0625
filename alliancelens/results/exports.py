"""Anonymised answers for researchers: CSV, XLSX and SPSS .sav, with a codebook.

The table itself is part of the round's published result
(``analysis.publication.answer_table``): one row per submitted response, no
names, no open answers, no dates, rows in an order unrelated to when people
answered, every partner × level combination at least k people. This module
only writes it in each format, with the instrument id and version.
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

from alliancelens.alliances.models import Level, Phase, Round
from alliancelens.instrument import PHASES, Instrument, localized

from .publish import published_round


@dataclass(frozen=True)
class Export:
    frame: pd.DataFrame
    codebook: list[dict[str, str]]
    instrument: Instrument
    round: Round
    k: int
    left_out: int


def build_export(rnd: Round, lang: str = "nl") -> Export:
    """The published answer table of a round past its closing, ready to write."""
    publication = published_round(rnd)
    table = publication.answer_table()
    frame = pd.DataFrame(table.rows, columns=table.columns)
    instrument = rnd.instrument
    return Export(
        frame, codebook(instrument, lang), instrument, rnd, publication.k, table.left_out
    )


def codebook(instrument: Instrument, lang: str) -> list[dict[str, str]]:
    with translation.override(lang):
        scale = "; ".join(
            f"{v} = {label}"
            for v, label in zip(
                instrument.scale.points, instrument.scale.labels[lang], strict=True
            )
        )
        missing = _("empty = don't know or not answered")
        rows = [
            {
                "variable": "respondent",
                "label": _("Respondent number in this file (not a person id)"),
                "values": "",
            },
            {"variable": "round", "label": _("Round number"), "values": ""},
            {
                "variable": "partner",
                "label": _(
                    "Partner organisation (“other”: partners with fewer than k respondents)"
                ),
                "values": "",
            },
            {
                "variable": "level",
                "label": _("Level (empty where a partner × level group is smaller than k)"),
                "values": "; ".join(f"{v} = {label}" for v, label in Level.choices),
            },
        ]
        for item in instrument.items:
            label = localized(item.text, lang)
            note = []
            if item.reverse:
                note.append(_("reverse-worded: not recoded in this file"))
            rows.append(
                {
                    "variable": item.id,
                    "label": label,
                    "values": f"{scale}; {missing}",
                    "perspective": localized(instrument.perspective(item.perspective).label, lang),
                    "note": "; ".join(note),
                }
            )
        for question in instrument.questions:
            if question.kind == "phase":
                rows.append(
                    {
                        "variable": question.id,
                        "label": localized(question.text, lang),
                        "values": "; ".join(f"{p.value} = {p.label}" for p in Phase),
                    }
                )
    return rows


def _about(export: Export) -> list[tuple[str, str]]:
    return [
        ("instrument", export.instrument.id),
        ("instrument_version", str(export.instrument.version)),
        ("alliance", export.round.alliance.name),
        ("round", f"{export.round.number}: {export.round.title}"),
        ("k", str(export.k)),
        ("respondents", str(len(export.frame))),
        ("left_out_for_anonymity", str(export.left_out)),
        ("generated", timezone.now().date().isoformat()),
    ]


def to_csv(export: Export) -> bytes:
    out = io.StringIO()
    out.write(f"# {export.instrument.key}; k={export.k}\n")
    export.frame.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode("utf-8-sig")


def codebook_csv(export: Export) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["variable", "label", "values", "perspective", "note"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(export.codebook)
    for key, value in _about(export):
        writer.writerow({"variable": f"# {key}", "label": value})
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(export: Export) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "answers"
    sheet.append(list(export.frame.columns))
    for row in export.frame.itertuples(index=False):
        sheet.append([None if (isinstance(v, float) and v != v) else v for v in row])
    codes = book.create_sheet("codebook")
    fields = ["variable", "label", "values", "perspective", "note"]
    codes.append(fields)
    for entry in export.codebook:
        codes.append([entry.get(f, "") for f in fields])
    about = book.create_sheet("about")
    for key, value in _about(export):
        about.append([key, value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_sav(export: Export) -> bytes:
    """SPSS with variable and value labels; partner, level and phase coded as numbers."""
    import pyreadstat

    frame = export.frame.copy()
    value_labels: dict[str, dict[float, str]] = {}
    partners = sorted(p for p in frame["partner"].unique())
    value_labels["partner"] = {float(i + 1): p for i, p in enumerate(partners)}
    frame["partner"] = frame["partner"].map({p: float(i + 1) for i, p in enumerate(partners)})
    levels = [lvl for lvl, _ in Level.choices]
    value_labels["level"] = {
        float(i + 1): str(label) for i, (_, label) in enumerate(Level.choices)
    }
    frame["level"] = frame["level"].map({lvl: float(i + 1) for i, lvl in enumerate(levels)})
    phase_columns = [q.id for q in export.instrument.questions if q.kind == "phase"]
    for column in phase_columns:
        value_labels[column] = {float(i + 1): str(Phase(p).label) for i, p in enumerate(PHASES)}
        frame[column] = frame[column].map({p: float(i + 1) for i, p in enumerate(PHASES)})
    scale_labels = dict(
        zip(
            map(float, export.instrument.scale.points),
            export.instrument.scale.labels["nl"],
            strict=True,
        )
    )
    for item in export.instrument.items:
        frame[item.id] = pd.to_numeric(frame[item.id], errors="coerce")
        value_labels[item.id] = scale_labels
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
