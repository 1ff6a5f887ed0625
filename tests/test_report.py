"""The round report: PDF and HTML in Dutch and English, from the demo alliance."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from alliancelens.results.documents import render_report_html

from .base import DemoTestCase


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


@pytest.mark.renders
class ReportTests(DemoTestCase):
    """One Dutch PDF from the command and one English PDF from the download
    button, made once for the class."""

    pdf_nl: bytes
    download_en: dict[str, Any]

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.partners = list(cls.alliance.partners.values_list("name", flat=True))
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            cls.pdf_nl = cls.write(tmp, "pdf", "nl")
        client = Client()
        client.login(username="facilitator", password=cls.password)
        download = client.get("/alliances/demo/rounds/2/report.pdf?lang=en")
        cls.download_en = {
            "status": download.status_code,
            "type": download["Content-Type"],
            "disposition": download["Content-Disposition"],
            "content": download.content,
        }

    @staticmethod
    def write(tmp: str, fmt: str, lang: str) -> bytes:
        path = f"{tmp}/report.{fmt}"
        call_command(
            "report",
            "demo",
            "--round",
            "2",
            "--format",
            fmt,
            "--lang",
            lang,
            "--output",
            path,
            stdout=io.StringIO(),
        )
        with open(path, "rb") as f:
            return f.read()

    def test_the_dutch_pdf_has_headings_perspectives_partners_and_advice(self):
        pages, text = pdf_text(self.pdf_nl)
        assert pages >= 8
        for heading in (
            "Inhoud",
            "Waar het gesprek over moet gaan",
            "Sterkste punten",
            "Zwakste punten",
            "Fase en ontwikkelfase",
            "Respons",
            "Voor analisten",
        ):
            assert heading in text, heading
        for perspective in ("Ambitie", "Belangen", "Relatie", "Organisatie", "Proces"):
            assert perspective in text
        for partner in self.partners:
            assert partner in text, partner
        # The most urgent advice is in the report, in Dutch.
        html = render_report_html(self.alliance.rounds.get(number=2), "nl")
        first_advice = re.search(
            r'<li class="urgency-high"[^>]*>.*?<p class="advice-text">([^<]{30,80})', html, re.S
        ).group(1)
        assert first_advice.split()[0] in text
        assert re.search(r"\d+ / \d+", text)  # page numbers

    def test_the_english_pdf_is_in_english(self):
        _, text = pdf_text(self.download_en["content"])
        for heading in (
            "Contents",
            "What to talk about",
            "Strongest points",
            "Phase and development stage",
            "For analysts",
        ):
            assert heading in text, heading
        for perspective in ("Ambition", "Interests", "Relationship", "Organisation", "Process"):
            assert perspective in text
        assert "Samenvatting" not in text and "Waar het gesprek over moet gaan" not in text
        assert "Gemeente Rivierstad" in text

    def test_the_report_follows_the_order_of_the_results_page(self):
        """The page's sections and the report's chapters are the same, in the
        same order; the report adds only the route, the registers and the response rates."""
        rnd = self.alliance.rounds.get(number=2)
        self.client.login(username="facilitator", password=self.password)
        page = self.client.get("/alliances/demo/rounds/2/results/").content.decode()
        report = render_report_html(rnd, "nl")
        heading = r'<h2 id="([a-z]+)-h">'
        on_page = re.findall(heading, page)
        in_report = re.findall(heading, report)
        assert len(on_page) >= 10, on_page
        assert [s for s in in_report if s not in ("response", "registers", "route")] == on_page
        assert on_page[0] == "summary" and on_page[-1] == "analysts"
        # The page names them once more in its contents, in that order.
        nav = page.split('id="contents-h"')[1].split("</nav>")[0]
        assert re.findall(r'href="#([a-z]+)-h"', nav) == on_page
        toc = report.split('class="toc"')[1].split("</ol>")[0]
        assert re.findall(r'href="#([a-z]+)"', toc) == in_report

    def test_the_html_report_embeds_the_same_svg_charts_with_text_alternatives(self):
        html = render_report_html(self.alliance.rounds.get(number=2), "en")
        images = re.findall(
            r'<img [^>]*src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', html
        )
        assert len(images) >= 6
        assert any("Gemeente Rivierstad" in alt for alt in images)

    def test_an_open_round_gets_no_report(self):
        with self.assertRaisesMessage(CommandError, "still open"):
            call_command(
                "report",
                "demo",
                "--round",
                "3",
                "--output",
                "never-written.pdf",
                stdout=io.StringIO(),
            )
        with self.assertRaisesMessage(CommandError, "has no round 9"):
            call_command(
                "report",
                "demo",
                "--round",
                "9",
                "--output",
                "never-written.pdf",
                stdout=io.StringIO(),
            )

    def test_the_download_button_serves_pdf_for_a_closed_round_only(self):
        self.client.login(username="facilitator", password=self.password)
        page = self.client.get("/alliances/demo/rounds/2/results/")
        self.assertContains(page, "/alliances/demo/rounds/2/report.pdf?lang=en")
        pdf = self.download_en
        assert pdf["status"] == 200 and pdf["type"] == "application/pdf"
        assert pdf["content"].startswith(b"%PDF")
        assert "attachment" in pdf["disposition"]
        assert self.client.get("/alliances/demo/rounds/3/report.pdf").status_code == 404
        assert self.client.get("/alliances/demo/rounds/2/report.exe").status_code == 404


@pytest.mark.renders
class GuideTests(DemoTestCase):
    def test_the_dialogue_guide_has_a_page_per_perspective_with_questions_and_room_for_actions(
        self,
    ):
        self.client.login(username="facilitator", password=self.password)
        page = self.client.get("/alliances/demo/rounds/2/results/")
        self.assertContains(page, "/alliances/demo/rounds/2/guide.pdf")
        response = self.client.get("/alliances/demo/rounds/2/guide.pdf?lang=en")
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        pages, text = pdf_text(response.content)
        assert pages >= 5
        for perspective in ("Ambition", "Interests", "Relationship", "Organisation", "Process"):
            assert perspective in text
        assert text.count("Agreed actions") == 5
        assert (
            "What does Gemeente Rivierstad see here that Woonstichting Thuisbasis does not" in text
        )
        assert self.client.get("/alliances/demo/rounds/3/guide.pdf").status_code == 404


@pytest.mark.renders
class CoverTests(DemoTestCase):
    def test_the_cover_names_the_alliance_once_and_the_html_report_opens_in_the_browser(self):
        self.client.login(username="facilitator", password=self.password)
        response = self.client.get("/alliances/demo/rounds/2/report.html")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("inline")
        cover = (
            response.content.decode().split('<section class="cover">')[1].split("</section>")[0]
        )
        assert cover.count("Gezonde Wijk Rivierstad-Noord") == 1
