"""`alliancelens close-round SLUG NUMBER`: close a round and publish its result.

The same as the "Close the round" button: answers can no longer be given or
changed, and the lens runs once to store the published result. A large round
takes a while to compute; on a terminal the command shows where it is.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliancelens.alliances.models import Alliance, Round
from alliancelens.alliances.services import round_close
from alliancelens.progress import add_progress_argument, command_progress

from ...publish import NotPublished, round_publish


class Command(BaseCommand):
    help = (
        "Close an open round (participants can then no longer answer or change answers) "
        "and publish its result, as the round's Close button does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("alliance", help="the alliance's short name (slug)")
        parser.add_argument("number", type=int, help="the round's number")
        add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        alliance = Alliance.objects.filter(slug=options["alliance"]).first()
        if alliance is None:
            known = ", ".join(Alliance.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(
                f"no alliance with short name {options['alliance']!r} (known: {known})",
                returncode=2,
            )
        rnd = alliance.rounds.filter(number=options["number"]).first()
        if rnd is None:
            numbers = ", ".join(str(n) for n in alliance.rounds.values_list("number", flat=True))
            raise CommandError(
                f"{alliance.slug} has no round {options['number']} (rounds: {numbers or 'none'})",
                returncode=2,
            )
        if rnd.state == Round.State.DRAFT:
            raise CommandError(
                f"round {rnd.number} of {alliance.slug} was never opened: there is nothing "
                "to close",
                returncode=2,
            )
        closed_before = rnd.state == Round.State.CLOSED
        progress = command_progress(self, options)
        with progress.timed(f"Closing round {rnd.number}… "):
            rnd = round_close(rnd=rnd)
            if closed_before:
                progress.outcome("closed already")
        try:
            with progress.timed(f"Publishing round {rnd.number}: "):
                publication = round_publish(rnd=rnd, progress=progress)
        except NotPublished as exc:
            raise CommandError(str(exc), returncode=2) from exc
        result = publication.published.result
        shown = (
            f"hidden: fewer than k = {result.k} respondents"
            if result.suppressed
            else f"k = {result.k}"
        )
        what = "was closed already" if closed_before else "is closed"
        self.stdout.write(
            f"round {rnd.number} of {alliance.slug} {what}; its result is published "
            f"({result.n_respondents} respondents, {shown})"
        )
