"""Anonymised exports: they open, carry labels and the instrument, and respect k."""

from __future__ import annotations

import io
import tempfile

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from alliancelens.alliances.models import Level, Participant, Partner
from alliancelens.alliances.services import round_close

from .base import AllianceTestCase, DemoTestCase


@pytest.mark.renders
class DemoExportTests(DemoTestCase):
    def setUp(self):
        self.client.login(username="facilitator", password=self.password)

    def get(self, fmt: str):
        response = self.client.get(f"/alliances/demo/rounds/2/export/{fmt}/")
        assert response.status_code == 200, fmt
        assert "attachment" in response["Content-Disposition"]
        return response.content

    def test_xlsx_has_answers_codebook_and_instrument(self):
        book = openpyxl.load_workbook(io.BytesIO(self.get("xlsx")))
        assert book.sheetnames == ["answers", "codebook", "about"]
        header = [c.value for c in book["answers"][1]]
        assert header[:4] == ["respondent", "round", "partner", "level"]
        assert "amb_direction" in header and "phase_now" in header
        about = {row[0].value: row[1].value for row in book["about"].iter_rows()}
        assert about["instrument"] == "reflection-core" and about["instrument_version"] == "1"
        codebook = {row[0].value: row[1].value for row in book["codebook"].iter_rows(min_row=2)}
        assert codebook["amb_direction"].startswith("We hebben samen een ambitie")
        assert book["answers"].max_row - 1 == int(about["respondents"])

    def test_sav_has_variable_and_value_labels(self):
        with tempfile.NamedTemporaryFile(suffix=".sav") as f:
            f.write(self.get("sav"))
            f.flush()
            frame, meta = pyreadstat.read_sav(f.name)
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["amb_direction"].startswith("We hebben samen een ambitie")
        assert meta.variable_value_labels["amb_direction"][5.0] == "Helemaal eens"
        assert set(meta.variable_value_labels["partner"].values()) <= set(
            self.alliance.partners.values_list("name", flat=True)
        ) | {"other"}
        assert "reflection-core@1" in meta.file_label
        assert frame["amb_direction"].dropna().between(1, 5).all()

    def test_csv_and_codebook(self):
        text = self.get("csv").decode("utf-8-sig")
        assert text.startswith("# reflection-core@1; k=3")
        frame = pd.read_csv(io.StringIO(text), comment="#")
        assert list(frame.columns[:4]) == ["respondent", "round", "partner", "level"]
        codebook = self.get("codebook").decode("utf-8-sig")
        assert "amb_direction" in codebook and "# instrument_version" in codebook

    def test_no_combination_below_k_in_any_export(self):
        book = openpyxl.load_workbook(io.BytesIO(self.get("xlsx")))
        rows = list(book["answers"].iter_rows(min_row=2, values_only=True))
        combos = pd.Series([(r[2], r[3] or "") for r in rows]).value_counts()
        assert combos.min() >= 3
        partners = pd.Series([r[2] for r in rows]).value_counts()
        assert partners.min() >= 3

    def test_open_rounds_and_strangers_get_nothing(self):
        assert self.client.get("/alliances/demo/rounds/3/export/csv/").status_code == 404
        assert self.client.get("/alliances/demo/rounds/2/export/pdf/").status_code == 404


class SmallGroupExportTests(AllianceTestCase):
    def test_small_cells_lose_their_level_and_small_partners_are_pooled_or_left_out(self):
        rnd = self.open_round()
        # Gemeente: 4 respondents (board 1, management 1, professional 2);
        # Zorg: 2 respondents (below k); Woningcorporatie: none.
        extra = Partner.objects.create(alliance=self.alliance, name="Extra")
        people = [p for p in self.participants if p.partner.name == "Gemeente"]
        people += [p for p in self.participants if p.partner.name == "Zorg"][:2]
        people += [
            Participant.objects.create(partner=extra, name=f"E{i}", level=Level.BOARD)
            for i in range(3)
        ]
        from alliancelens.alliances.services import invitations_sync

        invitations_sync(rnd=rnd)
        for person in people:
            self.answer(rnd, person, "4")
        rnd = round_close(rnd=rnd)
        from alliancelens.results.exports import build_export

        frame = build_export(rnd).frame
        assert len(frame) == 9 - 2  # Zorg's 2 are too few even pooled as "other"
        gemeente = frame[frame["partner"] == "Gemeente"]
        assert len(gemeente) == 4 and set(gemeente["level"]) == {""}
        assert set(frame[frame["partner"] == "Extra"]["level"]) == {"board"}
        assert "Zorg" not in set(frame["partner"])
        # Rows are not in the order people answered.
        assert list(frame["respondent"]) == list(range(1, 8))
