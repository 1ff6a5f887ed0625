"""Participant imports are limited before they are parsed: the file's size,
an Excel workbook's size once unpacked (a zip bomb), and its cells.

Each limit is tested through the import service and through the upload page;
a refused file imports nobody and says which limit it broke and by how much.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from alliancelens.alliances.importers import participants_import
from alliancelens.alliances.models import Participant

from .base import AllianceTestCase
from .test_import import xlsx

SHEET = "xl/worksheets/sheet1.xml"
GOOD_ROWS: list[list[object]] = [["name", "partner", "level"], ["Dirk", "Zorg", "management"]]


def with_sheet(content: bytes, change) -> bytes:
    """The workbook with its first sheet's XML replaced by change(xml)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == SHEET else data)
    return out.getvalue()


@cache
def zip_bomb() -> bytes:
    """A valid workbook of about 1 MB with one good participant row, whose
    sheet unpacks to 1 GiB: the rows are followed by a gigabyte of spaces,
    which is valid XML and compresses a thousandfold."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx(GOOD_ROWS))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != SHEET:
                target.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with target.open(SHEET, "w", force_zip64=True) as part:
                part.write(head)
                spaces = b" " * (1 << 20)
                for _ in range(1024):
                    part.write(spaces)
                part.write(b"</sheetData>" + tail)
    return out.getvalue()


def with_stated_size(content: bytes, part: str, size: int) -> bytes:
    """The zip with the size of a part in the central directory changed."""
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        offset = source.getinfo(part).header_offset
    entry = content.index(b"PK\x01\x02")
    while struct.unpack("<I", content[entry + 42 : entry + 46])[0] != offset:
        entry = content.index(b"PK\x01\x02", entry + 4)
    return content[: entry + 24] + struct.pack("<I", size) + content[entry + 28 :]


class ImportLimitTests(AllianceTestCase):
    def setUp(self):
        self.before = Participant.objects.count()
        self.url = f"/alliances/{self.alliance.slug}/participants/import/"

    def run_import(self, name: str, content: bytes):
        return participants_import(alliance=self.alliance, filename=name, content=content)

    def upload(self, name: str, content: bytes):
        self.login()
        return self.client.post(self.url, {"file": SimpleUploadedFile(name, content)})

    def assert_nothing_imported(self):
        assert Participant.objects.count() == self.before
        assert not Participant.objects.filter(name="Dirk").exists()

    def test_a_zip_bomb_is_refused_at_once_saying_how_far_it_is_over(self):
        bomb = zip_bomb()
        assert len(bomb) < 2 * 1024 * 1024  # well within the upload limit
        started = time.monotonic()
        report = self.run_import("people.xlsx", bomb)
        assert time.monotonic() - started < 2  # reading it would take minutes
        assert report.file_error == (
            "Uitgepakt is de werkmap 1,0\xa0GB, 1004,0\xa0MB meer dan de grens van "
            "20,0\xa0MB. Bewaar er alleen de deelnemerslijst in, of lees hem in delen in."
        )
        assert not report.created
        self.assert_nothing_imported()

    def test_the_upload_page_refuses_a_zip_bomb_and_imports_nothing(self):
        started = time.monotonic()
        page = self.upload("people.xlsx", zip_bomb())
        assert time.monotonic() - started < 5
        self.assertContains(page, "Er is niets ingelezen", status_code=400)
        self.assertContains(page, "Uitgepakt is de werkmap 1,0\xa0GB", status_code=400)
        self.assert_nothing_imported()

    def test_the_same_workbook_within_the_unpacked_limit_imports(self):
        """The limit, not the file, is what refuses it."""
        small = with_sheet(
            xlsx(GOOD_ROWS),
            lambda xml: xml.replace(b"</sheetData>", b" " * 5000 + b"</sheetData>"),
        )
        with override_settings(IMPORT_MAX_UNPACKED_BYTES=10_000):
            assert "Uitgepakt" in self.run_import("p.xlsx", small).file_error
        with override_settings(IMPORT_MAX_UNPACKED_BYTES=50_000):
            assert self.run_import("p.xlsx", small).ok
        assert Participant.objects.filter(name="Dirk").exists()

    def test_a_workbook_that_understates_a_part_cannot_unpack_more_than_it_states(self):
        """The limit trusts the sizes in the zip's directory: zipfile never
        returns more of a part than stated, and a part that holds more is
        reported as damaged."""
        bomb = with_stated_size(zip_bomb(), SHEET, 1000)
        started = time.monotonic()
        report = self.run_import("people.xlsx", bomb)
        assert time.monotonic() - started < 2
        assert report.file_error == "Het bestand is geen leesbare Excel-werkmap (.xlsx)."
        self.assert_nothing_imported()

    def test_a_sheet_claiming_a_huge_dimension_is_refused_before_its_rows_are_read(self):
        """openpyxl would fill every row out to the stated width."""
        content = with_sheet(
            xlsx(GOOD_ROWS),
            lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
        )
        started = time.monotonic()
        report = self.run_import("people.xlsx", content)
        assert time.monotonic() - started < 2
        assert report.file_error.startswith(
            "Het bestand heeft 1.048.576 rijen × 16.384 kolommen = 17.179.869.184 cellen, "
            "17.179.769.184 meer dan de grens van 100.000 cellen."
        )
        self.assert_nothing_imported()

    @override_settings(IMPORT_MAX_CELLS=100)
    def test_a_workbook_with_too_many_cells_is_refused_through_service_and_page(self):
        rows = [["name", "partner", "level", *(f"extra {n}" for n in range(7))]]
        rows += [[f"Person {n}", "Zorg", "board", *range(7)] for n in range(10)]
        content = xlsx(rows)
        message = (
            "Het bestand heeft 11 rijen × 10 kolommen = 110 cellen, 10 meer dan de grens "
            "van 100 cellen. Verwijder lege rijen en kolommen, of lees het in delen in."
        )
        assert self.run_import("people.xlsx", content).file_error == message
        page = self.upload("people.xlsx", content)
        self.assertContains(page, message, status_code=400)
        assert not Participant.objects.filter(name__startswith="Person").exists()
        # One column fewer fits.
        with override_settings(IMPORT_MAX_CELLS=110):
            assert self.run_import("people.xlsx", content).ok

    @override_settings(IMPORT_MAX_CELLS=5000)
    def test_a_sheet_without_a_dimension_stops_where_it_passes_the_limit(self):
        """Without a stated dimension each row is as wide as its last cell,
        so a few far-off cells make wide rows: reading stops at the limit."""

        def wide(xml: bytes) -> bytes:
            xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
            far = b"".join(
                b'<row r="%d"><c r="ZZ%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
                for n in range(3, 40)
            )
            return xml.replace(b"</sheetData>", far + b"</sheetData>")

        content = with_sheet(xlsx(GOOD_ROWS), wide)
        report = self.run_import("people.xlsx", content)
        assert report.file_error == (
            "Het werkblad heeft meer dan 5.000 cellen (rijen × kolommen): bij rij 8 is "
            "het 702 kolommen breed. Verwijder lege rijen en kolommen, of lees het in "
            "delen in."
        )
        self.assert_nothing_imported()

    def test_an_oversize_csv_is_refused_by_the_page_before_it_is_read(self):
        content = b"name,partner,level\n" + b"Dirk,Zorg,board\n" * (5 * 1024 * 1024 // 16)
        assert len(content) == 5 * 1024 * 1024 + 19
        message = "Het bestand is 5,0\xa0MB, 19\xa0bytes meer dan de grens van 5,0\xa0MB."
        page = self.upload("people.csv", content)
        self.assertContains(page, message, status_code=400)
        assert self.run_import("people.csv", content).file_error == message
        self.assert_nothing_imported()

    def test_a_csv_with_too_many_cells_says_how_many_it_has(self):
        header = "name,partner,level," + ",".join(f"x{n}" for n in range(57))
        row = "Dirk,Zorg,board" + ",1" * 57
        content = "\n".join([header] + [row] * 2000).encode()
        assert len(content) < 1024 * 1024
        message = (
            "Het bestand heeft 2.001 rijen × 60 kolommen = 120.060 cellen, 20.060 meer dan "
            "de grens van 100.000 cellen. Verwijder lege rijen en kolommen, of lees het in "
            "delen in."
        )
        assert self.run_import("people.csv", content).file_error == message
        page = self.upload("people.csv", content)
        self.assertContains(page, message, status_code=400)
        self.assert_nothing_imported()

    def test_the_limits_speak_english_to_an_english_user(self):
        with translation.override("en"):
            bomb = self.run_import("people.xlsx", zip_bomb()).file_error
            big = self.run_import("p.csv", b"x" * (5 * 1024 * 1024 + 1)).file_error
        assert bomb == (
            "The workbook unpacks to 1.0\xa0GB, 1004.0\xa0MB more than the limit of 20.0\xa0MB. "
            "Save only the participant list in it, or import it in parts."
        )
        assert big == "The file is 5.0\xa0MB, 1\xa0byte more than the limit of 5.0\xa0MB."
