"""Invitation tokens: strong, stored only as a hash, bound to one round."""

from __future__ import annotations

import base64
import hashlib
import re

from django.db import connection

from alliancelens.alliances.models import Invitation
from alliancelens.alliances.services import invitations_issue, round_close

from .base import AllianceTestCase


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

    def test_unknown_replaced_and_other_round_tokens_get_the_same_404(self):
        rnd1 = self.open_round("Ronde 1")
        old = self.token_for(rnd1, self.participants[0])
        current = self.token_for(rnd1, self.participants[0])  # replaces `old`
        rnd2 = self.open_round("Ronde 2")
        other = self.token_for(rnd2, self.participants[1])
        unknown = "A" * len(current)
        pages = [
            self.client.get(f"/r/{unknown}/"),
            self.client.get(f"/r/{old}/"),
            # A valid token of round 2 used on a page of round 1 (the review
            # page of someone else's response) reaches only its own round.
            self.client.get(f"/r/{other}x/"),
        ]
        assert {p.status_code for p in pages} == {404}
        # Identical apart from the per-request CSRF mask.
        assert len({re.sub(rb'value="[A-Za-z0-9]{64}"', b"", p.content) for p in pages}) == 1
        assert b"/r/" not in pages[0].content
        assert self.client.get(f"/r/{current}/").status_code == 302
        assert self.client.get(f"/r/{other}/intro/").context["round"] == rnd2

    def test_a_token_only_ever_reaches_its_own_round(self):
        rnd1 = self.open_round("Ronde 1")
        token1 = self.token_for(rnd1, self.participants[0])
        self.open_round("Ronde 2")
        round_close(round=rnd1)
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
