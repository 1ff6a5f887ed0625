"""Why an advice fired, as a sentence: "Action scores 0.45, below 0.50"
instead of the rule's condition ``facet.action = 0.45 < 0.50``.

Advice keeps its reasons in the rule's own terms (``Advice.why``; a
restricted view filters them by indicator name); this turns one into words
for a reader, in Dutch or English, with the statements as meant.
"""

from __future__ import annotations

import re

from alliancelens.instrument import PERSPECTIVES as PERSPECTIVE_IDS
from alliancelens.instrument import Instrument, localized

_REASON = re.compile(r"^(?P<name>\S+) = (?P<left>.+?) (?P<op><=|>=|==|!=|<|>|in) (?P<right>.+)$")

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "<": "onder {}",
        "<=": "hoogstens {}",
        ">": "boven {}",
        ">=": "minstens {}",
        "!=": "anders dan {}",
        "theme": "“{label}” scoort gemiddeld {value}, {limit}",
        "facet": "{label} scoort {value} op 0–1, {limit}",
        "promise": "Belofte",
        "commitment": "Commitment",
        "action": "Doen",
        "ambition_index": "De ambitie-index is {value} van 100, {limit}",
        "pseudo.score": "Het risico op schijnsamenwerking is {value} van 100, {limit}",
        "phase.agreement": "Een aandeel van {value} van de deelnemers plaatst de samenwerking "
        "in dezelfde fase, {limit}",
        "phase.reference": "De samenwerking zit in de fase {value}",
        "phase.declared": "De procesbegeleider ziet fase {value}, de meeste deelnemers {other}",
        "phase.skipped_foundations": "Ambitie of belangen scoren laag terwijl de samenwerking "
        "al vormgeeft of uitvoert",
        "stage": "De ontwikkelfase is {value}",
        "divergence.flagged": "Partners zien {label} aantoonbaar verschillend",
        "divergence.flagged_items": "Op {value} stellingen zien partners het aantoonbaar "
        "verschillend",
        "disagreement": "Binnen {value} partner(s) lopen de meningen over {label} uiteen, "
        "niet meer eens dan bij toeval",
        "level_gap.board_higher": "Bestuurders zien {value} perspectief/perspectieven "
        "aantoonbaar positiever dan professionals",
        "level_gap.professional_higher": "Professionals zien {value} perspectief/perspectieven "
        "aantoonbaar positiever dan bestuurders",
        "give_take.imbalanced": "Bij {value} partner(s) zijn inbreng en opbrengst "
        "aantoonbaar uit balans",
        "trend.improved": "{value} perspectief/perspectieven zijn aantoonbaar verbeterd "
        "sinds de vorige ronde",
        "trend.declined": "{value} perspectief/perspectieven zijn aantoonbaar achteruitgegaan "
        "sinds de vorige ronde",
        "perspective.mean": "{label} scoort gemiddeld {value}, {limit}",
        "alliance.phase": "De samenwerking zit nu in de fase {value}",
        "alliance.stage": "De opgegeven ontwikkelfase is “{value}”",
        "register.successes.days_since_last": "Het laatste vastgelegde succes (of het begin "
        "van de alliantie) is {value} dagen geleden",
        "checklist.used": "De alliantie werkt met de checklists",
        "register.roles.process_facilitator_described": "Het rollenregister beschrijft geen "
        "procesbegeleider",
        "register.roles.process_facilitator_present": "Het rollenregister beschrijft een "
        "procesbegeleider",
    },
    "en": {
        "<": "below {}",
        "<=": "at most {}",
        ">": "above {}",
        ">=": "at least {}",
        "!=": "not {}",
        "theme": "“{label}” scores {value} on average, {limit}",
        "facet": "{label} scores {value} on 0–1, {limit}",
        "promise": "Promise",
        "commitment": "Commitment",
        "action": "Action",
        "ambition_index": "The ambition index is {value} out of 100, {limit}",
        "pseudo.score": "The pseudo-collaboration risk is {value} out of 100, {limit}",
        "phase.agreement": "A share of {value} of participants place the collaboration in "
        "the same phase, {limit}",
        "phase.reference": "The collaboration is in the {value} phase",
        "phase.declared": "The facilitator sees phase {value}, most participants {other}",
        "phase.skipped_foundations": "Ambition or interests score low while the "
        "collaboration is already designing or executing",
        "stage": "The development stage is {value}",
        "divergence.flagged": "Partners see {label} differently, by more than chance",
        "divergence.flagged_items": "Partners see {value} statements differently, by more "
        "than chance",
        "disagreement": "Within {value} partner(s) opinions on {label} differ, agreeing no "
        "more than chance",
        "level_gap.board_higher": "Board members see {value} perspective(s) more positively "
        "than professionals, by more than chance",
        "level_gap.professional_higher": "Professionals see {value} perspective(s) more "
        "positively than board members, by more than chance",
        "give_take.imbalanced": "For {value} partner(s) what they put in and get out are out "
        "of balance, by more than chance",
        "trend.improved": "{value} perspective(s) improved since the previous round, by more "
        "than chance",
        "trend.declined": "{value} perspective(s) declined since the previous round, by more "
        "than chance",
        "perspective.mean": "{label} scores {value} on average, {limit}",
        "alliance.phase": "The collaboration is now in the {value} phase",
        "alliance.stage": "The declared development stage is “{value}”",
        "register.successes.days_since_last": "The last recorded success (or the alliance's "
        "start) was {value} days ago",
        "checklist.used": "The alliance works with the checklists",
        "register.roles.process_facilitator_described": "The roles register describes no "
        "process facilitator",
        "register.roles.process_facilitator_present": "The roles register describes a "
        "process facilitator",
    },
}


# Counts of register entries, as (none, one, more) with {value} for the number.
COUNTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "nl": {
        "register.interests.vital_undiscussed": (
            "Het belangenregister heeft geen vitale belangen die nog niet besproken zijn",
            "Het belangenregister heeft 1 vitaal belang dat nog niet samen besproken is",
            "Het belangenregister heeft {value} vitale belangen die nog niet samen besproken zijn",
        ),
        "register.interests.no_go": (
            "Het belangenregister noemt geen enkel no-go-gebied",
            "Het belangenregister noemt 1 no-go-gebied",
            "Het belangenregister noemt {value} no-go-gebieden",
        ),
        "register.agreements.overdue": (
            "Geen afspraak staat over haar datum heen",
            "1 afspraak staat over haar datum heen",
            "{value} afspraken staan over hun datum heen",
        ),
        "register.contributions.short": (
            "Alle toegezegde bijdragen van afgelopen perioden zijn geleverd",
            "1 toegezegde bijdrage is in een afgelopen periode niet volledig geleverd",
            "{value} toegezegde bijdragen zijn in een afgelopen periode niet volledig geleverd",
        ),
        "register.stakeholders.count": (
            "Het stakeholderregister is leeg",
            "Het stakeholderregister heeft 1 partij",
            "Het stakeholderregister heeft {value} partijen",
        ),
        "register.conflicts.open": (
            "Er staat geen onenigheid open",
            "1 onenigheid of tegenslag staat nog open",
            "{value} onenigheden of tegenslagen staan nog open",
        ),
        "register.conflicts.recent_setbacks": (
            "Het afgelopen jaar was er geen tegenslag",
            "Het afgelopen jaar was er 1 tegenslag",
            "Het afgelopen jaar waren er {value} tegenslagen",
        ),
        "register.learning.count": (
            "De leeragenda is leeg",
            "De leeragenda heeft 1 vraag",
            "De leeragenda heeft {value} vragen",
        ),
        "register.harvest.count": (
            "Er is nog geen les vastgelegd",
            "Er is 1 les vastgelegd",
            "Er zijn {value} lessen vastgelegd",
        ),
        "register.dissent.count": (
            "Niemand speelt bij een overleg de criticus",
            "Bij 1 overleg speelt iemand de criticus",
            "Bij {value} overleggen speelt iemand de criticus",
        ),
        "route.skipped_open": (
            "Geen fase is zonder resultaat overgeslagen",
            "1 fase is zonder resultaat overgeslagen en heeft dat resultaat nog steeds niet",
            "{value} fasen zijn zonder resultaat overgeslagen en hebben dat resultaat nog steeds "
            "niet",
        ),
        "checklist.open_earlier": (
            "Alle checklistpunten van eerdere fasen zijn gedaan",
            "1 checklistpunt van een eerdere fase staat nog open",
            "{value} checklistpunten van eerdere fasen staan nog open",
        ),
        "register.stakeholders.blind_spots_unaddressed": (
            "Met elke blinde vlek in het stakeholderregister gebeurt iets",
            "1 blinde vlek in het stakeholderregister heeft geen actie en geen voorgestelde rol",
            "{value} blinde vlekken in het stakeholderregister hebben geen actie en geen "
            "voorgestelde rol",
        ),
    },
    "en": {
        "register.interests.vital_undiscussed": (
            "The interests register holds no vital interest left undiscussed",
            "The interests register holds 1 vital interest not yet discussed together",
            "The interests register holds {value} vital interests not yet discussed together",
        ),
        "register.interests.no_go": (
            "The interests register names no no-go area at all",
            "The interests register names 1 no-go area",
            "The interests register names {value} no-go areas",
        ),
        "register.agreements.overdue": (
            "No agreement is past its due date",
            "1 agreement is past its due date",
            "{value} agreements are past their due date",
        ),
        "register.contributions.short": (
            "Every pledge of a period that has ended was delivered",
            "1 pledged contribution was not fully delivered in a period that has ended",
            "{value} pledged contributions were not fully delivered in a period that has ended",
        ),
        "register.stakeholders.count": (
            "The stakeholder register is empty",
            "The stakeholder register holds 1 party",
            "The stakeholder register holds {value} parties",
        ),
        "register.conflicts.open": (
            "No disagreement is open",
            "1 disagreement or setback is still open",
            "{value} disagreements or setbacks are still open",
        ),
        "register.conflicts.recent_setbacks": (
            "There was no setback in the past year",
            "There was 1 setback in the past year",
            "There were {value} setbacks in the past year",
        ),
        "register.learning.count": (
            "The learning agenda is empty",
            "The learning agenda has 1 question",
            "The learning agenda has {value} questions",
        ),
        "register.harvest.count": (
            "No lesson has been laid down yet",
            "1 lesson has been laid down",
            "{value} lessons have been laid down",
        ),
        "register.dissent.count": (
            "Nobody plays the critic at a meeting",
            "Someone plays the critic at 1 meeting",
            "Someone plays the critic at {value} meetings",
        ),
        "route.skipped_open": (
            "No phase was skipped without its result",
            "1 phase was skipped without its result and still lacks it",
            "{value} phases were skipped without their result and still lack it",
        ),
        "checklist.open_earlier": (
            "Every checklist item of earlier phases is done",
            "1 checklist item of an earlier phase is still open",
            "{value} checklist items of earlier phases are still open",
        ),
        "register.stakeholders.blind_spots_unaddressed": (
            "Something is done about every blind spot in the stakeholder register",
            "1 blind spot in the stakeholder register has no action and no proposed role",
            "{value} blind spots in the stakeholder register have no action and no proposed role",
        ),
    },
}

# The development stages by name.
STAGE_NAMES = {
    "nl": {
        "designing": "ontwerpen en schuren",
        "discovering": "ontdekken en leren",
        "productive": "productiviteit en meerwaarde",
    },
    "en": {
        "designing": "designing and chafing",
        "discovering": "discovering and learning",
        "productive": "productivity and added value",
    },
}

# The phases by name (ids in the rules and indicators).
PHASE_NAMES = {
    "nl": {
        "explore": "verkennen",
        "share": "delen",
        "agree": "overeenkomen",
        "design": "vormgeven",
        "execute": "uitvoeren",
    },
    "en": {
        "explore": "explore",
        "share": "share",
        "agree": "agree",
        "design": "design",
        "execute": "execute",
    },
}


def _number(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang == "nl" and re.fullmatch(r"-?\d+\.\d+", text) else text


def because(reason: str, instrument: Instrument, lang: str) -> str:
    """One reason of an advice as a sentence; unknown forms are returned as they are."""
    words = WORDS.get(lang, WORDS["en"])
    m = _REASON.match(reason)
    if m is None:
        return reason
    name, op = m["name"], m["op"]
    value, right = _number(m["left"], lang), _number(m["right"], lang)
    limit = words[op].format(right) if op in words else ""
    parts = name.split(".")
    if parts[0] == "theme" and len(parts) == 3:
        items = [i for i in instrument.items if i.theme == parts[1]]
        label = items[0].reads(lang) if items else parts[1].replace("_", " ")
        return words["theme"].format(label=label.rstrip("."), value=value, limit=limit)
    if parts[0] == "facet" and len(parts) == 2 and parts[1] in words:
        return words["facet"].format(label=words[parts[1]], value=value, limit=limit)
    if parts[0] == "divergence" and len(parts) == 3 and parts[2] == "flagged":
        label = localized(instrument.perspective(parts[1]).label, lang).lower()
        return words["divergence.flagged"].format(label=label)
    if parts[0] == "disagreement" and len(parts) == 2 and parts[1] != "count":
        label = localized(instrument.perspective(parts[1]).label, lang).lower()
        return words["disagreement"].format(value=value, label=label)
    phases = PHASE_NAMES.get(lang, PHASE_NAMES["en"])
    if name in ("phase.declared", "phase.reference", "phase.mode", "alliance.phase"):
        value, right = phases.get(value, value), phases.get(right, right)
    if name in ("stage", "alliance.stage"):
        stages = STAGE_NAMES.get(lang, STAGE_NAMES["en"])
        value = stages.get(value, value)
    if name == "phase.declared":
        return words[name].format(value=value, other=right)
    counted = COUNTS.get(lang, COUNTS["en"]).get(name)
    if counted is not None and value.isdigit():
        return counted[min(int(value), 2)].format(value=value)
    if name == "register.roles.process_facilitator_described" and value != "0":
        return words["register.roles.process_facilitator_present"]
    if len(parts) == 2 and parts[0] in PERSPECTIVE_IDS and parts[1] == "mean":
        label = localized(instrument.perspective(parts[0]).label, lang)
        return words["perspective.mean"].format(label=label, value=value, limit=limit)
    if name in words:
        return words[name].format(value=value, limit=limit)
    return reason
