"""Advice that reads the registers beside the scan, through the real pages.

A round is answered low on every statement, so the scan's side of each live
rule holds; the registers then decide. Every number a live advice gives must
be one the registers' own pages show, and the advice follows the registers
as they change, while the advice stored at closing stays as it was.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils import timezone

from alliancelens.alliances.services import round_close
from alliancelens.analysis.explain import because
from alliancelens.instrument import PERSPECTIVES, get_instrument, latest_instrument
from alliancelens.registers.models import (
    Agreement,
    AllianceRole,
    Contribution,
    Interest,
    Stakeholder,
)
from alliancelens.results.documents import render_report_html
from alliancelens.results.publish import round_publish
from alliancelens.scan.services import response_save, response_submit

from .base import AllianceTestCase


def rules_in(html: str, css: str) -> set[str]:
    """The rule ids of the advice in the list with class ``css``."""
    if f'class="advice {css}"' not in html:
        return set()
    part = html.split(f'class="advice {css}"')[1].split("</ol>")[0]
    return set(re.findall(r'data-rule="([a-z_]+)"', part))


def stored_rules(html: str) -> set[str]:
    part = html.split('id="advice-h"')[1].split('id="live-advice"')[0]
    return set(re.findall(r'data-rule="([a-z_]+)"', part))


class LiveAdviceTests(AllianceTestCase):
    def setUp(self):
        self.alliance.current_phase = "design"
        self.alliance.save()
        self.gemeente = self.partners["Gemeente"]
        self.rnd = self.open_round()
        instrument = latest_instrument()
        from alliancelens.alliances.models import Invitation

        # Everyone answers 2 on every statement as meant (reverse-worded ones
        # 4), so organisation, give and take, the process's owner and the
        # no-go areas all score 2.0 on 1–5.
        for invitation in Invitation.objects.filter(round=self.rnd):
            for p in PERSPECTIVES:
                response_save(
                    invitation=invitation,
                    step=p,
                    items={i.id: 4 if i.reverse else 2 for i in instrument.items_for(p)},
                    questions={},
                )
            response_submit(invitation=invitation)
        round_publish(rnd=round_close(rnd=self.rnd, by=self.facilitator))
        ended = timezone.localdate() - timedelta(days=30)
        self.agreement = Agreement.objects.create(
            alliance=self.alliance,
            partner=self.gemeente,
            title="Jaarplan vaststellen",
            type="planning",
            level="board",
            owner="Anna",
            due=ended,
        )
        self.pledge = Contribution.objects.create(
            alliance=self.alliance,
            partner=self.gemeente,
            direction="brings",
            kind="hours",
            description="Inzet wijkcoach",
            pledged=100,
            delivered=40,
            period_start=date(2026, 1, 1),
            period_end=ended,
        )
        self.blind_spot = Stakeholder.objects.create(
            alliance=self.alliance, name="Huisartsen", influence=4, concern=4, blind_spot=True
        )
        self.page = f"/alliances/{self.alliance.slug}/rounds/{self.rnd.number}/results/"

    def live(self, user=None) -> set[str]:
        self.client.force_login(user or self.facilitator)
        html = self.client.get(self.page).content.decode()
        return rules_in(html, "live-advice")

    def test_each_rule_fires_on_the_numbers_the_register_pages_show(self):
        self.client.force_login(self.facilitator)
        html = self.client.get(self.page).content.decode()
        assert rules_in(html, "live-advice") == {
            "registers_no_go_unrecorded",
            "registers_overdue_agreements",
            "registers_pledges_not_delivered",
            "registers_blind_spots_unaddressed",
            "registers_process_facilitator_undescribed",
        }
        today = timezone.localdate()
        assert f"Uit de registers en de route, stand van {today.day} " in html
        assert "1 afspraak staat over haar datum heen" in html
        assert "Organisatie scoort gemiddeld 2,00, onder 3,00" in html
        assert "1 toegezegde bijdrage is in een afgelopen periode niet volledig geleverd" in html
        assert "1 blinde vlek in het stakeholderregister heeft geen actie" in html
        assert "Het rollenregister beschrijft geen procesbegeleider" in html
        # Each advice links to the register it read.
        assert f'href="/alliances/{self.alliance.slug}/registers/agreements/"' in html
        # The same counts on the registers' own pages.
        overview = self.client.get(f"/alliances/{self.alliance.slug}/registers/")
        self.assertContains(overview, "1 afspraak is verlopen.")
        self.assertContains(overview, "1 toegezegde bijdrage is in een afgelopen periode")
        self.assertContains(overview, "1 blinde vlek onder de stakeholders")
        listed = self.client.get(f"/alliances/{self.alliance.slug}/registers/contributions/")
        self.assertContains(listed, "niet volledig geleverd</span>", count=1)
        listed = self.client.get(f"/alliances/{self.alliance.slug}/registers/stakeholders/")
        self.assertContains(listed, "nog niets gedaan</span>", count=1)

    def test_the_advice_follows_the_registers_and_the_stored_advice_stays(self):
        self.client.force_login(self.facilitator)
        before = stored_rules(self.client.get(self.page).content.decode())
        # Put every register in order: each live rule's nearest miss.
        self.agreement.status = Agreement.Status.DONE
        self.agreement.save()
        self.pledge.delivered = 100
        self.pledge.save()
        self.blind_spot.proposed_role = Stakeholder.ProposedRole.KNOWLEDGE
        self.blind_spot.save()
        AllianceRole.objects.create(
            alliance=self.alliance,
            kind="process_facilitator",
            person="Bert",
            description="Bereidt de sessies voor en bewaakt de afspraken",
        )
        Interest.objects.create(
            alliance=self.alliance,
            partner=self.gemeente,
            kind="no_go",
            text="Geen extra bezuiniging op de wijkteams",
        )
        html = self.client.get(self.page).content.decode()
        assert rules_in(html, "live-advice") == set()
        assert 'id="live-advice"' not in html
        assert stored_rules(html) == before and before
        # An empty stakeholder register matters at the start, not later.
        self.blind_spot.archived_at = timezone.now()
        self.blind_spot.save()
        assert self.live() == set()
        self.alliance.current_phase = "share"
        self.alliance.save()
        assert self.live() == {"registers_no_stakeholder_analysis"}
        html = self.client.get(self.page).content.decode()
        assert "Het stakeholderregister is leeg" in html
        assert "De samenwerking zit nu in de fase delen" in html
        # A description left empty is no description.
        AllianceRole.objects.filter(alliance=self.alliance).update(description="  ")
        assert "registers_process_facilitator_undescribed" in self.live()

    def test_a_vital_interest_not_discussed_is_marked_and_counted_as_the_advice_counts_it(self):
        for n, (vital, discussed) in enumerate(((True, False), (True, True), (False, False))):
            Interest.objects.create(
                alliance=self.alliance,
                partner=self.gemeente,
                kind="organisational",
                text=f"Belang {n}",
                vital=vital,
                discussed=discussed,
            )
        self.client.force_login(self.observer)
        listed = self.client.get(f"/alliances/{self.alliance.slug}/registers/interests/")
        self.assertContains(listed, "vitaal, nog niet besproken</span>", count=1)
        overview = self.client.get(f"/alliances/{self.alliance.slug}/registers/")
        self.assertContains(
            overview, "1 vitaal belang is nog niet met de andere partners besproken."
        )

    def test_archived_and_future_entries_do_not_count(self):
        self.agreement.archived_at = timezone.now()
        self.agreement.save()
        future = timezone.localdate() + timedelta(days=30)
        self.pledge.period_end = future
        self.pledge.save()
        self.blind_spot.action = "Uitnodigen voor de volgende sessie"
        self.blind_spot.save()
        assert self.live() == {
            "registers_no_go_unrecorded",
            "registers_process_facilitator_undescribed",
        }

    def test_every_member_sees_it_and_the_report_dates_it(self):
        expected = self.live()
        assert self.live(self.lead) == expected
        assert self.live(self.observer) == expected
        self.client.force_login(self.stranger)
        assert self.client.get(self.page).status_code == 404
        html = render_report_html(self.rnd, "en")
        section = html.split('<h2 id="advice-h">')[1].split("</section>")[0]
        today = timezone.localdate()
        assert (
            f"From the registers and the route, as of {today.day} {today:%B} {today.year}"
            in section
        )
        assert rules_in(section, "live-advice") == expected
        assert "1 agreement is past its due date" in section

    def test_an_earlier_round_points_to_the_latest(self):
        from alliancelens.alliances.models import Invitation

        second = self.open_round("Ronde 2")
        for invitation in Invitation.objects.filter(round=second):
            self.answer(second, invitation.participant, "2")
        round_publish(rnd=round_close(rnd=second, by=self.facilitator))
        self.client.force_login(self.facilitator)
        first = self.client.get(self.page).content.decode()
        assert rules_in(first, "live-advice") == set()
        assert "Advies uit de registers staat bij de laatste ronde van de alliantie." in first
        latest = f"/alliances/{self.alliance.slug}/rounds/{second.number}/results/"
        assert rules_in(self.client.get(latest).content.decode(), "live-advice")

    def test_the_route_and_the_logs_feed_the_advice(self):
        from alliancelens.journey.models import ChecklistMark, PhaseMove
        from alliancelens.registers.models import Conflict, Success

        before = self.live()
        assert not before & {
            "route_skipped_negotiation",
            "conflicts_open_handling",
            "successes_none_for_six_months",
            "checklist_open_earlier",
        }
        today = timezone.localdate()
        PhaseMove.objects.create(
            alliance=self.alliance,
            from_phase="explore",
            to_phase="agree",
            skipped=["share"],
            reason="De subsidie wachtte niet",
        )
        Conflict.objects.create(
            alliance=self.alliance,
            kind="resources",
            occurred_on=today - timedelta(days=20),
            what="Wie betaalt de coördinator",
        )
        Success.objects.create(
            alliance=self.alliance, achieved_on=today - timedelta(days=200), what="Eerste wijkdag"
        )
        ChecklistMark.objects.create(alliance=self.alliance, item="nothing_yet", done=False)
        fired = self.live()
        assert {
            "route_skipped_negotiation",
            "conflicts_open_handling",
            "successes_none_for_six_months",
            "checklist_open_earlier",
        } <= fired
        self.client.force_login(self.facilitator)
        html = self.client.get(self.page).content.decode()
        assert (
            "1 fase is zonder resultaat overgeslagen en heeft dat resultaat nog steeds niet"
            in html
        )
        assert (
            "Het laatste vastgelegde succes (of het begin van de alliantie) is 200 dagen" in html
        )
        assert f'href="/alliances/{self.alliance.slug}/route/"' in html
        # A recent success, the conflict handled: those two go quiet.
        Success.objects.create(
            alliance=self.alliance, achieved_on=today - timedelta(days=10), what="Tweede wijkdag"
        )
        Conflict.objects.update(status="handled")
        assert not self.live() & {"conflicts_open_handling", "successes_none_for_six_months"}


def test_register_reasons_read_as_sentences():
    instrument = get_instrument("reflection-core", 2)
    assert because("register.agreements.overdue = 2 > 0", instrument, "nl") == (
        "2 afspraken staan over hun datum heen"
    )
    assert because("register.interests.no_go = 0 == 0", instrument, "en") == (
        "The interests register names no no-go area at all"
    )
    assert because("alliance.phase = explore in [explore, share]", instrument, "nl") == (
        "De samenwerking zit nu in de fase verkennen"
    )
    assert because("organisation.mean = 2.50 < 3.00", instrument, "en") == (
        "Organisation scores 2.50 on average, below 3.00"
    )
