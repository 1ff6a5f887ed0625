"""`alliancelens purge [--dry-run]`: apply every alliance's retention period (for cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...privacy import forget_old_throttles, retention_purge


class Command(BaseCommand):
    help = (
        "Delete the answers and invitation links that an alliance's retention period says "
        "must go. Safe to run daily; --dry-run only reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would go, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry = options["dry_run"]
        purged = retention_purge(dry_run=dry)
        if not dry:
            forget_old_throttles()
        verb = "would delete" if dry else "deleted"
        for p in purged:
            rounds = ", ".join(str(n) for n in p.rounds) or "none"
            self.stdout.write(
                f"{p.alliance}: rounds {rounds}: {verb} {p.responses} responses and "
                f"{p.invitations} invitation links"
            )
        if not purged:
            self.stdout.write("nothing to delete")
