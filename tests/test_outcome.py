"""After the round: the facilitator's agenda for the hour, and what each
respondent's own link shows of the outcome."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import translation

from alliancelens.alliances.models import AGENDA_POINTS, AgendaPoint, AuditEvent, Round

from .base import AllianceTestCase


class AgendaAndOutcomeTests(AllianceTestCase):
    """Zorg answers 1 and the others 5: many differences, so the agenda is
    full, and the outcome page has partners to name or not."""

    def setUp(self):
        self.round = self.open_round()
        self.tokens = {p.pk: self.token_for(self.round, p) for p in self.participants}
        for person in self.participants:
            value = "1" if person.partner.name == "Zorg" else "5"
            self.answer(self.round, person, value)
        self.login()
        self.base = f"/alliances/{self.alliance.slug}/rounds/1/workshop"
        self.client.post(f"{self.base}/reveal/")
        self.round.refresh_from_db()

    def change(self, **data):
        return self.client.post(f"{self.base}/agenda/change/", data)

    def titles(self, page) -> list[str]:
        return [v.title for v in page.context["points"] if not v.point.dropped]

    def test_the_agenda_proposes_at_most_seven_points_the_facilitator_orders_drops_and_adds(
        self,
    ):
        page = self.client.get(f"{self.base}/agenda/")
        assert page.status_code == 200
        points = page.context["points"]
        assert len(points) == AGENDA_POINTS
        kinds = [v.kind for v in points]
        # Differences that pass the test first (perspectives before
        # statements), then the most urgent advice.
        assert kinds[0] == "difference" and "advice" in kinds
        assert kinds.index("advice") > max(i for i, k in enumerate(kinds) if k == "difference")
        assert points[0].point.ref.startswith("perspective:")
        first, second = self.titles(page)[:2]
        # Down, and the order is kept for the discussion.
        self.change(action="down", point=points[0].point.pk)
        page = self.client.get(f"{self.base}/agenda/")
        assert self.titles(page)[:2] == [second, first]
        step1 = self.client.get(f"{self.base}/discuss/1/")
        assert step1.context["point"].title == second
        # Full: an own point is refused until one is dropped.
        refused = self.change(action="add", title="Wie trekt de kar?")
        assert refused.status_code == 302
        page = self.client.get(f"{self.base}/agenda/", follow=True)
        assert "Wie trekt de kar?" not in self.titles(page)
        assert "hoogstens" in page.content.decode() or "at most" in page.content.decode()
        last = page.context["points"][-1].point
        self.change(action="drop", point=last.pk)
        self.change(action="add", title="Wie trekt de kar?")
        page = self.client.get(f"{self.base}/agenda/")
        assert self.titles(page)[-1] == "Wie trekt de kar?"
        assert len(self.titles(page)) == AGENDA_POINTS
        # A dropped point stays listed (struck through) and cannot come back
        # while the list is full.
        self.change(action="restore", point=last.pk)
        assert AgendaPoint.objects.get(pk=last.pk).dropped
        # The discussion walks the seven, the own point last.
        final = self.client.get(f"{self.base}/discuss/{AGENDA_POINTS}/")
        assert final.context["point"].title == "Wie trekt de kar?"
        assert self.client.get(f"{self.base}/discuss/{AGENDA_POINTS + 1}/").status_code == 404
        # An empty own point is refused with a message, nothing added.
        self.change(action="drop", point=last.pk)
        before = AgendaPoint.objects.count()
        self.change(action="add", title="   ")
        assert AgendaPoint.objects.count() == before

    def test_what_the_room_agrees_reaches_every_respondents_link_in_their_language(self):
        self.client.get(f"{self.base}/discuss/0/")
        step = self.client.get(f"{self.base}/discuss/1/")
        point = step.context["point"]
        self.assertContains(step, 'name="agreed"')
        saved = self.change(
            action="agree", point=point.point.pk, step="1", agreed="Samen een gesprek in mei."
        )
        self.assertRedirects(saved, f"{self.base}/discuss/1/")
        anonymous = Client()
        dutch = next(p for p in self.participants if p.language == "nl")
        english = next(p for p in self.participants if p.language == "en")
        page = anonymous.get(f"/r/{self.tokens[dutch.pk]}/outcome/")
        assert page.status_code == 200
        assert page["Referrer-Policy"] == "no-referrer" and page["Cache-Control"] == "no-store"
        html = page.content.decode()
        assert "Wat eruit kwam" in html
        assert "Samen een gesprek in mei." in html
        assert point.title in html
        # The partners are not named until the facilitator shares them.
        body = html.split("<main", 1)[1]
        for name in self.partners:
            assert name not in body.replace(point.title, ""), name
        page_en = Client().get(f"/r/{self.tokens[english.pk]}/outcome/")
        assert "What came out of it" in page_en.content.decode()
        # Figures: the published overall means, the same as the results page.
        results = self.client.get(f"/alliances/{self.alliance.slug}/rounds/1/results/")
        overall = results.context["rows"][0]["overall"].mean
        assert f"{overall:.1f}".replace(".", ",") in html

    def test_sharing_shows_each_respondent_their_own_organisation_never_another(self):
        """Shared, a respondent sees what their partner lead sees: the whole
        and their own organisation; never another partner's name, mean or
        gap (a link can be passed on). It is in the history."""
        gemeente = self.participants[0]
        token = self.tokens[gemeente.pk]
        before = Client().get(f"/r/{token}/outcome/").content.decode().split("<main", 1)[1]
        assert "Gemeente" not in before
        self.change(action="share", share="1")
        self.round.refresh_from_db()
        assert self.round.outcome_partners
        assert AuditEvent.objects.filter(action=AuditEvent.Action.OUTCOME_SHARED).exists()
        html = Client().get(f"/r/{token}/outcome/").content.decode().split("<main", 1)[1]
        assert '<th scope="col">Gemeente</th>' in html
        for other in ("Zorg", "Woningcorporatie"):
            assert other not in html, other
        assert not re.search(r"punt hoger dan", html)
        self.change(action="share", share="0")
        html = Client().get(f"/r/{token}/outcome/").content.decode().split("<main", 1)[1]
        assert "Gemeente" not in html

    def test_a_point_the_readers_view_does_not_hold_keeps_only_its_agreement(self):
        from alliancelens.results.agenda import agreed_steps, describe
        from alliancelens.results.publish import published_round

        rule = AgendaPoint.objects.create(
            round=self.round, position=99, kind="advice", ref="no-such-rule", agreed="Doen."
        )
        whole = published_round(self.round).result(frozenset(), "en")
        with translation.override("en"):
            assert describe(rule, whole, self.round.instrument, "en").title == "Discussion point"
            steps = agreed_steps(self.round, whole, "en")
        assert {"title": "Discussion point", "agreed": "Doen."} in steps
        # Non-numeric or foreign point ids are not found, not an error.
        assert self.change(action="drop", point="abc").status_code == 404

    def test_after_the_retention_period_the_outcome_says_the_answers_are_gone(self):
        from django.utils import timezone

        Round.objects.filter(pk=self.round.pk).update(purged_at=timezone.now())
        token = self.tokens[self.participants[0].pk]
        page = Client().get(f"/r/{token}/outcome/")
        assert page.status_code == 200 and page["Cache-Control"] == "no-store"
        self.assertContains(page, "bewaartermijn")
        closed = Client().get(f"/r/{token}/intro/")
        self.assertNotContains(closed, "/outcome/", status_code=410)

    def test_the_closed_scan_page_leads_to_the_outcome_and_others_cannot_change_the_agenda(self):
        token = self.tokens[self.participants[0].pk]
        closed = Client().get(f"/r/{token}/intro/")
        assert closed.status_code == 410
        self.assertContains(closed, f"/r/{token}/outcome/", status_code=410)
        for user in (self.lead, self.observer, self.stranger):
            other = Client()
            other.force_login(user)
            refused = other.post(f"{self.base}/agenda/change/", {"action": "add", "title": "x"})
            assert refused.status_code in (403, 404)
        assert not AgendaPoint.objects.filter(title="x").exists()


class OutcomeWaitsTests(AllianceTestCase):
    def test_an_open_rounds_link_goes_back_to_the_scan(self):
        rnd = self.open_round()
        token = self.token_for(rnd, self.participants[0])
        response = Client().get(f"/r/{token}/outcome/")
        assert response.status_code == 302 and response["Location"] == f"/r/{token}/"
        assert rnd.state == Round.State.OPEN
