"""A respondent answers the scan through their link: pages, drafts, submit."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from alliancelens.alliances.models import ItemAnswer, QuestionAnswer, ScanResponse
from alliancelens.alliances.services import round_close, round_create
from alliancelens.instrument import latest_instrument

from .base import AllianceTestCase, answer_everything, full_answers, submitted


class RespondentFlowTests(AllianceTestCase):
    def setUp(self):
        self.round = self.open_round()
        self.participant = self.participants[0]  # Dutch-speaking board member
        self.token = self.token_for(self.round, self.participant)

    def url(self, step: str = "") -> str:
        return f"/r/{self.token}/{step}"

    def test_it_answers_across_two_visits_and_submits(self):
        # Visit 1: intro, then the ambition page, then leave.
        intro = self.client.get(self.url(), follow=True)
        self.assertContains(intro, "Welkom")
        self.assertContains(intro, "privacy")
        data = full_answers("ambition", "4")
        data["amb_not_alone"] = "dk"
        data["ambition_own_words"] = "Minder wachtlijsten in de wijk"
        page = self.client.post(self.url("p/ambition/"), data)
        self.assertRedirects(page, self.url("p/interests/"))
        self.client.post(
            self.url("p/interests/"), {**full_answers("interests", "2"), "nav": "save"}
        )
        # The save notes the step and the time, read back as the ORM writes them.
        draft = ScanResponse.objects.get(invitation__participant=self.participant)
        assert draft.last_step == "interests"
        assert abs((timezone.now() - draft.updated_at).total_seconds()) < 60
        assert draft.updated_at >= draft.started_at

        # Visit 2, in a fresh browser: the link resumes at the interests page
        # with the earlier answers filled in.
        self.client.cookies.clear()
        resumed = self.client.get(self.url())
        self.assertRedirects(resumed, self.url("p/interests/"))
        page = self.client.get(self.url("p/interests/"))
        checked = re.findall(rb'value="2" id="[^"]+" checked', page.content)
        assert len(checked) == len(latest_instrument().items_for("interests"))
        for perspective in ("interests", "relationship", "organisation", "process"):
            self.client.post(self.url(f"p/{perspective}/"), full_answers(perspective, "3"))
        review = self.client.get(self.url("review/"))
        self.assertContains(review, "Minder wachtlijsten in de wijk")
        self.assertContains(review, "Weet ik niet")
        done = self.client.post(self.url("review/"))
        self.assertRedirects(done, self.url("thanks/"))

        response = ScanResponse.objects.get(invitation__participant=self.participant)
        assert response.is_submitted
        assert response.partner == self.participant.partner
        assert response.level == self.participant.level
        answers = dict(response.item_answers.values_list("item_id", "value"))
        assert answers["amb_not_alone"] is None  # don't know
        assert answers["amb_matters_own"] == 4
        assert answers["int_open_cards"] == 3  # changed on the second visit
        assert len(answers) == len(latest_instrument().items)
        assert QuestionAnswer.objects.get(
            response=response, question_id="ambition_own_words"
        ).value

    def test_the_phase_question_stores_a_phase_id(self):
        data = {**full_answers("process"), "phase_now": "agree"}
        self.client.post(self.url("p/process/"), data)
        assert QuestionAnswer.objects.get(question_id="phase_now").value == "agree"

    def test_an_out_of_range_answer_is_a_form_error_and_saves_nothing(self):
        data = full_answers("relationship", "4")
        data["rel_trust"] = "7"
        page = self.client.post(self.url("p/relationship/"), data)
        assert page.status_code == 400
        self.assertContains(page, "Er is niets", status_code=400)
        self.assertContains(page, 'id="item-rel_trust"', status_code=400)
        assert ItemAnswer.objects.count() == 0
        assert ScanResponse.objects.count() == 0

    def test_an_unknown_phase_is_a_form_error(self):
        page = self.client.post(
            self.url("p/process/"), {**full_answers("process"), "phase_now": "party"}
        )
        assert page.status_code == 400
        assert ItemAnswer.objects.count() == 0

    def test_clearing_an_answer_removes_it(self):
        self.client.post(self.url("p/organisation/"), full_answers("organisation", "5"))
        data = full_answers("organisation", "5")
        del data["org_money_division_agreed"]
        self.client.post(self.url("p/organisation/"), data)
        assert not ItemAnswer.objects.filter(item_id="org_money_division_agreed").exists()
        assert ItemAnswer.objects.filter(item_id="org_who_decides", value=5).exists()

    def test_a_double_submit_never_creates_a_second_response(self):
        answer_everything(self.client, self.token)
        again = self.client.post(self.url("review/"))
        assert again.status_code == 302
        # A second device with the same link.
        from django.test import Client

        other = Client()
        other.post(self.url("p/ambition/"), full_answers("ambition", "1"))
        other.post(self.url("review/"))
        assert ScanResponse.objects.filter(invitation__participant=self.participant).count() == 1
        response = ScanResponse.objects.get()
        assert response.times_submitted == 3
        assert ItemAnswer.objects.get(response=response, item_id="amb_not_alone").value == 1
        assert submitted(self.round) == 1

    def test_answers_stay_editable_after_submitting_until_the_round_closes(self):
        answer_everything(self.client, self.token, "4")
        first = ScanResponse.objects.get().submitted_at
        self.client.post(self.url("p/process/"), full_answers("process", "2"))
        assert ItemAnswer.objects.get(item_id="pro_tempo").value == 2
        assert ScanResponse.objects.get().submitted_at == first

        round_close(rnd=self.round)
        closed = self.client.get(self.url("p/process/"))
        assert closed.status_code == 410
        self.assertContains(closed, "Deze ronde is gesloten", status_code=410)
        self.assertContains(closed, "meegeteld", status_code=410)
        blocked = self.client.post(self.url("p/process/"), full_answers("process", "5"))
        assert blocked.status_code == 410
        assert ItemAnswer.objects.get(item_id="pro_tempo").value == 2

    def test_after_submitting_every_page_says_a_saved_change_needs_no_second_submit(self):
        """A saved page updates a submitted response at once: the page, the
        saved page and the review say so alike, none asks to submit again,
        and the change is in the submitted answers without a second submit."""
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        no_second_submit = "you do not need to submit again"
        self.client.post(self.url("p/ambition/"), full_answers("ambition", "4"))
        draft_page = self.client.get(self.url("p/process/"))
        draft_review = self.client.get(self.url("review/"))
        self.assertNotContains(draft_page, no_second_submit)
        self.assertContains(draft_review, "<h1>Review and submit</h1>")
        self.assertContains(draft_review, "Submit my answers")
        self.assertNotContains(draft_review, no_second_submit)

        answer_everything(self.client, self.token, "4")
        page = self.client.get(self.url("p/process/"))
        self.assertContains(
            page,
            "You have already submitted your answers. Changes you save on this page "
            "update them straight away; you do not need to submit again.",
        )
        saved = self.client.post(
            self.url("p/process/"), {**full_answers("process", "2"), "nav": "save"}
        )
        self.assertContains(
            saved, "Your submitted answers have been updated; you do not need to submit again."
        )
        review = self.client.get(self.url("review/"))
        self.assertContains(review, "<h1>Your submitted answers</h1>")
        self.assertContains(
            review,
            "You can change them until the round closes: changes you save on a page update "
            "your submitted answers straight away; you do not need to submit again.",
        )
        self.assertContains(review, ">Done</button>")
        for shown in (page, saved, review):
            text = shown.content.decode()
            assert "submit again to" not in text
            assert "Submit changes" not in text
            assert "You can still submit" not in text
        # What the pages say is what happens.
        response = ScanResponse.objects.get()
        assert response.times_submitted == 1
        assert ItemAnswer.objects.get(response=response, item_id="pro_tempo").value == 2
        assert submitted(self.round) == 1

    def test_a_save_reads_the_closing_time_afresh_under_its_lock(self):
        """The page was shown while the round was open; the save reads the
        closing time again in its locking statement, as stored."""
        from alliancelens.alliances.models import Invitation, Round
        from alliancelens.scan.services import RoundClosedError, response_save

        later = timezone.now() + timedelta(days=1)
        Round.objects.filter(pk=self.round.pk).update(closes_at=later)
        invitation = Invitation.objects.for_token(self.token)
        assert invitation is not None
        response_save(
            invitation=invitation, step="interests", items={"amb_not_alone": 4}, questions={}
        )
        assert ItemAnswer.objects.get(item_id="amb_not_alone").value == 4
        # Closed in the meantime by its time: the loaded invitation still says open.
        Round.objects.filter(pk=self.round.pk).update(
            closes_at=timezone.now() - timedelta(seconds=1)
        )
        assert invitation.round.closes_at == later
        with self.assertRaises(RoundClosedError):
            response_save(
                invitation=invitation, step="process", items={"amb_not_alone": 1}, questions={}
            )
        assert ItemAnswer.objects.get(item_id="amb_not_alone").value == 4

    def test_a_round_past_its_closing_time_accepts_nothing(self):
        self.round.closes_at = timezone.now() - timedelta(minutes=1)
        self.round.save()
        page = self.client.post(self.url("p/ambition/"), full_answers("ambition"))
        assert page.status_code == 410
        assert ScanResponse.objects.count() == 0

    def test_a_round_that_is_not_open_yet_says_so(self):
        draft = round_create(alliance=self.alliance, title="Later")
        draft.invitations.create(participant=self.participant)
        token = self.token_for(draft, self.participant)
        page = self.client.get(f"/r/{token}/intro/")
        assert page.status_code == 200
        self.assertContains(page, "nog niet open")

    def test_the_page_speaks_the_participants_language_until_they_switch(self):
        english = self.participants[3]
        token = self.token_for(self.round, english)
        page = self.client.get(f"/r/{token}/intro/")
        self.assertContains(page, "Welcome")
        assert page.context["lang"] == "en"
        switch = self.client.get(f"/r/{token}/intro/?lang=nl")
        self.assertRedirects(switch, f"/r/{token}/intro/", fetch_redirect_response=False)
        assert switch["Referrer-Policy"] == "no-referrer"
        page = self.client.get(f"/r/{token}/intro/")
        self.assertContains(page, "Welkom")
        statement = latest_instrument().items_for("ambition")[0].text
        self.assertContains(self.client.get(f"/r/{token}/p/ambition/"), statement["nl"])

    def test_forms_post_with_a_null_origin_but_never_from_another_site(self):
        """With no-referrer, browsers send Origin: null on token pages."""
        data = full_answers("ambition")
        ok = self.client.post(self.url("p/ambition/"), data, headers={"origin": "null"})
        assert ok.status_code == 302
        same = self.client.post(
            self.url("p/ambition/"), data, headers={"origin": "http://testserver"}
        )
        assert same.status_code == 302
        data["amb_not_alone"] = "1"
        forged = self.client.post(
            self.url("p/ambition/"), data, headers={"origin": "https://evil.example"}
        )
        assert forged.status_code == 403
        # A foreign page that hides its origin is still known to the browser.
        hidden = self.client.post(
            self.url("p/ambition/"),
            data,
            headers={"origin": "null", "sec-fetch-site": "cross-site"},
        )
        assert hidden.status_code == 403
        assert ItemAnswer.objects.get(item_id="amb_not_alone").value == 4
        own = self.client.post(
            self.url("p/ambition/"),
            data,
            headers={"origin": "null", "sec-fetch-site": "same-origin"},
        )
        assert own.status_code == 302
        assert ItemAnswer.objects.get(item_id="amb_not_alone").value == 1

    def test_submitting_with_no_statement_answered_is_refused(self):
        self.client.post(
            self.url("p/ambition/"), {"ambition_own_words": "Alleen tekst", "nav": "next"}
        )
        page = self.client.post(self.url("review/"))
        assert page.status_code == 400
        self.assertContains(page, "Beantwoord minstens één stelling", status_code=400)
        assert not ScanResponse.objects.filter(submitted_at__isnull=False).exists()

    def test_progress_is_shown_on_every_step(self):
        page = self.client.get(self.url("p/relationship/"))
        self.assertContains(page, "Stap 4 van 7")
        self.assertContains(page, '<progress value="4" max="7"')

    def test_an_unknown_step_is_404(self):
        assert self.client.get(self.url("p/finance/")).status_code == 404
