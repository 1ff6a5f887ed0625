"""Two devices answering one invitation at the same moment: one response.

Runs with real threads, each with its own database connection, on
PostgreSQL (row locks) and on SQLite (IMMEDIATE transactions wait for the
one writer's lock). tests/conftest.py gives the SQLite run a file database
with the product's settings; each thread checks that its connection really
runs in WAL mode with a busy timeout.
"""

from __future__ import annotations

import threading

from django.db import connection, connections
from django.test import Client, TransactionTestCase

from alliancelens.alliances.models import ItemAnswer, Level, Participant, Partner, ScanResponse
from alliancelens.alliances.services import (
    alliance_create,
    invitations_issue,
    round_create,
    round_open,
)
from alliancelens.instrument import latest_instrument

from .base import full_answers


def sqlite_modes() -> tuple[str, int]:
    """(journal mode, busy timeout in ms) of this thread's SQLite connection."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (journal_mode,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout")
        (busy_timeout,) = cursor.fetchone()
    return journal_mode, busy_timeout


def busy_timeout_ms() -> int:
    """The busy timeout the settings ask for (SQLITE_TIMEOUT), in ms."""
    return round(connection.settings_dict["OPTIONS"]["timeout"] * 1000)


def run_together(requests: list[tuple[str, dict]]) -> list[int | str]:
    """POST all requests at once, one thread and connection each; return
    the status codes, or the exception a request raised."""
    results: list[int | str] = []
    modes: list[tuple[str, int]] = []
    barrier = threading.Barrier(len(requests))

    def worker(path: str, data: dict) -> None:
        try:
            client = Client()
            if connection.vendor == "sqlite":
                modes.append(sqlite_modes())
            barrier.wait()
            results.append(client.post(path, data).status_code)
        except Exception as exc:
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if connection.vendor == "sqlite":
        assert modes == [("wal", busy_timeout_ms())] * len(requests), modes
    return results


class SimultaneousSubmitTests(TransactionTestCase):
    def setUp(self):
        from django.contrib.auth.models import User

        alliance = alliance_create(facilitator=User.objects.create_user("f"), name="A")
        partner = Partner.objects.create(alliance=alliance, name="P")
        Participant.objects.create(partner=partner, name="X", level=Level.BOARD)
        rnd = round_open(rnd=round_create(alliance=alliance, title="R"))
        (link,) = invitations_issue(invitations=rnd.invitations.all())
        self.token = link.token

    def test_sqlite_runs_on_a_file_in_wal_mode_with_a_busy_timeout(self):
        """Not the shared in-memory database, whose locks fail instead of waiting."""
        if connection.vendor != "sqlite":
            self.skipTest("SQLite only")
        assert not connection.is_in_memory_db()
        assert sqlite_modes() == ("wal", busy_timeout_ms())

    def test_simultaneous_first_saves_create_one_response(self):
        path = f"/r/{self.token}/p/ambition/"
        statuses = run_together([(path, full_answers("ambition", str(v))) for v in (1, 2, 3, 4)])
        assert statuses == [302] * 4
        assert ScanResponse.objects.count() == 1
        assert len(set(ItemAnswer.objects.values_list("value", flat=True))) == 1

    def test_simultaneous_submits_create_one_response(self):
        Client().post(f"/r/{self.token}/p/ambition/", full_answers("ambition"))
        path = f"/r/{self.token}/review/"
        # A lost update shows as a count below the number of submits; a few
        # rounds make an unlocked read-modify-write very likely to show.
        for _ in range(3):
            statuses = run_together([(path, {}) for _ in range(6)])
            assert statuses == [302] * 6
        response = ScanResponse.objects.get()
        assert response.times_submitted == 18
        assert response.submitted_at is not None

    def test_a_save_and_a_submit_at_once_lose_no_answer(self):
        Client().post(f"/r/{self.token}/p/ambition/", full_answers("ambition"))
        statuses = run_together(
            [
                (f"/r/{self.token}/p/process/", full_answers("process", "5")),
                (f"/r/{self.token}/review/", {}),
            ]
        )
        assert statuses == [302, 302]
        response = ScanResponse.objects.get()
        assert response.submitted_at is not None
        process = len(latest_instrument().items_for("process"))
        assert ItemAnswer.objects.filter(item_id__startswith="pro_", value=5).count() == process


class SaveWhileClosingTests(TransactionTestCase):
    """Closing a round waits for the saves under way, and a save that started
    before the close cannot land after it: the published result holds every
    answer that was acknowledged."""

    def test_closing_waits_for_a_save_under_way_and_later_saves_are_refused(self):
        import time

        from django.contrib.auth.models import User
        from django.db import transaction

        from alliancelens.alliances.models import Invitation, Round
        from alliancelens.alliances.services import round_close
        from alliancelens.scan.services import RoundClosedError, _locked_response

        alliance = alliance_create(facilitator=User.objects.create_user("f"), name="A")
        partner = Partner.objects.create(alliance=alliance, name="P")
        Participant.objects.create(partner=partner, name="X", level=Level.BOARD)
        rnd = round_open(rnd=round_create(alliance=alliance, title="R"))
        invitation = Invitation.objects.select_related("round", "participant__partner").get()
        locked, closed_at = threading.Event(), []

        def close() -> None:
            try:
                locked.wait(10)
                round_close(rnd=Round.objects.get(pk=rnd.pk))
                closed_at.append(time.monotonic())
            finally:
                connections.close_all()

        closer = threading.Thread(target=close)
        closer.start()
        with transaction.atomic():
            _locked_response(invitation)  # the save's locks, held until commit
            locked.set()
            time.sleep(0.5)
            committed_at = time.monotonic()
        closer.join(15)
        assert closed_at and closed_at[0] >= committed_at
        invitation = Invitation.objects.select_related("round", "participant__partner").get()
        with self.assertRaises(RoundClosedError), transaction.atomic():
            _locked_response(invitation)


class OneStatementSaveTests(TransactionTestCase):
    """PostgreSQL saves a page that only sets answers of an existing response
    in one statement (scan.services._save_sql). It must behave as the
    transaction does: the same rule for which rounds accept answers, saves of
    one link applied one after the other, and nothing written into a round
    that closed while the save waited."""

    def setUp(self):
        from django.contrib.auth.models import User

        if connection.vendor != "postgresql":
            self.skipTest("the one-statement save is PostgreSQL's")
        alliance = alliance_create(facilitator=User.objects.create_user("f"), name="A")
        partner = Partner.objects.create(alliance=alliance, name="P")
        Participant.objects.create(partner=partner, name="X", level=Level.BOARD)
        self.rnd = round_open(rnd=round_create(alliance=alliance, title="R"))
        (link,) = invitations_issue(invitations=self.rnd.invitations.all())
        self.token = link.token
        # The first page creates the response (in a transaction).
        assert (
            Client().post(f"/r/{link.token}/p/ambition/", full_answers("ambition")).status_code
            == 302
        )

    def save(self, value: int | None, capture: list | None = None) -> None:
        from django.test.utils import CaptureQueriesContext

        from alliancelens.alliances.models import Invitation
        from alliancelens.instrument import latest_instrument
        from alliancelens.scan.services import response_save

        invitation = Invitation.objects.select_related("round", "participant").get()
        items = {i.id: value for i in latest_instrument().items_for("process")}
        with CaptureQueriesContext(connection) as queries:
            response_save(invitation=invitation, step="review", items=items, questions={})
        if capture is not None:
            capture += queries.captured_queries

    def test_it_is_one_statement(self):
        queries: list = []
        self.save(2, queries)
        assert [q["sql"].split()[:2] for q in queries] == [["WITH", "locked"]]
        assert set(
            ItemAnswer.objects.filter(item_id__startswith="pro_").values_list("value", flat=True)
        ) == {2}
        assert ScanResponse.objects.get().last_step == "review"

    def test_it_accepts_answers_exactly_when_the_round_does(self):
        from datetime import timedelta

        from django.utils import timezone

        from alliancelens.alliances.models import Round
        from alliancelens.scan.services import RoundClosedError

        now = timezone.now()
        times = (None, now - timedelta(hours=1), now + timedelta(hours=1))
        cases = 0
        for state in Round.State.values:
            for opens_at in times:
                for closes_at in times:
                    Round.objects.filter(pk=self.rnd.pk).update(
                        state=state, opens_at=opens_at, closes_at=closes_at
                    )
                    rnd = Round.objects.get(pk=self.rnd.pk)
                    ItemAnswer.objects.filter(item_id__startswith="pro_").delete()
                    value = 1 + cases % 5
                    try:
                        self.save(value)
                        accepted = True
                    except RoundClosedError:
                        accepted = False
                    stored = set(
                        ItemAnswer.objects.filter(item_id__startswith="pro_").values_list(
                            "value", flat=True
                        )
                    )
                    assert accepted == rnd.accepts_answers(), (state, opens_at, closes_at)
                    assert (stored == {value}) == accepted, (state, opens_at, closes_at, stored)
                    cases += 1
        assert cases == 27

    def test_saves_of_one_link_at_once_leave_one_saves_answers(self):
        paths = [
            (f"/r/{self.token}/p/process/", full_answers("process", str(v)))
            for v in (1, 2, 3, 4, 5, 1, 2, 3)
        ]
        statuses = run_together(paths)
        assert statuses == [302] * 8
        values = list(
            ItemAnswer.objects.filter(item_id__startswith="pro_").values_list("value", flat=True)
        )
        process = len(latest_instrument().items_for("process"))
        assert len(values) == process and len(set(values)) == 1, values

    def test_a_save_that_waits_for_a_close_writes_nothing(self):
        import time

        from django.db import transaction

        from alliancelens.alliances.models import Round
        from alliancelens.scan.services import RoundClosedError

        started, outcome = threading.Event(), []

        def save() -> None:
            try:
                started.set()
                self.save(5)
                outcome.append("saved")
            except RoundClosedError:
                outcome.append("closed")
            finally:
                connections.close_all()

        with transaction.atomic():
            rnd = Round.objects.select_for_update().get(pk=self.rnd.pk)  # as round_close
            saver = threading.Thread(target=save)
            saver.start()
            started.wait(10)
            time.sleep(0.5)  # the save is now waiting for the round's lock
            assert saver.is_alive()
            rnd.state = Round.State.CLOSED
            rnd.save(update_fields=["state"])
        saver.join(15)
        assert outcome == ["closed"]
        assert not ItemAnswer.objects.filter(item_id__startswith="pro_").exists()

    def test_the_save_is_prepared_once_it_has_run_five_times(self):
        """Server-side binding with prepare_threshold (settings.py): PostgreSQL
        plans the save once per connection, not on every request."""

        def prepared() -> int:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                    ["WITH locked AS%"],
                )
                return cursor.fetchone()[0]

        for value in (1, 2, 3, 4):
            self.save(value)
        assert prepared() == 0
        self.save(5)
        self.save(1)
        assert prepared() == 1
