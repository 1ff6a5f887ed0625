"""Workshop mode: projector, reveal enforced on the server, the shared join link."""

from __future__ import annotations

import re

from django.test import Client

from alliancelens.alliances.models import Invitation, Participant, Round

from .base import AllianceTestCase


class WorkshopTests(AllianceTestCase):
    def setUp(self):
        self.login()
        self.round = self.open_round()
        self.base = f"/alliances/{self.alliance.slug}/rounds/1"
        for person in self.participants[:9]:
            self.answer(self.round, person, "4")
        self.login()

    def test_the_projector_counts_per_partner_and_updates_without_reloading(self):
        page = self.client.get(f"{self.base}/workshop/")
        assert page.status_code == 200
        self.assertNotContains(page, 'http-equiv="refresh"')  # no reload (axe: critical)
        counts_url = f"{self.base}/workshop/counts/"
        self.assertContains(page, f'data-live-counts="{counts_url}"')
        assert page.context["totals"]["submitted"] == 9
        self.assertNotContains(page, "data:image/svg+xml")  # no results before the reveal
        counts = self.client.get(counts_url).json()
        assert counts["submitted"] == 9 and counts["live"] is True
        assert {p["partner"] for p in counts["partners"]} == set(self.partners)
        assert all(set(p) == {"partner", "submitted", "invited"} for p in counts["partners"])
        self.client.logout()
        assert self.client.get(counts_url).status_code == 302  # facilitators only

    def test_results_stay_hidden_on_the_server_until_revealed(self):
        hidden = self.client.get(f"{self.base}/workshop/discuss/0/")
        assert hidden.status_code == 403
        self.assertNotContains(hidden, "data:image/svg+xml", status_code=403)
        assert self.client.get(f"{self.base}/workshop/discuss/1/").status_code == 403
        assert self.client.get(f"{self.base}/workshop/reveal/").status_code == 405
        reveal = self.client.post(f"{self.base}/workshop/reveal/")
        self.assertRedirects(reveal, f"{self.base}/workshop/discuss/0/")
        self.round.refresh_from_db()
        assert self.round.workshop_revealed and self.round.state == Round.State.CLOSED
        shown = self.client.get(f"{self.base}/workshop/discuss/0/")
        assert shown.status_code == 200
        self.assertContains(shown, "data:image/svg+xml")
        projector = self.client.get(f"{self.base}/workshop/")
        self.assertNotContains(projector, "data-live-counts")
        # Revealed: no prompt to answer any more.
        self.assertNotContains(projector, "persoonlijke link")
        self.assertNotContains(projector, "personal link")

    def test_the_discussion_walks_through_the_divergences_with_questions(self):
        # Make Zorg answer very differently so divergences are flagged.
        rnd2 = self.open_round("Ronde 2")
        for person in self.participants:
            value = "1" if person.partner.name == "Zorg" else "5"
            self.answer(rnd2, person, value)
        self.login()
        base = f"/alliances/{self.alliance.slug}/rounds/2"
        self.client.post(f"{base}/workshop/reveal/")
        first = self.client.get(f"{base}/workshop/discuss/0/")
        steps = first.context["steps"]
        # Zorg differs on everything: an hour's short list of seven, the
        # perspectives first, and how many more the results hold.
        assert steps == 7 and first.context["more"] > 0
        step = self.client.get(f"{base}/workshop/discuss/1/")
        assert step.status_code == 200
        assert step.context["d"].kind == "perspective"
        assert "Zorg" in step.context["point"].prompts[0]
        # Next and previous are links a key or a presenter's clicker follows.
        self.assertContains(step, 'rel="next"')
        self.assertContains(step, 'rel="prev"')
        self.assertContains(step, "data-step-nav")
        assert self.client.get(f"{base}/workshop/discuss/{steps + 1}/").status_code == 404

    def test_an_early_reveal_says_which_partner_is_not_shown_and_why(self):
        rnd2 = self.open_round("Ronde 2")
        zorg = [p for p in self.participants if p.partner.name == "Zorg"]
        others = [p for p in self.participants if p.partner.name != "Zorg"]
        for person in [*others, *zorg[: self.alliance.anonymity_threshold - 1]]:
            self.answer(rnd2, person, "4")
        self.login()
        base = f"/alliances/{self.alliance.slug}/rounds/2"
        self.client.post(f"{base}/workshop/reveal/")
        picture = self.client.get(f"{base}/workshop/discuss/0/")
        notice = re.search(r'<p class="notice">(.*?)</p>', picture.content.decode(), re.S)
        assert notice is not None and "Zorg" in notice.group(1)
        assert str(self.alliance.anonymity_threshold) in notice.group(1)
        # No "0 of 0" when there is nothing to walk through.
        if picture.context["steps"] == 0:
            self.assertNotContains(picture, "0 van 0")

    def test_the_join_link_is_off_by_default_capped_and_closes_with_the_round(self):
        assert self.round.join_code == ""
        self.client.post(f"{self.base}/workshop/join-link/", {"open": "1"})
        self.round.refresh_from_db()
        assert self.round.join_open and len(self.round.join_code) == 10
        page = self.client.get(f"{self.base}/workshop/")
        self.assertContains(page, f"/j/{self.round.join_code}/")
        self.client.logout()
        join = f"/j/{self.round.join_code}/"
        form = self.client.get(join)
        assert form.status_code == 200
        # Nothing chosen in advance: no partner, no level.
        assert 'type="radio"' in form.content.decode() and "checked" not in form.content.decode()
        zorg = self.partners["Zorg"]
        before = Participant.objects.count()
        response = self.client.post(join, {"partner": zorg.pk, "level": "management"})
        assert response.status_code == 302
        token = re.match(r"^/r/([^/]+)/$", response["Location"]).group(1)
        intro = self.client.get(f"/r/{token}/intro/")
        assert intro.status_code == 200
        # Greeted plainly, not by the made-up name of a joined participant.
        assert "Workshop" not in re.search(r"<h1>(.*?)</h1>", intro.content.decode()).group(1)
        assert Participant.objects.count() == before + 1
        assert Invitation.objects.filter(
            round=self.round, participant__partner=zorg, participant__level="management"
        ).exists()
        # This browser joined: the join link takes it back to its own link.
        again = self.client.post(join, {"partner": zorg.pk, "level": "board"})
        assert again.status_code == 302 and again["Location"] == response["Location"]
        assert self.client.get(join)["Location"] == response["Location"]
        assert Participant.objects.count() == before + 1
        # A partner of another alliance is refused as a form error.
        bad = Client().post(join, {"partner": 999999, "level": "board"})
        assert bad.status_code == 400
        # The cap.
        Round.objects.filter(pk=self.round.pk).update(join_cap=1)
        assert Client().post(join, {"partner": zorg.pk, "level": "board"}).status_code == 410
        assert Participant.objects.count() == before + 1
        # Closing the round closes the link.
        Round.objects.filter(pk=self.round.pk).update(join_cap=40, state=Round.State.CLOSED)
        assert self.client.get(join).status_code == 410
        assert self.client.get("/j/nonsense/").status_code == 404

    def test_a_stranger_cannot_reach_the_workshop(self):
        self.login(self.outsider)
        for url in ("workshop/", "workshop/discuss/0/"):
            assert self.client.get(f"{self.base}/{url}").status_code == 404
        assert self.client.post(f"{self.base}/workshop/reveal/").status_code == 404
        assert (
            self.client.post(f"{self.base}/workshop/join-link/", {"open": "1"}).status_code == 404
        )
        self.round.refresh_from_db()
        assert not self.round.workshop_revealed and not self.round.join_open
