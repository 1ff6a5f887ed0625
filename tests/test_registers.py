"""The working registers through the web: create, edit, archive, history,
and who may do what; bad input; partners with entries; the backup."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from alliancelens.access.backup import import_alliance
from alliancelens.alliances.models import Alliance
from alliancelens.registers.models import EntryChange, Interest
from alliancelens.registers.registry import REGISTERS, field

from .base import AllianceTestCase


def sample(key: str, partner: int, other: dict[str, Any] | None = None) -> dict[str, Any]:
    """A valid form for one register, for ``partner``."""
    data: dict[str, dict[str, Any]] = {
        "interests": {
            "kind": "organisational",
            "text": "Minder wachtlijsten",
            "position": "Meer geld",
            "vital": "on",
        },
        "gains": {"idea": "Samen een wijkteam"},
        "contributions": {
            "direction": "brings",
            "kind": "hours",
            "description": "Inzet wijkcoach",
            "unit": "uur",
            "pledged": "120",
            "delivered": "80",
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
        },
        "agreements": {
            "title": "Gezamenlijk jaarplan",
            "type": "planning",
            "level": "board",
            "owner": "Anna",
            "decided_on": "2026-01-10",
            "due": "2026-03-01",
            "status": "open",
        },
        "roles": {
            "kind": "process_facilitator",
            "person": "Bert",
            "description": "Leidt de sessies",
            "term_start": "2026-01-01",
            "term_end": "2026-12-31",
        },
        "rules": {"text": "We zeggen het als iets schuurt", "agreed_on": "2026-02-01"},
        "stakeholders": {
            "name": "Huurdersvereniging",
            "influence": "3",
            "concern": "5",
            "stance": "critical",
            "blind_spot": "on",
            "proposed_role": "alliance",
        },
        "expertise": {
            "kind": "expertise",
            "topic": "Woningfinanciering",
            "person": "Carla",
            "consent": "on",
        },
    }
    return {**data[key], "partner": str(partner), **(other or {})}


class RegisterTests(AllianceTestCase):
    def setUp(self):
        self.base = f"/alliances/{self.alliance.slug}/registers"
        self.gemeente = self.partners["Gemeente"]
        self.zorg = self.partners["Zorg"]

    def client_for(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def test_every_register_is_created_edited_archived_and_restored_with_its_history(self):
        self.login()
        for register in REGISTERS:
            key = register.key
            created = self.client.post(f"{self.base}/{key}/new/", sample(key, self.gemeente.pk))
            assert created.status_code == 302, (key, created.content[:2000])
            entry = register.model._default_manager.get(alliance=self.alliance)
            listed = self.client.get(f"{self.base}/{key}/")
            assert listed.status_code == 200
            link = f"{self.base}/{key}/{entry.pk}/"
            assert link in listed.content.decode(), key
            # Edit one field: the history says who changed what.
            form = self.client.get(f"{self.base}/{key}/{entry.pk}/")
            assert form.status_code == 200
            data = sample(key, self.gemeente.pk)
            text = next(
                name
                for name in register.fields
                if field(register.model, name).get_internal_type() in ("CharField", "TextField")
                and not field(register.model, name).choices
            )
            data[text] = "Gewijzigd " + key
            assert self.client.post(f"{self.base}/{key}/{entry.pk}/", data).status_code == 302
            self.client.post(f"{self.base}/{key}/{entry.pk}/archive/")
            assert register.model._default_manager.get(pk=entry.pk).archived
            assert link not in self.client.get(f"{self.base}/{key}/").content.decode()
            assert link in self.client.get(f"{self.base}/{key}/?archived=1").content.decode()
            self.client.post(f"{self.base}/{key}/{entry.pk}/archive/")
            actions = list(
                EntryChange.objects.filter(register=key, entry_id=entry.pk)
                .order_by("at", "pk")
                .values_list("action", flat=True)
            )
            assert actions == ["created", "changed", "archived", "restored"], (key, actions)
            change = EntryChange.objects.get(register=key, entry_id=entry.pk, action="changed")
            assert change.actor == "fiona" and change.changes
            page = self.client.get(f"{self.base}/{key}/{entry.pk}/").content.decode()
            assert "Geschiedenis van dit item" in page or "History of this entry" in page

    def test_who_may_do_what(self):
        own = Interest.objects.create(
            alliance=self.alliance, partner=self.gemeente, kind="no_go", text="Geen fusie"
        )
        other = Interest.objects.create(
            alliance=self.alliance, partner=self.zorg, kind="no_go", text="Geen extra uren"
        )
        lead = self.client_for(self.lead)  # Gemeente's partner lead
        observer = self.client_for(self.observer)
        outsider = self.client_for(self.outsider)
        stranger = self.client_for(self.stranger)
        url = f"{self.base}/interests"
        # The lead edits Gemeente's entries, not Zorg's, and adds only for Gemeente.
        edit = sample("interests", self.gemeente.pk, {"text": "Geen fusie, wel samenwerking"})
        assert lead.post(f"{url}/{own.pk}/", edit).status_code == 302
        assert (
            lead.post(f"{url}/{other.pk}/", sample("interests", self.zorg.pk)).status_code == 403
        )
        assert lead.post(f"{url}/{other.pk}/archive/").status_code == 403
        refused = lead.post(f"{url}/new/", sample("interests", self.zorg.pk))
        assert refused.status_code == 400
        assert lead.post(f"{url}/new/", sample("interests", self.gemeente.pk)).status_code == 302
        # Observers read everything and change nothing.
        assert observer.get(f"{url}/").status_code == 200
        assert observer.get(f"{url}/{other.pk}/").status_code == 200
        assert observer.post(f"{url}/new/", sample("interests", self.zorg.pk)).status_code == 403
        assert observer.post(f"{url}/{own.pk}/archive/").status_code == 403
        # Others do not learn that the alliance exists.
        for client in (outsider, stranger):
            assert client.get(f"{url}/").status_code == 404
            assert client.post(f"{url}/{own.pk}/archive/").status_code == 404
        other.refresh_from_db()
        assert other.text == "Geen extra uren" and not other.archived
        assert Interest.objects.filter(partner=self.zorg).count() == 1

    def test_bad_input_says_what_and_where_and_saves_nothing(self):
        self.login()
        cases = [
            ("contributions", {"pledged": "-5"}),
            ("contributions", {"period_end": "2025-01-01"}),
            ("agreements", {"due": "2025-01-01"}),
            ("agreements", {"owner": ""}),
            ("roles", {"term_end": "2025-01-01"}),
            ("stakeholders", {"influence": "9"}),
            ("expertise", {"consent": ""}),
            ("interests", {"partner": ""}),
        ]
        for key, bad in cases:
            data = {k: v for k, v in sample(key, self.gemeente.pk, bad).items() if v != ""}
            response = self.client.post(f"{self.base}/{key}/new/", data)
            assert response.status_code == 400, (key, bad)
            assert 'class="errors"' in response.content.decode(), (key, bad)
        for register in REGISTERS:
            assert not register.model._default_manager.exists(), register.key

    def test_a_partner_with_entries_is_not_deleted_silently(self):
        self.login()
        Interest.objects.create(alliance=self.alliance, partner=self.zorg, kind="vital", text="x")
        response = self.client.post(
            f"/alliances/{self.alliance.slug}/partners/{self.zorg.pk}/delete/", follow=True
        )
        assert self.alliance.partners.filter(pk=self.zorg.pk).exists()
        assert "interests" in response.content.decode() or "belangen" in response.content.decode()

    def test_search_finds_who_knows_about_a_topic(self):
        self.login()
        self.client.post(f"{self.base}/expertise/new/", sample("expertise", self.gemeente.pk))
        found = self.client.get(f"{self.base}/expertise/?q=woningfin").content.decode()
        assert "Woningfinanciering" in found
        none = self.client.get(f"{self.base}/expertise/?q=ruimtevaart").content.decode()
        assert "Woningfinanciering" not in none


@pytest.mark.django_db
def test_the_backup_carries_every_register_with_its_history(client):
    from tests.base import PASSWORD  # noqa: F401  (fixtures come from the class above)

    # Fill every register of a fresh alliance through the web, then restore.
    case = RegisterTests("test_who_may_do_what")
    case.setUpTestData()
    alliance = Alliance.objects.get(name="Gezonde Wijk")
    client.force_login(case.facilitator)
    base = f"/alliances/{alliance.slug}/registers"
    partner = alliance.partners.get(name="Gemeente")
    for register in REGISTERS:
        assert (
            client.post(
                f"{base}/{register.key}/new/", sample(register.key, partner.pk)
            ).status_code
            == 302
        )
    gain = REGISTERS[1].model._default_manager.get(alliance=alliance)
    interest = Interest.objects.get(alliance=alliance)
    client.post(
        f"{base}/gains/{gain.pk}/",
        {"idea": "Samen een wijkteam", "serves": [interest.pk], "partner": ""},
    )
    # Accounts are matched by e-mail address on restore.
    for grant in alliance.access_grants.select_related("user"):
        grant.user.email = f"{grant.user.username}@example.org"
        grant.user.save()
    out = io.StringIO()
    call_command("export-alliance", alliance.slug, stdout=out)
    data = json.loads(out.getvalue())
    for register in REGISTERS:
        assert len(data[register.key]) == 1, register.key
    assert len(data["gains_interests"]) == 1
    assert len(data["register_changes"]) == len(REGISTERS) + 1
    import_alliance(out.getvalue(), slug="copy")
    copy = Alliance.objects.get(slug="copy")
    for register in REGISTERS:
        original = register.model._default_manager.get(alliance=alliance)
        restored = register.model._default_manager.get(alliance=copy)
        for name in register.fields:
            if name == "partner":
                names = [getattr(x.partner, "name", None) for x in (original, restored)]
                assert names[0] == names[1], register.key
            elif name == "serves":
                assert [i.text for i in restored.serves.all()] == [interest.text]
            else:
                assert getattr(restored, name) == getattr(original, name), (register.key, name)
        history = EntryChange.objects.filter(alliance=copy, register=register.key)
        assert history.exists() and all(h.entry_id == restored.pk for h in history)


class RegisterReportTests(AllianceTestCase):
    def test_the_report_has_a_section_per_filled_register_and_marks_overdue_agreements(self):
        from alliancelens.alliances.services import round_close
        from alliancelens.registers.models import Agreement, Stakeholder
        from alliancelens.results.documents import render_report_html
        from alliancelens.results.publish import round_publish

        rnd = self.open_round()
        for person in self.participants:
            self.answer(rnd, person, "4")
        round_publish(rnd=round_close(rnd=rnd, by=self.facilitator))
        gemeente = self.partners["Gemeente"]
        Agreement.objects.create(
            alliance=self.alliance,
            partner=gemeente,
            title="Jaarplan vaststellen",
            type="planning",
            level="board",
            owner="Anna",
            due="2020-01-01",
        )
        Stakeholder.objects.create(
            alliance=self.alliance,
            name="Huurdersvereniging",
            influence=3,
            concern=5,
            blind_spot=True,
            archived_at=None,
        )
        Stakeholder.objects.create(
            alliance=self.alliance,
            name="Oud archief",
            influence=1,
            concern=1,
            archived_at="2026-01-01T00:00:00Z",
        )
        html = render_report_html(rnd, "en")
        section = html.split('<h2 id="registers-h">')[1].split("</section>")[0]
        assert "Jaarplan vaststellen" in section and "overdue" in section
        assert "Huurdersvereniging" in section and "Oud archief" not in section
        assert "Interests" not in section  # an empty register gets no table
        toc = html.split('class="toc"')[1].split("</ol>")[0]
        assert 'href="#registers"' in toc
        # The results page does not repeat the registers.
        self.login()
        page = self.client.get(f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/results/")
        assert 'id="registers-h"' not in page.content.decode()


class RevisitTests(AllianceTestCase):
    def test_a_rule_of_play_whose_revisit_day_has_come_is_flagged(self):
        from alliancelens.registers.models import RuleOfPlay

        due = RuleOfPlay.objects.create(
            alliance=self.alliance, text="We bellen elkaar eerst", revisit_on="2020-01-01"
        )
        RuleOfPlay.objects.create(
            alliance=self.alliance, text="Later bekijken", revisit_on="2999-01-01"
        )
        due.refresh_from_db()
        assert due.due_for_revisit
        self.client.force_login(self.observer)
        overview = self.client.get(f"/alliances/{self.alliance.slug}/registers/")
        self.assertContains(overview, "1 spelregel moet opnieuw worden bekeken.")
        listed = self.client.get(f"/alliances/{self.alliance.slug}/registers/rules/")
        assert listed.content.decode().count("opnieuw bekijken</span>") == 1
