"""The demo alliance: deterministic, idempotent and believable."""

from __future__ import annotations

import hashlib
import io
import re

import pandas as pd
from django.core.management import CommandError, call_command
from django.test import TestCase

from alliancelens.alliances.models import Alliance, ItemAnswer, Level, Participant, Partner, Round
from alliancelens.analysis.engine import perspective_scores
from alliancelens.instrument import latest_instrument
from alliancelens.journey.models import (
    ChecklistMark,
    PhaseMove,
    PhaseResult,
    RouteChange,
    StageView,
)
from alliancelens.journey.services import open_items
from alliancelens.journey.stage import indication_of
from alliancelens.registers.history import snapshot
from alliancelens.registers.models import (
    Agreement,
    AllianceRole,
    Conflict,
    Contribution,
    EntryChange,
    Interest,
    LearningQuestion,
    Stakeholder,
    Success,
)
from alliancelens.registers.registry import REGISTERS
from alliancelens.results.adapter import round_analysis, round_answers

from .base import results_table


def run_demo(*args: str) -> str:
    """The suite runs with DEBUG off, as production does."""
    out = io.StringIO()
    call_command("demo", "--allow-production", *args, stdout=out)
    return out.getvalue()


def fingerprint() -> str:
    rows = ItemAnswer.objects.order_by(
        "response__round__number", "response__partner__name", "response__started_at", "item_id"
    ).values_list(
        "response__round__number", "response__partner__name", "response__level", "item_id", "value"
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def register_fingerprint() -> str:
    """The register entries and their histories, and the route, as the
    reader sees them, without ids or timestamps."""
    rows: list[object] = []
    for register in REGISTERS:
        for entry in register.model._default_manager.order_by("pk"):
            rows.append((register.key, snapshot(entry, register.fields), entry.archived))
    rows += EntryChange.objects.order_by("pk").values_list("register", "action", "changes")
    # The route, as its pages show it.
    rows += PhaseResult.objects.order_by("phase").values_list(
        "phase", "status", "text", "link", "agreed_on"
    )
    rows += PhaseMove.objects.order_by("pk").values_list(
        "from_phase", "to_phase", "moved_on", "skipped", "reason"
    )
    rows += ChecklistMark.objects.order_by("item").values_list(
        "item", "done", "done_on", "comment"
    )
    rows += StageView.objects.order_by("rater").values_list("rater", "recognised")
    rows += RouteChange.objects.order_by("pk").values_list("subject", "key", "changes")
    return hashlib.sha256(repr(rows).encode()).hexdigest()


class DemoTests(TestCase):
    alliance: Alliance
    output: str
    password: str

    @classmethod
    def setUpTestData(cls):
        cls.output = run_demo()
        cls.alliance = Alliance.objects.get(slug="demo")
        cls.password = re.search(r"password: (\S+)", cls.output).group(1)

    def test_it_prints_a_working_login_and_respondent_link(self):
        assert "user: facilitator" in self.output
        password = re.search(r"password: (\S+)", self.output).group(1)
        assert self.client.login(username="facilitator", password=password)
        token = re.search(r"/r/([A-Za-z0-9_-]+)/", self.output).group(1)
        self.client.logout()
        page = self.client.get(f"/r/{token}/", follow=True)
        self.assertContains(page, "Welkom")
        self.assertContains(page, "Reflectiesessie winter 2026")

    def test_it_prints_a_partner_lead_and_an_observer_who_see_less(self):
        assert "user partnerlead (partner lead for" in self.output
        password = re.search(r"password: (\S+)", self.output).group(1)
        for user in ("partnerlead", "observer"):
            client = self.client_class()
            assert client.login(username=user, password=password)
            assert client.get("/alliances/demo/rounds/2/results/").status_code == 200
            assert client.get("/alliances/demo/rounds/2/export/csv/").status_code == 403

    def test_it_refuses_to_run_in_production_without_the_flag(self):
        with self.assertRaisesMessage(CommandError, "meant for development"):
            call_command("demo", stdout=io.StringIO())

    def test_running_it_again_changes_no_data(self):
        before = (
            fingerprint(),
            register_fingerprint(),
            Participant.objects.count(),
            Round.objects.count(),
        )
        output = run_demo()
        assert "unchanged" in output
        assert (
            fingerprint(),
            register_fingerprint(),
            Participant.objects.count(),
            Round.objects.count(),
        ) == before

    def test_a_rebuild_gives_the_same_data(self):
        before = (fingerprint(), register_fingerprint())
        run_demo("--reset")
        assert (fingerprint(), register_fingerprint()) == before

    def test_it_has_five_partners_all_levels_and_two_closed_rounds(self):
        assert self.alliance.partners.count() == 5
        levels = set(
            Participant.objects.filter(partner__alliance=self.alliance).values_list(
                "level", flat=True
            )
        )
        assert levels == {Level.BOARD, Level.MANAGEMENT, Level.PROFESSIONAL}
        states = list(self.alliance.rounds.order_by("number").values_list("state", flat=True))
        assert states == ["closed", "closed", "open"]
        for rnd in self.alliance.rounds.filter(state="closed"):
            assert round_analysis(rnd).n_respondents >= 25

    def scores(self, number: int) -> pd.DataFrame:
        rnd = self.alliance.rounds.get(number=number)
        instrument = latest_instrument()
        return perspective_scores(round_answers(rnd), instrument)

    def test_the_board_sees_things_rosier_than_professionals(self):
        scores = self.scores(1)
        by_level = scores.groupby("level")[["ambition", "organisation", "process"]].mean()
        assert (by_level.loc["board"] - by_level.loc["professional"]).min() > 0.5

    def test_partners_diverge_on_interests(self):
        by_partner = self.scores(1).groupby("partner")["interests"].mean()
        assert by_partner.max() - by_partner.min() >= 1.0

    def test_the_second_round_improves_on_relationship(self):
        first, second = (
            self.scores(1)["relationship"].mean(),
            self.scores(2)["relationship"].mean(),
        )
        assert second - first > 0.4

    def test_its_three_patterns_are_differences_that_pass_the_test(self):
        """Not only large in the raw data: published as differences larger
        than chance (docs/statistics.md, "Differences that are real")."""
        from alliancelens.results.publish import publication_of

        first = publication_of(self.alliance.rounds.get(number=1))
        second = publication_of(self.alliance.rounds.get(number=2))
        assert first is not None and second is not None
        result = first.published.result
        interests = next(
            d for d in result.divergence if d.kind == "perspective" and d.id == "interests"
        )
        assert interests.flagged and interests.pairs and interests.q <= interests.alpha
        assert result.level_gap["ambition"].flagged and result.level_gap["ambition"].gap > 0
        relationship = next(
            t for t in second.published.latest_trends if t.perspective == "relationship"
        )
        assert relationship.changed and relationship.change > 0 and relationship.ci_low > 0

    def test_sensitive_points_and_next_steps_are_shown_once_each_with_a_count(self):
        """The open questions beyond the ambition reach the facilitator, per
        shown partner, the same answer once with its count."""
        from django.contrib.auth import get_user_model

        self.client.force_login(get_user_model().objects.get(username="facilitator"))
        html = self.client.get("/alliances/demo/rounds/1/results/").content.decode()
        section = html.split('id="open-h"')[1].split("</section>")[0]
        assert "Wat is voor jouw organisatie het gevoeligste punt" in section
        assert "Vastleggen wie waarover beslist." in section
        assert re.search(r"\(×\d+\)", section)
        for item in re.findall(r"<ul>(.*?)</ul>", section, re.S):
            texts = re.findall(r"<li>(.*?)(?: <small>|</li>)", item)
            assert len(texts) == len(set(texts)), texts

    def test_the_results_page_opens_with_what_to_talk_about(self):
        """Three to five plain sentences before any table: the differences
        that pass the test, the weakest and strongest point as meant, and
        the first thing to do, each with a link to its figures."""
        from django.contrib.auth import get_user_model

        from alliancelens.instrument import latest_instrument

        self.client.force_login(get_user_model().objects.get(username="facilitator"))
        html = self.client.get("/alliances/demo/rounds/1/results/").content.decode()
        assert html.index('id="summary-h"') < html.index('<table class="results">')
        summary = html.split('id="summary-h"')[1].split("</section>")[0]
        points = re.findall(r"<li class=\"summary-(\w+)\">(.*?)</li>", summary, re.S)
        assert 3 <= len(points) <= 5
        kinds = [kind for kind, _ in points]
        assert kinds[0] == "difference" and "weak" in kinds and "advice" in kinds
        assert "Belangen" in points[0][1] and "meer dan toeval" in points[0][1]
        negative = [i.text["nl"] for i in latest_instrument().items if i.reverse]
        assert not any(text in summary for text in negative)
        assert all('href="#' in body for _, body in points)

    def test_the_levels_are_named_in_the_readers_language(self):
        from django.contrib.auth import get_user_model

        self.client.force_login(get_user_model().objects.get(username="facilitator"))
        html = self.client.get("/alliances/demo/rounds/1/results/").content.decode()
        levels = html.split('id="levels-h"')[1].split("</thead>")[0]
        assert "Bestuur" in levels and ">board<" not in levels and "board<br>" not in levels

    def test_the_results_page_shows_independently_computed_means(self):
        """Recompute round 2 by hand from the stored answers, without pandas."""
        instrument = latest_instrument()
        items = {i.id: i for i in instrument.items}
        per_person = {}
        rows = ItemAnswer.objects.filter(
            response__round__alliance=self.alliance,
            response__round__number=2,
            response__submitted_at__isnull=False,
            value__isnull=False,
        ).values_list("response_id", "item_id", "value")
        for rid, item_id, value in rows:
            item = items[item_id]
            score = 6 - value if item.reverse else value
            per_person.setdefault(rid, {}).setdefault(item.perspective, []).append(score)
        self.client.login(username="facilitator", password=self.password)
        table = results_table(self.client.get("/alliances/demo/rounds/2/results/").content)
        for perspective, label in (("relationship", "Relatie"), ("interests", "Belangen")):
            need = -(-len(instrument.items_for(perspective)) // 2)
            scores = [
                sum(v) / len(v)
                for person in per_person.values()
                if len(v := person.get(perspective, [])) >= need
            ]
            expected = f"{sum(scores) / len(scores):.2f} (n = {len(scores)})".replace(".", ",")
            assert table[label][0] == expected

    # The registers, written to fit the scan (alliancelens/demo/registers.py).

    def live(self, model):
        return model.objects.filter(alliance=self.alliance, archived_at__isnull=True)

    def test_every_register_has_entries_each_with_its_creation_in_the_history(self):
        total = 0
        for register in REGISTERS:
            entries = list(register.model._default_manager.filter(alliance=self.alliance))
            assert entries, register.key
            total += len(entries)
            created = set(
                EntryChange.objects.filter(
                    alliance=self.alliance, register=register.key, action="created"
                ).values_list("entry_id", flat=True)
            )
            assert created == {e.pk for e in entries}, register.key
        assert 55 <= total <= 70
        actions = set(
            EntryChange.objects.filter(alliance=self.alliance).values_list("action", flat=True)
        )
        assert actions == {"created", "changed", "archived"}
        (archived,) = AllianceRole.objects.filter(
            alliance=self.alliance, archived_at__isnull=False
        )
        assert archived.term_end is not None and archived.term_end < archived.archived_at.date()

    def test_the_entries_tell_the_story_of_the_scan(self):
        """Vital interests of Thuisbasis not yet on the table, De Linde short
        of the hours it pledged, agreements overdue, and a blind spot nobody
        has yet found a role for."""
        thuisbasis, linde = (
            Partner.objects.get(alliance=self.alliance, name=name)
            for name in ("Woonstichting Thuisbasis", "Zorggroep De Linde")
        )
        hidden = self.live(Interest).filter(partner=thuisbasis, vital=True, discussed=False)
        assert hidden.filter(kind=Interest.Kind.NO_GO).exists()
        assert hidden.exclude(kind=Interest.Kind.NO_GO).count() >= 2
        short = [c for c in self.live(Contribution).filter(partner=linde) if c.pledged]
        assert short and all(c.delivered < c.pledged for c in short)
        assert sum(a.overdue for a in self.live(Agreement)) >= 2
        assert self.live(Stakeholder).filter(blind_spot=True, proposed_role="").exists()
        assert self.live(Stakeholder).filter(blind_spot=True).exclude(proposed_role="").exists()
        facilitator = self.live(AllianceRole).get(kind=AllianceRole.Kind.PROCESS_FACILITATOR)
        assert facilitator.description

    def test_the_register_pages_open_for_the_facilitator_with_the_overdue_marked(self):
        self.client.login(username="facilitator", password=self.password)
        overview = self.client.get("/alliances/demo/registers/")
        self.assertContains(overview, "afspraken zijn verlopen")
        for register in REGISTERS:
            page = self.client.get(f"/alliances/demo/registers/{register.key}/")
            assert page.status_code == 200, register.key
        agreements = self.client.get("/alliances/demo/registers/agreements/")
        self.assertContains(agreements, "Werkafspraak over signalen van huismeesters")
        self.assertContains(agreements, 'class="warn-cell"')
        archived = self.client.get("/alliances/demo/registers/roles/?archived=1")
        self.assertContains(archived, "Peter van Dam")

    def live_advice(self, username: str, number: int) -> str:
        from django.contrib.auth import get_user_model

        self.client.force_login(get_user_model().objects.get(username=username))
        html = self.client.get(f"/alliances/demo/rounds/{number}/results/").content.decode()
        if 'class="advice live-advice"' not in html:
            return ""
        return html.split('class="advice live-advice"')[1].split("</ol>")[0]

    def test_the_latest_round_reads_the_registers_beside_the_scan(self):
        """Partners see interests differently and Thuisbasis's vital interests
        are not yet on the table: the first live advice says so, with both
        reasons for the facilitator and only the register's for a partner lead
        (who is not told which figures of other partners made it fire)."""
        full = self.live_advice("facilitator", 2)
        assert 'data-rule="registers_vital_interests_undiscussed"' in full
        rule = 'data-rule="registers_vital_interests_undiscussed"'
        first = full.split(rule)[1].split("</li>\n")[0]
        assert "vitale belangen die nog niet samen besproken zijn" in first
        assert "Partners zien belangen aantoonbaar verschillend" in first
        lead = self.live_advice("partnerlead", 2)
        assert rule in lead
        mine = lead.split(rule)[1].split("</li>\n")[0]
        assert "vitale belangen" in mine and "aantoonbaar verschillend" not in mine
        assert self.live_advice("facilitator", 1) == ""

    # The journey's logs and the route (alliancelens/demo/registers.py, route.py).

    def test_the_journey_logs_tell_the_same_story(self):
        """The last success some four to five months back, De Linde's hours
        an open disagreement beside a handled one about norms and a handled
        setback, one learning question overdue and one answered, and goals
        that say what every partner brings."""
        from django.utils import timezone

        from alliancelens.registers.models import DissentRole, Goal, Harvest

        counts = {
            model.__name__: self.live(model).count()
            for model in (Success, Conflict, LearningQuestion, Harvest, DissentRole, Goal)
        }
        assert counts == {
            "Success": 4,
            "Conflict": 3,
            "LearningQuestion": 4,
            "Harvest": 2,
            "DissentRole": 2,
            "Goal": 3,
        }
        latest = self.live(Success).order_by("-achieved_on").first()
        assert 120 <= (timezone.localdate() - latest.achieved_on).days <= 150
        linde = Partner.objects.get(alliance=self.alliance, name="Zorggroep De Linde")
        (hours,) = [c for c in self.live(Conflict) if c.open]
        assert hours.kind == Conflict.Kind.RESOURCES and hours.partner == linde
        norms = self.live(Conflict).get(kind=Conflict.Kind.NORMS)
        assert norms.status == Conflict.Status.HANDLED and "spelregel" in norms.agreed
        assert self.live(Conflict).get(kind=Conflict.Kind.SETBACK).status == "handled"
        questions = list(self.live(LearningQuestion))
        assert sum(q.overdue for q in questions) == 1
        (answered,) = [q for q in questions if q.status == LearningQuestion.Status.ANSWERED]
        assert answered.answer
        partners = list(self.alliance.partners.values_list("name", flat=True))
        for goal in self.live(Goal):
            assert goal.activities
            assert all(name in goal.contributions for name in partners), goal.goal

    def test_the_route_tells_that_the_share_phase_was_skipped(self):
        """The starting note agreed; then straight on to agree because of the
        subsidy deadline, with that reason on the move, without the share
        phase's letter of intent and with most of its checklist open; now
        designing, with the project plan in draft."""
        from django.utils import timezone

        from alliancelens.journey.content import load_route

        assert self.alliance.current_phase == "design"
        results = {r.phase: r for r in PhaseResult.objects.filter(alliance=self.alliance)}
        explore = results["explore"]
        assert explore.status == "agreed" and explore.agreed_on and "Startnotitie" in explore.text
        assert [results[p].status for p in ("share", "agree", "design")] == [
            "missing",
            "agreed",
            "draft",
        ]
        moves = list(PhaseMove.objects.filter(alliance=self.alliance))
        assert [(m.from_phase, m.to_phase) for m in moves] == [
            ("explore", "agree"),
            ("agree", "design"),
        ]
        assert moves[0].skipped == ["share"] and "subsidie" in moves[0].reason
        assert all(m.reason for m in moves if m.skipped)
        assert explore.agreed_on <= moves[0].moved_on < moves[1].moved_on < timezone.localdate()
        earlier, current = open_items(self.alliance)
        route = load_route()
        share = {i.id for i in route.items_for_phase("share")}
        assert len([i for i in earlier if i.id in share]) >= len(share) - 2
        assert current and len(current) < len(route.items_for_phase("design"))
        done = set(
            ChecklistMark.objects.filter(alliance=self.alliance, done=True).values_list(
                "item", flat=True
            )
        )
        for phase in ("explore", "agree"):
            items = {i.id for i in route.items_for_phase(phase)}
            assert len(items & done) >= len(items) - 1, phase
        indication = indication_of(self.alliance, "nl")
        assert indication["n_raters"] == 3 and indication["indicated"] == "designing"

    def test_the_route_and_stage_pages_open_with_the_skipped_foundation(self):
        self.client.login(username="facilitator", password=self.password)
        route = self.client.get("/alliances/demo/route/")
        self.assertContains(route, "Overgeslagen fundament", count=2)
        self.assertContains(route, "gemeentelijke subsidie voor wijkcoördinator en buurthuis")
        stage = self.client.get("/alliances/demo/route/stage/")
        self.assertContains(stage, "Ontwerpen en schuren, duidelijk")
