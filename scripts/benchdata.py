"""Synthetic alliances for the benchmarks: five partners, three levels, every
statement answered, rounds closed and published as the product would."""

from __future__ import annotations

import random
import time
from typing import Any


def setup_django(sqlite_path: str) -> None:
    """A throw-away SQLite database with the product's settings, migrated."""
    import os

    os.environ["SQLITE_PATH"] = sqlite_path
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliancelens.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def synthetic_alliance(
    name: str, respondents: int, rounds: int, facilitator: Any, *, open_answers: bool = False
) -> tuple[Any, float]:
    """An alliance of ``respondents`` people answering ``rounds`` rounds, all
    closed and published. Returns the last round and the seconds its
    publication took."""
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
    first_partner = partners[0].pk
    publish_seconds = 0.0
    for number in range(rounds):
        rnd = round_open(rnd=round_create(alliance=alliance, title=f"Round {number + 1}"))
        ScanResponse.objects.bulk_create(
            ScanResponse(
                round=rnd,
                invitation=inv,
                partner_id=inv.participant.partner_id,
                level=inv.participant.level,
                submitted_at=timezone.now(),
                times_submitted=1,
            )
            for inv in rnd.invitations.select_related("participant")
        )
        responses = list(ScanResponse.objects.filter(round=rnd).values_list("pk", "partner_id"))
        items = []
        for pk, partner_id in responses:
            base = 2.6 + (partner_id - first_partner) * 0.25 + number * 0.1
            for item in rnd.instrument.items:
                value = min(5, max(1, round(rng.gauss(base, 1))))
                items.append(ItemAnswer(response_id=pk, item_id=item.id, value=value))
        ItemAnswer.objects.bulk_create(items, batch_size=5000)
        questions = [
            QuestionAnswer(
                response_id=pk, question_id="phase_now", value=rng.choice(["agree", "design"])
            )
            for pk, _ in responses
        ]
        if open_answers:
            questions += [
                QuestionAnswer(
                    response_id=pk,
                    question_id="ambition_own_words",
                    value=f"Antwoord {rng.randint(1, 999)}",
                )
                for pk, _ in responses
            ]
        QuestionAnswer.objects.bulk_create(questions, batch_size=5000)
        closed = round_close(rnd=rnd)
        start = time.perf_counter()
        round_publish(rnd=closed)
        publish_seconds = time.perf_counter() - start
    return closed, publish_seconds
