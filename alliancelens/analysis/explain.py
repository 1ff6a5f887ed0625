"""Why an advice fired, as a sentence: "Action scores 0.45, below 0.50"
instead of the rule's condition ``facet.action = 0.45 < 0.50``.

Advice keeps its reasons in the rule's own terms (``Advice.why``; a
restricted view filters them by indicator name); this turns one into words
for a reader, in Dutch or English, with the statements as meant.
"""

from __future__ import annotations

import re

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
    if name == "phase.declared":
        return words[name].format(value=value, other=right)
    if name in words:
        return words[name].format(value=value, limit=limit)
    return reason
