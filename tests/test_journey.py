"""The route through the web: moving phases with and without a result and
the skipped-foundations reason, the phase results, the checklists, the
members' view of the stage, who may do what, and the backup."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from alliancelens.access.backup import import_alliance
from alliancelens.alliances.models import Alliance
from alliancelens.journey.content import load_route
from alliancelens.journey.models import (
    ChecklistMark,
    PhaseMove,
    PhaseResult,
    RouteChange,
    StageView,
)

from .base import AllianceTestCase


class JourneyTests(AllianceTestCase):
    def setUp(self):
        self.base = f"/alliances/{self.alliance.slug}/route"
        self.login()

    def agree(self, phase: str, text: str = "Startnotitie, door alle partners getekend") -> None:
        response = self.client.post(
            f"{self.base}/phase/{phase}/",
            {"status": "agreed", "text": text, "link": "", "agreed_on": "2026-01-15"},
        )
        assert response.status_code == 302, response.content.decode()[-1500:]

    def move(self, to: str, reason: str = "", moved_on: str = ""):
        day = moved_on or timezone.localdate().isoformat()
        return self.client.post(
            f"{self.base}/move/", {"to_phase": to, "reason": reason, "moved_on": day}
        )

    def current(self) -> str:
        self.alliance.refresh_from_db()
        return self.alliance.current_phase

    def test_moving_on_with_every_result_needs_no_reason(self):
        self.agree("explore")
        assert self.move("share").status_code == 302
        assert self.current() == "share"
        move = PhaseMove.objects.get(alliance=self.alliance)
        assert (move.from_phase, move.to_phase, move.skipped, move.reason) == (
            "explore",
            "share",
            [],
            "",
        )
        page = self.client.get(f"{self.base}/").content.decode()
        assert "Overgeslagen fundament" not in page

    def test_moving_past_a_phase_without_its_result_asks_why_and_keeps_it(self):
        self.agree("explore")
        # share has no result: moving to agree first asks for a reason.
        self.move("share")
        asked = self.client.get(f"{self.base}/move/?to=agree").content.decode()
        assert "Delen" in asked.split('class="warning"')[1].split("</p>")[0]
        refused = self.move("agree")
        assert refused.status_code == 400
        self.assertContains(
            refused, "Eerdere fasen hebben geen vastgesteld resultaat", status_code=400
        )
        assert self.current() == "share" and PhaseMove.objects.count() == 1
        reason = "De wethouder wil voor de verkiezingen een intentieverklaring"
        assert self.move("agree", reason).status_code == 302
        assert self.current() == "agree"
        move = PhaseMove.objects.latest("pk")
        assert move.skipped == ["share"] and move.reason == reason
        page = self.client.get(f"{self.base}/").content.decode()
        assert "Overgeslagen fundament" in page and reason in page
        # Going back to the interests is the cure: no reason asked.
        assert self.move("share").status_code == 302
        assert PhaseMove.objects.latest("pk").skipped == []

    def test_a_move_with_a_bad_date_or_to_the_same_phase_changes_nothing(self):
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        self.assertContains(
            self.move("share", "x", tomorrow), "Deze datum ligt in de toekomst.", status_code=400
        )
        self.assertContains(
            self.move("explore"), "De alliantie zit al in deze fase.", status_code=400
        )
        self.move("share", "snel door", "2026-03-01")
        earlier = self.move("agree", "nog sneller", "2026-02-01")
        self.assertContains(earlier, "een verplaatsing kan daar niet voor liggen", status_code=400)
        assert self.current() == "share" and PhaseMove.objects.count() == 1
        assert self.move("nowhere").status_code == 400
        # A date from long ago is a typo, in the route and in the registers.
        self.assertContains(
            self.move("agree", "x", "0001-01-01"), "ligt te ver terug", status_code=400
        )
        old = self.client.post(
            f"/alliances/{self.alliance.slug}/registers/successes/new/",
            {"achieved_on": "1900-01-01", "what": "Eerste wijkdag", "partner": ""},
        )
        self.assertContains(old, "1900-01-01 ligt te ver terug", status_code=400)
        assert self.current() == "share" and PhaseMove.objects.count() == 1

    def test_a_phase_result_is_validated_and_its_history_kept(self):
        empty = self.client.post(
            f"{self.base}/phase/explore/",
            {"status": "agreed", "text": "", "link": "", "agreed_on": ""},
        )
        self.assertContains(
            empty, "Een vastgesteld resultaat heeft zijn tekst of een link nodig.", status_code=400
        )
        self.assertContains(empty, "Zeg wanneer de partners het vaststelden.", status_code=400)
        assert not PhaseResult.objects.exists()
        self.client.post(
            f"{self.base}/phase/explore/",
            {"status": "draft", "text": "Eerste versie", "link": "", "agreed_on": ""},
        )
        self.agree("explore", "Tweede versie")
        # Set back to draft with the date still in the form: the date goes.
        back = self.client.post(
            f"{self.base}/phase/explore/",
            {"status": "draft", "text": "Tweede versie", "link": "", "agreed_on": "2026-01-15"},
        )
        assert back.status_code == 302
        result = PhaseResult.objects.get(alliance=self.alliance, phase="explore")
        assert (result.status, result.agreed_on) == ("draft", None)
        self.agree("explore", "Tweede versie")
        page = self.client.get(f"{self.base}/phase/explore/").content.decode()
        assert "Startnotitie" in page  # the expected result, from the route's content
        history = page.split("entry-history")[1]
        assert "Eerste versie" in history and "Tweede versie" in history
        assert RouteChange.objects.filter(subject="phase_result", key="explore").count() == 4
        assert self.client.get(f"{self.base}/phase/later/").status_code == 404

    def test_the_checklist_is_ticked_dated_and_open_items_of_earlier_phases_stand_out(self):
        route = load_route()
        first = route.items_for_phase("explore")[0]
        url = f"{self.base}/checklist/{first.id}/"
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        future = self.client.post(url, {f"{first.id}-done": "on", f"{first.id}-done_on": tomorrow})
        self.assertContains(future, "Deze datum ligt in de toekomst.", status_code=400)
        assert not ChecklistMark.objects.exists()
        done = self.client.post(url, {f"{first.id}-done": "on", f"{first.id}-comment": "Gedaan"})
        assert done.status_code == 302
        mark = ChecklistMark.objects.get(item=first.id)
        assert mark.done and mark.done_on == timezone.localdate()
        assert RouteChange.objects.filter(subject="checklist", key=first.id).exists()
        # Unticking sends the date back too: it goes with the tick.
        undone = self.client.post(url, {f"{first.id}-done_on": timezone.localdate().isoformat()})
        assert undone.status_code == 302
        mark.refresh_from_db()
        assert not mark.done and mark.done_on is None
        self.client.post(url, {f"{first.id}-done": "on"})
        self.move("share", "we gaan door")
        page = self.client.get(f"{self.base}/checklist/").content.decode()
        still_open = len(route.items_for_phase("explore")) - 1
        assert page.count("nog open uit een eerdere fase") == still_open
        overview = self.client.get(f"{self.base}/").content.decode()
        assert f"{still_open} punten van eerdere fasen staan nog open" in overview
        assert self.client.get(f"{self.base}/checklist/no_such_item/").status_code == 404

    def test_members_give_their_view_of_the_stage(self):
        route = load_route()
        designing = [o.id for o in route.observations_for("designing")]
        for user in (self.facilitator, self.lead, self.observer):
            self.client.force_login(user)
            response = self.client.post(f"{self.base}/stage/", {"recognised": designing})
            assert response.status_code == 302
        assert StageView.objects.filter(alliance=self.alliance).count() == 3
        page = self.client.get(f"{self.base}/stage/").content.decode()
        assert "Wat 3 leden herkennen" in page
        # An unknown observation saves nothing and says which.
        bad = self.client.post(f"{self.base}/stage/", {"recognised": ["nope"]}, follow=True)
        self.assertContains(bad, "nope")
        assert StageView.objects.get(rater=self.observer.username).recognised == sorted(designing)

    def test_who_may_change_the_route(self):
        self.agree("explore")
        item = load_route().items_for_phase("explore")[0].id
        for user in (self.lead, self.observer):
            self.client.force_login(user)
            assert self.client.get(f"{self.base}/").status_code == 200
            assert self.client.get(f"{self.base}/phase/explore/").status_code == 200
            assert self.client.get(f"{self.base}/checklist/").status_code == 200
            assert self.move("share").status_code == 403
            denied = self.client.post(
                f"{self.base}/phase/explore/", {"status": "missing", "text": "", "link": ""}
            )
            assert denied.status_code == 403
            assert self.client.post(f"{self.base}/checklist/{item}/", {}).status_code == 403
        for user in (self.stranger, self.outsider):
            self.client.force_login(user)
            for path in ("/", "/phase/explore/", "/checklist/", "/stage/", "/move/"):
                assert self.client.get(f"{self.base}{path}").status_code == 404, path
        assert self.current() == "explore"
        assert PhaseResult.objects.get().status == "agreed"

    def test_the_backup_carries_the_route(self):
        self.agree("explore")
        self.move("agree", "Snel naar afspraken")
        item = load_route().items_for_phase("explore")[0].id
        self.client.post(f"{self.base}/checklist/{item}/", {f"{item}-done": "on"})
        self.client.post(f"{self.base}/stage/", {"recognised": ["nothing"][:0]})
        for grant in self.alliance.access_grants.select_related("user"):
            grant.user.email = f"{grant.user.username}@example.org"
            grant.user.save()
        out = io.StringIO()
        call_command("export-alliance", self.alliance.slug, stdout=out)
        data = json.loads(out.getvalue())
        assert [len(data[k]) for k in ("phase_results", "phase_moves", "checklist_marks")] == [
            1,
            1,
            1,
        ]
        import_alliance(out.getvalue(), slug="copy")
        copy = Alliance.objects.get(slug="copy")
        assert copy.current_phase == "agree"
        move = PhaseMove.objects.get(alliance=copy)
        assert (move.skipped, move.reason) == (["share"], "Snel naar afspraken")
        assert PhaseResult.objects.get(alliance=copy).text.startswith("Startnotitie")
        assert ChecklistMark.objects.get(alliance=copy).item == item
        assert StageView.objects.filter(alliance=copy).count() == 1
        assert RouteChange.objects.filter(alliance=copy).count() == 2

    def test_the_route_page_and_the_report_show_the_route_beside_the_scan(self):
        from alliancelens.alliances.models import Invitation
        from alliancelens.alliances.services import round_close
        from alliancelens.instrument import PERSPECTIVES, latest_instrument
        from alliancelens.results.documents import render_report_html
        from alliancelens.results.publish import round_publish
        from alliancelens.scan.services import response_save, response_submit

        page = self.client.get(f"{self.base}/").content.decode()
        assert "Er is nog geen ronde gesloten" in page
        self.agree("explore")
        self.move("agree", "Subsidieaanvraag moest de deur uit")
        rnd = self.open_round()
        instrument = latest_instrument()
        for n, invitation in enumerate(Invitation.objects.filter(round=rnd)):
            for p in PERSPECTIVES:
                response_save(
                    invitation=invitation,
                    step=p,
                    items={i.id: 4 for i in instrument.items_for(p)},
                    # Most see the alliance in the design phase, a few in agree.
                    questions={"phase_now": "agree" if n % 4 == 0 else "design"}
                    if p == "process"
                    else {},
                )
            response_submit(invitation=invitation)
        round_publish(rnd=round_close(rnd=rnd, by=self.facilitator))
        page = self.client.get(f"{self.base}/").content.decode()
        answers = page.split("Wat de deelnemers antwoordden")[1].split("</table>")[0]
        assert "fase van de procesbegeleider" in answers
        counts = {
            phase: int(n)
            for phase, n in re.findall(r'<th scope="row">(\w+)</th><td>(\d+)</td>', answers)
        }
        assert sum(counts.values()) == len(self.participants)
        assert counts["Vormgeven"] > counts["Overeenkomen"] > 0
        html = render_report_html(rnd, "nl")
        section = html.split('<h2 id="route-h">')[1].split("</section>")[0]
        assert "Subsidieaanvraag moest de deur uit" in section
        assert "Overgeslagen fundament" in section and "Startnotitie" in section
        toc = html.split('class="toc"')[1].split("</ol>")[0]
        assert 'href="#route"' in toc
        # The English report says the stage in English, whatever the request's language.
        route = load_route()
        StageView.objects.create(
            alliance=self.alliance,
            rater=self.facilitator.username,
            recognised=[o.id for o in route.observations_for("designing")],
        )
        english = render_report_html(rnd, "en").split('<h2 id="route-h">')[1]
        english = english.split("</section>")[0]
        assert "From what 1 member recognises" in english
        assert "Designing and chafing" in english
        assert not any(w in english for w in ("duidelijk", "Ontwerpen", "springt"))


class AmbitionTests(AllianceTestCase):
    def test_the_ambition_in_one_place_with_the_own_words_for_the_facilitator_only(self):
        from alliancelens.alliances.models import Invitation
        from alliancelens.alliances.services import round_close
        from alliancelens.instrument import PERSPECTIVES, latest_instrument
        from alliancelens.registers.models import Goal
        from alliancelens.results.publish import round_publish
        from alliancelens.scan.services import response_save, response_submit

        self.login()
        edit = f"/alliances/{self.alliance.slug}/edit/"
        data = {
            "name": self.alliance.name,
            "ambition": "x" * 601,
            "strategic_context": "Nieuwe zorgwet per 2027",
            "stage": "designing",
            "anonymity_threshold": 3,
            "retention_months": "",
        }
        long = self.client.post(edit, data)
        self.assertContains(long, "De missie is 601 tekens lang", status_code=200)
        self.alliance.refresh_from_db()
        assert self.alliance.strategic_context == ""
        data["ambition"] = "Samen zorgen dat ouderen langer thuis wonen."
        assert self.client.post(edit, data).status_code == 302
        Goal.objects.create(
            alliance=self.alliance,
            goal="100 woningen aangepast",
            activities="Huisbezoeken",
            contributions="Gemeente: subsidie; Zorg: wijkverpleging",
        )
        rnd = self.open_round()
        instrument = latest_instrument()
        for invitation in Invitation.objects.filter(round=rnd):
            for p in PERSPECTIVES:
                response_save(
                    invitation=invitation,
                    step=p,
                    items={i.id: 4 for i in instrument.items_for(p)},
                    questions={"ambition_own_words": "Langer thuis, met zorg dichtbij"}
                    if p == "ambition"
                    else {},
                )
            response_submit(invitation=invitation)
        round_publish(rnd=round_close(rnd=rnd, by=self.facilitator))
        page = self.client.get(f"/alliances/{self.alliance.slug}/ambition/").content.decode()
        for text in (
            "Samen zorgen dat ouderen langer thuis wonen.",
            "Nieuwe zorgwet per 2027",
            "100 woningen aangepast",
            "Gemeente: subsidie; Zorg: wijkverpleging",
            "Langer thuis, met zorg dichtbij",
        ):
            assert text in page, text
        for user in (self.lead, self.observer):
            self.client.force_login(user)
            page = self.client.get(f"/alliances/{self.alliance.slug}/ambition/").content.decode()
            assert "100 woningen aangepast" in page
            assert "Langer thuis, met zorg dichtbij" not in page


class RouteBackupRefusalTests(AllianceTestCase):
    def test_a_backup_with_a_broken_route_is_refused_and_restores_nothing(self):
        from alliancelens.access.backup import BackupError

        for grant in self.alliance.access_grants.select_related("user"):
            grant.user.email = f"{grant.user.username}@example.org"
            grant.user.save()
        PhaseMove.objects.create(
            alliance=self.alliance, from_phase="explore", to_phase="agree", skipped=["share"]
        )
        StageView.objects.create(alliance=self.alliance, rater="fiona", recognised=[])
        ChecklistMark.objects.create(alliance=self.alliance, item=load_route().checklist[0].id)
        out = io.StringIO()
        call_command("export-alliance", self.alliance.slug, stdout=out)
        good = json.loads(out.getvalue())
        for table, field, value, said in (
            ("phase_moves", "skipped", ["bogus"], "phase_moves[0].skipped"),
            ("stage_views", "recognised", 5, "stage_views[0].recognised"),
            ("checklist_marks", "item", "../../etc/passwd", "checklist_marks[0].item"),
        ):
            data = json.loads(json.dumps(good))
            data[table][0][field] = value
            with self.assertRaises(BackupError) as caught:
                import_alliance(json.dumps(data), slug=f"broken-{table.replace('_', '-')}")
            assert said in str(caught.exception), str(caught.exception)[:500]
        assert not Alliance.objects.filter(slug__startswith="broken").exists()

    def test_an_unknown_observation_is_named_briefly(self):
        self.login()
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/route/stage/",
            {"recognised": ["x" * 5000, "y", "z", "w"]},
            follow=True,
        ).content.decode()
        assert "x" * 40 in page and "x" * 41 not in page and " …" in page
        assert not StageView.objects.exists()
