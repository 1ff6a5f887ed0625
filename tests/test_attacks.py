"""The attacks of issue 10, tried as an insider would, each asserted to fail.

Each class names what someone in a role can see and do (docs/privacy-model.md)
and tries to recover what the anonymity threshold protects: one person's
answers, or a figure of a group smaller than k.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from alliancelens.alliances.models import AuditEvent, Round
from alliancelens.alliances.services import round_close
from alliancelens.results.models import PublishedResult
from alliancelens.results.publish import round_publish

from .base import AllianceTestCase


class AttackTestCase(AllianceTestCase):
    def edit_alliance(self, **changes: object) -> None:
        a = self.alliance
        a.refresh_from_db()
        data = {
            "name": a.name,
            "ambition": a.ambition,
            "current_phase": a.current_phase,
            "stage": a.stage,
            "anonymity_threshold": a.anonymity_threshold,
            "retention_months": a.retention_months or "",
            **changes,
        }
        response = self.client.post(f"/alliances/{a.slug}/edit/", data, follow=True)
        assert response.redirect_chain, response.content[:2000]

    def figures(self, number: int) -> pd.DataFrame:
        response = self.client.get(f"/alliances/{self.alliance.slug}/rounds/{number}/export/csv/")
        assert response.status_code == 200
        return pd.read_csv(io.StringIO(response.content.decode("utf-8-sig")))

    def trends(self, number: int) -> list[list[object]]:
        response = self.client.get(f"/alliances/{self.alliance.slug}/rounds/{number}/export/xlsx/")
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return [list(r) for r in book["trends"].iter_rows(values_only=True)]

    def results_page(self, number: int) -> str:
        """The results page, without the form tokens that change per request."""
        response = self.client.get(f"/alliances/{self.alliance.slug}/rounds/{number}/results/")
        assert response.status_code == 200
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    def close(self, rnd: Round) -> Round:
        """Close and publish, as the close button does."""
        return round_publish(rnd=round_close(rnd=rnd)).round


class ChangingKTests(AttackTestCase):
    """Class 2: figures shown at k = 3 and at k = 4 together can give one
    person's scores. A round keeps the k it was opened with."""

    def test_a_round_keeps_the_k_it_opened_with_and_the_change_is_logged(self):
        self.login()
        rnd = self.open_round()
        assert rnd.k == 3
        for person, value in zip(self.participants[:9], "123451234", strict=True):
            self.answer(rnd, person, value)
        self.edit_alliance(anonymity_threshold=4)  # while the round is open
        rnd = self.close(rnd)
        assert rnd.k == 3 and PublishedResult.objects.get(round=rnd).k == 3
        before_page, before_file = self.results_page(1), self.figures(1)
        assert "minder dan 3 mensen" in before_page
        for k in (5, 3, 4):
            self.edit_alliance(anonymity_threshold=k)
            assert self.figures(1).equals(before_file)
            assert self.results_page(1) == before_page
        events = AuditEvent.objects.filter(
            alliance=self.alliance, action=AuditEvent.Action.THRESHOLD_CHANGED
        )
        assert [(e.detail["before"], e.detail["after"]) for e in events.order_by("at", "pk")] == [
            (3, 4),
            (4, 5),
            (5, 3),
            (3, 4),
        ]
        history = self.client.get(f"/alliances/{self.alliance.slug}/history/").content.decode()
        assert "Anonymity threshold changed" in history or "Anonimiteitsdrempel" in history
        # The next round takes the alliance's threshold at its opening.
        assert self.open_round("Ronde 2").k == 4

    def test_the_page_says_which_rounds_keep_their_threshold(self):
        self.login()
        self.open_round()
        response = self.client.post(
            f"/alliances/{self.alliance.slug}/edit/",
            {
                "name": self.alliance.name,
                "ambition": "",
                "current_phase": "explore",
                "stage": "designing",
                "anonymity_threshold": 5,
                "retention_months": "",
            },
            follow=True,
        )
        text = response.content.decode()
        assert "1 (k = 3)" in text


class ErasureAfterClosingTests(AttackTestCase):
    """Class 4: erasing someone who answered both rounds must not move the
    published trend (before and after would give that person's change)."""

    def test_erasing_a_person_changes_no_published_figure(self):
        self.login()
        people = self.participants[:8]
        first = self.open_round()
        for person, value in zip(people, "12345432", strict=True):
            self.answer(first, person, value)
        self.close(first)
        second = self.open_round("Ronde 2")
        for person, value in zip(people, "54321234", strict=True):
            self.answer(second, person, value)
        self.close(second)
        page, file, trends = self.results_page(2), self.figures(2), self.trends(2)
        stored = PublishedResult.objects.get(round=second).result
        assert any(row[8] == 8 for row in trends[1:]), trends  # paired_n: all eight
        for person, mode in ((people[0], "delete"), (people[1], "anonymise")):
            response = self.client.post(
                f"/alliances/{self.alliance.slug}/participants/{person.pk}/erase/",
                {"answers": mode, "confirm": "on"},
                follow=True,  # shows (and so uses up) the message it leaves
            )
            assert response.status_code == 200
            assert not type(person).objects.filter(pk=person.pk).exists(), mode
            assert self.results_page(2) == page
            assert self.figures(2).equals(file)
            assert self.trends(2) == trends
            assert PublishedResult.objects.get(round=second).result == stored


class RestoreTests(AttackTestCase):
    """A restored backup shows what was published, not a new computation at
    the alliance's present threshold."""

    def test_a_restore_brings_the_published_result_back_as_it_was(self):
        from alliancelens.access.backup import export_json, import_alliance

        self.login()
        rnd = self.open_round()
        for person, value in zip(self.participants[:7], "1234512", strict=True):
            self.answer(rnd, person, value)
        self.close(rnd)
        stored = PublishedResult.objects.get(round=rnd)
        self.edit_alliance(anonymity_threshold=6)
        for user in (self.facilitator, self.lead, self.observer):
            user.email = f"{user.username}@example.org"
            user.save()
        restored = import_alliance(export_json(self.alliance), slug="kopie").alliance
        copy = Round.objects.get(alliance=restored, number=1)
        assert copy.k == 3
        again = PublishedResult.objects.get(round=copy)
        assert (again.k, again.result, again.published_at) == (
            stored.k,
            stored.result,
            stored.published_at,
        )


class PrivacyPathTests(AttackTestCase):
    """Class 3: named answers through the privacy paths. A facilitator who
    issues a new link and opens it, or who puts their own address in and
    asks for the person's data, learns nothing the person answered."""

    def setUp(self) -> None:
        from django.test import Client

        from .base import full_answers

        self.first = self.open_round()
        self.person = self.participants[0]
        self.token = self.token_for(self.first, self.person)
        self.respondent = Client()
        for p in ("ambition", "interests"):
            page = self.respondent.post(f"/r/{self.token}/p/{p}/", full_answers(p, "2"))
            assert page.status_code == 302
        assert "checked" in self.respondent.get(f"/r/{self.token}/p/ambition/").content.decode()

    def issue_new_link(self) -> str:
        from alliancelens.alliances.models import Invitation

        invitation = Invitation.objects.get(round=self.first, participant=self.person)
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/rounds/1/invitations/",
            {"invitations": [invitation.pk], "output": "list"},
        )
        assert page.status_code == 200
        (token,) = set(re.findall(r"/r/([A-Za-z0-9_-]{20,})/", page.content.decode()))
        return token

    def test_a_new_link_shows_nothing_given_through_the_old_one(self):
        import json

        self.login()
        token = self.issue_new_link()
        # The new link is in the history, as replacing an earlier one.
        issued = AuditEvent.objects.filter(action=AuditEvent.Action.LINKS_ISSUED).first()
        assert issued is not None and issued.actor == "fiona"
        assert (
            issued.detail["participants"] == [self.person.pk] and issued.detail["replacing"] == 1
        )
        # The facilitator opens the new link: no answer on any page, in the
        # review or in the data download.
        resume = self.client.get(f"/r/{token}/")
        assert resume.status_code == 302 and resume["Location"].endswith(f"/r/{token}/intro/")
        for p in ("ambition", "interests"):
            page = self.client.get(f"/r/{token}/p/{p}/").content.decode()
            assert "checked" not in page, p
        review = self.client.get(f"/r/{token}/review/").content.decode()
        assert "checked" not in review
        data = json.loads(self.client.get(f"/r/{token}/my-data.json").content)
        assert data["response"] is None
        assert "amb_" not in json.dumps(data)
        # The old link is gone, even for its holder.
        assert self.respondent.get(f"/r/{self.token}/p/ambition/").status_code == 404
        # The person answers again through the new link: the old answers go.
        from alliancelens.alliances.models import ItemAnswer, ScanResponse

        from .base import full_answers

        self.respondent.post(f"/r/{token}/p/process/", full_answers("process", "5"))
        (response,) = ScanResponse.objects.filter(round=self.first)
        values = set(ItemAnswer.objects.filter(response=response).values_list("item_id", "value"))
        assert {v for _, v in values} == {5}
        assert all(item.startswith("pro_") for item, _ in values)

    def test_a_submitted_response_counts_until_the_person_answers_through_the_new_link(self):
        from alliancelens.alliances.models import ScanResponse

        assert self.respondent.post(f"/r/{self.token}/review/").status_code == 302
        self.login()
        self.issue_new_link()
        (response,) = ScanResponse.objects.filter(round=self.first)
        assert response.is_submitted  # nobody lost their say by a new link alone

    def test_data_sent_after_an_address_change_goes_to_the_address_before_it(self):
        import json

        from django.core import mail

        self.login()
        base = f"/alliances/{self.alliance.slug}/participants/{self.person.pk}"
        form = {
            "name": self.person.name,
            "email": "fiona@example.org",  # the facilitator's own address
            "partner": self.person.partner_id,
            "level": self.person.level,
            "language": self.person.language,
        }
        assert self.client.post(f"{base}/", form).status_code == 302
        # Changed again: the address before both changes still counts.
        assert self.client.post(f"{base}/", {**form, "email": "f2@example.org"}).status_code == 302
        page = self.client.post(f"{base}/send-data/", follow=True).content.decode()
        (message,) = mail.outbox
        assert message.to == ["gemeente1@example.org"]
        assert "gemeente1@example.org" in page
        ((_, content, _),) = message.attachments
        assert json.loads(content)["participant"]["name"] == self.person.name
        events = AuditEvent.objects.filter(alliance=self.alliance)
        changed = events.filter(action=AuditEvent.Action.EMAIL_CHANGED)
        assert changed.count() == 2 and "fiona@example.org" not in str(changed[0].detail)
        sent = events.get(action=AuditEvent.Action.PARTICIPANT_EXPORTED)
        assert "before the change" in sent.detail["to"]

    def test_no_data_goes_to_an_address_set_only_recently(self):
        from django.core import mail

        from alliancelens.alliances.models import Participant

        Participant.objects.filter(pk=self.person.pk).update(email="")
        self.login()
        base = f"/alliances/{self.alliance.slug}/participants/{self.person.pk}"
        form = {
            "name": self.person.name,
            "email": "fiona@example.org",
            "partner": self.person.partner_id,
            "level": self.person.level,
            "language": self.person.language,
        }
        assert self.client.post(f"{base}/", form).status_code == 302
        page = self.client.post(f"{base}/send-data/", follow=True).content.decode()
        assert mail.outbox == []
        assert "30" in page


class WorkshopJoinTests(AttackTestCase):
    """Class 5: someone in the room joins several times as a small partner,
    lifts it over k and takes their own answers off its figures."""

    def test_joining_again_and_again_cannot_lift_a_small_partner(self):
        from django.test import Client

        from alliancelens.alliances.models import Level, Participant, Partner
        from alliancelens.alliances.services import invitations_sync
        from alliancelens.workshop.services import join_link_set

        from .base import answer_everything

        small = Partner.objects.create(alliance=self.alliance, name="Klein")
        victim, _ = (
            Participant.objects.create(partner=small, name=f"Klein {i}", level=Level.BOARD)
            for i in range(2)
        )
        rnd = self.open_round()
        invitations_sync(rnd=rnd)
        self.answer(rnd, victim, "1")
        for person in self.participants[:8]:
            self.answer(rnd, person, "4")
        rnd = join_link_set(rnd=rnd, is_open=True)
        join = f"/j/{rnd.join_code}/"
        attacker = Client()
        first = attacker.post(join, {"partner": small.pk, "level": "board"})
        assert first.status_code == 302
        answer_everything(attacker, first["Location"].split("/")[2], "5")
        # The same browser again: back to its own link, no second join.
        for _ in range(3):
            again = attacker.post(join, {"partner": small.pk, "level": "board"})
            assert again["Location"] == first["Location"]
        # Another browser: Klein invited two, one answered, one joined.
        other = Client().post(join, {"partner": small.pk, "level": "board"})
        assert other.status_code == 400
        assert "Klein" in other.content.decode()
        assert Participant.objects.filter(partner=small).count() == 3
        self.login()
        self.close(rnd)
        frame = self.figures(1)
        rows = frame[(frame["measure"] == "statement")]
        klein = rows[(rows["group"] == "partner") & (rows["partner"] == "Klein")]
        assert (klein["shown"] == 0).all() and klein["mean"].isna().all()
        whole = rows[rows["group"] == "alliance"].set_index("id")["n"]
        shown = rows[(rows["group"] == "partner") & (rows["shown"] == 1)]
        rest = whole - shown.groupby("id")["n"].sum().reindex(whole.index, fill_value=0)
        # Taking the attacker's own answer off what is left leaves at least
        # two people: no one person's answers.
        assert (rest - 1 >= 2).all(), rest.describe()


class UnionOfSmallGroupsTests(AttackTestCase):
    """Class 6: with k = 4, two hidden partners of three people together are
    what the alliance minus the shown partners leaves; that union is below k
    and must not be derivable."""

    def test_the_hidden_partners_together_stay_hidden(self):
        from alliancelens.alliances.models import Level, Participant, Partner
        from alliancelens.alliances.services import invitations_sync

        self.login()
        self.edit_alliance(anonymity_threshold=4)
        small = Partner.objects.create(alliance=self.alliance, name="Klein")
        lone = Participant.objects.create(partner=small, name="Klein 1", level=Level.MANAGEMENT)
        rnd = self.open_round()
        invitations_sync(rnd=rnd)
        zorg = [p for p in self.participants if p.partner.name == "Zorg"][:2]  # board, management
        others = [p for p in self.participants if p.partner.name != "Zorg"]
        for person, value in [(lone, "1"), (zorg[0], "2"), (zorg[1], "1")]:
            self.answer(rnd, person, value)
        for n, person in enumerate(others):
            self.answer(rnd, person, "45"[n % 2])
        self.close(rnd)
        frame = self.figures(1)
        rows = frame[frame["measure"] == "statement"]
        partners = rows[rows["group"] == "partner"]
        assert set(partners[partners["shown"] == 0]["partner"]) >= {"Klein", "Zorg"}
        whole = rows[rows["group"] == "alliance"].set_index("id")
        shown = partners[partners["shown"] == 1]
        rest = whole["n"] - shown.groupby("id")["n"].sum().reindex(whole.index, fill_value=0)
        assert (rest >= 4).all(), rest.describe()
        # Levels the same way: what the shown levels leave is at least k too.
        levels = rows[(rows["group"] == "level") & (rows["shown"] == 1)]
        left = whole["n"] - levels.groupby("id")["n"].sum().reindex(whole.index, fill_value=0)
        assert ((left == 0) | (left >= 4)).all(), left.describe()


def answer_varied(invitation: object, base: int) -> None:
    """Every statement of a perspective the same value, different per
    perspective and per person (``base``)."""
    from alliancelens.instrument import PERSPECTIVES, latest_instrument
    from alliancelens.scan.services import response_save, response_submit

    instrument = latest_instrument()
    for n, p in enumerate(PERSPECTIVES):
        value = (base + n) % 5 + 1
        items = {i.id: value for i in instrument.items_for(p)}
        response_save(invitation=invitation, step=p, items=items, questions={})  # type: ignore[arg-type]
    response_submit(invitation=invitation)  # type: ignore[arg-type]


class LaterTrendTests(AttackTestCase):
    """Found by a second reading: a later round's publication worked the
    earlier trends out again from today's data."""

    def test_an_erasure_does_not_reach_the_trends_of_a_later_round(self):
        """Erase someone who answered rounds 1 and 2, then close an empty
        round 3: its trend table must repeat round 2's trend 1 → 2, not a
        recount one person short (the difference would be their change)."""
        from alliancelens.alliances.models import Invitation

        self.login()
        people = self.participants
        first = self.open_round()
        for i, person in enumerate(people[:9]):
            answer_varied(Invitation.objects.get(round=first, participant=person), i)
        self.close(first)
        second = self.open_round("Ronde 2")
        for i, person in enumerate(people[3:]):
            answer_varied(Invitation.objects.get(round=second, participant=person), 2 * i + 1)
        self.close(second)
        before = [row for row in self.trends(2)[1:] if row[1:3] == [1, 2]]
        assert any(row[9] is not None for row in before)  # a paired change is shown
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/participants/{people[3].pk}/erase/",
            {"answers": "anonymise", "confirm": "on"},
            follow=True,
        )
        assert page.status_code == 200
        self.close(self.open_round("Ronde 3"))  # nobody answers
        after = [row for row in self.trends(3)[1:] if row[1:3] == [1, 2]]
        assert after == before

    def test_a_round_hidden_under_its_own_k_stays_hidden_in_later_trends(self):
        from alliancelens.alliances.models import Invitation

        self.login()
        self.edit_alliance(anonymity_threshold=5)
        first = self.open_round()
        for i, person in enumerate(self.participants[:4]):
            answer_varied(Invitation.objects.get(round=first, participant=person), i)
        self.close(first)
        figures = self.figures(1)
        assert figures[figures["group"] == "alliance"]["mean"].isna().all()
        self.edit_alliance(anonymity_threshold=3)
        second = self.open_round("Ronde 2")
        for i, person in enumerate(self.participants[4:10]):
            answer_varied(Invitation.objects.get(round=second, participant=person), i)
        self.close(second)
        rows = [row for row in self.trends(2)[1:] if row[1] == 1]
        assert rows and all(row[3] is None and row[7] is None and row[9] is None for row in rows)


def test_who_of_the_hidden_people_said_dont_know_changes_no_published_figure():
    """The test figures once counted the partners with any answer in a
    column (df = N − g), hidden ones included: a hidden partner's one
    respondent saying "don't know" showed. Two worlds that differ only in
    which hidden person said it must publish the same (review 2026-12-04)."""
    import json
    import random

    from alliancelens.analysis import analyze, answers_frame
    from alliancelens.analysis.codec import plain
    from alliancelens.analysis.publication import published_view
    from alliancelens.analysis.scope import restrict
    from alliancelens.instrument import get_instrument

    instrument = get_instrument("reflection-core", 2)
    items = [i.id for i in instrument.items]
    target = items.index("rel_trust")
    shown_answers = {"A": (1, 2, 1, 2), "B": (3, 2, 4, 3), "C": (5, 4, 5, 4)}

    def world(who: str) -> list[dict]:
        rng = random.Random(1)
        rows: list[dict] = []

        def person(pid: str, partner: str, level: str, values: list[float]) -> None:
            rows.extend(
                {
                    "respondent": pid,
                    "partner": partner,
                    "level": level,
                    "round": 1,
                    "item": item,
                    "value": v,
                }
                for item, v in zip(items, values, strict=True)
            )

        for partner, lean in (("A", 1.6), ("B", 3.0), ("C", 4.4)):
            for r in range(4):
                values = [float(min(5, max(1, round(rng.gauss(lean, 0.6))))) for _ in items]
                values[target] = float(shown_answers[partner][r])
                level = ("board", "professional", "professional", "management")[r]
                person(f"{partner}{r}", partner, level, values)
        h1, h2a, h3a, h3b = ([float(rng.randint(1, 5)) for _ in items] for _ in range(4))
        h2b = list(h1)
        h2a[target], h3a[target], h3b[target] = 1.0, 5.0, 2.0
        if who == "H1":
            h1[target], h2b[target] = float("nan"), 4.0
        else:
            h1[target], h2b[target] = 4.0, float("nan")
        person("H1-0", "H1", "professional", h1)
        person("H2-0", "H2", "professional", h2a)
        person("H2-1", "H2", "professional", h2b)
        person("H3-0", "H3", "professional", h3a)
        person("H3-1", "H3", "board", h3b)
        return rows

    def shown(result) -> str:
        data = plain(published_view(result))
        for kind in ("partners", "levels", "partner_levels"):
            for group in data[kind].values():
                for field in ("items", "perspectives"):
                    for stat in group[field].values():
                        if group["suppressed"]:
                            stat["n"] = None  # a hidden group's n is shown nowhere
        return json.dumps(data, sort_keys=True)

    one, other = (analyze(answers_frame(world(w)), instrument, k=3) for w in ("H1", "H2"))
    column = next(d for d in one.divergence if d.id == "rel_trust")
    assert column.df and column.ci_low is not None  # the figures are there to compare
    assert shown(one) == shown(other)
    assert shown(restrict(one, ["A"], "en")) == shown(restrict(other, ["A"], "en"))


def test_a_partner_lead_gets_no_advice_that_rests_only_on_other_partners():
    """Advice that fired only because another partner is out of balance
    would tell a lead that one of the others is (review 2026-12-04)."""
    from dataclasses import replace

    from alliancelens.analysis import analyze, answers_frame
    from alliancelens.analysis.results import Advice
    from alliancelens.analysis.scope import restrict
    from alliancelens.instrument import get_instrument

    instrument = get_instrument("reflection-core", 2)
    rows = [
        (f"{p}{n}", p, "professional", 1, item.id, 3.0)
        for p in "ABC"
        for n in range(3)
        for item in instrument.items
    ]
    result = analyze(answers_frame(rows), instrument, k=3)

    def advice(rule: str, why: list[str]) -> Advice:
        return Advice(
            rule, None, None, None, {"nl": "", "en": ""}, {"nl": "", "en": ""}, "low", why
        )

    result = replace(
        result,
        advice=[
            advice("give_and_take_balance", ["give_take.imbalanced = 1 >= 1"]),
            advice(
                "ambition_cross_purposes",
                [
                    "theme.shared_understanding.mean = 2.50 < 3.00",
                    "divergence.ambition.flagged = 1 == 1",
                ],
            ),
        ],
    )
    seen = restrict(result, ["A"], "en")
    assert [a.id for a in seen.advice] == ["ambition_cross_purposes"]
    assert seen.advice[0].why == ["theme.shared_understanding.mean = 2.50 < 3.00"]
