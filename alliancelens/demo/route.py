"""The demo alliance's route, written to fit its scan and its registers.

The alliance skipped the share phase: once the starting note was agreed, a
subsidy deadline pressed, and it went straight on to agree on what each
partner brings, without first putting the interests on the table. That is
where the scan finds the partners far apart on *Interests*, and where the
registers keep vital interests of Thuisbasis undiscussed. It is now in the
design phase with its project plan in draft; members mostly recognise the
first development stage, designing and chafing.

Like the registers, every date lies a fixed number of days before the day
the demo is built, and nothing here draws on the demo's random generator.
Results and checklist items go through the route's services, so their
histories read as a Dutch facilitator's edits would; the moves are written
as the move service records them, back-dated.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone, translation

from alliancelens.alliances.models import Alliance, Phase
from alliancelens.journey.content import load_route
from alliancelens.journey.models import ChecklistMark, PhaseMove, PhaseResult, RouteChange
from alliancelens.journey.services import (
    MARK_FIELDS,
    RESULT_FIELDS,
    mark_save,
    result_save,
    stage_view_save,
)

# The demo's accounts, as the demo command creates them.
FACILITATOR = "facilitator"
PARTNER_LEAD = "partnerlead"
OBSERVER = "observer"

STARTING_NOTE = (
    "Startnotitie Gezonde Wijk Rivierstad-Noord. Waarom: te veel inwoners van Noord lopen "
    "vast tussen loketten, en wie ouder wordt, woont er minder lang zelfstandig dan elders "
    "in de stad. Aan tafel: Gemeente Rivierstad, Woonstichting Thuisbasis, Zorggroep De "
    "Linde, Welzijn Samen en Zorgverzekeraar Vitaal; de huisartsen en de "
    "huurdersvereniging horen er later bij. Open vragen: wat brengt ieder in, wat wil "
    "ieder eruit halen, en wie trekt het proces?"
)
SHARE_NOTE = (
    "Niet opgesteld: de alliantie ging door naar de afsprakennotitie voor de "
    "subsidieaanvraag. De belangen van Thuisbasis en De Linde zijn nog niet samen besproken."
)
AGREEMENTS_DRAFT = (
    "Afsprakennotitie bij de subsidieaanvraag (concept). Drie acties: één wijkteam in het "
    "buurthuis aan de Dijkstraat, valpreventie voor 75-plussers en een verhuiscoach voor "
    "ouderen. Inbreng per partner volgt."
)
AGREEMENTS_NOTE = (
    "Afsprakennotitie bij de subsidieaanvraag. Drie acties: één wijkteam in het buurthuis "
    "aan de Dijkstraat, valpreventie voor 75-plussers en een verhuiscoach voor ouderen. "
    "Inbreng voor de eerste twee jaar: de gemeente € 60.000 subsidie; Thuisbasis ruimte "
    "voor het wijkspreekuur; De Linde een wijkverpleegkundige, 416 uur per halfjaar; "
    "Welzijn Samen buurtcoaches, 624 uur per halfjaar; Vitaal € 25.000 voor de "
    "effectmeting. De gemeente is penvoerder; de kerngroep beslist over de uitvoering."
)
PROJECT_PLAN = (
    "Projectplan wijkteam Dijkstraat (concept): doel, trekker (Youssef Amrani), bezetting "
    "per partner, begroting en planning tot de opening. Nog open: hoeveel uren "
    "wijkverpleging De Linde levert en wie die betaalt. De plannen voor valpreventie en "
    "de verhuiscoach volgen."
)
PROJECT_PLAN_LINK = "https://documenten.rivierstad.example/gezonde-wijk/projectplan-wijkteam"

# from, to, days ago, the phases without an agreed result, the reason
MOVES: list[tuple[str, str, int, list[str], str]] = [
    (
        Phase.EXPLORE,
        Phase.AGREE,
        372,
        [Phase.SHARE],
        "De aanvraag voor de gemeentelijke subsidie voor wijkcoördinator en buurthuis moest "
        "binnen drie weken binnen zijn, met een afsprakennotitie van alle partners. Geen "
        "tijd voor een intentieverklaring; de belangen bespreken we na de aanvraag.",
    ),
    (
        Phase.AGREE,
        Phase.DESIGN,
        300,
        [Phase.SHARE],
        "De subsidie is toegekend en het wijkteam moet dit voorjaar open. De "
        "intentieverklaring is er nog steeds niet: de belangen van Thuisbasis en De Linde "
        "komen in de kerngroep aan bod zodra het projectplan er ligt.",
    ),
]

# item, days ago it was done (None: open), comment
MARKS: list[tuple[str, int | None, str]] = [
    # explore: all but the board from the start
    ("dos_shared_perspective", 410, ""),
    ("dos_social_purpose", 405, ""),
    ("dos_support_at_top", 395, "De directeuren tekenden de startnotitie."),
    ("donts_process_owner", 418, "Kwartiermaker Peter van Dam, tot de procesbegeleider kwam."),
    (
        "donts_board_from_start",
        None,
        "De bestuurder van Thuisbasis kwam pas bij de afsprakennotitie aan tafel.",
    ),
    (
        "ingredients_stakeholder_analysis",
        390,
        "Eerste versie; de huurdersvereniging ontbreekt nog aan tafel.",
    ),
    ("tips_right_questions", 400, ""),
    # share: only what came along the way
    ("dos_shared_urgency", 398, ""),
    ("donts_more_than_moral_duty", 340, ""),
    # agree: all but the years ahead
    ("dos_firm_agreements", 352, "In de afsprakennotitie; de uren van De Linde zijn krap."),
    ("dos_agreements_at_right_level", 350, ""),
    ("donts_short_mission", 360, ""),
    ("ingredients_involvement", 345, "Via het bewonerspanel van twaalf mensen."),
    (
        "ingredients_time",
        None,
        "Alleen voor de twee jaar van de subsidie; daarna is niets afgesproken.",
    ),
    ("tips_no_win_lose", 352, ""),
    ("tips_shared_ambition", 365, ""),
    # design: two so far
    ("dos_motivated_professionals", 200, ""),
    ("donts_goals_not_organisations", 60, "Drie doelen in het register, met ieders bijdrage."),
]

# Mostly what one sees while designing and chafing, with a little discovering.
STAGE_VIEWS: dict[str, list[str]] = {
    FACILITATOR: [
        "designing_structures_talk",
        "designing_content_first",
        "designing_tension_unspoken",
        "designing_organisations_not_people",
        "designing_trust_unsettled",
        "discovering_differences_surface",
        "discovering_conflicts_flare",
    ],
    PARTNER_LEAD: [
        "designing_ambition_binds",
        "designing_structures_talk",
        "designing_content_first",
        "designing_organisations_not_people",
        "discovering_first_lessons",
    ],
    OBSERVER: [
        "designing_structures_talk",
        "designing_content_first",
        "designing_tension_unspoken",
        "designing_trust_unsettled",
        "discovering_separately_together",
        "discovering_differences_surface",
    ],
}


def route_create(*, alliance: Alliance, now: datetime | None = None) -> int:
    """Lay out the demo alliance's route; return how many rows were made."""
    now = now or timezone.now()
    today = timezone.localdate(now)

    def day(days_ago: int) -> date:
        return today - timedelta(days=days_ago)

    def at(days_ago: int) -> datetime:
        return now - timedelta(days=days_ago)

    def dated(before: int, days_ago: int) -> None:
        """The change just recorded (there must be one), back-dated."""
        changes = RouteChange.objects.filter(alliance=alliance).order_by("-pk")
        assert changes.count() == before + 1, "the route service recorded no change"
        change = changes[0]
        change.at = at(days_ago)
        change.save(update_fields=["at"])

    def result(phase: str, days_ago: int, **values: object) -> PhaseResult:
        """A phase result written on the phase's page, as of ``days_ago``."""
        found = PhaseResult.objects.filter(alliance=alliance, phase=phase).first()
        entry = found or PhaseResult(alliance=alliance, phase=phase)
        before = {f: getattr(entry, f) for f in RESULT_FIELDS}
        before["status"] = entry.get_status_display()
        for name, value in values.items():
            setattr(entry, name, value)
        entry.full_clean()
        count = RouteChange.objects.filter(alliance=alliance).count()
        result_save(result=entry, actor=FACILITATOR, before=before)
        dated(count, days_ago)
        return entry

    known = {item.id for item in load_route().checklist}
    # Histories are written as a Dutch facilitator's edits would be.
    with translation.override("nl"):
        result(
            Phase.EXPLORE,
            380,
            status=PhaseResult.Status.AGREED,
            text=STARTING_NOTE,
            agreed_on=day(380),
        )
        result(Phase.SHARE, 372, text=SHARE_NOTE)
        result(Phase.AGREE, 365, status=PhaseResult.Status.DRAFT, text=AGREEMENTS_DRAFT)
        result(
            Phase.AGREE,
            352,
            status=PhaseResult.Status.AGREED,
            text=AGREEMENTS_NOTE,
            agreed_on=day(352),
        )
        result(
            Phase.DESIGN,
            90,
            status=PhaseResult.Status.DRAFT,
            text=PROJECT_PLAN,
            link=PROJECT_PLAN_LINK,
        )

        for item, days_ago, comment in sorted(MARKS, key=lambda m: -(m[1] or 0)):
            assert item in known, item
            mark = ChecklistMark(alliance=alliance, item=item)
            before = {f: getattr(mark, f) for f in MARK_FIELDS}
            mark.done = days_ago is not None
            mark.done_on = None if days_ago is None else day(days_ago)
            mark.comment = comment
            count = RouteChange.objects.filter(alliance=alliance).count()
            mark_save(mark=mark, actor=FACILITATOR, before=before)
            dated(count, days_ago or 30)

    # As the move service records them: from where the alliance was, the
    # phases passed without an agreed result, and why it moved all the same.
    for index, (from_phase, to_phase, days_ago, skipped, reason) in enumerate(MOVES):
        assert index == 0 or MOVES[index - 1][1] == from_phase, "the moves must follow on"
        PhaseMove.objects.create(
            alliance=alliance,
            from_phase=from_phase,
            to_phase=to_phase,
            moved_on=day(days_ago),
            at=at(days_ago),
            actor=FACILITATOR,
            skipped=[str(p) for p in skipped],
            reason=reason,
        )
    alliance.current_phase = MOVES[-1][1]
    alliance.save(update_fields=["current_phase"])

    for rater, recognised in STAGE_VIEWS.items():
        stage_view_save(alliance=alliance, rater=rater, recognised=recognised)

    return (
        PhaseResult.objects.filter(alliance=alliance).count()
        + len(MOVES)
        + ChecklistMark.objects.filter(alliance=alliance).count()
        + len(STAGE_VIEWS)
    )
