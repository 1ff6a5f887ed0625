"""The demo alliance's working registers, written to fit its scan.

The scan shows the partners seeing *Interests* differently (Gemeente higher
than Woonstichting and Zorggroep) and weak action: work gets done after the
meetings. The entries tell the same story: vital interests of Thuisbasis not
yet on the table, a no-go area of Thuisbasis that touches De Linde's wish to
hear of problems early, De Linde delivering fewer hours than it pledged, and
agreements that are overdue. The journey's logs go on from there: the last
success lies some four and a half months back, De Linde's hours are still an
open disagreement, a learning question about signals is overdue, and the
goals show what each partner brings.

Every date is relative to the day the demo is built, so agreements stay
overdue and terms current whenever it runs. Nothing here draws on the
demo's random generator: the scan data stay exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from alliancelens.alliances.models import Alliance, Level, Partner
from alliancelens.registers.history import changed, note, snapshot
from alliancelens.registers.models import (
    Agreement,
    AllianceRole,
    Conflict,
    Contribution,
    DissentRole,
    Entry,
    EntryChange,
    Expertise,
    Goal,
    Harvest,
    Interest,
    LearningQuestion,
    MutualGain,
    RuleOfPlay,
    Stakeholder,
    Success,
)
from alliancelens.registers.registry import BY_MODEL

ACTOR = "facilitator"
# The facilitator filled the registers after the second round's session.
ENTERED_DAYS_AGO = 35

G, W, Z, S, V = (
    "Gemeente Rivierstad",
    "Woonstichting Thuisbasis",
    "Zorggroep De Linde",
    "Welzijn Samen",
    "Zorgverzekeraar Vitaal",
)

# key, partner, kind, text, position, vital, discussed
INTERESTS: list[tuple[str, str, Interest.Kind, str, str, bool, bool]] = [
    (
        "one_desk",
        G,
        Interest.Kind.COLLECTIVE,
        "Inwoners van Noord vinden sneller de juiste hulp, via één aanspreekpunt in de wijk.",
        "Eén wijkloket in het buurthuis aan de Dijkstraat.",
        True,
        True,
    ),
    (
        "alderman",
        G,
        Interest.Kind.INDIVIDUAL,
        "De wethouder wil vóór de verkiezingen een zichtbaar resultaat in Noord laten zien.",
        "Het wijkteam moet dit voorjaar open.",
        False,
        False,
    ),
    (
        "arrears",
        W,
        Interest.Kind.ORGANISATIONAL,
        "Minder huurachterstand en overlast in de flats aan de Rivierkade.",
        "Het wijkteam komt binnen een week langs bij een melding van overlast.",
        True,
        False,
    ),
    (
        "moving",
        W,
        Interest.Kind.ORGANISATIONAL,
        "Ouderen in te grote eengezinswoningen laten doorstromen naar een passende woning.",
        "Voorrang voor ouderen in het Kadekwartier, maar alleen als de zorg daar geregeld is.",
        True,
        False,
    ),
    (
        "caretakers",
        W,
        Interest.Kind.NO_GO,
        "Geen zorgtaken voor onze huismeesters: zij zijn er voor het gebouw, niet voor de "
        "bewoner.",
        "Huismeesters schuiven niet aan bij het signaleringsoverleg.",
        True,
        False,
    ),
    (
        "signals",
        Z,
        Interest.Kind.ORGANISATIONAL,
        "Signalen van eenzaamheid en verwaarlozing eerder binnenkrijgen, ook van huismeesters "
        "en buren.",
        "Een vaste lijn tussen de huismeesters en de wijkverpleging.",
        False,
        True,
    ),
    (
        "staff",
        Z,
        Interest.Kind.ORGANISATIONAL,
        "Genoeg wijkverpleegkundigen houden: bij de huidige tekorten is elke extra taak een "
        "risico.",
        "Alleen meer uren in het wijkteam als die uit het project worden betaald.",
        True,
        False,
    ),
    (
        "funding",
        S,
        Interest.Kind.ORGANISATIONAL,
        "Erkend worden als vaste partner, met structurele financiering in plaats van projectgeld.",
        "Een meerjarige opdracht van de gemeente na de subsidieperiode.",
        True,
        True,
    ),
    (
        "without",
        S,
        Interest.Kind.WITHOUT,
        "Zonder de samenwerking blijven onze buurtcoaches losse projecten draaien die na de "
        "subsidie weer verdwijnen.",
        "",
        False,
        True,
    ),
    (
        "costs",
        V,
        Interest.Kind.ORGANISATIONAL,
        "Aantoonbaar lagere zorgkosten per inwoner binnen vijf jaar.",
        "Geld voor preventie alleen met een effectmeting en een nulmeting vooraf.",
        True,
        True,
    ),
    (
        "privacy",
        V,
        Interest.Kind.NO_GO,
        "Geen gegevens van individuele verzekerden delen met de andere partners.",
        "Alleen cijfers per postcodegebied.",
        False,
        True,
    ),
]

# idea, the interests it serves (keys above)
GAINS = [
    (
        "Eén wijkteam in het buurthuis aan de Dijkstraat, met een vaste contactpersoon voor de "
        "huismeesters: zij geven signalen door zonder zelf zorgtaken te krijgen.",
        ("one_desk", "arrears", "caretakers", "signals"),
    ),
    (
        "Valpreventie voor 75-plussers: Vitaal betaalt, De Linde voert uit met uren uit het "
        "project, en het effect op ziekenhuisopnames wordt gemeten.",
        ("costs", "staff", "one_desk"),
    ),
    (
        "Een verhuiscoach van Welzijn Samen begeleidt ouderen die naar een seniorenwoning in "
        "het Kadekwartier verhuizen.",
        ("moving", "funding"),
    ),
]


# key, partner, direction, kind, what, unit, pledged, delivered
CONTRIBUTIONS: list[tuple[str, str, str, str, str, str, int | None, int | None]] = [
    (
        "subsidy",
        G,
        "brings",
        "money",
        "Subsidie voor de wijkcoördinator en het buurthuis",
        "euro",
        60000,
        60000,
    ),
    (
        "room",
        W,
        "brings",
        "facilities",
        "Ruimte in de plint van flat Rivierkade voor het wijkspreekuur",
        "dagdelen per week",
        4,
        4,
    ),
    ("nursing", Z, "brings", "hours", "Een wijkverpleegkundige in het wijkteam", "uur", 416, 180),
    ("cases", Z, "brings", "hours", "Deelname aan het wekelijkse casusoverleg", "uur", 52, 30),
    (
        "coaches",
        S,
        "brings",
        "hours",
        "Buurtcoaches voor huisbezoeken en de inloop",
        "uur",
        624,
        650,
    ),
    (
        "measure",
        V,
        "brings",
        "money",
        "Bijdrage aan de effectmeting valpreventie, in twee tranches",
        "euro",
        25000,
        12500,
    ),
    (
        "contact",
        W,
        "gets",
        "network",
        "Eén contactpersoon in het wijkteam voor huurders die zorg mijden",
        "",
        None,
        None,
    ),
]


def months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def registers_create(*, alliance: Alliance, now: datetime | None = None) -> int:
    """Fill the demo alliance's registers; return how many entries were made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    partners = {p.name: p for p in Partner.objects.filter(alliance=alliance)}

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    # The last complete half year, for the contributions.
    half_start = months_back(today, 6)
    half_end = months_back(today, 0) - timedelta(days=1)
    made: list[Entry] = []
    entered = now - timedelta(days=ENTERED_DAYS_AGO)

    def add(
        model: type[Entry], partner: str | None = None, serves: Any = (), **values: Any
    ) -> Any:
        """A new entry, with its "created" history as the entry form writes it."""
        entry = model(
            alliance=alliance,
            partner=partners[partner] if partner else None,
            created_at=entered + timedelta(minutes=len(made)),
            **values,
        )
        entry.full_clean()
        entry.save()
        if serves:
            assert isinstance(entry, MutualGain)
            entry.serves.set(serves)
        after = snapshot(entry, BY_MODEL[model].fields)
        created = {k: ["", v] for k, v in after.items() if v}
        _dated(note(entry, "created", ACTOR, created), entry.created_at)
        made.append(entry)
        return entry

    def edit(entry: Entry, days_ago: int, **values: Any) -> None:
        """A later change by the facilitator, in the entry's history."""
        fields = BY_MODEL[type(entry)].fields
        before = snapshot(entry, fields)
        for name, value in values.items():
            setattr(entry, name, value)
        entry.full_clean()
        entry.save()
        diff = changed(before, snapshot(entry, fields))
        _dated(note(entry, "changed", ACTOR, diff), now - timedelta(days=days_ago))

    # Histories are written as a Dutch facilitator's edits would be.
    with translation.override("nl"):
        interests = {
            key: add(
                Interest,
                partner,
                kind=kind,
                text=text,
                position=position,
                vital=vital,
                discussed=discussed,
            )
            for key, partner, kind, text, position, vital, discussed in INTERESTS
        }
        for idea, serves in GAINS:
            add(MutualGain, idea=idea, serves=[interests[key] for key in serves])

        shown = {}
        for key, partner, direction, kind, description, unit, pledged, delivered in CONTRIBUTIONS:
            shown[key] = add(
                Contribution,
                partner,
                direction=direction,
                kind=kind,
                description=description,
                unit=unit,
                pledged=None if pledged is None else Decimal(pledged),
                delivered=None if delivered is None else Decimal(delivered),
                period_start=half_start,
                period_end=half_end,
            )
        # More of De Linde's nursing hours came in later; still short.
        edit(shown["nursing"], 12, delivered=Decimal(248))

        add(
            Agreement,
            G,
            title="Het wijkteam start in het buurthuis aan de Dijkstraat",
            type=Agreement.Type.RESULT,
            level=Level.BOARD,
            owner="Marleen Hoekstra",
            decided_on=day(-70),
            due=day(40),
            status=Agreement.Status.UNDER_WAY,
        )
        signals = add(
            Agreement,
            W,
            title="Werkafspraak over signalen van huismeesters aan het wijkteam",
            type=Agreement.Type.PLANNING,
            level=Level.PROFESSIONAL,
            owner="Karin Smeets",
            decided_on=day(-75),
            due=day(-49),
            status=Agreement.Status.OPEN,
            notes="Huismeesters krijgen volgens Thuisbasis geen zorgtaken; eerst bespreken "
            "wat een signaal doorgeven dan wel is.",
        )
        edit(signals, 30, due=day(-21))
        add(
            Agreement,
            Z,
            title="Urenoverzicht wijkverpleging per kwartaal naar de kerngroep",
            type=Agreement.Type.RESOURCES,
            level=Level.PROFESSIONAL,
            owner="Ingrid Kuipers",
            decided_on=day(-100),
            due=day(-9),
            status=Agreement.Status.UNDER_WAY,
            notes="Toegezegd na het kernteamoverleg; het eerste overzicht is er nog niet.",
        )
        add(
            Agreement,
            S,
            title="Actiepuntenlijst binnen twee werkdagen na elk overleg rondsturen",
            type=Agreement.Type.GOVERNANCE,
            level=Level.PROFESSIONAL,
            owner="Youssef Amrani",
            decided_on=day(-40),
            status=Agreement.Status.UNDER_WAY,
        )
        add(
            Agreement,
            G,
            title="Besluit over structurele financiering van Welzijn Samen na de subsidie",
            type=Agreement.Type.RESOURCES,
            level=Level.BOARD,
            owner="Marleen Hoekstra",
            decided_on=day(-30),
            due=day(90),
            status=Agreement.Status.OPEN,
        )
        add(
            Agreement,
            V,
            title="Nulmeting valpreventie vastgesteld",
            type=Agreement.Type.RESULT,
            level=Level.PROFESSIONAL,
            owner="Ruud Verhoef",
            decided_on=day(-120),
            due=day(-60),
            status=Agreement.Status.DONE,
        )
        add(
            Agreement,
            G,
            title="Een gezamenlijke huisstijl en website",
            type=Agreement.Type.PLANNING,
            level=Level.BOARD,
            owner="Marleen Hoekstra",
            decided_on=day(-150),
            status=Agreement.Status.DROPPED,
            notes="Niet nu: eerst resultaten in de wijk.",
        )

        add(
            AllianceRole,
            kind=AllianceRole.Kind.PROCESS_FACILITATOR,
            person="Hester Brink",
            description="Onafhankelijk procesbegeleider: bereidt de sessies van kerngroep en "
            "besturen voor en leidt ze, bespreekt de uitkomsten van de scan met de partners en "
            "bewaakt de spelregels. Hoort bij geen van de partners en kiest geen kant.",
            authorities="Zet onderwerpen op de agenda en mag een besluit aanhouden tot de "
            "partners het in hun eigen organisatie hebben besproken; beslist niet over de inhoud.",
            term_start=day(-240),
            term_end=day(125),
        )
        add(
            AllianceRole,
            G,
            kind=AllianceRole.Kind.LEAD_PARTNER,
            person="Marleen Hoekstra",
            description="Penvoerder namens de gemeente: beheert het budget en legt verantwoording "
            "af aan de gemeenteraad.",
            authorities="Beslist over uitgaven tot € 10.000 binnen het jaarplan.",
            term_start=day(-240),
        )
        add(
            AllianceRole,
            S,
            kind=AllianceRole.Kind.COORDINATOR,
            person="Youssef Amrani",
            description="Coördineert het wijkteam en houdt de actiepuntenlijst tussen de "
            "overleggen bij.",
            authorities="Verdeelt de casussen in het wijkteam.",
            term_start=day(-200),
            term_end=day(165),
        )
        scout = add(
            AllianceRole,
            G,
            kind=AllianceRole.Kind.OTHER,
            person="Peter van Dam",
            description="Kwartiermaker: bracht de partners bij elkaar en schreef het eerste "
            "plan van aanpak.",
            term_start=day(-420),
            term_end=day(-240),
        )

        add(
            RuleOfPlay,
            text="We zeggen het aan tafel als iets schuurt, niet erna in de wandelgangen.",
            agreed_on=day(-150),
            revisit_on=day(30),
        )
        add(
            RuleOfPlay,
            text="Wie een actie aanneemt, meldt binnen twee weken of het lukt, ook als het "
            "niet lukt.",
            agreed_on=day(-40),
            revisit_on=day(140),
        )

        tenants = add(
            Stakeholder,
            name="Huurdersvereniging Rivierstad-Noord",
            interest="Betaalbare huren en geen zorgkosten die via de servicekosten bij huurders "
            "terechtkomen.",
            influence=3,
            concern=5,
            stance=Stakeholder.Stance.UNKNOWN,
            action="Meedenken over de aanpak in de flats aan de Rivierkade.",
            message="Het wijkteam helpt huurders eerder, zonder dat het hun huur raakt.",
            blind_spot=True,
            target_group=True,
            involvement="Nog niet: hoort van de plannen via de woonstichting.",
        )
        edit(tenants, 8, stance=Stakeholder.Stance.CRITICAL)
        add(
            Stakeholder,
            name="Huisartsenkoepel Rivierstad",
            interest="Minder vragen over eenzaamheid en geldzorgen op het spreekuur.",
            influence=4,
            concern=4,
            stance=Stakeholder.Stance.NEUTRAL,
            action="Patiënten naar het wijkteam verwijzen en één huisarts als vast "
            "aanspreekpunt aanwijzen.",
            message="Het wijkteam neemt het spreekuur werk uit handen.",
            blind_spot=True,
            proposed_role=Stakeholder.ProposedRole.ALLIANCE,
            involvement="Twee huisartsen kwamen één keer naar het casusoverleg.",
        )
        add(
            Stakeholder,
            name="Gemeenteraad, commissie Sociaal Domein",
            interest="Resultaat voor het geld, en geen wachtlijsten in het nieuws.",
            influence=5,
            concern=3,
            stance=Stakeholder.Stance.NEUTRAL,
            action="Structureel geld vrijmaken in de begroting.",
            message="Elke euro in de wijk scheelt later in dure zorg.",
            involvement="Twee keer per jaar een informatiebijeenkomst.",
        )
        add(
            Stakeholder,
            name="Bewoners van Rivierstad-Noord",
            interest="Hulp dichtbij, zonder van loket naar loket te gaan.",
            influence=2,
            concern=5,
            stance=Stakeholder.Stance.UNKNOWN,
            action="Zeggen wat werkt en wat niet.",
            message="Eén plek in de wijk waar u met elke vraag terechtkunt.",
            target_group=True,
            involvement="Een bewonerspanel van twaalf mensen, twee keer per jaar.",
        )
        add(
            Stakeholder,
            V,
            name="Zorgverzekeraar Vitaal",
            inside=True,
            interest="Lagere zorgkosten die te meten zijn.",
            influence=5,
            concern=3,
            stance=Stakeholder.Stance.SUPPORTS,
            action="De effectmeting valpreventie blijven betalen.",
            message="Samen laten zien wat preventie oplevert.",
            involvement="Zit in de kerngroep en in het bestuurlijk overleg.",
        )
        add(
            Stakeholder,
            name="GGD Rivierland",
            interest="Gezondheidscijfers van de wijk gebruikt zien.",
            influence=3,
            concern=4,
            stance=Stakeholder.Stance.SUPPORTS,
            action="De nulmeting en de effectmeting mee opzetten.",
            message="Uw wijkcijfers worden het startpunt van de aanpak.",
            proposed_role=Stakeholder.ProposedRole.KNOWLEDGE,
            involvement="Levert op verzoek cijfers aan.",
        )
        add(
            Stakeholder,
            name="Wijkkrant Noord",
            interest="Verhalen uit de wijk.",
            influence=2,
            concern=2,
            stance=Stakeholder.Stance.SUPPORTS,
            action="Over het wijkteam schrijven zodra het open is.",
            message="Het wijkteam is er voor iedereen in Noord.",
            proposed_role=Stakeholder.ProposedRole.COMMUNICATION,
        )

        add(
            Expertise,
            Z,
            kind=Expertise.Kind.EXPERTISE,
            topic="Valpreventie bij ouderen",
            description="Wijkverpleegkundige met een training valpreventie; geeft de "
            "cursus 'In balans' en kijkt thuis mee naar risico's.",
            person="Ingrid Kuipers",
            consent=True,
        )
        add(
            Expertise,
            W,
            kind=Expertise.Kind.NETWORK,
            topic="Huismeesters en bewonerscommissies",
            description="Kent per flat aan de Rivierkade de bewonerscommissie en wie er woont.",
        )
        add(
            Expertise,
            V,
            kind=Expertise.Kind.EXPERTISE,
            topic="Effectmeting en zorgkosten per postcodegebied",
            description="Analisten die zorgkosten per wijk kunnen volgen, zonder gegevens van "
            "personen.",
        )
        add(
            Expertise,
            S,
            kind=Expertise.Kind.NETWORK,
            topic="Sleutelfiguren in de wijk",
            description="Vrijwilligers en sleutelfiguren bij de moskee, de voedselbank en de "
            "sportvereniging.",
        )

        _journey_logs(add, day)

        # The scout's term ended: archived, nothing deleted.
        scout.archived_at = now - timedelta(days=30)
        scout.save(update_fields=["archived_at", "updated_at"])
        _dated(note(scout, "archived", ACTOR, {}), scout.archived_at)
    return len(made)


def _journey_logs(add: Callable[..., Any], day: Callable[[int], date]) -> None:
    """Successes, disagreements, the learning agenda, the harvest, the
    critics and the goals, in the same story as the registers above."""
    # The most recent success lies about four and a half months back: not
    # yet half a year without one, but long enough to notice.
    add(
        Success,
        achieved_on=day(-330),
        what="De gemeenteraad kende de subsidie voor de wijkcoördinator en het buurthuis "
        "toe, op basis van de afsprakennotitie van alle vijf partners.",
        contributors="Gemeente Rivierstad schreef de aanvraag; alle partners tekenden de "
        "afsprakennotitie.",
        evidence="Subsidiebeschikking: € 60.000 voor twee jaar.",
    )
    add(
        Success,
        W,
        achieved_on=day(-250),
        what="Het eerste wijkspreekuur in de plint van flat Rivierkade: 23 bewoners in de "
        "eerste maand, de helft van hen nooit eerder bij een loket geweest.",
        contributors="Woonstichting Thuisbasis (de ruimte) en de buurtcoaches van Welzijn Samen.",
        evidence="De bezoekerslijst van de inloop.",
    )
    add(
        Success,
        Z,
        achieved_on=day(-195),
        what="De eerste groep van de cursus 'In balans' rondde de valpreventie af: 14 "
        "ouderen uit Noord.",
        contributors="Ingrid Kuipers (Zorggroep De Linde) gaf de cursus; Welzijn Samen "
        "wierf de deelnemers.",
        evidence="Presentielijst: 12 van de 14 volgden alle acht lessen.",
    )
    add(
        Success,
        achieved_on=day(-140),
        what="Het eerste casusoverleg met twee huisartsen: drie bewoners met geldzorgen in "
        "één keer naar de juiste hulp.",
        contributors="Youssef Amrani (Welzijn Samen), de wijkverpleging van De Linde en "
        "twee huisartsen van de Huisartsenkoepel.",
        evidence="Het verslag van het casusoverleg.",
    )

    add(
        Conflict,
        Z,
        kind=Conflict.Kind.RESOURCES,
        occurred_on=day(-105),
        what="In de kerngroep bleek dat Zorggroep De Linde in het eerste halfjaar nog "
        "geen helft van de 416 toegezegde uren wijkverpleging had geleverd. De gemeente "
        "en Welzijn Samen vinden dat het wijkteam zo niet draait.",
        handled="Besproken in het kernteamoverleg. De Linde wijst op het tekort aan "
        "wijkverpleegkundigen en vraagt de uren uit het project te betalen.",
        agreed="De Linde stuurt elk kwartaal een urenoverzicht naar de kerngroep. Wie "
        "de uren betaalt, is nog niet besloten.",
        status=Conflict.Status.OPEN,
    )
    add(
        Conflict,
        kind=Conflict.Kind.NORMS,
        occurred_on=day(-160),
        what="Na het bestuurlijk overleg lieten Thuisbasis en De Linde via de "
        "wandelgangen weten dat ze het voorstel voor een gezamenlijke huisstijl niet "
        "steunden; aan tafel hadden ze niets gezegd. De gemeente voelde zich gepasseerd.",
        handled="De procesbegeleider zette het op de agenda van de kerngroep; elke "
        "partner vertelde wat openheid aan tafel voor hem betekent.",
        agreed="De spelregel 'We zeggen het aan tafel als iets schuurt, niet erna in de "
        "wandelgangen'. De huisstijl gaat van tafel: eerst resultaten in de wijk.",
        status=Conflict.Status.HANDLED,
    )
    add(
        Conflict,
        G,
        kind=Conflict.Kind.SETBACK,
        occurred_on=day(-270),
        what="De opening van het wijkteam in het buurthuis aan de Dijkstraat ging niet "
        "door: de verbouwing liep drie maanden uit.",
        handled="Welzijn Samen en Thuisbasis zochten binnen een week een tijdelijke plek.",
        agreed="Tot de opening houdt het wijkteam spreekuur in de plint van flat "
        "Rivierkade; de besturen leggen een nieuwe startdatum vast.",
        status=Conflict.Status.HANDLED,
    )

    add(
        LearningQuestion,
        W,
        question="Wat is een signaal dat een huismeester doorgeeft, en wat mag hij "
        "doorgeven zonder de privacy van een bewoner te schaden?",
        who="Karin Smeets",
        due=day(-20),
        status=LearningQuestion.Status.OPEN,
        notes="Nodig voor de werkafspraak over signalen van huismeesters aan het wijkteam.",
    )
    add(
        LearningQuestion,
        Z,
        question="Welke ouderen bereikt de cursus 'In balans', en wie haakt af?",
        who="Ingrid Kuipers",
        due=day(-120),
        status=LearningQuestion.Status.ANSWERED,
        answer="Vooral ouderen die al actief zijn in de wijk. Wie alleen woont en weinig "
        "buiten komt, bereiken we pas via de huisbezoeken van de buurtcoaches; de "
        "werving loopt voortaan langs die huisbezoeken.",
    )
    add(
        LearningQuestion,
        Z,
        question="Hoeveel uren wijkverpleging vraagt het wijkteam echt per week, los van "
        "wat in de afsprakennotitie staat?",
        who="Ingrid Kuipers",
        due=day(45),
        status=LearningQuestion.Status.OPEN,
    )
    add(
        LearningQuestion,
        V,
        question="Wanneer kunnen we het effect van het wijkteam op de zorgkosten per "
        "postcodegebied voor het eerst zien?",
        who="Ruud Verhoef",
        due=day(150),
        status=LearningQuestion.Status.OPEN,
    )

    add(
        Harvest,
        learned_on=day(-230),
        lesson="Een nieuwe plek pas aankondigen als de sleutel er is, en altijd een "
        "tijdelijke plek achter de hand houden: de uitgestelde opening kostte vertrouwen "
        "bij bewoners.",
        laid_down_in="Draaiboek opening wijkteam",
    )
    add(
        Harvest,
        S,
        learned_on=day(-110),
        lesson="Werving via de huisbezoeken van buurtcoaches bereikt de ouderen die een "
        "folder niet bereikt.",
        laid_down_in="Werkwijze werving valpreventie, versie 2",
    )

    add(
        DissentRole,
        V,
        meeting="Kerngroep: de uitkomsten van de tussenmeting",
        meeting_on=day(-38),
        person="Ruud Verhoef",
        topic="Is de effectmeting valpreventie haalbaar met de uren die De Linde nu levert?",
        notes="Vroeg door op de cijfers; leverde de leervraag over de echte uren op.",
    )
    add(
        DissentRole,
        W,
        meeting="Bestuurlijk overleg: het projectplan wijkteam",
        meeting_on=day(21),
        person="Karin Smeets",
        topic="Wat vraagt het projectplan van elke partner dat nog niet in de eigen "
        "organisatie is besproken?",
    )

    add(
        Goal,
        goal="Inwoners van Rivierstad-Noord vinden binnen een week de juiste hulp, via één "
        "wijkteam in het buurthuis aan de Dijkstraat.",
        activities="Het wijkteam inrichten en openen; een wekelijks casusoverleg; een vaste "
        "contactpersoon voor de huismeesters; tot de opening het spreekuur in de plint.",
        contributions="Gemeente Rivierstad: de subsidie voor wijkcoördinator en buurthuis.\n"
        "Woonstichting Thuisbasis: de ruimte in de plint en een contactpersoon voor de "
        "huismeesters.\n"
        "Zorggroep De Linde: een wijkverpleegkundige, 416 uur per halfjaar.\n"
        "Welzijn Samen: de coördinatie en de buurtcoaches.\n"
        "Zorgverzekeraar Vitaal: cijfers over zorggebruik per postcodegebied.",
        due=day(40),
    )
    add(
        Goal,
        goal="Minder valpartijen en ziekenhuisopnames bij 75-plussers in Noord, gemeten "
        "tegen de nulmeting.",
        activities="De cursus 'In balans'; huisbezoeken met een valrisicocheck; de "
        "effectmeting samen met de GGD.",
        contributions="Zorgverzekeraar Vitaal: € 25.000 voor de effectmeting.\n"
        "Zorggroep De Linde: de cursus en de valrisicocheck.\n"
        "Welzijn Samen: werving via de huisbezoeken.\n"
        "Gemeente Rivierstad: de wijkcijfers van de GGD.\n"
        "Woonstichting Thuisbasis: aanpassingen in de woningen waar nodig.",
        due=day(400),
    )
    add(
        Goal,
        goal="Ouderen in een te grote woning verhuizen met begeleiding naar een passende "
        "woning in het Kadekwartier.",
        activities="Een verhuiscoach; voorrang voor ouderen in het Kadekwartier; de zorg "
        "in het nieuwe huis geregeld vóór de verhuizing.",
        contributions="Woonstichting Thuisbasis: de voorrangsregeling en de woningen.\n"
        "Welzijn Samen: de verhuiscoach.\n"
        "Zorggroep De Linde: de zorg in de nieuwe woning.\n"
        "Gemeente Rivierstad: een verhuisvergoeding uit de Wmo.\n"
        "Zorgverzekeraar Vitaal: nog niets toegezegd.",
        due=day(300),
    )


def _dated(change: EntryChange, at: datetime) -> None:
    change.at = at
    change.save(update_fields=["at"])
