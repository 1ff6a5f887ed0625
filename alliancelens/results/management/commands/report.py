"""`alliancelens report ALLIANCE --round N --format pdf|html --lang nl|en --output FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliancelens.alliances.models import Alliance, Round

from ...documents import render_report_html, render_report_pdf
from ...publish import NotPublished


class Command(BaseCommand):
    help = "Write the report of one round of an alliance as PDF or HTML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("alliance", help="the alliance's short name (slug)")
        parser.add_argument("--round", type=int, required=True, help="round number")
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
        parser.add_argument("--lang", choices=["nl", "en"], default="nl")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        alliance = Alliance.objects.filter(slug=options["alliance"]).first()
        if alliance is None:
            raise CommandError(f"no alliance with short name {options['alliance']!r}")
        rnd = Round.objects.filter(alliance=alliance, number=options["round"]).first()
        if rnd is None:
            numbers = ", ".join(str(n) for n in alliance.rounds.values_list("number", flat=True))
            raise CommandError(
                f"{alliance.slug} has no round {options['round']} (rounds: {numbers or '-'})"
            )
        if not rnd.is_past_closing():
            raise CommandError(
                f"round {rnd.number} is still open: reports are made once a round has closed, "
                "so that no answer can be worked out by comparing reports"
            )
        output = Path(options["output"])
        try:
            if options["format"] == "pdf":
                output.write_bytes(render_report_pdf(rnd, options["lang"]))
            else:
                output.write_text(render_report_html(rnd, options["lang"]), encoding="utf-8")
        except NotPublished as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {output} ({output.stat().st_size:,} bytes)")
