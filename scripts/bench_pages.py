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
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def build(name: str, respondents: int, rounds: int, facilitator: Any) -> tuple[str, float]:
    """An alliance of ``respondents`` people, answering ``rounds`` rounds, all closed.

    Returns the slug and the seconds closing (publishing) the last round took.
    """
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
    from alliancelens.results.publish import round_publish

    rng = random.Random(respondents * 10 + rounds)  # noqa: S311 - synthetic data
    alliance = alliance_create(facilitator=facilitator, name=name)
    partners = [Partner.objects.create(alliance=alliance, name=f"Partner {i}") for i in range(5)]
    Participant.objects.bulk_create(
        Participant(partner=partners[n % 5], name=f"P{n}", level=list(Level)[n % 3])
        for n in range(respondents)
    )
    publish_seconds = 0.0
    for number in range(rounds):
        rnd = round_open(rnd=round_create(alliance=alliance, title=f"Round {number + 1}"))
        instrument = rnd.instrument
        invitations = list(rnd.invitations.select_related("participant"))
        ScanResponse.objects.bulk_create(
            ScanResponse(
                round=rnd,
                invitation=inv,
                partner_id=inv.participant.partner_id,
                level=inv.participant.level,
                submitted_at=timezone.now(),
                times_submitted=1,
            )
            for inv in invitations
        )
        responses = list(ScanResponse.objects.filter(round=rnd).values_list("pk", "partner_id"))
        first_partner = partners[0].pk
        items = []
        for pk, partner_id in responses:
            base = 2.6 + (partner_id - first_partner) * 0.25 + number * 0.1
            for item in instrument.items:
                items.append(
                    ItemAnswer(
                        response_id=pk,
                        item_id=item.id,
                        value=min(5, max(1, round(rng.gauss(base, 1)))),
                    )
                )
        ItemAnswer.objects.bulk_create(items, batch_size=5000)
        QuestionAnswer.objects.bulk_create(
            (
                QuestionAnswer(
                    response_id=pk, question_id="phase_now", value=rng.choice(["agree", "design"])
                )
                for pk, _ in responses
            ),
            batch_size=5000,
        )
        closed = round_close(rnd=rnd)
        start = time.perf_counter()
        round_publish(rnd=closed)
        publish_seconds = time.perf_counter() - start
    return alliance.slug, publish_seconds


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="alliancelens-bench-")
    os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliancelens.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    demo_user = User.objects.get(username="facilitator")
    bench_user = User.objects.create_user("bench")

    client = Client()
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
        slug, publish_seconds = build(
            f"Bench {respondents}x{rounds}", respondents, rounds, bench_user
        )
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
