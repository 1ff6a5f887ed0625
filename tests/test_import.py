"""Participant import from CSV and XLSX: all rows or none, every error listed."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from alliancelens.alliances.importers import participants_import
from alliancelens.alliances.models import Participant

from .base import AllianceTestCase


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ImportTests(AllianceTestCase):
    def setUp(self):
        self.before = Participant.objects.count()

    def run_import(self, name: str, content: bytes):
        return participants_import(alliance=self.alliance, filename=name, content=content)

    def test_a_good_csv_imports_every_row(self):
        csv = (
            b"name,email,partner,level,language\n"
            b"Ada Boer,ada@example.org,Gemeente,board,nl\n"
            b"Bo Smit,,zorg,professional,en\n"
        )
        report = self.run_import("people.csv", csv)
        assert report.ok, report
        assert Participant.objects.count() == self.before + 2
        bo = Participant.objects.get(name="Bo Smit")
        assert (bo.partner.name, bo.level, bo.language, bo.email) == (
            "Zorg",
            "professional",
            "en",
            "",
        )

    def test_dutch_headers_semicolons_and_dutch_levels_work(self):
        csv = "Naam;E-mail;Organisatie;Niveau;Taal\nCees;c@example.org;Woningcorporatie;bestuur;Nederlands\n"
        report = self.run_import("mensen.csv", csv.encode("cp1252"))
        assert report.ok, report
        assert Participant.objects.get(name="Cees").level == "board"

    def test_a_good_xlsx_imports_every_row(self):
        content = xlsx(
            [["name", "partner", "level"], ["Dirk", "Zorg", "management"], [None, None, None]]
        )
        report = self.run_import("people.xlsx", content)
        assert report.ok, report
        assert Participant.objects.get(name="Dirk").level == "management"

    def test_bad_rows_import_nothing_and_every_bad_row_is_listed(self):
        csv = (
            b"name,email,partner,level,language\n"
            b"Goed Mens,goed@example.org,Gemeente,board,nl\n"
            b",x@example.org,Gemeente,board,nl\n"
            b"Eva,not-an-email,Gemeente,board,nl\n"
            b"Fred,,Onbekend BV,board,nl\n"
            b"Gert,,Zorg,chef,nl\n"
            b"Hans,,Zorg,board,fr\n"
            b"Goed Mens,goed@example.org,Gemeente,board,nl\n"
        )
        report = self.run_import("people.csv", csv)
        assert not report.ok
        assert Participant.objects.count() == self.before
        by_row = {e.row: e.message for e in report.errors}
        assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
        assert "de naam is leeg" in by_row[3]
        assert "not-an-email" in by_row[4]
        assert "Onbekend BV" in by_row[5] and "Gemeente" in by_row[5]
        assert "chef" in by_row[6]
        assert "fr" in by_row[7]
        assert "rij 2" in by_row[8]

    def test_errors_are_in_english_for_an_english_user(self):
        with translation.override("en"):
            report = self.run_import("p.csv", b"name,partner,level\n,Zorg,board\n")
        assert report.errors[0].message == "the name is empty"

    def test_too_long_values_are_row_errors_not_crashes(self):
        long_email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"
        csv = f"name,email,partner,level\nAda,{long_email},Zorg,board\n"
        report = self.run_import("p.csv", csv.encode())
        assert [e.row for e in report.errors] == [2]
        assert "e-mail" in report.errors[0].message
        assert Participant.objects.count() == self.before

    def test_a_damaged_workbook_is_a_file_error(self):
        good = xlsx([["name", "partner", "level"], ["Dirk", "Zorg", "management"]])
        import zipfile

        broken = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(broken, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename.endswith("sheet1.xml"):
                    data = data[: len(data) // 2]  # cut the sheet in half
                dst.writestr(info, data)
        report = self.run_import("people.xlsx", broken.getvalue())
        assert report.file_error
        assert Participant.objects.count() == self.before

    def test_more_rows_than_allowed_is_a_file_error(self):
        with self.settings(IMPORT_MAX_ROWS=3):
            rows = "".join(f"P{n},Zorg,board\n" for n in range(4))
            report = self.run_import("p.csv", ("name,partner,level\n" + rows).encode())
        assert "3" in report.file_error
        assert Participant.objects.count() == self.before

    def test_a_participant_who_is_already_there_is_an_error(self):
        existing = self.participants[0]
        csv = f"name,email,partner,level\n{existing.name},{existing.email},{existing.partner.name},board\n"
        report = self.run_import("again.csv", csv.encode())
        assert [e.row for e in report.errors] == [2]
        assert "staat al in de alliantie" in report.errors[0].message

    def test_a_missing_required_column_is_a_file_error(self):
        report = self.run_import("people.csv", b"name,email\nA,a@example.org\n")
        assert not report.ok
        assert "partner" in report.file_error and "level" in report.file_error
        assert Participant.objects.count() == self.before

    def test_files_that_are_not_spreadsheets_are_refused_clearly(self):
        assert "xlsx" in self.run_import("people.xlsx", b"not a zip").file_error
        assert ".csv" in self.run_import("people.pdf", b"%PDF").file_error
        assert self.run_import("empty.csv", b"").file_error
        assert self.run_import("header.csv", b"name,partner,level\n").file_error
        assert Participant.objects.count() == self.before

    def test_the_import_page_shows_the_report_and_saves_nothing(self):
        self.login()
        upload = SimpleUploadedFile(
            "p.csv", b"name,partner,level\nA,Nergens,board\nB,Zorg,board\n"
        )
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/participants/import/", {"file": upload}
        )
        assert page.status_code == 400
        self.assertContains(page, "Er is niets ingelezen", status_code=400)
        self.assertContains(page, "Nergens", status_code=400)
        assert Participant.objects.count() == self.before

    def test_the_import_page_imports_a_good_file(self):
        self.login()
        upload = SimpleUploadedFile("p.csv", b"name,partner,level\nA,Zorg,board\nB,Zorg,board\n")
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/participants/import/", {"file": upload}
        )
        assert page.status_code == 302
        assert Participant.objects.count() == self.before + 2
