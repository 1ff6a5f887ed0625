"""Benchmark the round report: 200 respondents, PDF in Dutch (target: under 3 s).

Builds a throw-away SQLite database in a temporary directory, fills one
closed round with 200 submitted responses and times render_report_pdf().
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 3.0
RESPONDENTS = 200


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="alliancelens-bench-")
    os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliancelens.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from alliancelens.alliances.models import (
        ItemAnswer,
        Level,
        Participant,
        Partner,
        QuestionAnswer,
        ScanResponse,
    )
    from alliancelens.alliances.services import (
        alliance_create,
        round_close,
        round_create,
        round_open,
    )
    from alliancelens.results.documents import render_report_pdf

    call_command("migrate", verbosity=0)
    rng = random.Random(7)  # noqa: S311 - synthetic data
    alliance = alliance_create(facilitator=User.objects.create_user("bench"), name="Bench")
    partners = [Partner.objects.create(alliance=alliance, name=f"Partner {i}") for i in range(5)]
    for n in range(RESPONDENTS):
        Participant.objects.create(partner=partners[n % 5], name=f"P{n}", level=list(Level)[n % 3])
    rnd = round_open(rnd=round_create(alliance=alliance, title="Bench"))
    instrument = rnd.instrument
    items, questions = [], []
    for inv in rnd.invitations.select_related("participant__partner"):
        response = ScanResponse.objects.create(
            round=rnd,
            invitation=inv,
            partner=inv.participant.partner,
            level=inv.participant.level,
            submitted_at=timezone.now(),
            times_submitted=1,
        )
        base = 2.5 + partners.index(inv.participant.partner) * 0.3
        for item in instrument.items:
            items.append(
                ItemAnswer(
                    response=response,
                    item_id=item.id,
                    value=min(5, max(1, round(rng.gauss(base, 1)))),
                )
            )
        questions.append(
            QuestionAnswer(
                response=response, question_id="phase_now", value=rng.choice(["agree", "design"])
            )
        )
        questions.append(
            QuestionAnswer(
                response=response,
                question_id="ambition_own_words",
                value=f"Antwoord {rng.randint(1, 999)}",
            )
        )
    ItemAnswer.objects.bulk_create(items)
    QuestionAnswer.objects.bulk_create(questions)
    round_close(rnd=rnd)

    render_report_pdf(rnd, "nl")  # warm-up: fonts, templates, rule file
    times = []
    for _ in range(3):
        start = time.perf_counter()
        pdf = render_report_pdf(rnd, "nl")
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"report: {RESPONDENTS} respondents, {len(instrument.items)} statements, "
        f"5 partners, PDF {len(pdf):,} bytes"
    )
    print(
        f"render_report_pdf(): min {min(times):.2f} s, median {median:.2f} s, "
        f"max {max(times):.2f} s over 3 runs"
    )
    print(f"target {TARGET_SECONDS:.1f} s: median is {median / TARGET_SECONDS:.2f} × the target")


if __name__ == "__main__":
    sys.exit(main())
