"""Backups of the whole database, each restored and checked: SQLite's online
backup (`alliancelens backup-sqlite`) taken while answers are being written,
and PostgreSQL's `pg_dump -Fc` restored with `pg_restore` into a new database
(docs/deployment.md, "Disk and database")."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import TransactionTestCase

from alliancelens.alliances.models import (
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
from alliancelens.scan.services import response_save

from .base import answer_by_service

ROOT = Path(__file__).resolve().parent.parent


def open_round(participants: int) -> Round:
    alliance = alliance_create(
        facilitator=User.objects.create_user("backup-facilitator"), name="Back-up"
    )
    partners = [Partner.objects.create(alliance=alliance, name=n) for n in ("Gemeente", "Zorg")]
    Participant.objects.bulk_create(
        Participant(partner=partners[n % 2], name=f"Deelnemer {n}", level=Level.PROFESSIONAL)
        for n in range(participants)
    )
    return round_open(rnd=round_create(alliance=alliance, title="Ronde 1"))


def project_tables() -> list[str]:
    """The tables of AllianceLens's own apps (alliances, results, ...)."""
    return sorted(
        model._meta.db_table
        for config in apps.get_app_configs()
        if config.name.startswith("alliancelens")
        for model in config.get_models()
        if model._meta.managed and not model._meta.proxy
    )


class SqliteOnlineBackupTests(TransactionTestCase):
    """Committed rows: the backup reads the database file through its own
    connection, as it does beside a running server."""

    def setUp(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("SQLite's online backup")
        database = Path(connection.settings_dict["NAME"])
        assert database.is_file(), "tests/conftest.py gives SQLite a file database"
        self.rnd = open_round(participants=150)

    def copy_path(self, name: str = "copy.sqlite3") -> Path:
        return Path(self.enterContext(tempfile.TemporaryDirectory())) / name

    def test_a_backup_taken_while_answers_are_written_is_one_moment_of_the_database(self) -> None:
        """A writer thread saves one page per respondent, one transaction each;
        the copy made meanwhile passes SQLite's checks and holds exactly the
        first saves, each whole: a snapshot, not a mix of moments."""
        page = PERSPECTIVES[0]
        items = [item.id for item in latest_instrument().items_for(page)]
        order = list(
            Invitation.objects.filter(round=self.rnd)
            .select_related("participant__partner", "round__alliance")
            .order_by("pk")
        )
        committed: list[int] = []
        backup_taken = threading.Event()
        failures: list[BaseException] = []

        def writer() -> None:
            try:
                for n, invitation in enumerate(order):
                    if n == len(order) - 20:
                        # However slow the copy, some saves come after it.
                        backup_taken.wait(30)
                    response_save(
                        invitation=invitation,
                        step=PERSPECTIVES[1],
                        items={item: 1 + (n + i) % 5 for i, item in enumerate(items)},
                        questions={},
                    )
                    committed.append(invitation.pk)
                    # Go on a little after the copy, then stop.
                    if backup_taken.is_set() and len(committed) >= after + 10:
                        return
            except BaseException as exc:
                failures.append(exc)
            finally:
                connections.close_all()

        after = len(order)
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            while len(committed) < 10 and thread.is_alive():
                time.sleep(0.005)
            copy = self.copy_path()
            call_command("backup-sqlite", str(copy), stdout=io.StringIO())
            after = len(committed)
            backup_taken.set()
        finally:
            thread.join(30)
        assert not failures, failures

        with closing(sqlite3.connect(copy)) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            responses = dict(
                db.execute(
                    f"SELECT id, invitation_id FROM {ScanResponse._meta.db_table} "  # noqa: S608
                    "WHERE round_id = ?",
                    [self.rnd.pk],
                ).fetchall()
            )
            answers: dict[int, int] = dict(
                db.execute(
                    f"SELECT response_id, count(*) FROM {ItemAnswer._meta.db_table} "  # noqa: S608
                    "GROUP BY response_id"
                ).fetchall()
            )
        in_copy = len(responses)
        # Taken while answers were saved: some before it, more after.
        assert 10 <= in_copy < len(committed), (in_copy, len(committed))
        assert sorted(responses.values()) == sorted(committed[:in_copy])
        assert {answers.get(r, 0) for r in responses} == {len(items)}
        assert ScanResponse.objects.filter(round=self.rnd).count() == len(committed)

        # The restore: the copy in place of the database, opened by the
        # application in another process, holds the same rows.
        counted = subprocess.run(
            [sys.executable, "-m", "alliancelens", "shell", "-v", "0", "-c", COUNT_ANSWERS],
            cwd=ROOT,
            env={**os.environ, "SQLITE_PATH": str(copy), "DATABASE_URL": ""},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert counted.stdout.split() == [str(in_copy), str(in_copy * len(items))]

    def test_it_never_overwrites_a_file(self) -> None:
        copy = self.copy_path()
        copy.write_text("keep me")
        with pytest.raises(CommandError, match="exists already"):
            call_command("backup-sqlite", str(copy))
        assert copy.read_text() == "keep me"
        assert list(copy.parent.iterdir()) == [copy]

    def test_it_says_when_the_directory_is_missing(self) -> None:
        copy = self.copy_path("missing/copy.sqlite3")
        with pytest.raises(CommandError, match="is not a directory"):
            call_command("backup-sqlite", str(copy))
        assert not copy.parent.exists()


COUNT_ANSWERS = (
    "from alliancelens.alliances.models import ItemAnswer, ScanResponse; "
    "print(ScanResponse.objects.count(), ItemAnswer.objects.count())"
)


class PostgresDumpRestoreTests(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("pg_dump and pg_restore")
        rnd = open_round(participants=12)
        for invitation in Invitation.objects.filter(round=rnd).select_related(
            "participant__partner", "round__alliance"
        )[:8]:
            answer_by_service(invitation)

    def test_pg_dump_restored_with_pg_restore_has_every_row(self) -> None:
        """`pg_dump -Fc` of the database, `pg_restore` into a new one: every
        table of the application has the same number of rows."""
        settings = connection.settings_dict
        env = {
            **os.environ,
            "PGHOST": settings["HOST"] or "localhost",
            "PGPORT": str(settings["PORT"] or 5432),
            "PGUSER": settings["USER"] or "",
            "PGPASSWORD": settings["PASSWORD"] or "",
        }
        restored = f"{settings['NAME']}_restored"[:63]
        with tempfile.TemporaryDirectory() as directory:
            dump = Path(directory) / "alliancelens.dump"
            subprocess.run(
                [_pg_tool("pg_dump"), "-Fc", "-f", str(dump), settings["NAME"]],
                env=env,
                check=True,
                timeout=60,
            )
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
                cursor.execute(f'CREATE DATABASE "{restored}"')
            try:
                restore = [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error"]
                subprocess.run(
                    [*restore, "-d", restored, str(dump)],
                    env=env,
                    check=True,
                    timeout=60,
                )
                original = _row_counts(connection.settings_dict, settings["NAME"])
                copy = _row_counts(connection.settings_dict, restored)
            finally:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        assert original == copy
        assert len(original) >= 10
        assert original[ScanResponse._meta.db_table] == 8
        assert original[ItemAnswer._meta.db_table] > 0

    def test_backup_sqlite_refuses_and_names_pg_dump(self) -> None:
        with pytest.raises(CommandError, match="pg_dump -Fc"):
            call_command("backup-sqlite", "/nonexistent/copy.sqlite3")


def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on the PATH, or beside Debian's PostgreSQL 15."""
    found = shutil.which(name) or shutil.which(name, path="/usr/lib/postgresql/15/bin")
    if found is None:
        pytest.fail(f"{name} is not installed (apt-get install postgresql-client-15)")
    return found


def _row_counts(settings: dict, database: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(
        host=settings["HOST"] or "localhost",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname=database,
        autocommit=True,
    ) as db:
        return {
            # Table names from the models, not from input.
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index] # noqa: S608
            for table in project_tables()
        }
