"""`alliancelens export-alliance SLUG > alliance.json`: a complete backup of one alliance."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliancelens.alliances.models import Alliance
from alliancelens.progress import add_progress_argument, command_progress

from ...backup import export_json


class Command(BaseCommand):
    help = (
        "Write one alliance (structure, rounds, answers, access and history) as JSON to "
        "standard output, for import-alliance on this or another instance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("alliance", help="the alliance's short name (slug)")
        add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        alliance = Alliance.objects.filter(slug=options["alliance"]).first()
        if alliance is None:
            known = ", ".join(Alliance.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(
                f"no alliance with short name {options['alliance']!r} (known: {known})",
                returncode=2,
            )
        progress = command_progress(self, options)
        self.stdout.write(export_json(alliance, progress=progress))
        progress.line(f"Exported {alliance.slug!r} in {progress.elapsed()}")
