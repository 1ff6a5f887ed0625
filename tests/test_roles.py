"""What partner leads and observers see: the aggregates, and a lead's own partner
(when it has at least k respondents) — never another partner's figures, names
in divergences, or open answers. Giving and changing access; password e-mails."""

from __future__ import annotations

import base64
import io
import re

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings

from alliancelens.alliances.models import AccessGrant, AuditEvent, Participant, Round, ScanResponse
from alliancelens.alliances.services import invitations_issue, round_close, round_create
from alliancelens.alliances.services import round_open as open_
from alliancelens.analysis.scope import restrict

from .base import PASSWORD, AllianceTestCase, full_answers, results_table

OTHERS = ("Woningcorporatie", "Zorg")


def visible_text(html: bytes) -> str:
    """The page as text, with every embedded chart (SVG data URI) decoded."""
    text = html.decode()
    for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text):
        text += base64.b64decode(data).decode()
    return text


class ScopedResultsTests(AllianceTestCase):
    round: Round

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        rnd = open_(rnd=round_create(alliance=cls.alliance, title="Een"))
        links = invitations_issue(invitations=rnd.invitations.select_related("participant"))
        client = Client()
        # Gemeente answers 5 everywhere, the others 1: every statement diverges.
        for link in links:
            partner = link.invitation.participant.partner.name
            value = "5" if partner == "Gemeente" else "1"
            for p in ("ambition", "interests", "relationship", "organisation", "process"):
                data = full_answers(p, value)
                if p == "ambition":
                    data["ambition_own_words"] = f"woorden-van-{partner}"
                assert client.post(f"/r/{link.token}/p/{p}/", data).status_code == 302
            assert client.post(f"/r/{link.token}/review/").status_code == 302
        cls.round = round_close(rnd=rnd)

    def results(self, user: User) -> bytes:
        self.client.force_login(user)
        self.client.cookies["django_language"] = "en"
        page = self.client.get(f"/alliances/{self.alliance.slug}/rounds/1/results/")
        assert page.status_code == 200
        return page.content

    def test_the_facilitator_sees_every_partner(self):
        text = visible_text(self.results(self.facilitator))
        for name in ("Gemeente", *OTHERS):
            assert name in text
        assert "woorden-van-Zorg" in text

    def test_a_partner_lead_sees_the_alliance_and_their_own_partner_only(self):
        html = self.results(self.lead)
        text = visible_text(html)
        table = results_table(html)
        full = results_table(self.results(self.facilitator))
        # Columns: overall, Gemeente, Woningcorporatie, Zorg, agreement.
        for row, cells in full.items():
            assert table[row] == cells[:2] + cells[4:], row
        for name in OTHERS:
            assert name not in text, name
        # Open answers are for the facilitator only (a lead may manage the writers).
        assert "woorden-van" not in text
        # Divergences name the other side "another partner", without its mean,
        # and hide the gap (own mean ± gap would give the other's mean).
        rows = re.findall(
            r"<tr>\s*<th scope=\"row\">.*?</tr>",
            text.split('divergence-table">')[1].split("</table>")[0],
            re.S,
        )
        assert rows
        for row in rows:
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            assert "another partner" in " ".join(cells)
            assert not re.search(r"another partner\s*\d", " ".join(cells))
            assert cells[2] == "<strong>differs</strong>" and cells[3] == "—", cells

    def test_an_observer_sees_the_alliance_as_a_whole(self):
        html = self.results(self.observer)
        text = visible_text(html)
        for name in ("Gemeente", *OTHERS):
            assert name not in text, name
        assert "woorden-van" not in text
        table = results_table(html)
        full = results_table(self.results(self.facilitator))
        for row, cells in full.items():
            assert table[row] == cells[:1] + cells[4:], row
        assert "Where partners see it differently" in text

    def test_a_lead_whose_partner_is_below_k_sees_it_hidden(self):
        ScanResponse.objects.filter(
            invitation__participant__in=Participant.objects.filter(partner__name="Gemeente")[:2]
        ).delete()
        html = self.results(self.lead)
        table = results_table(html)
        assert table["Ambition"][1] == "hidden"

    def test_with_one_other_partner_a_lead_sees_only_the_whole(self):
        """The whole minus their own group would be the other partner's figures."""
        ScanResponse.objects.filter(invitation__participant__partner__name="Zorg").delete()
        html = self.results(self.lead)
        text = visible_text(html)
        table = results_table(html)
        assert len(table["Ambition"]) == 3  # overall, agreement, α: no partner column
        assert "Woningcorporatie" not in text
        assert "fewer than two other partners answered" in text

    def test_reports_of_a_lead_leave_out_the_other_partners(self):
        self.client.force_login(self.lead)
        self.client.cookies["django_language"] = "en"
        base = f"/alliances/{self.alliance.slug}/rounds/1"
        for path in (f"{base}/report.html?lang=en", f"{base}/guide.html?lang=en"):
            text = visible_text(self.client.get(path).content)
            assert "Gemeente" in text
            for name in OTHERS:
                assert name not in text, (path, name)
        from pypdf import PdfReader

        pdf = self.client.get(f"{base}/report.pdf?lang=en").content
        words = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert "Gemeente" in words
        for name in OTHERS:
            assert name not in words

    def test_restrict_keeps_aggregates_and_drops_other_partners(self):
        from alliancelens.results.adapter import round_analysis

        full = round_analysis(self.round)
        seen = restrict(full, {"Gemeente"}, "en")
        assert set(seen.partners) == {"Gemeente"}
        assert seen.perspectives == full.perspectives
        assert seen.items == full.items
        assert seen.partner_levels == {}
        assert all(set(d.partner_means) <= {"Gemeente"} for d in seen.divergence)
        assert all(d.gap is None and d.icc1 is None for d in seen.divergence)
        assert all(
            not w.startswith(("divergence.", "disagreement.", "give_take."))
            for a in seen.advice
            for w in a.why
        )
        assert any(w.startswith("divergence.") for a in full.advice for w in a.why)
        assert all({d.high, d.low} == {"Gemeente", "another partner"} for d in seen.divergence)
        flagged = [d for d in seen.divergence if d.flagged]
        assert flagged and all(
            "Zorg" not in q and "Woningcorporatie" not in q
            for d in flagged
            for lines in d.prompts.values()
            for q in lines
        )
        assert any("een andere partner" in q for d in flagged for q in d.prompts["nl"])
        # Only the flagged differences, in a fixed order: the full order
        # follows the gaps, and an unflagged one names who is high or low.
        assert [(d.kind, d.id) for d in seen.divergence] == sorted(
            (d.kind, d.id) for d in full.divergence if d.flagged
        )
        assert all(d.df == [] and d.p is None and not d.pairs for d in seen.divergence)
        assert all(g.partner == "Gemeente" for g in seen.give_take)


@override_settings(LANGUAGE_CODE="en")
class MembersTests(AllianceTestCase):
    def test_a_new_observer_gets_an_e_mail_to_set_a_password_and_can_log_in(self):
        self.login()
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/access/",
            {"email": "Funder@Example.org", "name": "Fenna", "role": "observer"},
            follow=True,
        )
        self.assertContains(page, "funder@example.org has been sent an e-mail about it")
        (message,) = mail.outbox
        assert message.to == ["funder@example.org"]
        link = re.search(r"http://testserver(/accounts/reset/\S+)", message.body)
        assert link is not None
        visitor = Client()
        form = visitor.get(link.group(1), follow=True)
        assert form.status_code == 200
        done = visitor.post(
            form.redirect_chain[-1][0],
            {
                "new_password1": "a new and long passphrase",
                "new_password2": "a new and long passphrase",
            },
        )
        assert done.status_code == 302
        assert visitor.login(username="funder@example.org", password="a new and long passphrase")
        listing = visitor.get("/alliances/")
        self.assertContains(listing, self.alliance.name)
        self.assertContains(listing, "Observer")
        event = AuditEvent.objects.get(action="member_added")
        assert event.actor == "fiona" and event.detail["role"] == "observer"

    def test_an_existing_user_gets_the_same_answer_and_an_e_mail_without_a_link(self):
        """The page must not tell whether an address already has an account."""
        User.objects.create_user(
            "piet", email="piet@example.org", password=PASSWORD, first_name="Piet Geheim"
        )
        self.login()
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/access/",
            {
                "email": "piet@example.org",
                "role": "partner_lead",
                "partner": str(self.partners["Zorg"].pk),
            },
            follow=True,
        )
        self.assertContains(page, "piet@example.org has been sent an e-mail about it")
        self.assertNotContains(page, "Piet Geheim")
        grant = AccessGrant.objects.get(user__username="piet")
        assert grant.partner == self.partners["Zorg"]
        (message,) = mail.outbox
        assert "/accounts/reset/" not in message.body
        assert "Log in with your existing password" in message.body

    def test_a_lead_needs_a_partner_and_others_none(self):
        self.login()
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/access/",
            {"email": "x@example.org", "role": "partner_lead"},
        )
        assert page.status_code == 400
        self.assertContains(page, "needs the partner organisation", status_code=400)
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/access/",
            {"email": "x@example.org", "role": "observer", "partner": self.partners["Zorg"].pk},
        )
        assert page.status_code == 400
        assert not User.objects.filter(email="x@example.org").exists()

    def test_the_last_facilitator_cannot_leave_or_be_demoted(self):
        self.login()
        own = AccessGrant.objects.get(user=self.facilitator, alliance=self.alliance)
        base = f"/alliances/{self.alliance.slug}/access/{own.pk}"
        page = self.client.post(f"{base}/withdraw/", follow=True)
        self.assertContains(page, "the only facilitator")
        page = self.client.post(f"{base}/", {"role": "observer"}, follow=True)
        self.assertContains(page, "the only facilitator")
        own.refresh_from_db()
        assert own.role == "facilitator"
        assert not AuditEvent.objects.filter(action__startswith="member").exists()

    def test_withdrawing_access_is_recorded_and_takes_effect(self):
        otto = self.observer
        m = self.observer_grant
        self.login()
        self.client.post(f"/alliances/{self.alliance.slug}/access/{m.pk}/withdraw/")
        assert not AccessGrant.objects.filter(pk=m.pk).exists()
        assert AuditEvent.objects.get(action="member_removed").detail["user"] == "otto"
        self.client.force_login(otto)
        assert self.client.get(f"/alliances/{self.alliance.slug}/").status_code == 404
        history = self.client.get(f"/alliances/{self.alliance.slug}/history/")
        assert history.status_code == 404
        self.login()
        self.assertContains(
            self.client.get(f"/alliances/{self.alliance.slug}/history/"), "Access withdrawn"
        )


@override_settings(LANGUAGE_CODE="en")
class PasswordResetTests(AllianceTestCase):
    def test_reset_by_e_mail_sets_a_new_password_once(self):
        self.facilitator.email = "fiona@example.org"
        self.facilitator.save()
        client = Client()
        page = client.post("/accounts/password-reset/", {"email": "FIONA@example.org"})
        assert page.status_code == 302
        (message,) = mail.outbox
        path = re.search(r"http://testserver(/accounts/reset/\S+)", message.body).group(1)
        assert "fiona" in message.body
        form = client.get(path, follow=True)
        url = form.redirect_chain[-1][0]
        new = "another long passphrase 42"
        assert client.post(url, {"new_password1": new, "new_password2": new}).status_code == 302
        assert Client().login(username="fiona", password=new)
        # The link works once.
        again = Client().get(path, follow=True)
        self.assertContains(again, "not valid")

    def test_at_most_three_reset_e_mails_per_address_per_hour(self):
        self.facilitator.email = "fiona@example.org"
        self.facilitator.save()
        for _ in range(5):
            page = Client().post("/accounts/password-reset/", {"email": "fiona@example.org"})
            assert page.status_code == 302 and page["Location"].endswith("/sent/")
        assert len(mail.outbox) == 3

    def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(self):
        page = Client().post("/accounts/password-reset/", {"email": "nobody@example.org"})
        assert page.status_code == 302 and page["Location"] == "/accounts/password-reset/sent/"
        assert mail.outbox == []


class HistoryTests(AllianceTestCase):
    def test_opening_and_closing_a_round_are_recorded_with_who_did_it(self):
        self.login()
        rnd = round_create(alliance=self.alliance, title="R")
        self.client.post(f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/open/")
        self.client.post(f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/close/")
        self.client.post(f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/close/")
        events = list(AuditEvent.objects.order_by("pk").values_list("action", "actor"))
        assert events == [("round_opened", "fiona"), ("round_closed", "fiona")]
        assert Round.objects.get(pk=rnd.pk).state == "closed"
