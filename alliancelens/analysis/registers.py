"""What the live advice reads of the alliance's registers, as of one day.

The registers app hands over one ``RegisterFacts``: per current (not
archived) entry only the marks a rule needs, each one a mark the register's
own pages show (an overdue agreement, a pledge short of delivery, a blind
spot nobody acts on). ``register_indicators`` counts them into the
indicators the live rules read (docs/advice.md, "Live indicators"). No
answers of the scan are in it, so no anonymity threshold applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from alliancelens.instrument import PHASES, STAGES


@dataclass(frozen=True)
class InterestFact:
    kind: str  # collective, organisational, individual, no_go, without
    vital: bool
    discussed: bool


@dataclass(frozen=True)
class StakeholderFact:
    blind_spot: bool
    # Something is done about it: an action or a proposed role is written down.
    addressed: bool


@dataclass(frozen=True)
class RoleFact:
    kind: str  # lead_partner, coordinator, process_facilitator, alliance_manager, other
    described: bool  # the role's description is filled in
    term_start: date | None = None  # empty: since always
    term_end: date | None = None  # empty: no end

    def in_term(self, day: date) -> bool:
        return (self.term_start is None or self.term_start <= day) and (
            self.term_end is None or day <= self.term_end
        )


@dataclass(frozen=True)
class ConflictFact:
    kind: str  # resources, norms_values, identity, setback
    occurred_on: date
    open: bool  # Conflict.open


@dataclass(frozen=True)
class RegisterFacts:
    as_of: date
    phase: str  # the alliance's current phase, as its pages show it
    interests: tuple[InterestFact, ...] = ()
    overdue_agreements: int = 0  # Agreement.overdue on the day
    short_pledges: int = 0  # Contribution.short on the day
    rules_to_revisit: int = 0  # RuleOfPlay.due_for_revisit on the day
    stakeholders: tuple[StakeholderFact, ...] = ()
    roles: tuple[RoleFact, ...] = ()
    stage: str = "designing"  # the stage the facilitator declared
    began: date | None = None  # the day the alliance was made
    successes: tuple[date, ...] = ()  # the days of its successes
    conflicts: tuple[ConflictFact, ...] = ()
    learning_questions: int = 0
    learning_overdue: int = 0  # LearningQuestion.overdue
    harvest_entries: int = 0
    dissent_roles: int = 0
    # The route: the phases moves went past without an agreed result, the
    # phases with an agreed result now; whether the checklist is in use and
    # its open items (route order: content.items_up_to).
    skipped: frozenset[str] = frozenset()
    agreed: frozenset[str] = frozenset()
    checklist_used: bool = False
    checklist_open_earlier: int = 0
    checklist_open_current: int = 0

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"phase {self.phase!r} is not one of {', '.join(PHASES)}")
        if self.stage not in STAGES:
            raise ValueError(f"stage {self.stage!r} is not one of {', '.join(STAGES)}")


# A setback counts as recent for a year; a success keeps the "six months
# without one" rule quiet for as long as the rule says (advice.yaml).
RECENT_DAYS = 365


def register_indicators(facts: RegisterFacts) -> dict[str, Any]:
    """The live indicators: counts of marked entries, and today's phase."""
    day = facts.as_of
    latest = max(facts.successes, default=facts.began)
    return {
        "alliance.phase": facts.phase,
        "register.interests.count": len(facts.interests),
        "register.interests.vital_undiscussed": sum(
            i.vital and not i.discussed for i in facts.interests
        ),
        "register.interests.no_go": sum(i.kind == "no_go" for i in facts.interests),
        "register.agreements.overdue": facts.overdue_agreements,
        "register.contributions.short": facts.short_pledges,
        "register.rules.revisit": facts.rules_to_revisit,
        "register.stakeholders.count": len(facts.stakeholders),
        "register.stakeholders.blind_spots_unaddressed": sum(
            s.blind_spot and not s.addressed for s in facts.stakeholders
        ),
        # A role whose term has ended describes nobody today.
        "register.roles.process_facilitator_described": int(
            any(
                r.kind == "process_facilitator" and r.described and r.in_term(day)
                for r in facts.roles
            )
        ),
        "alliance.stage": facts.stage,
        # Since the latest success, or since the alliance began when it has
        # none (a new alliance is not yet "six months without one").
        "register.successes.days_since_last": None if latest is None else (day - latest).days,
        "register.conflicts.open": sum(c.open for c in facts.conflicts),
        "register.conflicts.recent_setbacks": sum(
            c.kind == "setback" and 0 <= (day - c.occurred_on).days < RECENT_DAYS
            for c in facts.conflicts
        ),
        "register.learning.count": facts.learning_questions,
        "register.learning.overdue": facts.learning_overdue,
        "register.harvest.count": facts.harvest_entries,
        "register.dissent.count": facts.dissent_roles,
        "route.skipped_open": len(facts.skipped - facts.agreed),
        "checklist.used": int(facts.checklist_used),
        "checklist.open_earlier": facts.checklist_open_earlier,
        "checklist.open_current": facts.checklist_open_current,
    }
