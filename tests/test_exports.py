"""Anonymised exports: they open, carry labels and the instrument, and respect k."""

from __future__ import annotations

import csv
import io
import re
import tempfile

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from alliancelens.alliances.models import Level, Participant, Partner
from alliancelens.alliances.services import round_close
from alliancelens.instrument import latest_instrument

from .base import AllianceTestCase, DemoTestCase


@pytest.mark.renders
class DemoExportTests(DemoTestCase):
    def setUp(self):
        self.client.login(username="facilitator", password=self.password)

    def get(self, fmt: str, query: str = ""):
        response = self.client.get(f"/alliances/demo/rounds/2/export/{fmt}/{query}")
        assert response.status_code == 200, fmt
        assert "attachment" in response["Content-Disposition"]
        return response.content

    def test_xlsx_has_figures_trends_codebook_and_instrument(self):
        book = openpyxl.load_workbook(io.BytesIO(self.get("xlsx")))
        assert book.sheetnames == ["figures", "trends", "codebook", "about"]
        header = [c.value for c in book["figures"][1]]
        assert header[:9] == [
            "round",
            "group",
            "partner",
            "level",
            "measure",
            "id",
            "perspective",
            "shown",
            "n",
        ]
        assert header[-6:] == [*(f"answered_{v}" for v in range(1, 6)), "dont_know"]
        about = {row[0].value: row[1].value for row in book["about"].iter_rows()}
        assert about["instrument"] == "reflection-core" and about["instrumentversie"] == str(
            latest_instrument().version
        )
        codebook = {row[0].value: row[1].value for row in book["codebook"].iter_rows(min_row=2)}
        assert codebook["amb_not_alone"].startswith("Wat we samen willen bereiken")
        trends = [c.value for c in book["trends"][1]]
        assert trends[:3] == ["perspective", "from_round", "to_round"]
        assert book["trends"].max_row == 1 + 5  # round 1 → 2, five perspectives

    def test_sav_has_variable_and_value_labels(self):
        with tempfile.NamedTemporaryFile(suffix=".sav") as f:
            f.write(self.get("sav"))
            f.flush()
            frame, meta = pyreadstat.read_sav(f.name)
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["mean"].startswith("Gemiddelde op de schaal")
        assert set(meta.variable_value_labels["group"].values()) == {
            "Alliantie",
            "Partner",
            "Niveau",
            "Partner × niveau",
        }
        assert f"reflection-core@{latest_instrument().version}" in meta.file_label
        assert frame["mean"].dropna().between(1, 5).all()

    def test_csv_and_codebook(self):
        text = self.get("csv").decode("utf-8-sig")
        frame = pd.read_csv(io.StringIO(text))
        assert list(frame.columns[:4]) == ["round", "group", "partner", "level"]
        codebook = self.get("codebook").decode("utf-8-sig")
        assert "amb_not_alone" in codebook and "\n# k," in codebook

    def test_the_csv_opens_as_people_expect(self):
        """The header first, whole numbers whole, and a dialect Dutch Excel
        splits by itself (semicolons, decimal comma) with the same figures."""
        plain = self.get("csv").decode("utf-8-sig")
        assert plain.startswith("round,group,partner,level,")
        frame = pd.read_csv(io.StringIO(plain))
        rows = list(csv.reader(io.StringIO(plain)))
        counts = [n for n, name in enumerate(rows[0]) if name == "n" or name.startswith("n_")]
        assert counts and all(
            row[n] == "" or row[n].isdigit() for row in rows[1:] for n in counts
        ), "counts are written as whole numbers"
        dutch = self.get("csv", "?dialect=excel-nl").decode("utf-8-sig")
        assert dutch.startswith("round;group;partner;level;")
        assert re.search(r";\d,\d+;", dutch)
        again = pd.read_csv(io.StringIO(dutch), sep=";", decimal=",")
        pd.testing.assert_frame_equal(frame, again)
        codebook = self.get("codebook", "?dialect=excel-nl").decode("utf-8-sig")
        assert codebook.startswith("variable;label;perspective;note")
        assert self.client.get("/alliances/demo/rounds/2/export/csv/?dialect=x").status_code == 404

    def test_spss_value_labels_follow_the_language(self):
        import pyreadstat

        for lang, shown, group in (("nl", "getoond", "Partner"), ("en", "shown", "Partner")):
            self.client.cookies["django_language"] = lang
            content = self.client.get(
                "/alliances/demo/rounds/2/export/sav/", HTTP_ACCEPT_LANGUAGE=lang
            ).content
            with tempfile.NamedTemporaryFile(suffix=".sav") as f:
                f.write(content)
                f.flush()
                _, meta = pyreadstat.read_sav(f.name)
            assert meta.variable_value_labels["shown"][1.0] == shown, lang
            assert group in meta.variable_value_labels["group"].values()

    def test_every_figure_in_a_file_is_one_the_results_page_shows(self):
        """Files add nothing to the page: set against it, they cannot give
        back what it hides (the first attack of issue 10)."""
        from alliancelens.results.publish import published_round

        result = published_round(self.alliance.rounds.get(number=2)).published.result
        frame = pd.read_csv(io.StringIO(self.get("csv").decode("utf-8-sig")))
        groups = {
            "partner": result.partners,
            "level": result.levels,
            "partner_level": {
                tuple(key.split(" | ")): g for key, g in result.partner_levels.items()
            },
        }
        checked = hidden = 0
        for row in frame.itertuples(index=False):
            if row.group == "alliance":
                stat = (
                    result.items[row.id]
                    if row.measure == "statement"
                    else result.perspectives[row.id].stat
                )
                suppressed = result.suppressed
            else:
                key = {
                    "partner": row.partner,
                    "level": row.level,
                    "partner_level": (row.partner, row.level),
                }[row.group]
                group = groups[row.group][key]
                stat = (group.items if row.measure == "statement" else group.perspectives)[row.id]
                suppressed = group.suppressed
            if suppressed or stat.hidden:
                hidden += 1
                assert row.shown == 0 and pd.isna(row.mean) and pd.isna(row.sd), row
                assert pd.isna(row.answered_1) and pd.isna(row.dont_know), row
                if suppressed:
                    assert pd.isna(row.n), row
                continue
            checked += 1
            assert row.shown == 1 and row.n == stat.n
            if stat.mean is not None:
                assert row.mean == pytest.approx(stat.mean, abs=1e-12)
            if row.group != "alliance":
                # Of partners, levels and cells only n and the mean.
                assert pd.isna(row.sd) and pd.isna(row.agreement) and pd.isna(row.answered_1)
            elif row.measure == "statement":
                for v in range(1, 6):
                    assert getattr(row, f"answered_{v}") == stat.distribution.get(str(v), 0)
        assert checked > 400 and hidden > 0, (checked, hidden)

    def test_open_rounds_and_strangers_get_nothing(self):
        assert self.client.get("/alliances/demo/rounds/3/export/csv/").status_code == 404
        assert self.client.get("/alliances/demo/rounds/2/export/pdf/").status_code == 404


class SmallGroupExportTests(AllianceTestCase):
    def setUp(self):
        from alliancelens.alliances.services import invitations_sync

        self.rnd = self.open_round()
        # Gemeente: 4 respondents (board 1, management 1, professional 2);
        # Zorg: 2 respondents (below k), who answer 1 and 2 to everything;
        # Extra: 3 board members; Woningcorporatie: none.
        extra = Partner.objects.create(alliance=self.alliance, name='=HYPERLINK("x")')
        people = [(p, "4") for p in self.participants if p.partner.name == "Gemeente"]
        zorg = [p for p in self.participants if p.partner.name == "Zorg"][:2]
        people += list(zip(zorg, ["1", "2"], strict=True))
        people += [
            (Participant.objects.create(partner=extra, name=f"E{i}", level=Level.BOARD), "5")
            for i in range(3)
        ]
        invitations_sync(rnd=self.rnd)
        for person, value in people:
            self.answer(self.rnd, person, value)
        self.rnd = round_close(rnd=self.rnd)
        self.login()

    def download(self, fmt: str) -> bytes:
        response = self.client.get(f"/alliances/{self.alliance.slug}/rounds/1/export/{fmt}/")
        assert response.status_code == 200
        return response.content

    def test_subtracting_the_shown_partners_never_isolates_a_small_partner(self):
        """The attack: alliance counts minus every shown partner's counts. The
        rest must be at least k people, never Zorg's two alone."""
        frame = pd.read_csv(io.StringIO(self.download("csv").decode("utf-8-sig")))
        statements = frame[frame["measure"] == "statement"]
        whole = statements[statements["group"] == "alliance"].set_index("id")
        partners = statements[statements["group"] == "partner"]
        shown = partners[partners["shown"] == 1]
        assert "Zorg" not in set(shown["partner"])
        assert set(partners[partners["shown"] == 0]["partner"]) >= {"Zorg"}
        rest = whole["n"] - shown.groupby("id")["n"].sum().reindex(whole.index, fill_value=0)
        assert (rest >= 3).all() or whole["shown"].eq(0).all(), rest.describe()
        levels = statements[(statements["group"] == "level") & (statements["shown"] == 1)]
        for _, by_level in levels.groupby("id"):
            assert by_level["n"].sum() >= 3

    def test_text_that_a_spreadsheet_would_run_is_defused(self):
        text = self.download("csv").decode("utf-8-sig")
        assert "'=HYPERLINK" in text
        assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
        book = openpyxl.load_workbook(io.BytesIO(self.download("xlsx")))
        cells = [c for row in book["figures"].iter_rows(values_only=True) for c in row]
        names = {c for c in cells if isinstance(c, str) and "HYPERLINK" in c}
        assert names and all(c.startswith("'=") for c in names)

    def test_there_is_no_row_per_person(self):
        from alliancelens.results.exports import build_export

        figures = build_export(self.rnd).figures
        assert "respondent" not in figures.columns
        # One row per group and measure: 1 alliance + 4 partners + levels + cells.
        per_group = figures.groupby(["group", "partner", "level"], dropna=False).size()
        assert set(per_group) == {5 + len(latest_instrument().items)}
