"""`alliancelens analyze ANSWERS.csv`: the lens on a CSV file, as JSON or Markdown.

Pure Python like the rest of the lens: it needs no web configuration (no
SECRET_KEY, no database), so ``alliancelens analyze`` runs on any machine
with the package installed. Exit code 2 on bad input, with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from alliancelens.instrument import (
    PHASES,
    STAGES,
    InstrumentError,
    latest_instrument,
    load_instrument,
)

from .csvinput import read_answers_csv
from .engine import Context, analyze_rounds
from .frame import AnswersError
from .inference import MIN_GAP
from .render import rounds_dict, rounds_markdown
from .suppression import K_MAX, K_MIN


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alliancelens analyze",
        description=(
            "Analyse answers in CSV (columns respondent,partner,level,round,item,value) "
            "and print the results as JSON or Markdown. Exit code 2 on bad input."
        ),
    )
    p.add_argument("answers", help="CSV file with the answers")
    p.add_argument("--instrument", help="instrument YAML (default: the newest core)")
    p.add_argument("--k", type=int, default=3, help=f"anonymity threshold, {K_MIN} to {K_MAX}")
    p.add_argument("--format", choices=["json", "md"], default="json")
    p.add_argument(
        "--pretty", action="store_true", help="indented JSON (default: one compact line)"
    )
    p.add_argument("--lang", choices=["nl", "en"], default="nl", help="for md")
    p.add_argument("--phase", choices=PHASES, help="the phase the facilitator sees")
    p.add_argument("--stage", choices=STAGES, help="the development stage")
    p.add_argument(
        "--gap",
        type=float,
        default=MIN_GAP,
        help="the smallest difference worth discussing (default 0.5); a flagged "
        "difference must also be larger than chance",
    )
    return p


class Refused(Exception):
    """Bad input: the message says what and where."""


def run(args: argparse.Namespace) -> str:
    """The output text; Refused on bad input."""
    if not K_MIN <= args.k <= K_MAX:
        raise Refused(f"--k must be from {K_MIN} to {K_MAX}")
    try:
        instrument = load_instrument(args.instrument) if args.instrument else latest_instrument()
        scale, questions = read_answers_csv(args.answers, instrument)
        context = Context(declared_phase=args.phase, stage=args.stage, gap_threshold=args.gap)
        result = analyze_rounds(scale, instrument, k=args.k, questions=questions, context=context)
    except (AnswersError, InstrumentError) as exc:
        raise Refused(str(exc)) from exc
    if args.format == "json":
        # Compact by default: the indented form goes through json's pure-Python
        # encoder, five times slower on a large alliance.
        return json.dumps(
            rounds_dict(result), ensure_ascii=False, indent=2 if args.pretty else None
        )
    return rounds_markdown(result, instrument, args.lang)


def main(argv: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = parser().parse_args(list(argv))
    try:
        text = run(args)
    except Refused as exc:
        err.write(f"CommandError: {exc}\n")
        return 2
    out.write(text + "\n")
    return 0
