"""Create the demo alliance (slug ``demo``), deterministically and idempotently."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from alliancelens.alliances.invitations import link_url
from alliancelens.alliances.models import (
    AccessGrant,
    Alliance,
    Invitation,
    ItemAnswer,
    Level,
    Participant,
    Partner,
    PartnerRole,
    Phase,
    QuestionAnswer,
    Round,
    ScanResponse,
    Sector,
    Stage,
)
from alliancelens.alliances.services import invitations_issue
from alliancelens.demo.registers import registers_create
from alliancelens.demo.route import route_create
from alliancelens.instrument import PHASES, latest_instrument
from alliancelens.progress import (
    Progress,
    add_progress_argument,
    command_progress,
    counted,
)
from alliancelens.results.publish import publication_of

SLUG = "demo"
FACILITATOR = "facilitator"
PASSWORD = "demo-facilitator"  # noqa: S105 - a local demo account, printed on purpose
SEED = 20261125

# name, sector, role, interest base, perspective shift, (board, management, professional)
PARTNERS = [
    ("Gemeente Rivierstad", Sector.PUBLIC, PartnerRole.LEAD, 4.0, 0.2, (2, 2, 4)),
    ("Woonstichting Thuisbasis", Sector.NONPROFIT, PartnerRole.MEMBER, 2.4, -0.1, (1, 2, 4)),
    ("Zorggroep De Linde", Sector.NONPROFIT, PartnerRole.MEMBER, 2.6, 0.0, (1, 2, 5)),
    ("Welzijn Samen", Sector.NONPROFIT, PartnerRole.COORDINATOR, 3.6, 0.3, (1, 2, 4)),
    ("Zorgverzekeraar Vitaal", Sector.PRIVATE, PartnerRole.MEMBER, 4.1, -0.2, (1, 1, 3)),
]
FIRST = [
    "Anouk",
    "Bas",
    "Carmen",
    "Daan",
    "Esra",
    "Fleur",
    "Gijs",
    "Hanna",
    "Imran",
    "Joris",
    "Kim",
    "Lotte",
    "Mehmet",
    "Noor",
    "Olaf",
    "Priya",
    "Quinten",
    "Roos",
    "Sem",
    "Tess",
    "Umut",
    "Vera",
    "Wout",
    "Yara",
    "Zoë",
    "Bram",
    "Ilse",
    "Jesse",
    "Maud",
    "Rik",
    "Sanne",
    "Thijs",
    "Lieke",
    "Milan",
    "Eva",
    "Stijn",
    "Fenna",
    "Koen",
    "Naima",
    "Ruben",
]
LAST = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "Haan",
    "Vermeulen",
    "van den Berg",
    "van Dijk",
    "Willems",
    "Yilmaz",
    "El Amrani",
]
# Perspective means in round 1 before partner, level and round effects.
BASE = {
    "ambition": 3.3,
    "interests": 3.0,
    "relationship": 2.9,
    "organisation": 2.8,
    "process": 3.0,
}
LEVEL_SHIFT = {Level.BOARD: 0.6, Level.MANAGEMENT: 0.15, Level.PROFESSIONAL: -0.35}
FACET_SHIFT = {"promise": 0.5, "commitment": 0.0, "action": -0.6}
AMBITION_WORDS = {
    "Gemeente Rivierstad": [
        "Minder mensen die vastlopen tussen loketten; één aanspreekpunt in de wijk.",
        "Dat bewoners van Noord even gezond oud worden als in de rest van de stad.",
    ],
    "Woonstichting Thuisbasis": [
        "Huurders die langer zelfstandig kunnen blijven wonen, zonder dat wij de zorg oplossen.",
        "Vooral minder overlast en huurachterstand; wat de rest bedoelt, is mij niet duidelijk.",
    ],
    "Zorggroep De Linde": [
        "Minder onnodige opnames doordat wijkverpleging en welzijn samen optrekken.",
        "Eerlijk gezegd: een plek waar onze wijkteams hun cliënten kwijt kunnen.",
    ],
    "Welzijn Samen": [
        "Bewoners die elkaar weer kennen en zelf initiatief nemen.",
        "Een sterke sociale basis in de wijk, zodat zorg minder nodig is.",
    ],
    "Zorgverzekeraar Vitaal": [
        "Aantoonbaar lagere zorgkosten per inwoner binnen vijf jaar.",
        "Preventie die werkt en die we kunnen meten.",
    ],
}
ROUNDS = [
    (
        "Nulmeting voorjaar 2026",
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        Round.State.CLOSED,
    ),
    (
        "Tussenmeting najaar 2026",
        datetime(2026, 9, 28, 9, tzinfo=UTC),
        Round.State.CLOSED,
    ),
    (
        "Reflectiesessie winter 2026",
        datetime(2026, 11, 23, 9, tzinfo=UTC),
        Round.State.OPEN,
    ),
]


class Command(BaseCommand):
    help = "Create the demo alliance 'demo' with two completed rounds and an open one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo alliance first and rebuild it."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run with DEBUG off too; the facilitator then gets a random password.",
        )
        add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "The demo creates a facilitator account with a published password and is "
                "meant for development (DEBUG=1). Use --allow-production to run it anyway "
                "with a random password."
            )
        # The fixed password is printed by `make run`; outside development
        # every run sets a fresh random one instead.
        password = PASSWORD if settings.DEBUG else secrets.token_urlsafe(12)
        progress = command_progress(self, options)
        if options["reset"]:
            with progress.timed("Deleting the demo alliance… "):
                ScanResponse.objects.filter(round__alliance__slug=SLUG).delete()
                Alliance.objects.filter(slug=SLUG).delete()
        user = self.facilitator(password)
        alliance = Alliance.objects.filter(slug=SLUG).first()
        if alliance is None:
            alliance = build_demo(user, progress)
            self.stdout.write(self.style.SUCCESS(f"Created the demo alliance '{alliance.name}'."))
        else:
            self.stdout.write(f"The demo alliance '{alliance.name}' exists already; unchanged.")
        AccessGrant.objects.get_or_create(user=user, alliance=alliance)
        # The closed rounds publish their results now, as closing them would
        # have, so the first visit to a results page reads stored figures.
        for closed in alliance.rounds.filter(state=Round.State.CLOSED).order_by("number"):
            with progress.timed(f"Publishing round {closed.number}: "):
                publication_of(closed, progress=progress)
        lead_partner = self.other_roles(alliance, password)
        open_round = alliance.rounds.get(state=Round.State.OPEN)
        # A fresh link for one participant who has not started: only hashes are
        # stored, so showing a link means issuing it again.
        invitation = (
            open_round.invitations.filter(response__isnull=True)
            .select_related("participant__partner")
            .order_by("participant__partner__name", "participant__name")
            .first()
        )
        self.stdout.write(f"Facilitator login: {link_url_for('/accounts/login/')}")
        self.stdout.write(f"  user: {FACILITATOR}   password: {password}")
        self.stdout.write(
            f"  also, with the same password: user partnerlead (partner lead for "
            f"{lead_partner.name}) and user observer (sees the alliance as a whole)"
        )
        if invitation is not None:
            (link,) = invitations_issue(invitations=[invitation])
            self.stdout.write(
                f"Respondent link ({invitation.participant.name}, "
                f"{invitation.participant.partner.name}): {link_url(link.token)}"
            )
        progress.line(f"Done in {progress.elapsed()}")

    def other_roles(self, alliance: Alliance, password: str) -> Partner:
        """A partner lead and an observer, to see what those roles see."""
        partner = alliance.partners.order_by("name")[0]
        for username, role, of in (
            ("partnerlead", AccessGrant.Role.PARTNER_LEAD, partner),
            ("observer", AccessGrant.Role.OBSERVER, None),
        ):
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@demo.example"}
            )
            if created or password != PASSWORD:
                user.set_password(password)
                user.save()
            AccessGrant.objects.get_or_create(
                user=user, alliance=alliance, defaults={"role": role, "partner": of}
            )
        return partner

    def facilitator(self, password: str) -> User:
        user, created = User.objects.get_or_create(
            username=FACILITATOR,
            defaults={
                "first_name": "Demo",
                "last_name": "Procesbegeleider",
                "email": "facilitator@demo.example",
                "is_staff": False,
            },
        )
        if created or password != PASSWORD:
            user.set_password(password)
            user.save()
        return user


def link_url_for(path: str) -> str:
    return settings.SITE_URL + path


def clip(value: float) -> int:
    return int(min(5, max(1, round(value))))


@transaction.atomic
def build_demo(user: User, progress: Progress | None = None) -> Alliance:
    progress = progress or Progress()
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not security
    instrument = latest_instrument()
    alliance = Alliance.objects.create(
        name="Gezonde Wijk Rivierstad-Noord",
        slug=SLUG,
        ambition=(
            "Samen zorgen we dat inwoners van Rivierstad-Noord gezonder leven, langer "
            "zelfstandig wonen en sneller de juiste hulp vinden."
        ),
        current_phase=Phase.DESIGN,
        stage=Stage.DISCOVERING,
        anonymity_threshold=3,
    )
    AccessGrant.objects.create(user=user, alliance=alliance)
    names = iter(rng.sample([f"{first} {last}" for first in FIRST for last in LAST], 200))
    people: list[tuple[Participant, float, float]] = []
    with progress.timed("Creating partners and participants… "):
        for name, sector, role, interest, shift, counts in PARTNERS:
            partner = Partner.objects.create(
                alliance=alliance, name=name, sector=sector, role=role
            )
            for level, count in zip(Level, counts, strict=True):
                for _ in range(count):
                    person_name = next(names)
                    person = Participant.objects.create(
                        partner=partner,
                        name=person_name,
                        # .example addresses can never reach a real mailbox.
                        email=f"{slugify(person_name)}@{slugify(name)}.example",
                        level=level,
                        language="en" if rng.random() < 0.1 else "nl",
                    )
                    # A personal tendency makes answers of one person hang together.
                    people.append((person, interest, shift + rng.gauss(0, 0.25)))
        progress.outcome(counted(len(people), "participants"))

    for number, (title, opens, state) in enumerate(ROUNDS, start=1):
        with progress.timed(f"Creating round {number} ({title})… "):
            rnd = Round.objects.create(
                alliance=alliance,
                number=number,
                title=title,
                instrument_id=instrument.id,
                instrument_version=instrument.version,
                opens_at=opens,
                closes_at=opens + timedelta(days=21) if state == Round.State.CLOSED else None,
                state=state,
                opened_at=opens,
                closed_at=opens + timedelta(days=21) if state == Round.State.CLOSED else None,
            )
            invitations = Invitation.objects.bulk_create(
                [Invitation(round=rnd, participant=p) for p, _, _ in people]
            )
            rate = {1: 0.85, 2: 0.8, 3: 0.2}[number]
            item_rows: list[ItemAnswer] = []
            question_rows: list[QuestionAnswer] = []
            for inv, (person, interest, shift) in zip(invitations, people, strict=True):
                if rng.random() > rate:
                    continue
                started = opens + timedelta(hours=rng.randint(1, 400))
                submitted = number < 3 or rng.random() < 0.6
                response = ScanResponse.objects.create(
                    round=rnd,
                    invitation=inv,
                    partner=person.partner,
                    level=person.level,
                    last_step="done" if submitted else "relationship",
                    started_at=started,
                    submitted_at=started + timedelta(minutes=rng.randint(8, 40))
                    if submitted
                    else None,
                    times_submitted=1 if submitted else 0,
                )
                for item in instrument.items:
                    if (
                        number == 3
                        and not submitted
                        and item.perspective not in ("ambition", "interests")
                    ):
                        continue
                    roll = rng.random()
                    if roll < 0.02:
                        continue  # skipped
                    if roll < 0.06:
                        item_rows.append(
                            ItemAnswer(response=response, item_id=item.id, value=None)
                        )
                        continue
                    mean = BASE[item.perspective] + LEVEL_SHIFT[Level(person.level)] + shift
                    if item.perspective == "interests":
                        mean = interest + LEVEL_SHIFT[Level(person.level)] * 0.5
                    if item.facet:
                        mean += FACET_SHIFT[item.facet]
                    if number >= 2 and item.perspective == "relationship":
                        mean += 0.7
                    if number >= 2 and item.perspective == "process":
                        mean += 0.2
                    value = clip(rng.gauss(mean, 0.7))
                    if item.reverse:
                        value = int(instrument.scale.reverse(value))
                    item_rows.append(ItemAnswer(response=response, item_id=item.id, value=value))
                if submitted:
                    question_rows.extend(_questions(rng, response, person, number))
            ItemAnswer.objects.bulk_create(item_rows)
            QuestionAnswer.objects.bulk_create(question_rows)
            progress.outcome(
                f"{counted(rnd.responses.count(), 'responses')}, "
                f"{counted(len(item_rows), 'answers')}"
            )
    # After the scan, and with no draw on ``rng``: the answers stay as they were.
    with progress.timed("Filling the registers… "):
        progress.outcome(counted(registers_create(alliance=alliance), "entries"))
    with progress.timed("Laying out the route… "):
        progress.outcome(counted(route_create(alliance=alliance), "rows"))
    return alliance


def _questions(
    rng: random.Random, response: ScanResponse, person: Participant, number: int
) -> list[QuestionAnswer]:
    out = []
    # Most see the alliance in agreeing or designing; some think it is still sharing.
    weights = [0.05, 0.25, 0.35, 0.3, 0.05] if number == 1 else [0.02, 0.18, 0.3, 0.4, 0.1]
    phase = rng.choices(PHASES, weights=weights)[0]
    out.append(QuestionAnswer(response=response, question_id="phase_now", value=phase))
    if rng.random() < 0.7:
        text = rng.choice(AMBITION_WORDS[person.partner.name])
        out.append(QuestionAnswer(response=response, question_id="ambition_own_words", value=text))
    # The other open questions from a generator of their own, so the answers
    # above (and the demo's figures) stay as they were.
    own = random.Random(f"{person.email}-{number}")  # noqa: S311 - demo data
    for question, texts, share in (
        ("interests_sensitive", SENSITIVE, 0.4),
        ("next_step", NEXT_STEPS, 0.5),
    ):
        if own.random() < share:
            value = own.choice(texts)
            out.append(QuestionAnswer(response=response, question_id=question, value=value))
    return out


SENSITIVE = [
    "Wie de financiering krijgt als de subsidie stopt.",
    "Dat onze cliënten bij een andere partner terechtkomen.",
    "De zeggenschap over de wijkteams.",
    "Hoeveel uren wij echt kunnen leveren.",
    "Wie naar buiten toe het gezicht van de samenwerking is.",
]
NEXT_STEPS = [
    "Eén wijkteam samen laten starten, met een datum.",
    "Vastleggen wie waarover beslist.",
    "De besturen vaker samen aan tafel.",
    "Resultaten zichtbaar maken voor bewoners.",
    "Een onafhankelijke procesbegeleider vragen.",
]
