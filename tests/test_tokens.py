"""Invitation tokens: strong, stored only as a hash, bound to one round."""

from __future__ import annotations

import base64
import hashlib
import re

from django.db import connection

from alliancelens.alliances.models import Invitation, ScanResponse
from alliancelens.alliances.services import invitations_issue, round_close
from alliancelens.instrument import latest_instrument

from .base import AllianceTestCase, answer_everything, full_answers


class TokenTests(AllianceTestCase):
    def test_tokens_carry_at_least_128_random_bits(self):
        rnd = self.open_round()
        links = invitations_issue(invitations=rnd.invitations.all())
        tokens = {link.token for link in links}
        assert len(tokens) == len(links) == len(self.participants)
        for token in tokens:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            assert len(raw) * 8 >= 128

    def test_only_the_hash_is_stored_anywhere_in_the_invitation_table(self):
        rnd = self.open_round()
        (link,) = invitations_issue(invitations=[rnd.invitations.first()])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {Invitation._meta.db_table}")  # noqa: S608
            dump = repr(cursor.fetchall())
        assert link.token not in dump
        assert hashlib.sha256(link.token.encode()).hexdigest() in dump

    def test_the_link_opens_the_scan_of_its_round(self):
        rnd = self.open_round()
        token = self.token_for(rnd, self.participants[0])
        response = self.client.get(f"/r/{token}/", follow=True)
        assert response.status_code == 200
        self.assertContains(response, rnd.title)

    def test_unknown_and_replaced_tokens_get_the_same_404(self):
        rnd = self.open_round("Ronde 1")
        old = self.token_for(rnd, self.participants[0])
        current = self.token_for(rnd, self.participants[0])  # replaces `old`
        pages = [
            self.client.get(f"/r/{'A' * len(current)}/"),
            self.client.get(f"/r/{old}/"),
            self.client.get(f"/r/{old}/p/ambition/"),
            self.client.post(f"/r/{old}/review/"),
        ]
        assert {p.status_code for p in pages} == {404}
        # Identical apart from the per-request CSRF mask.
        assert len({re.sub(rb'value="[A-Za-z0-9]{64}"', b"", p.content) for p in pages}) == 1
        assert b"/r/" not in pages[0].content
        assert self.client.get(f"/r/{current}/").status_code == 302

    def test_one_persons_tokens_of_two_rounds_each_reach_only_their_round(self):
        person = self.participants[0]
        rnd1 = self.open_round("Ronde 1")
        token1 = self.token_for(rnd1, person)
        answer_everything(self.client, token1, "2")
        rnd2 = self.open_round("Ronde 2")
        token2 = self.token_for(rnd2, person)
        # The round-2 link starts empty and saving there leaves round 1 alone.
        page = self.client.get(f"/r/{token2}/p/ambition/")
        assert page.context["round"] == rnd2
        assert b" checked" not in page.content
        self.client.post(f"/r/{token2}/p/ambition/", full_answers("ambition", "5"))
        r1 = ScanResponse.objects.get(round=rnd1)
        r2 = ScanResponse.objects.get(round=rnd2)
        assert set(r1.item_answers.values_list("value", flat=True)) == {2}
        assert set(r2.item_answers.values_list("value", flat=True)) == {5}
        assert r2.item_answers.count() == len(latest_instrument().items_for("ambition"))

    def test_a_token_only_ever_reaches_its_own_round(self):
        rnd1 = self.open_round("Ronde 1")
        token1 = self.token_for(rnd1, self.participants[0])
        self.open_round("Ronde 2")
        round_close(rnd=rnd1)
        page = self.client.get(f"/r/{token1}/intro/")
        # Round 1 is closed: the round-1 link says so and never shows round 2.
        assert page.status_code == 410
        self.assertContains(page, "Ronde 1", status_code=410)
        self.assertNotContains(page, "Ronde 2", status_code=410)

    def test_token_pages_send_no_referrer_and_are_not_cached(self):
        rnd = self.open_round()
        token = self.token_for(rnd, self.participants[0])
        page = self.client.get(f"/r/{token}/intro/")
        assert page["Referrer-Policy"] == "no-referrer"
        assert "no-store" in page["Cache-Control"]

    def test_the_link_lookup_loads_what_the_orm_would(self):
        """for_token is one hand-written statement: every field of the five
        models it loads must equal the ORM's, timestamps included."""
        from datetime import timedelta

        from django.utils import timezone

        rnd = self.open_round()
        rnd.closes_at = timezone.now() + timedelta(days=3)
        rnd.save()
        participant = self.participants[0]
        token = self.token_for(rnd, participant)
        found = Invitation.objects.for_token(token)
        assert found is not None
        expected = Invitation.objects.select_related(
            "round__alliance", "participant__partner"
        ).get(pk=found.pk)
        pairs = [
            (found, expected),
            (found.round, expected.round),
            (found.round.alliance, expected.round.alliance),
            (found.participant, expected.participant),
            (found.participant.partner, expected.participant.partner),
        ]
        with self.assertNumQueries(0):  # the related objects came with it
            for mine, theirs in pairs:
                assert type(mine) is type(theirs)
                for field in type(mine)._meta.concrete_fields:
                    assert getattr(mine, field.attname) == getattr(theirs, field.attname), field
        assert found.round.closes_at is not None and found.round.closes_at.tzinfo is not None
        assert found.round.accepts_answers()
        assert Invitation.objects.for_token(token + "x") is None
        assert Invitation.objects.for_token("") is None

    def test_the_link_lookup_cannot_be_narrowed_by_a_filter_it_would_ignore(self):
        # One fixed statement: offered on the manager only, never on a
        # filtered queryset whose conditions it would not apply.
        assert not hasattr(Invitation.objects.filter(round__number=1), "for_token")
