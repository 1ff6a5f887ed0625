"""A facilitator sets up an alliance, opens a round and follows the results."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.core import mail
from django.test import TestCase, override_settings

from alliancelens.alliances.models import Alliance, Invitation, Participant, Round
from alliancelens.alliances.services import round_close
from alliancelens.instrument import latest_instrument

from .base import PASSWORD, AllianceTestCase, answer_everything, results_table, strip_tags

LINK_RE = re.compile(r"http://testserver/r/([A-Za-z0-9_-]{32,})/")


@override_settings(SITE_URL="http://testserver")
class SetUpAllianceTests(TestCase):
    def test_a_facilitator_sets_up_an_alliance_and_respondents_answer(self):
        from django.contrib.auth.models import Permission

        fiona = User.objects.create_user("fiona", password=PASSWORD)
        # The site administrator lets this account start alliances.
        fiona.user_permissions.add(Permission.objects.get(codename="add_alliance"))
        # Log in through the real login form.
        page = self.client.post("/accounts/login/", {"username": "fiona", "password": PASSWORD})
        self.assertRedirects(page, "/alliances/")

        page = self.client.post(
            "/alliances/new/",
            {
                "name": "Water voor Iedereen",
                "ambition": "Schoon drinkwater in elk dorp",
                "current_phase": "share",
                "stage": "designing",
                "anonymity_threshold": 3,
            },
        )
        alliance = Alliance.objects.get()
        assert alliance.slug == "water-voor-iedereen"
        self.assertRedirects(page, "/alliances/water-voor-iedereen/partners/")
        base = "/alliances/water-voor-iedereen"
        for name, sector, role in [
            ("Waterschap", "public", "lead"),
            ("Drinkwaterbedrijf", "private", "member"),
            ("Ngo Bron", "non-profit", "coordinator"),
        ]:
            page = self.client.post(
                f"{base}/partners/", {"name": name, "sector": sector, "role": role}
            )
            assert page.status_code == 302
        partners = {p.name: p.pk for p in alliance.partners.all()}
        for partner in partners.values():
            for i, level in enumerate(["board", "management", "professional"]):
                page = self.client.post(
                    f"{base}/participants/",
                    {
                        "name": f"P{partner}-{i}",
                        "email": f"p{partner}{i}@example.org",
                        "partner": partner,
                        "level": level,
                        "language": "nl",
                    },
                )
                assert page.status_code == 302, page.content[:300]
        assert Participant.objects.count() == 9

        page = self.client.post(f"{base}/rounds/new/", {"title": "Eerste meting"})
        self.assertRedirects(page, f"{base}/rounds/1/")
        rnd = Round.objects.get()
        assert rnd.state == Round.State.DRAFT
        self.client.post(f"{base}/rounds/1/open/")
        rnd.refresh_from_db()
        assert rnd.state == Round.State.OPEN
        assert rnd.invitations.count() == 9

        # Issue all links as a copyable list.
        ids = list(rnd.invitations.values_list("pk", flat=True))
        page = self.client.post(
            f"{base}/rounds/1/invitations/", {"invitations": ids, "output": "list"}
        )
        assert page.status_code == 200
        tokens = sorted(set(LINK_RE.findall(page.content.decode())))
        assert len(tokens) == 9
        assert page["Cache-Control"].startswith("max-age=0")

        # Seven of the nine answer, every statement with "agree" (4).
        self.client.logout()
        answered = tokens[:7]
        for token in answered:
            answer_everything(self.client, token, "4")

        self.client.force_login(User.objects.get(username="fiona"))
        detail = self.client.get(f"{base}/rounds/1/")
        totals = re.search(r"Totaal (\d+) (\d+) (\d+) (\d+) (\d+)%", strip_tags(detail.content))
        assert totals is not None
        assert totals.groups() == ("9", "9", "7", "7", "78")

        # While the round is open the page gives counts, not scores.
        results = self.client.get(f"{base}/rounds/1/results/")
        self.assertContains(results, "7 respondenten hebben ingestuurd")
        self.assertContains(results, "zodra de ronde is gesloten")
        assert results_table(results.content) == {}

        self.client.post(f"{base}/rounds/1/close/")
        table = results_table(self.client.get(f"{base}/rounds/1/results/").content)
        for perspective, label in (("ambition", "Ambitie"), ("process", "Proces")):
            items = latest_instrument().items_for(perspective)
            expected = sum(2 if i.reverse else 4 for i in items) / len(items)
            assert table[label][0] == f"{expected:.2f} (n = 7)".replace(".", ",")


@override_settings(SITE_URL="http://testserver")
class RoundManagementTests(AllianceTestCase):
    def setUp(self):
        self.login()
        self.base = f"/alliances/{self.alliance.slug}"

    def test_the_printable_sheet_has_a_qr_code_per_participant(self):
        self.open_round()
        ids = list(Invitation.objects.values_list("pk", flat=True)[:3])
        page = self.client.post(
            f"{self.base}/rounds/1/invitations/", {"invitations": ids, "output": "sheet"}
        )
        assert page.status_code == 200
        html = page.content.decode()
        assert html.count("<svg") == 3
        assert len(set(LINK_RE.findall(html))) == 3
        assert "Afdrukken" in html

    def test_invitations_are_emailed_in_the_participants_language(self):
        self.open_round()
        invitations = Invitation.objects.filter(participant__name__endswith="persoon 4")
        page = self.client.post(
            f"{self.base}/rounds/1/invitations/",
            {"invitations": [i.pk for i in invitations], "output": "email"},
        )
        assert page.status_code == 302
        assert len(mail.outbox) == 3
        message = mail.outbox[0]
        assert message.subject.startswith("Your invitation")  # persoon 4 prefers English
        token = LINK_RE.search(message.body).group(1)
        assert self.client.get(f"/r/{token}/").status_code == 302
        assert all(
            i.emailed_at for i in Invitation.objects.filter(pk__in=[i.pk for i in invitations])
        )

    @override_settings(EMAIL_BACKEND="tests.failing_mail.RefusingBackend")
    def test_a_refused_e_mail_keeps_the_earlier_link_working(self):
        rnd = self.open_round()
        bounced, fine = self.participants[0], self.participants[1]
        bounced.email = "refuse@example.org"
        bounced.save()
        old_token = self.token_for(rnd, bounced)
        invitations = Invitation.objects.filter(participant__in=[bounced, fine])
        page = self.client.post(
            f"{self.base}/rounds/1/invitations/",
            {"invitations": [i.pk for i in invitations], "output": "email"},
            follow=True,
        )
        self.assertContains(page, "Versturen mislukt voor: " + bounced.name)
        self.assertContains(page, "1 uitnodigingen gemaild")
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [fine.email]
        assert self.client.get(f"/r/{old_token}/").status_code == 302
        kept = Invitation.objects.get(participant=bounced)
        assert kept.emailed_at is None and kept.times_issued == 1
        assert Invitation.objects.get(participant=fine).emailed_at is not None

    def test_e_mail_without_an_address_is_refused_and_issues_nothing(self):
        self.open_round()
        nobody = self.participants[0]
        nobody.email = ""
        nobody.save()
        inv = Invitation.objects.get(participant=nobody)
        page = self.client.post(
            f"{self.base}/rounds/1/invitations/", {"invitations": [inv.pk], "output": "email"}
        )
        assert page.status_code == 400
        self.assertContains(page, nobody.name, status_code=400)
        inv.refresh_from_db()
        assert inv.token_hash is None
        assert len(mail.outbox) == 0

    def test_a_closed_round_cannot_be_reopened_or_get_new_links(self):
        rnd = self.open_round()
        self.client.post(f"{self.base}/rounds/1/close/")
        rnd.refresh_from_db()
        assert rnd.state == Round.State.CLOSED
        self.client.post(f"{self.base}/rounds/1/open/")
        rnd.refresh_from_db()
        assert rnd.state == Round.State.CLOSED
        inv = rnd.invitations.first()
        self.client.post(
            f"{self.base}/rounds/1/invitations/", {"invitations": [inv.pk], "output": "list"}
        )
        inv.refresh_from_db()
        assert inv.token_hash is None

    def test_a_participant_added_during_an_open_round_is_invited(self):
        rnd = self.open_round()
        before = rnd.invitations.count()
        self.client.post(
            f"{self.base}/participants/",
            {
                "name": "Laatkomer",
                "partner": self.partners["Zorg"].pk,
                "level": "board",
                "language": "nl",
            },
        )
        assert rnd.invitations.count() == before + 1

    def test_the_results_hide_partners_below_k_with_complementary_suppression(self):
        rnd = self.open_round()
        # Gemeente: 4 respondents, Woningcorporatie: 3, Zorg: 2 (below k=3).
        counts = {"Gemeente": 4, "Woningcorporatie": 3, "Zorg": 2}
        for name, count in counts.items():
            people = [p for p in self.participants if p.partner.name == name][:count]
            for person in people:
                self.answer(rnd, person, "3")
        round_close(rnd=rnd)
        page = self.client.get(f"{self.base}/rounds/1/results/")
        table = results_table(page.content)
        # Columns: all partners, Gemeente, Woningcorporatie, Zorg. Zorg alone
        # hidden could be recomputed from the total; the smallest other
        # partner is hidden too.
        for label, cells in table.items():
            assert cells[0].endswith("(n = 9)"), label
            assert re.fullmatch(r"\d,\d\d", cells[1]), label
            assert cells[2:4] == ["verborgen", "verborgen"], label

    def test_the_results_page_works_for_empty_and_sparse_rounds(self):
        rnd = self.open_round()
        assert self.client.get(f"{self.base}/rounds/1/results/").status_code == 200
        token = self.token_for(rnd, self.participants[0])
        self.client.post(f"/r/{token}/p/ambition/", {"amb_not_alone": "4", "nav": "next"})
        self.client.post(f"/r/{token}/review/")
        round_close(rnd=rnd)
        page = self.client.get(f"{self.base}/rounds/1/results/")
        assert page.status_code == 200
        self.assertContains(page, "nog geen resultaten")

    def test_results_with_fewer_than_k_respondents_show_nothing(self):
        rnd = self.open_round()
        for person in self.participants[:2]:
            self.answer(rnd, person, "3")
        round_close(rnd=rnd)
        page = self.client.get(f"{self.base}/rounds/1/results/")
        self.assertContains(page, "nog geen resultaten")
        assert results_table(page.content) == {}

    def test_deleting_the_alliance_takes_its_rounds_and_responses_along(self):
        rnd = self.open_round()
        self.answer(rnd, self.participants[0], "3")
        self.alliance.delete()
        assert not Round.objects.filter(pk=rnd.pk).exists()

    def test_a_partner_with_answers_cannot_be_deleted(self):
        rnd = self.open_round()
        person = self.participants[0]
        self.answer(rnd, person, "3")
        page = self.client.post(f"{self.base}/partners/{person.partner.pk}/delete/", follow=True)
        self.assertContains(page, "kan niet worden verwijderd")
        assert self.alliance.partners.filter(pk=person.partner.pk).exists()

    def test_duplicate_partner_names_are_refused(self):
        page = self.client.post(
            f"{self.base}/partners/", {"name": "gemeente", "sector": "public", "role": "member"}
        )
        assert page.status_code == 200
        self.assertContains(page, "al een partner met deze naam")

    def test_k_outside_three_to_ten_is_refused(self):
        for k in (2, 11):
            page = self.client.post(
                f"{self.base}/edit/",
                {
                    "name": "X",
                    "current_phase": "explore",
                    "stage": "designing",
                    "anonymity_threshold": k,
                },
            )
            assert page.status_code == 200
        self.alliance.refresh_from_db()
        assert self.alliance.anonymity_threshold == 3
        assert self.alliance.name == "Gezonde Wijk"


class AccessTests(AllianceTestCase):
    def test_pages_need_a_login(self):
        page = self.client.get(f"/alliances/{self.alliance.slug}/")
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/login/")

    def test_a_facilitator_of_another_alliance_sees_nothing(self):
        rnd = self.open_round()
        self.login(self.outsider)
        base = f"/alliances/{self.alliance.slug}"
        partner = self.partners["Zorg"].pk
        participant = self.participants[0].pk
        for url in [
            f"{base}/",
            f"{base}/edit/",
            f"{base}/partners/",
            f"{base}/partners/{partner}/",
            f"{base}/participants/",
            f"{base}/participants/{participant}/",
            f"{base}/participants/import/",
            f"{base}/rounds/new/",
            f"{base}/rounds/{rnd.number}/",
            f"{base}/rounds/{rnd.number}/invitations/",
            f"{base}/rounds/{rnd.number}/results/",
            f"{base}/rounds/{rnd.number}/report.pdf",
            f"{base}/rounds/{rnd.number}/report.html",
            f"{base}/rounds/{rnd.number}/export/csv/",
            f"{base}/rounds/{rnd.number}/guide.pdf",
            f"{base}/rounds/{rnd.number}/export/sav/",
        ]:
            assert self.client.get(url).status_code == 404, url
        for url in [f"{base}/rounds/1/close/", f"{base}/partners/{partner}/delete/"]:
            assert self.client.post(url).status_code == 404, url
        rnd.refresh_from_db()
        assert rnd.state == Round.State.OPEN
        assert self.alliance.partners.filter(pk=partner).exists()
        listing = self.client.get("/alliances/")
        self.assertNotContains(listing, self.alliance.name)
