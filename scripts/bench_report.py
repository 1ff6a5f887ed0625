"""Benchmark the round report: 200 respondents, PDF in Dutch (target: under 3 s).

Builds a throw-away SQLite database in a temporary directory, fills one
closed, published round with 200 submitted responses and times
render_report_pdf() after one warm-up (which draws and stores the charts, as
the first view of a round does): reading the stored result, the template and
WeasyPrint.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchdata import setup_django, synthetic_alliance

TARGET_SECONDS = 3.0
RESPONDENTS = 200


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="alliancelens-bench-")
    setup_django(str(Path(tmp) / "bench.sqlite3"))
    from django.contrib.auth.models import User

    from alliancelens.results.documents import render_report_pdf

    rnd, _ = synthetic_alliance(
        "Bench", RESPONDENTS, 1, User.objects.create_user("bench"), open_answers=True
    )
    instrument = rnd.instrument
    render_report_pdf(rnd, "nl")  # warm-up: fonts, templates, the charts drawn and stored
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
