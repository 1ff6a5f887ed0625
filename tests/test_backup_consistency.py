"""A backup is one moment of the alliance, and a backup file is either the
previous one or a new, complete one.

Exported while respondents answer, every file restores and what is in it
adds up: the export reads all tables in one snapshot. ``--output`` writes
beside the old file and renames over it only once the new one is written,
read back and checked; a failure, a failed check or a signal leaves the old
file as it was and no partial file behind.

The threaded tests run with real threads, each with its own database
connection, on SQLite (WAL: the export's deferred read transaction keeps
its snapshot while the writer commits) and on PostgreSQL (REPEATABLE READ).
tests/conftest.py gives the SQLite run a file database with the product's
settings.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext

from alliancelens.access import backup
from alliancelens.access.backup import check_backup, export_json, import_alliance
from alliancelens.alliances.models import (
    Alliance,
    Invitation,
    ItemAnswer,
    Level,
    Participant,
    Partner,
    Round,
    ScanResponse,
)
from alliancelens.alliances.services import alliance_create, round_create, round_open
from alliancelens.instrument import PERSPECTIVES, latest_instrument
from alliancelens.progress import Progress

from .base import answer_by_service

LEVELS = (Level.BOARD, Level.MANAGEMENT, Level.PROFESSIONAL)


def small_alliance(respondents: int) -> tuple[Alliance, Round]:
    """Three partners, ``respondents`` participants and an open round."""
    facilitator = User.objects.create_user("fiona", email="fiona@example.org")
    alliance = alliance_create(facilitator=facilitator, name="Backup")
    partners = [Partner.objects.create(alliance=alliance, name=n) for n in "ABC"]
    for i in range(respondents):
        Participant.objects.create(
            partner=partners[i % 3], name=f"Persoon {i}", level=LEVELS[i % 3]
        )
    return alliance, round_open(rnd=round_create(alliance=alliance, title="R"))


def invitations(rnd: Round) -> list[Invitation]:
    return list(
        Invitation.objects.select_related("participant__partner").filter(round=rnd).order_by("pk")
    )


def expected_answers() -> dict[str, int]:
    """How many item answers a response has by where it resumes: the
    statements of every page saved so far (answer_by_service saves the
    pages in order, then submits)."""
    instrument = latest_instrument()
    expected, total = {}, 0
    for perspective in PERSPECTIVES:
        total += len(instrument.items_for(perspective))
        expected[perspective] = total
    expected["done"] = total
    return expected


def internal_problems(data: dict[str, Any]) -> list[str]:
    """What does not add up in one backup: an answer of a response missing
    from the file, or a response whose answers are not those of the pages
    it has saved."""
    expected = expected_answers()
    responses = {row["id"]: row for row in data["responses"]}
    answers: dict[int, int] = {}
    problems = []
    for row in data["item_answers"]:
        if row["response_id"] not in responses:
            problems.append(f"an answer of response {row['response_id']}, not in the file")
        answers[row["response_id"]] = answers.get(row["response_id"], 0) + 1
    for pk, row in responses.items():
        want = expected[row["last_step"]]
        if answers.get(pk, 0) != want:
            problems.append(
                f"response {pk} at {row['last_step']!r} has {answers.get(pk, 0)} answers, "
                f"not {want}"
            )
    return problems


def in_thread(work: Callable[[], None]) -> list[str]:
    """Run ``work`` in a thread with its own connection and wait for it;
    the exceptions it raised, as text."""
    failures: list[str] = []

    def run() -> None:
        try:
            work()
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(15)
    assert not thread.is_alive(), "the writer waited for the export"
    return failures


class ExportWhileAnsweringTests(TransactionTestCase):
    """Respondents answer and submit (through the scan's services) while
    the alliance is exported."""

    respondents = 24

    def setUp(self) -> None:
        self.alliance, self.rnd = small_alliance(self.respondents)

    def test_the_export_reads_every_table_at_one_moment_and_lets_writers_on(self):
        """A respondent who answers everything between the export's reading
        of the responses and of their answers is in the file not at all,
        and did not wait for the export."""
        first, second = invitations(self.rnd)[:2]
        answer_by_service(first, "3")
        failures: list[str] = []

        def write(text: str) -> None:
            if text.startswith("Reading item answers"):
                failures.extend(in_thread(lambda: answer_by_service(second, "5")))

        data = json.loads(export_json(self.alliance, progress=Progress(write)))
        assert failures == []
        assert ScanResponse.objects.filter(submitted_at__isnull=False).count() == 2
        assert len(data["responses"]) == 1
        assert internal_problems(data) == []
        assert check_backup(json.dumps(data))["item_answers"] == expected_answers()["done"]

    def test_the_snapshot_is_the_transactions_first_statement(self):
        """PostgreSQL takes the isolation level only as the first statement
        of a transaction; SQLite begins a deferred transaction, not the
        product's IMMEDIATE one, which would hold every respondent's save
        back meanwhile."""
        inside: list[tuple[str, str]] = []

        def write(text: str) -> None:
            if text.startswith("Reading item answers") and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_setting('transaction_isolation'), "
                        "current_setting('transaction_read_only')"
                    )
                    inside.append(cursor.fetchone())

        with CaptureQueriesContext(connection) as queries:
            export_json(self.alliance, progress=Progress(write))
        statements = [q["sql"] for q in queries.captured_queries]
        if connection.vendor == "postgresql":
            # Django notes the BEGIN that psycopg sends with the next statement.
            assert statements[:2] == [
                "BEGIN",
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
            ]
            assert inside == [("repeatable read", "on")]
        else:
            assert statements[0] == "BEGIN DEFERRED"
            assert connection.transaction_mode == "IMMEDIATE"
        assert statements[-1] == "COMMIT"
        assert connection.get_autocommit() and not connection.in_atomic_block

    def test_every_backup_taken_while_respondents_answer_restores_and_adds_up(self):
        """About a dozen exports, each while the next respondents answer
        (each restore costs a run of the lens, so not one after another).

        After each batch of answers the writer waits until the next export
        has begun, then writes on while it runs: the exports are taken at
        different moments however loaded the machine is."""
        started, failures, answered = threading.Event(), [], [0]
        exporting = threading.Event()
        batch = max(1, self.respondents // 12)

        def answer_all() -> None:
            try:
                todo = invitations(self.rnd)
                started.set()
                for n, invitation in enumerate(todo):
                    answer_by_service(invitation, str(1 + n % 5))
                    answered[0] = n + 1
                    if (n + 1) % batch == 0:
                        exporting.wait(10)
                        exporting.clear()
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                started.set()
                connections.close_all()

        writer = threading.Thread(target=answer_all)
        writer.start()
        started.wait(10)
        texts, next_at = [], 0
        while writer.is_alive():
            if answered[0] < next_at:
                time.sleep(0.002)
                continue
            alliance = Alliance.objects.get(pk=self.alliance.pk)
            begun = answered[0]
            exporting.set()
            texts.append(export_json(alliance))
            # The next batch boundary after where this export began (the
            # writer may be waiting there already).
            next_at = (begun // batch + 1) * batch
        writer.join(30)
        assert failures == []
        # Taken at different moments: the exports saw the answers grow.
        seen = [len(json.loads(text)["responses"]) for text in texts]
        assert len(set(seen)) >= 3, seen
        failed = []
        for n, text in enumerate(texts):
            data = json.loads(text)
            problems = internal_problems(data)
            try:
                restored = import_alliance(text, slug=f"copy-{n}")
            except backup.BackupError as exc:
                failed.append(f"backup {n}: {str(exc).splitlines()[0]} {problems[:1]}")
                continue
            assert problems == [], (n, problems[:3])
            assert restored.counts["responses"] == len(data["responses"])
            copied = ItemAnswer.objects.filter(response__round__alliance=restored.alliance)
            assert copied.count() == len(data["item_answers"])
        assert failed == [], f"{len(failed)} of {len(texts)} backups do not restore: {failed}"


class OutputFileTests(TestCase):
    """``--output`` replaces the previous file only with a complete, checked
    backup, and leaves no partial file behind."""

    alliance: Alliance

    @classmethod
    def setUpTestData(cls) -> None:
        cls.alliance, rnd = small_alliance(6)
        for invitation in invitations(rnd)[:4]:
            answer_by_service(invitation, "4")

    def setUp(self) -> None:
        self.dir = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.path = self.dir / "alliance.json"
        self.path.write_text("the previous backup", encoding="utf-8")
        self.path.chmod(0o640)

    def export(self, *args: str) -> str:
        out = io.StringIO()
        call_command("export-alliance", "backup", "--output", str(self.path), *args, stdout=out)
        return out.getvalue()

    def refused(self, *args: str) -> CommandError:
        with pytest.raises(CommandError) as caught:
            self.export(*args)
        return caught.value

    def assert_previous_file_kept(self) -> None:
        assert self.path.read_text(encoding="utf-8") == "the previous backup"
        assert sorted(p.name for p in self.dir.iterdir()) == ["alliance.json"]

    def test_a_checked_backup_replaces_the_previous_file_and_restores(self):
        out = self.export()
        assert out == (
            f"{self.path}: backup of 'backup' checked: 3 partners, 6 participants, 1 round, "
            f"4 responses, {4 * expected_answers()['done']:,} answers, 1 history event\n"
        )
        assert sorted(p.name for p in self.dir.iterdir()) == ["alliance.json"]
        assert stat.S_IMODE(self.path.stat().st_mode) == 0o640  # as the file it replaced
        restored = import_alliance(self.path.read_text(encoding="utf-8"), slug="copy")
        assert restored.counts["responses"] == 4

    def test_a_new_file_is_for_its_owner_only_and_gz_is_compressed(self):
        self.path = self.dir / "new.json.gz"
        self.export()
        assert stat.S_IMODE(self.path.stat().st_mode) == 0o600
        assert sorted(p.name for p in self.dir.iterdir()) == ["alliance.json", "new.json.gz"]
        text = gzip.decompress(self.path.read_bytes()).decode()
        assert json.loads(text)["alliance"]["slug"] == "backup"
        call_command("import-alliance", str(self.path), "--slug", "copy", stdout=io.StringIO())
        assert Alliance.objects.filter(slug="copy").exists()

    def test_an_export_that_fails_midway_leaves_the_previous_file(self):
        real = backup._row

        def row(obj: Any) -> dict[str, Any]:
            if isinstance(obj, ItemAnswer):
                raise DatabaseError("disk I/O error")
            return real(obj)

        with mock.patch.object(backup, "_row", row):
            error = self.refused()
        assert error.returncode == 1
        assert str(error) == (
            f"{self.path}: the export failed (disk I/O error); {self.path} is as it was"
        )
        self.assert_previous_file_kept()

    def test_an_incomplete_backup_is_not_written_and_says_what_is_missing(self):
        real = backup.export_alliance
        dropped: list[int] = []

        def without_a_response(alliance: Alliance, **kwargs: Any) -> dict[str, Any]:
            data = real(alliance, **kwargs)
            dropped.append(data["responses"].pop(0)["id"])
            return data

        with mock.patch.object(backup, "export_alliance", without_a_response):
            error = self.refused()
        assert error.returncode == 2
        lines = str(error).splitlines()
        assert lines[0] == (
            f"{self.path}: the backup is incomplete, so it was not written; "
            f"{self.path} is as it was:"
        )
        assert (
            lines[1]
            == f"item_answers[0].response_id: no response with id {dropped[0]} in the file"
        )
        assert len(lines) == 2 + 20  # the first twenty problems, then a count
        assert lines[-1] == f"… and {expected_answers()['done'] - 20} more"
        self.assert_previous_file_kept()

    def test_a_signal_or_ctrl_c_midway_leaves_the_previous_file(self):
        real, handlers = (
            backup._row,
            [signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)],
        )
        for stop, code, what in (
            (lambda: os.kill(os.getpid(), signal.SIGTERM), 143, "stopped by SIGTERM"),
            (lambda: os.kill(os.getpid(), signal.SIGHUP), 129, "stopped by SIGHUP"),
            (_ctrl_c, 130, "interrupted"),
        ):

            def row(obj: Any, stop: Callable[[], None] = stop) -> dict[str, Any]:
                if isinstance(obj, ItemAnswer):
                    stop()
                return real(obj)

            with mock.patch.object(backup, "_row", row):
                error = self.refused()
            assert (error.returncode, str(error)) == (
                code,
                f"{self.path}: {what}; {self.path} is as it was",
            )
            self.assert_previous_file_kept()
        assert [signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)] == handlers

    def test_standard_output_gets_only_a_checked_backup(self):
        out = io.StringIO()
        call_command("export-alliance", "backup", stdout=out)
        assert check_backup(out.getvalue())["responses"] == 4
        real = backup.export_alliance

        def without_rounds(alliance: Alliance, **kwargs: Any) -> dict[str, Any]:
            return {**real(alliance, **kwargs), "rounds": []}

        out = io.StringIO()
        with (
            mock.patch.object(backup, "export_alliance", without_rounds),
            pytest.raises(CommandError) as caught,
        ):
            call_command("export-alliance", "backup", stdout=out)
        assert caught.value.returncode == 2
        assert str(caught.value).startswith(
            "the backup is incomplete, so nothing was written:\n"
            "invitations[0].round_id: no round with id"
        )
        assert out.getvalue() == ""

    def test_an_output_that_is_no_file_or_has_no_directory_is_refused(self):
        for name, message in (
            (str(self.dir), f"{self.dir}: not a regular file"),
            (str(self.dir / "nope" / "a.json"), f"the directory {self.dir / 'nope'} does not"),
        ):
            with pytest.raises(CommandError) as caught:
                call_command("export-alliance", "backup", "--output", name)
            assert caught.value.returncode == 2 and message in str(caught.value)
        self.assert_previous_file_kept()


def _ctrl_c() -> None:
    """What Python's SIGINT handler raises (pytest-xdist's workers may
    ignore the signal itself)."""
    raise KeyboardInterrupt
