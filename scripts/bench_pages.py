"""Benchmark the results page against a plain logged-in page (issue 9's targets).

Builds a throw-away SQLite database in a temporary directory with the demo
alliance and synthetic alliances of 1,000 and 10,000 respondents (five
partners, three levels, every statement answered, closed rounds), then asks
for pages through Django's test client, the whole stack from URL routing and
middleware to the rendered template, as a logged-in facilitator. Every page is
asked for once to warm it (the first view draws and stores its charts) and
then timed several times; the median is reported.

Targets:
- the demo's results page within 10x the alliance list page;
- the results page under 0.3 s at 1,000 and 0.5 s at 10,000 respondents
  with two closed rounds;
- each further closed round adds under 0.05 s (1,000 respondents, two
  rounds against four).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchdata import setup_django, synthetic_alliance

RUNS = 7


def median_seconds(get: Any, url: str, runs: int = RUNS) -> float:
    response = get(url)  # warm: charts drawn and stored on the first view
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="alliancelens-bench-")
    setup_django(str(Path(tmp) / "bench.sqlite3"))
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    demo_user = User.objects.get(username="facilitator")
    bench_user = User.objects.create_user("bench")

    client = Client(HTTP_HOST="127.0.0.1")
    failed = []

    def line(label: str, seconds: float, target: float | None = None) -> None:
        verdict = ""
        if target is not None:
            ok = seconds < target
            verdict = f"  target < {target:.3f} s: {'met' if ok else 'MISSED'}"
            if not ok:
                failed.append(label)
        print(f"{label:<58} {seconds:8.4f} s{verdict}")

    client.force_login(demo_user)
    plain = median_seconds(client.get, "/alliances/")
    demo = median_seconds(client.get, "/alliances/demo/rounds/2/results/")
    print("pages: median of", RUNS, "requests after one warm-up, Django test client")
    line("alliance list (plain logged-in page)", plain)
    line("demo results page (round 2 of 2 closed)", demo)
    ratio = demo / plain
    print(f"{'ratio demo results / plain page':<58} {ratio:8.1f} x  target < 10 x: ", end="")
    print("met" if ratio < 10 else "MISSED")
    if ratio >= 10:
        failed.append("ratio")

    client.force_login(bench_user)
    sizes = [(1000, 2), (1000, 4), (10000, 2)]
    if "--quick" in sys.argv:
        sizes = [(1000, 2), (1000, 4)]
    timed: dict[tuple[int, int], float] = {}
    for respondents, rounds in sizes:
        start = time.perf_counter()
        last, publish_seconds = synthetic_alliance(
            f"Bench {respondents}x{rounds}", respondents, rounds, bench_user
        )
        slug = last.alliance.slug
        built = time.perf_counter() - start
        url = f"/alliances/{slug}/rounds/{rounds}/results/"
        start = time.perf_counter()
        first = client.get(url)
        first_view = time.perf_counter() - start
        assert first.status_code == 200
        timed[(respondents, rounds)] = median_seconds(client.get, url)
        print(
            f"{respondents:,} respondents, {rounds} closed rounds "
            f"(built in {built:.1f} s; publishing the last round {publish_seconds:.2f} s; "
            f"first view, drawing its charts, {first_view:.2f} s)"
        )
        target = {1000: 0.3, 10000: 0.5}[respondents] if rounds == 2 else None
        line(
            f"  results page, {respondents:,} respondents, {rounds} rounds",
            timed[(respondents, rounds)],
            target,
        )
    per_round = (timed[(1000, 4)] - timed[(1000, 2)]) / 2
    line("each further closed round (1,000 respondents, 4 vs 2 rounds)", per_round, 0.05)
    print("missed:", ", ".join(failed) if failed else "none")


if __name__ == "__main__":
    main()
