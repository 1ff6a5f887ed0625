"""`alliancelens analyze ANSWERS.csv`: the lens on a CSV file, as JSON or Markdown."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliancelens.analysis import AnswersError, Context, analyze_rounds
from alliancelens.analysis.advice import STAGES
from alliancelens.analysis.csvinput import read_answers_csv
from alliancelens.analysis.report import rounds_dict, rounds_markdown
from alliancelens.instrument import PHASES, InstrumentError, latest_instrument, load_instrument

from ...models import K_MAX, K_MIN


class Command(BaseCommand):
    help = (
        "Analyse answers in CSV (columns respondent,partner,level,round,item,value) "
        "and print the results as JSON or Markdown. Exit code 2 on bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("answers", help="CSV file with the answers")
        parser.add_argument("--instrument", help="instrument YAML (default: the newest core)")
        parser.add_argument("--k", type=int, default=3, help="anonymity threshold, 3 to 10")
        parser.add_argument("--format", choices=["json", "md"], default="json")
        parser.add_argument("--lang", choices=["nl", "en"], default="nl", help="for md")
        parser.add_argument("--phase", choices=PHASES, help="the phase the facilitator sees")
        parser.add_argument("--stage", choices=STAGES, help="the development stage")
        parser.add_argument(
            "--gap", type=float, default=1.0, help="flag divergences of at least this size"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not K_MIN <= options["k"] <= K_MAX:
            raise CommandError(f"--k must be from {K_MIN} to {K_MAX}", returncode=2)
        try:
            instrument = (
                load_instrument(options["instrument"])
                if options["instrument"]
                else latest_instrument()
            )
            scale, questions = read_answers_csv(options["answers"], instrument)
            context = Context(
                declared_phase=options["phase"],
                stage=options["stage"],
                gap_threshold=options["gap"],
            )
            result = analyze_rounds(
                scale, instrument, k=options["k"], questions=questions, context=context
            )
        except (AnswersError, InstrumentError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(rounds_dict(result), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(rounds_markdown(result, instrument, options["lang"]))
