"""The working registers through the web: create, edit, archive, history,
and who may do what; bad input; partners with entries; the backup."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import formats, timezone

from alliancelens.access.backup import import_alliance
from alliancelens.alliances.models import Alliance
from alliancelens.registers.models import (
    Conflict,
    EntryChange,
    Harvest,
    Interest,
    LearningQuestion,
    Success,
)
from alliancelens.registers.registry import REGISTERS, field
from alliancelens.registers.successes import months_before

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
        "successes": {
            "achieved_on": "2026-03-12",
            "what": "Eerste gezamenlijke wijkavond, 80 bewoners",
            "contributors": "Gemeente (zaal), Zorg (wijkverpleging)",
            "evidence": "https://example.org/verslag-wijkavond",
        },
        "conflicts": {
            "occurred_on": "2026-02-03",
            "kind": "norms",
            "what": "Onenigheid over wie de bewoners als eerste benadert",
            "handled": "Gesprek met beide directeuren",
            "agreed": "De wijkcoach belt eerst",
            "status": "handled",
        },
        "learning": {
            "question": "Wat maakt dat bewoners hun wijkteam weten te vinden?",
            "who": "Dirk",
            "due": "2026-09-01",
            "status": "answered",
            "answer": "Via de huisarts, niet via folders",
        },
        "harvest": {
            "learned_on": "2026-04-20",
            "lesson": "Een vast aanspreekpunt per straat werkt",
            "laid_down_in": "Werkwijzer wijkteam",
        },
        "dissent": {
            "meeting": "Stuurgroep",
            "meeting_on": "2026-05-14",
            "person": "Eva",
            "topic": "Begroting 2027",
        },
        "goals": {
            "goal": "Minder eenzaamheid onder ouderen in de wijk",
            "activities": "Huisbezoeken; ontmoetingsplek",
            "contributions": "Gemeente: ruimte; Zorg: uren",
            "due": "2027-12-31",
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
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        cases = [
            ("contributions", {"pledged": "-5"}),
            ("contributions", {"period_end": "2025-01-01"}),
            ("agreements", {"due": "2025-01-01"}),
            ("agreements", {"owner": ""}),
            ("roles", {"term_end": "2025-01-01"}),
            ("stakeholders", {"influence": "9"}),
            ("expertise", {"consent": ""}),
            ("interests", {"partner": ""}),
            ("successes", {"achieved_on": tomorrow}),
            ("successes", {"what": ""}),
            ("conflicts", {"occurred_on": tomorrow}),
            ("conflicts", {"kind": "anger"}),
            ("learning", {"answer": ""}),
            ("learning", {"who": ""}),
            ("harvest", {"learned_on": tomorrow}),
            ("dissent", {"person": ""}),
            ("goals", {"due": "someday"}),
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
        # A NUL (which PostgreSQL cannot compare) gets a message, not an error.
        nul = self.client.get(f"{self.base}/expertise/?q=a%00b", follow=True)
        self.assertContains(nul, "De zoekterm mag geen NUL-teken bevatten.")
        assert "Woningfinanciering" in nul.content.decode()


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


class JourneyLogTests(AllianceTestCase):
    """The rules of the journey's logs: what cannot be in the future, what
    an answered question needs, and what counts as overdue or still open."""

    def codes(self, entry) -> dict[str, list[str]]:
        try:
            entry.full_clean()
        except ValidationError as exc:
            return {k: [e.code or "" for e in v] for k, v in exc.error_dict.items()}
        return {}

    def test_a_success_a_conflict_or_a_lesson_cannot_lie_in_the_future(self):
        a = self.alliance
        today = timezone.localdate()
        tomorrow = today + timedelta(days=1)
        assert self.codes(Success(alliance=a, achieved_on=tomorrow, what="x")) == {
            "achieved_on": ["future"]
        }
        assert self.codes(
            Conflict(alliance=a, kind="setback", occurred_on=tomorrow, what="x")
        ) == {"occurred_on": ["future"]}
        assert self.codes(Harvest(alliance=a, learned_on=tomorrow, lesson="x")) == {
            "learned_on": ["future"]
        }
        # Today is not the future.
        assert self.codes(Success(alliance=a, achieved_on=today, what="x")) == {}

    @override_settings(LANGUAGE_CODE="en")
    def test_the_form_names_the_field_and_says_why(self):
        self.login()
        base = f"/alliances/{self.alliance.slug}/registers"
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        zorg = self.partners["Zorg"].pk
        cases = [
            ("successes", {"achieved_on": tomorrow}, "achieved_on", "cannot lie in the future"),
            ("conflicts", {"occurred_on": tomorrow}, "occurred_on", "cannot lie in the future"),
            ("harvest", {"learned_on": tomorrow}, "learned_on", "cannot lie in the future"),
            ("learning", {"answer": ""}, "answer", "An answered question needs its answer"),
        ]
        for key, bad, name, message in cases:
            response = self.client.post(f"{base}/{key}/new/", sample(key, zorg, bad))
            assert response.status_code == 400, key
            # The message stands in the named field's own block.
            (block,) = (
                b
                for b in response.content.decode().split('<div class="field')
                if f'for="id_{name}"' in b
            )
            assert "has-error" in block and message in block, (key, block)
        for register in REGISTERS:
            assert not register.model._default_manager.exists(), register.key

    def test_an_answered_question_needs_its_answer(self):
        question = LearningQuestion(
            alliance=self.alliance, question="Werkt het?", who="Dirk", status="answered"
        )
        assert self.codes(question) == {"answer": ["no_answer"]}
        question.answer = "Ja, met een vast aanspreekpunt"
        assert self.codes(question) == {}
        # An open or dropped question may wait for its answer.
        for status in ("open", "dropped"):
            assert (
                self.codes(
                    LearningQuestion(
                        alliance=self.alliance, question="?", who="Dirk", status=status
                    )
                )
                == {}
            )

    def test_an_open_learning_question_past_its_day_is_overdue(self):
        def question(**kw) -> LearningQuestion:
            return LearningQuestion(alliance=self.alliance, question="?", who="Dirk", **kw)

        past = timezone.localdate() - timedelta(days=1)
        assert question(due=past).overdue
        assert not question(due=timezone.localdate()).overdue
        assert not question(due=past, status="answered", answer="ja").overdue
        assert not question(due=past, status="dropped").overdue
        assert not question(due=past, archived_at=timezone.now()).overdue
        assert not question().overdue

    def test_a_conflict_is_open_until_handled_or_archived(self):
        def conflict(**kw) -> Conflict:
            return Conflict(
                alliance=self.alliance,
                kind="resources",
                occurred_on=timezone.localdate(),
                what="Wie betaalt de zaal?",
                **kw,
            )

        assert conflict().open
        assert not conflict(status="handled").open
        assert not conflict(status="left").open
        assert not conflict(archived_at=timezone.now()).open

    def test_a_partner_lead_writes_a_log_entry_for_their_own_partner_only(self):
        """As for stakeholders: the partner is optional for the facilitator,
        required and their own for a partner lead."""
        lead = Client()
        lead.force_login(self.lead)
        base = f"/alliances/{self.alliance.slug}/registers"
        gemeente, zorg = self.partners["Gemeente"].pk, self.partners["Zorg"].pk
        for key in ("successes", "conflicts", "learning", "harvest", "dissent", "goals"):
            assert lead.post(f"{base}/{key}/new/", sample(key, zorg)).status_code == 400, key
            none = sample(key, gemeente, {"partner": ""})
            assert lead.post(f"{base}/{key}/new/", none).status_code == 400, key
            assert lead.post(f"{base}/{key}/new/", sample(key, gemeente)).status_code == 302
        self.login()
        for key in ("successes", "goals"):
            none = sample(key, gemeente, {"partner": ""})
            assert self.client.post(f"{base}/{key}/new/", none).status_code == 302, key
        assert Success.objects.filter(partner=None).count() == 1
        assert not Success.objects.filter(partner_id=zorg).exists()


@override_settings(LANGUAGE_CODE="en")
class SuccessSummaryTests(AllianceTestCase):
    """The successes on one page, for every member, to share outside."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        a, zorg = cls.alliance, cls.partners["Zorg"]

        def success(days: int, what: str, **kw) -> Success:
            return Success.objects.create(
                alliance=a, achieved_on=today - timedelta(days=days), what=what, **kw
            )

        success(10, "Wijkavond met 80 bewoners", contributors="Zorg en Gemeente", partner=zorg)
        success(40, "Eerste huisbezoeken", evidence="https://example.org/verslag")
        success(400, "Convenant getekend")
        success(1200, "Kennismaking")
        success(5, "Gearchiveerd succes", archived_at=timezone.now())
        Success.objects.create(
            alliance=Alliance.objects.get(name="Elders"), achieved_on=today, what="Elders gelukt"
        )

    def setUp(self):
        self.url = f"/alliances/{self.alliance.slug}/registers/successes/summary/"

    def test_members_see_the_last_year_newest_first_without_archived_ones(self):
        for user in (self.facilitator, self.lead, self.observer):
            self.client.force_login(user)
            response = self.client.get(self.url)
            assert response.status_code == 200
            page = response.content.decode()
            assert "Gezonde Wijk" in page and "Samen gezonder" in page
            today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
            assert f"Made on {today}." in page
            assert "shared" in page and "own organisations" in page
            assert page.index("Wijkavond met 80 bewoners") < page.index("Eerste huisbezoeken")
            assert "Zorg en Gemeente" in page
            assert '<a href="https://example.org/verslag"' in page
            for absent in ("Convenant getekend", "Kennismaking", "Gearchiveerd", "Elders"):
                assert absent not in page, absent
            assert self.participants[0].name not in page

    def test_months_widens_or_narrows_the_period(self):
        self.login()
        wider = self.client.get(self.url, {"months": "24"}).content.decode()
        assert "Convenant getekend" in wider and "Kennismaking" not in wider
        assert "Kennismaking" in self.client.get(self.url, {"months": "60"}).content.decode()
        narrow = self.client.get(self.url, {"months": "1"}).content.decode()
        assert "Wijkavond" in narrow and "Eerste huisbezoeken" not in narrow

    def test_a_bad_number_of_months_is_refused_with_what_is_wrong(self):
        self.login()
        for bad in ("0", "61", "twelve", "", "-3", "1.5", "²", "١٢"):
            response = self.client.get(self.url, {"months": bad})
            assert response.status_code == 400, bad
            page = response.content.decode()
            assert "a whole number of months from 1 to 60" in page, bad
            assert "Wijkavond" not in page
        assert self.client.get(self.url[:-1] + ".pdf", {"months": "99"}).status_code == 400

    def test_the_pdf_is_a_pdf_with_the_successes(self):
        self.client.force_login(self.observer)
        response = self.client.get(self.url[:-1] + ".pdf", {"months": "24"})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        text = " ".join(
            page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
        )
        assert "Successes of Gezonde Wijk" in text and "Samen gezonder" in text
        assert "Convenant getekend" in text and "Gearchiveerd" not in text

    def test_outsiders_get_nothing(self):
        for user in (self.outsider, self.stranger):
            self.client.force_login(user)
            assert self.client.get(self.url).status_code == 404
            assert self.client.get(self.url[:-1] + ".pdf").status_code == 404
        self.client.logout()
        assert self.client.get(self.url).status_code == 302

    def test_the_successes_list_links_to_it_and_other_lists_do_not(self):
        self.login()
        base = f"/alliances/{self.alliance.slug}/registers"
        assert self.url in self.client.get(f"{base}/successes/").content.decode()
        assert self.url not in self.client.get(f"{base}/goals/").content.decode()


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
    assert months_before(date(2026, 5, 10), 60) == date(2021, 5, 10)
