"""`alliancelens import-alliance alliance.json [--slug NEW]`: restore a backed-up alliance."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...backup import BackupError, import_alliance


class Command(BaseCommand):
    help = (
        "Restore an alliance from a file written by export-alliance. All or nothing: "
        "on any problem nothing is stored and every problem is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file, or - for standard input")
        parser.add_argument("--slug", help="restore under this short name instead")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{name}: cannot read the file ({exc})", returncode=2) from None
        try:
            restored = import_alliance(text, slug=options["slug"])
        except BackupError as exc:
            raise CommandError(f"{name}: nothing was restored:\n{exc}", returncode=2) from None
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
