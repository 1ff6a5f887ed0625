"""GDPR: a participant's data export, erasure (two ways, logged without the name),
the retention period with its purge command, and nothing stored about the
respondent's device."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from alliancelens.alliances.models import (
    AuditEvent,
    Invitation,
    ItemAnswer,
    Participant,
    QuestionAnswer,
    Round,
    ScanResponse,
)
from alliancelens.alliances.services import (
    invitations_issue,
    round_close,
    round_create,
    round_open,
)
from alliancelens.instrument import latest_instrument
from alliancelens.results.adapter import round_analysis
from alliancelens.workshop.services import join_link_set

from .base import AllianceTestCase, answer_by_service, answer_everything, full_answers


@override_settings(LANGUAGE_CODE="en")
class ParticipantRightsTests(AllianceTestCase):
    round: Round
    person: Participant

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        rnd = round_open(rnd=round_create(alliance=cls.alliance, title="Een"))
        for invitation in rnd.invitations.select_related("participant__partner"):
            answer_by_service(invitation, "4")
        cls.round = round_close(rnd=rnd)
        cls.person = Participant.objects.get(name="Zorg persoon 1")
        response = ScanResponse.objects.get(invitation__participant=cls.person)
        QuestionAnswer.objects.create(
            response=response, question_id="ambition_own_words", value="mijn eigen woorden"
        )
        ItemAnswer.objects.filter(response=response).update(value=1)

    def base(self) -> str:
        return f"/alliances/{self.alliance.slug}/participants/{self.person.pk}"

    def assert_is_their_data(self, data: dict[str, Any]) -> None:
        assert data["participant"]["name"] == "Zorg persoon 1"
        assert data["participant"]["email"] == "zorg1@example.org"
        (entry,) = data["rounds"]
        answers = entry["response"]["scale_answers"]
        assert len(answers) == len(latest_instrument().items) and set(answers.values()) == {1}
        assert entry["response"]["other_answers"] == {"ambition_own_words": "mijn eigen woorden"}
        assert "persoon 2" not in json.dumps(data)

    def test_the_facilitator_sends_the_data_to_the_person_without_seeing_it(self):
        self.login()
        page = self.client.post(f"{self.base()}/send-data/", follow=True)
        self.assertContains(page, "has been e-mailed to zorg1@example.org")
        self.assertNotContains(page, "mijn eigen woorden")
        (message,) = mail.outbox
        assert message.to == ["zorg1@example.org"]
        ((name, content, kind),) = message.attachments
        assert name == "alliancelens-my-data.json" and kind == "application/json"
        self.assert_is_their_data(json.loads(content))
        event = AuditEvent.objects.get(action="participant_exported")
        assert event.actor == "fiona" and event.detail["participant"] == self.person.pk
        # No address: nothing is sent, and the facilitator is told why.
        Participant.objects.filter(pk=self.person.pk).update(email="")
        page = self.client.post(f"{self.base()}/send-data/", follow=True)
        self.assertContains(page, "No e-mail address is known for this person")
        assert len(mail.outbox) == 1

    def test_the_link_download_holds_what_was_given_through_that_link_even_after_closing(self):
        rnd = round_open(rnd=round_create(alliance=self.alliance, title="Twee"))
        invitation = rnd.invitations.get(participant=self.person)
        (link,) = invitations_issue(invitations=[invitation])
        answer_everything(Client(), link.token, "2")
        round_close(rnd=rnd)
        download = Client().get(f"/r/{link.token}/my-data.json")
        assert download.status_code == 200
        assert download["Cache-Control"] == "no-store"
        assert download["Referrer-Policy"] == "no-referrer"
        data = json.loads(download.content)
        assert data["round"] == 2 and data["response"]["submitted_at"]
        assert set(data["response"]["scale_answers"].values()) == {2}
        # Nothing of round 1, no e-mail address.
        text = download.content.decode()
        assert "mijn eigen woorden" not in text and "zorg1@example.org" not in text
        assert AuditEvent.objects.get(action="participant_exported").actor == ""
        # A newer link of the same invitation shows nothing given through the old one.
        (newer,) = invitations_issue(invitations=[Invitation.objects.get(pk=invitation.pk)])
        assert Client().get(f"/r/{link.token}/my-data.json").status_code == 404
        data = json.loads(Client().get(f"/r/{newer.token}/my-data.json").content)
        assert data["round"] == 2 and data["response"] is None

    def test_erasing_in_a_closed_round_keeps_the_answers_anonymously(self):
        """Deleting them would change results already seen, and the difference
        would show exactly what this person answered."""
        before = round_analysis(self.round)
        self.login()
        page = self.client.post(
            f"{self.base()}/erase/", {"answers": "delete", "confirm": "on"}, follow=True
        )
        self.assertContains(page, "0 responses deleted, 1 kept as anonymous answers")
        assert not Participant.objects.filter(pk=self.person.pk).exists()
        after = round_analysis(self.round)
        assert after.perspectives == before.perspectives
        self.assert_logged_without_name("delete")

    def test_erasing_with_the_answers_removes_them_from_an_open_round(self):
        rnd = round_open(rnd=round_create(alliance=self.alliance, title="Twee"))
        (link,) = invitations_issue(invitations=rnd.invitations.filter(participant=self.person))
        answer_everything(Client(), link.token)
        self.login()
        page = self.client.post(
            f"{self.base()}/erase/", {"answers": "delete", "confirm": "on"}, follow=True
        )
        self.assertContains(page, "1 responses deleted, 1 kept as anonymous answers")
        assert not ScanResponse.objects.filter(round=rnd).exists()
        assert ScanResponse.objects.filter(round=self.round).count() == 12

    def test_erasing_but_keeping_the_answers_leaves_no_link_and_the_same_results(self):
        before = round_analysis(self.round)
        response = ScanResponse.objects.get(invitation__participant=self.person)
        self.login()
        self.client.post(f"{self.base()}/erase/", {"answers": "anonymise", "confirm": "on"})
        response.refresh_from_db()
        assert response.invitation is None
        assert response.submitted_at is not None
        assert (response.started_at.hour, response.started_at.minute) == (0, 0)
        assert response.submitted_at == response.started_at
        assert not Invitation.objects.filter(participant_id=self.person.pk).exists()
        after = round_analysis(self.round)
        assert after.perspectives == before.perspectives
        assert after.partners["Zorg"].n == 4
        self.assert_logged_without_name("anonymise")

    def assert_logged_without_name(self, mode: str) -> None:
        event = AuditEvent.objects.get(action="participant_erased")
        assert event.detail["answers"] == mode
        assert event.actor == "fiona"
        stored = json.dumps(event.detail) + event.actor
        assert "persoon" not in stored and "zorg1@" not in stored
        history = self.client.get(f"/alliances/{self.alliance.slug}/history/")
        self.assertContains(history, "Participant erased")
        self.assertNotContains(history, "Zorg persoon 1")

    def test_erasing_needs_a_choice_and_a_confirmation(self):
        self.login()
        for data in ({}, {"answers": "delete"}, {"answers": "shred", "confirm": "on"}):
            page = self.client.post(f"{self.base()}/erase/", data)
            assert page.status_code == 400, data
        assert Participant.objects.filter(pk=self.person.pk).exists()
        assert not AuditEvent.objects.filter(action="participant_erased").exists()

    def test_no_ip_address_or_browser_is_stored_for_a_respondent(self):
        rnd = round_open(rnd=round_create(alliance=self.alliance, title="Twee"))
        (link,) = invitations_issue(invitations=rnd.invitations.filter(participant=self.person))
        ip, agent = "203.0.113.77", "TellTaleBrowser/9.9 (Unique)"
        client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent, HTTP_X_FORWARDED_FOR=ip)
        client.get(f"/r/{link.token}/intro/?lang=en")
        client.post(f"/r/{link.token}/p/ambition/", full_answers("ambition"))
        client.post(f"/r/{link.token}/review/")
        assert ScanResponse.objects.filter(round=rnd, submitted_at__isnull=False).count() == 1
        models: list[Any] = list(apps.get_models())
        for model in models:
            for row in model.objects.all().values():
                text = repr(row)
                assert ip not in text and "TellTale" not in text, model
        for session in Session.objects.all():
            assert ip not in repr(session.get_decoded())

    def test_the_privacy_statement_explains_roles_rights_and_retention(self):
        page = Client().get("/privacy/?lang=en", HTTP_ACCEPT_LANGUAGE="en")
        for text in ("partner lead", "observer", "retention", "erase", "IP address"):
            self.assertContains(page, text)


@override_settings(LANGUAGE_CODE="en")
class RetentionTests(AllianceTestCase):
    def make_round(self, title: str, closed_days_ago: int | None, people: list[Participant]):
        rnd = round_open(rnd=round_create(alliance=self.alliance, title=title))
        rnd.invitations.exclude(participant__in=people).delete()
        client = Client()
        for link in invitations_issue(invitations=rnd.invitations.all()):
            answer_everything(client, link.token)
        if closed_days_ago is not None:
            rnd = round_close(rnd=rnd)
            Round.objects.filter(pk=rnd.pk).update(
                closed_at=timezone.now() - timedelta(days=closed_days_ago)
            )
        return rnd

    def test_purge_deletes_what_the_period_says_and_nothing_else(self):
        self.alliance.retention_months = 12
        self.alliance.save()
        only_old = self.participants[:3]
        both = self.participants[3:6]
        old = self.make_round("Oud", 400, only_old + both)
        recent = self.make_round("Recent", 100, both + self.participants[6:9])
        current = self.make_round("Nu", None, self.participants[9:])

        dry = io.StringIO()
        call_command("purge", "--dry-run", stdout=dry)
        assert "rounds 1: would delete 6 responses and 6 invitation links" in dry.getvalue()
        assert ScanResponse.objects.filter(round=old).count() == 6

        out = io.StringIO()
        call_command("purge", stdout=out)
        assert f"{self.alliance.slug}: rounds 1: deleted 6 responses" in out.getvalue()
        old.refresh_from_db()
        assert old.purged_at is not None
        assert not ScanResponse.objects.filter(round=old).exists()
        assert not Invitation.objects.filter(round=old).exists()
        # The roster stays: it is the list for the next round.
        assert Participant.objects.filter(pk__in=[p.pk for p in only_old + both]).count() == 6
        assert ScanResponse.objects.filter(round=recent).count() == 6
        assert ScanResponse.objects.filter(round=current).count() == 3
        event = AuditEvent.objects.get(action="retention_purged")
        assert event.actor == "" and event.detail["rounds"] == [1]

        again = io.StringIO()
        call_command("purge", stdout=again)
        assert again.getvalue().strip() == "nothing to delete"

        self.login()
        page = self.client.get(f"/alliances/{self.alliance.slug}/rounds/1/results/")
        self.assertContains(page, "retention period")

    def test_a_round_left_open_past_its_closing_is_closed_and_purged(self):
        self.alliance.retention_months = 1
        self.alliance.save()
        rnd = self.make_round("Vergeten", None, self.participants[:3])
        Round.objects.filter(pk=rnd.pk).update(closes_at=timezone.now() - timedelta(days=60))
        join_link_set(rnd=rnd, is_open=True)
        call_command("purge", stdout=io.StringIO())
        rnd.refresh_from_db()
        assert rnd.state == Round.State.CLOSED and rnd.purged_at is not None
        assert not rnd.join_open
        assert not rnd.responses.exists() and not rnd.invitations.exists()
        # A closed round cannot get a later closing moment again.
        self.login()
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/",
            {"title": rnd.title, "closes_at": "2099-01-01T00:00"},
        )
        self.assertContains(page, "can no longer change")
        rnd.refresh_from_db()
        assert rnd.closes_at is not None and rnd.closes_at < timezone.now()

    def test_purge_forgets_old_login_and_reset_counters(self):
        from alliancelens.alliances.models import LoginThrottle

        old = LoginThrottle.objects.create(username="reset:someone@example.org", failures=1)
        LoginThrottle.objects.filter(pk=old.pk).update(
            updated_at=timezone.now() - timedelta(days=2)
        )
        fresh = LoginThrottle.objects.create(username="fiona", failures=2)
        call_command("purge", stdout=io.StringIO())
        assert list(LoginThrottle.objects.values_list("pk", flat=True)) == [fresh.pk]

    def test_without_a_period_nothing_is_purged(self):
        self.make_round("Oud", 4000, self.participants[:3])
        out = io.StringIO()
        call_command("purge", stdout=out)
        assert out.getvalue().strip() == "nothing to delete"
        assert ScanResponse.objects.count() == 3

    def test_the_period_is_set_in_the_alliance_settings_and_checked(self):
        self.login()
        data = {
            "name": self.alliance.name,
            "current_phase": "explore",
            "stage": "designing",
            "anonymity_threshold": 3,
        }
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/edit/", {**data, "retention_months": "0"}
        )
        assert page.status_code == 200  # the form again, with the error
        self.assertContains(page, "greater than or equal to 1")
        self.client.post(
            f"/alliances/{self.alliance.slug}/edit/", {**data, "retention_months": "24"}
        )
        self.alliance.refresh_from_db()
        assert self.alliance.retention_months == 24
