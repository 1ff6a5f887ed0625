"""`alliancelens analyze`, also as a management command (see analysis.cli)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliancelens.analysis import cli


class Command(BaseCommand):
    help = cli.parser().description or ""

    def add_arguments(self, parser: CommandParser) -> None:
        for action in cli.parser()._actions:
            if action.dest == "help":
                continue
            kwargs: dict[str, Any] = {"help": action.help, "default": action.default}
            if action.choices is not None:
                kwargs["choices"] = action.choices
            if action.type is not None:
                kwargs["type"] = action.type
            parser.add_argument(*(action.option_strings or [action.dest]), **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        from argparse import Namespace

        try:
            text = cli.run(Namespace(**options))
        except cli.Refused as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(text)
