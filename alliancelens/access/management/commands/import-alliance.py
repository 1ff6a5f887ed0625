"""`alliancelens import-alliance alliance.json [--slug NEW]`: restore a backed-up alliance.

The file may be gzip-compressed (alliance.json.gz); BACKUP_MAX_BYTES limits it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliancelens.progress import add_progress_argument, command_progress, counted

from ...backup import BackupError, import_alliance, read_backup


class Command(BaseCommand):
    help = (
        "Restore an alliance from a file written by export-alliance. All or nothing: "
        "on any problem nothing is stored and every problem is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file, or - for standard input")
        parser.add_argument("--slug", help="restore under this short name instead")
        add_progress_argument(parser)

    def read(self, name: str) -> str:
        if name == "-":
            # A BufferedReader at run time; typeshed says only BinaryIO.
            return read_backup(cast(io.BufferedReader, sys.stdin.buffer))
        with Path(name).open("rb") as stream:
            return read_backup(stream)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        progress = command_progress(self, options)
        try:
            what = "standard input" if name == "-" else name
            with progress.timed(f"Reading {what}… "):
                text = self.read(name)
                progress.outcome(counted(len(text), "characters"))
        except OSError as exc:
            raise CommandError(f"{name}: cannot read the file ({exc})", returncode=2) from None
        except BackupError as exc:
            raise CommandError(f"{name}: nothing was restored:\n{exc}", returncode=2) from None
        try:
            restored = import_alliance(text, slug=options["slug"], progress=progress)
        except BackupError as exc:
            raise CommandError(f"{name}: nothing was restored:\n{exc}", returncode=2) from None
        progress.line(f"Restored {restored.alliance.slug!r} in {progress.elapsed()}")
        counts = restored.counts
        self.stdout.write(
            f"restored {restored.alliance.slug!r}: {counts['partners']} partners, "
            f"{counts['participants']} participants, {counts['rounds']} rounds, "
            f"{counts['responses']} responses, {counts['item_answers']} answers, "
            f"{counts['events']} history events"
        )
        if restored.users_created:
            self.stdout.write(
                f"new accounts (they set a password with 'Forgot your password?'): "
                f"{', '.join(restored.users_created)}"
            )
        if restored.links_dropped:
            self.stdout.write(
                f"{restored.links_dropped} invitation links already exist here and were not "
                "restored; issue those links again"
            )
