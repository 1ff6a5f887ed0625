"""`alliancelens backup-sqlite FILE`: a copy of the SQLite database, taken while
respondents answer (docs/deployment.md, "Disk and database")."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections


class Command(BaseCommand):
    help = (
        "Copy the SQLite database into a new file with SQLite's online backup, while the "
        "server runs: the copy is the database as it was at one moment. Restore it by "
        "putting it in place of the database while the server is stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the copy to write; it must not exist yet")

    def handle(self, *args: Any, **options: Any) -> None:
        database = connections["default"]
        if database.vendor != "sqlite":
            raise CommandError(
                f"the database is {database.vendor}, not SQLite: back it up with "
                "pg_dump -Fc (docs/deployment.md); nothing was written",
                returncode=2,
            )
        source = Path(database.settings_dict["NAME"])
        target = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"no SQLite database at {source}; nothing was written")
        if target.exists():
            raise CommandError(f"{target} exists already; name a new file (nothing was written)")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a directory; nothing was written")
        started = time.monotonic()
        # Written beside the target under another name and linked into place
        # once complete and checked: a crash leaves no half copy under the
        # name, and a file that appeared meanwhile is not overwritten.
        fd, partial = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
        os.close(fd)
        try:
            self._copy(source, Path(partial))
            try:
                os.link(partial, target)
            except FileExistsError:
                raise CommandError(
                    f"{target} appeared while copying; name a new file (nothing was written)"
                ) from None
        finally:
            os.unlink(partial)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self.stdout.write(
            f"Backed up {source} to {target}: {target.stat().st_size / 1_000_000:.1f} MB "
            f"in {time.monotonic() - started:.2f} s, integrity checked"
        )

    def _copy(self, source: Path, partial: Path) -> None:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
            # All pages in one step: one read transaction, so the copy is one
            # moment of the database. (In small steps, every write by the
            # server in between would start the copy over.) In WAL mode the
            # server's writers do not wait for it.
            src.backup(dst, pages=-1)
            # One self-contained file: no write-ahead log beside it. The
            # application turns WAL on again when it opens the restored file.
            dst.execute("PRAGMA journal_mode=DELETE")
            integrity = dst.execute("PRAGMA integrity_check").fetchall()
            orphans = dst.execute("PRAGMA foreign_key_check").fetchall()
        if integrity != [("ok",)] or orphans:
            raise CommandError(
                f"the copy of {source} fails its check (integrity: {integrity[:3]}, rows "
                f"without their parent: {orphans[:3]}); nothing was written"
            )
        with open(partial, "rb+") as copy:
            os.fsync(copy.fileno())
