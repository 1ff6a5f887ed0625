"""The four overviews drawn from the registers: interests side by side, who
decides / does / belongs, the stakeholder grid and the contributions balance.
Every member reads them; strangers and outsiders see nothing."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from alliancelens.alliances.services import round_close
from alliancelens.charts.charts import GridPoint, stakeholder_grid
from alliancelens.registers.boards import significant_words
from alliancelens.registers.models import (
    Agreement,
    AllianceRole,
    Contribution,
    Interest,
    MutualGain,
    RuleOfPlay,
    Stakeholder,
)

from .base import AllianceTestCase, strip_tags

BOARDS = (
    "interests/side-by-side",
    "agreements/overview",
    "stakeholders/grid",
    "contributions/balance",
)


def chart_svgs(html: bytes) -> list[str]:
    """The SVG drawings behind the page's chart images."""
    return [
        base64.b64decode(found).decode()
        for found in re.findall(rb'src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]


class RegisterBoardTests(AllianceTestCase):
    no_go: Interest
    clash: Interest

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        gemeente, woning, zorg = (
            cls.partners[n] for n in ("Gemeente", "Woningcorporatie", "Zorg")
        )
        a = cls.alliance
        cls.no_go = Interest.objects.create(
            alliance=a, partner=gemeente, kind="no_go", text="Geen sloop van sociale huurwoningen"
        )
        cls.clash = Interest.objects.create(
            alliance=a,
            partner=woning,
            kind="organisational",
            text="Verduurzamen door SLOOP en nieuwbouw",
            vital=True,
        )
        Interest.objects.create(
            alliance=a, partner=zorg, kind="collective", text="Gezonde wijk", discussed=True
        )
        Interest.objects.create(
            alliance=a, partner=gemeente, kind="collective", text="Minder eenzaamheid"
        )
        Interest.objects.create(
            alliance=a,
            partner=zorg,
            kind="organisational",
            text="Archived sloop interest",
            archived_at=timezone.now(),
        )
        gain = MutualGain.objects.create(alliance=a, idea="Samen een buurthuis")
        gain.serves.add(cls.clash)
        today = timezone.localdate()
        Agreement.objects.create(
            alliance=a,
            partner=gemeente,
            title="Stuurgroep besluit over budget",
            type="governance",
            level="board",
            owner="Anna",
            status="done",
        )
        Agreement.objects.create(
            alliance=a,
            partner=zorg,
            title="Wijkscan opleveren",
            type="result",
            level="professional",
            owner="Bert",
            due=today - timedelta(days=3),
        )
        Agreement.objects.create(
            alliance=a,
            partner=woning,
            title="Archived agreement",
            type="result",
            level="board",
            owner="Carla",
            archived_at=timezone.now(),
        )
        AllianceRole.objects.create(
            alliance=a,
            partner=gemeente,
            kind="coordinator",
            person="Dirk",
            authorities="Budget tot 5000 euro",
        )
        RuleOfPlay.objects.create(alliance=a, text="We zeggen het als iets schuurt")
        Stakeholder.objects.create(alliance=a, name="Huurdersvereniging", influence=3, concern=5)
        Stakeholder.objects.create(
            alliance=a, name="Buurtsportclub", influence=2, concern=4, blind_spot=True
        )
        Stakeholder.objects.create(
            alliance=a,
            name="Huisartsen",
            influence=5,
            concern=4,
            blind_spot=True,
            proposed_role="knowledge",
            action="Signalen delen",
        )
        for unit, pledged, delivered in (("uur", "120", "80"), ("Uur ", "30", None)):
            Contribution.objects.create(
                alliance=a,
                partner=gemeente,
                direction="brings",
                kind="hours",
                description="Inzet",
                unit=unit,
                pledged=Decimal(pledged),
                delivered=Decimal(delivered) if delivered else None,
            )
        Contribution.objects.create(
            alliance=a,
            partner=gemeente,
            direction="brings",
            kind="money",
            description="Budget",
            unit="euro",
            pledged=Decimal("10000"),
            delivered=Decimal("2500.50"),
        )

    def get(self, board: str, user=None):
        self.login(user)
        return self.client.get(
            f"/alliances/{self.alliance.slug}/registers/{board}/", HTTP_ACCEPT_LANGUAGE="en"
        )

    def test_every_member_reads_each_board_and_others_get_404(self):
        for board in BOARDS:
            for user in (self.facilitator, self.lead, self.observer):
                with self.subTest(board=board, user=user.username):
                    assert self.get(board, user).status_code == 200
            for user in (self.stranger, self.outsider):
                with self.subTest(board=board, user=user.username):
                    assert self.get(board, user).status_code == 404

    def test_the_registers_overview_links_every_board(self):
        self.login(self.observer)
        html = self.client.get(f"/alliances/{self.alliance.slug}/registers/").content.decode()
        for board in BOARDS:
            assert f"/registers/{board}/" in html

    def test_interests_stand_in_one_column_per_partner_with_their_marks(self):
        html = self.get(BOARDS[0]).content.decode()
        heads = re.findall(r'<th scope="col">([^<]+)</th>', html)
        assert heads[1:4] == ["Gemeente", "Woningcorporatie", "Zorg"]
        assert 'class="table-scroll" tabindex="0" role="region"' in html
        text = strip_tags(self.get(BOARDS[0]).content)
        assert "Verduurzamen door SLOOP en nieuwbouw vital" in text
        assert "Minder eenzaamheid not yet discussed openly" in text
        assert "Archived sloop" not in text

    def test_a_no_go_area_sharing_a_word_with_another_partners_interest_is_flagged(self):
        text = strip_tags(self.get(BOARDS[0]).content)
        assert (
            "possible conflict Gemeente (no-go area): Geen sloop van sociale huurwoningen — "
            "Woningcorporatie" in text
        )
        assert "shared words: sloop" in text
        assert "five letters or more" in text  # the heuristic, in plain words
        # Collective interests of all partners together; the gain and what it serves.
        assert "Zorg : Gezonde wijk" in text and "Gemeente : Minder eenzaamheid" in text
        assert "Samen een buurthuis Serves: Woningcorporatie: Verduurzamen" in text

    def test_significant_words_leave_out_short_and_common_words(self):
        assert significant_words("Geen SLOOP, tussen de wijken zonder 2026") == {"sloop", "wijken"}

    def test_the_overview_lists_an_overdue_agreement_as_overdue(self):
        text = strip_tags(self.get(BOARDS[1], self.observer).content)
        assert "Stuurgroep besluit over budget" in text  # who decides
        assert re.search(r"Zorg Bert Wijkscan opleveren .* Open overdue", text)
        assert "Coordinator Dirk Gemeente Budget tot 5000 euro" in text
        assert "We zeggen het als iets schuurt" in text
        assert "Archived agreement" not in text

    def test_the_grid_draws_every_stakeholder_and_marks_blind_spots(self):
        response = self.get(BOARDS[2], self.lead)
        (svg,) = chart_svgs(response.content)
        for name in ("Huurdersvereniging", "Buurtsportclub", "Huisartsen"):
            assert name in svg
        assert 'id="blind-spots"' in svg and 'id="stakeholders"' in svg
        text = strip_tags(response.content)
        assert "Huisartsen Knowledge partner Signalen delen" in text
        assert (
            "Buurtsportclub is a blind spot without a proposed role and without what the "
            "alliance needs it to do." in text
        )
        assert "Huisartsen is a blind spot without" not in text

    def test_the_balance_adds_up_per_unit_only_and_shows_delivered_over_pledged(self):
        text = strip_tags(self.get(BOARDS[3]).content)
        # 120 + 30 hours (two spellings of one unit), never added to the euros.
        assert "Brings uur 150 80 (1 not filled in) 53 %" in text
        assert "Brings euro 10,000 2,500.50 25 %" in text
        assert "10,150" not in text and "10150" not in text
        assert "once a round is closed" in text

    def test_the_balance_writes_dutch_numbers_and_links_the_closed_rounds_give_and_take(self):
        rnd = self.open_round()
        round_close(rnd=rnd)
        self.login()
        response = self.client.get(
            f"/alliances/{self.alliance.slug}/registers/contributions/balance/",
            HTTP_ACCEPT_LANGUAGE="nl",
        )
        html = response.content.decode()
        assert f'/rounds/{rnd.number}/results/#givetake-h"' in html
        assert "10.000" in html and "2.500,50" in html
        (svg,) = chart_svgs(response.content)
        assert "2.500,50 / 10.000" in svg


def test_a_crowded_cell_names_five_parties_and_counts_the_rest():
    """Parties with the same scores stand one below another; long names are
    shortened in the drawing and kept whole in the data table."""
    long_name = "Huisartsencoöperatie Rivierstad en omstreken"
    points = [GridPoint(f"Partij {i}", 4, 5) for i in range(6)] + [GridPoint(long_name, 4, 5)]
    chart = stakeholder_grid(
        points,
        "nl",
        title="Kaart",
        influence_label="Invloed",
        concern_label="Betrokkenheid",
        party_label="Partij",
        blind_spot_label="Blinde vlek",
        other_label="Andere partij",
    )
    assert "+2" in chart.svg and long_name not in chart.svg
    assert long_name in [row[0] for row in chart.rows]
    assert 'id="blind-spots"' not in chart.svg
