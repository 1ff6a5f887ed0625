"""Two devices submitting one invitation at the same moment: one response.

Runs with real threads on PostgreSQL, where row locks are real. SQLite's
in-memory test database is shared by all threads through one cache and
cannot show this; the SQLite file database is covered by WAL settings.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client, TransactionTestCase

from alliancelens.alliances.models import ItemAnswer, Level, Participant, Partner, Response
from alliancelens.alliances.services import (
    alliance_create,
    invitations_issue,
    round_create,
    round_open,
)

from .base import full_answers

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


class SimultaneousSubmitTests(TransactionTestCase):
    def setUp(self):
        from django.contrib.auth.models import User

        alliance = alliance_create(facilitator=User.objects.create_user("f"), name="A")
        partner = Partner.objects.create(alliance=alliance, name="P")
        Participant.objects.create(partner=partner, name="X", level=Level.BOARD)
        rnd = round_open(round=round_create(alliance=alliance, title="R"))
        (link,) = invitations_issue(invitations=rnd.invitations.all())
        self.token = link.token

    def run_together(self, requests: list[tuple[str, dict]], rounds: int = 1) -> list[int]:
        statuses: list[int] = []
        barrier = threading.Barrier(len(requests))

        def worker(path: str, data: dict) -> None:
            try:
                client = Client()
                barrier.wait()
                statuses.append(client.post(path, data).status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=r) for r in requests]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return statuses

    def test_simultaneous_first_saves_create_one_response(self):
        path = f"/r/{self.token}/p/ambition/"
        statuses = self.run_together(
            [(path, full_answers("ambition", str(v))) for v in (1, 2, 3, 4)]
        )
        assert statuses == [302] * 4
        assert Response.objects.count() == 1
        assert len(set(ItemAnswer.objects.values_list("value", flat=True))) == 1

    def test_simultaneous_submits_create_one_response(self):
        Client().post(f"/r/{self.token}/p/ambition/", full_answers("ambition"))
        path = f"/r/{self.token}/review/"
        statuses = self.run_together([(path, {}) for _ in range(4)])
        assert statuses == [302] * 4
        response = Response.objects.get()
        assert response.times_submitted == 4
        assert response.submitted_at is not None

    def test_a_save_and_a_submit_at_once_lose_no_answer(self):
        Client().post(f"/r/{self.token}/p/ambition/", full_answers("ambition"))
        statuses = self.run_together(
            [
                (f"/r/{self.token}/p/process/", full_answers("process", "5")),
                (f"/r/{self.token}/review/", {}),
            ]
        )
        assert sorted(statuses) == [302, 302]
        response = Response.objects.get()
        assert response.submitted_at is not None
        assert ItemAnswer.objects.filter(item_id__startswith="pro_", value=5).count() == 8
