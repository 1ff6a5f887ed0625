"""The registers as the live advice reads them: the marks of today's entries.

Each mark is the one the register's list shows (``views.marks``), so every
number a live advice gives can be found on the registers' pages.
"""

from __future__ import annotations

from django.utils import timezone

from alliancelens.alliances.models import Alliance
from alliancelens.analysis.registers import (
    InterestFact,
    RegisterFacts,
    RoleFact,
    StakeholderFact,
)

from .models import Agreement, AllianceRole, Contribution, Interest, RuleOfPlay, Stakeholder


def facts_of(alliance: Alliance) -> RegisterFacts:
    """The alliance's current (not archived) entries, as of today."""
    return RegisterFacts(
        as_of=timezone.localdate(),
        phase=alliance.current_phase,
        interests=tuple(
            InterestFact(kind=i.kind, vital=i.vital, discussed=i.discussed)
            for i in Interest.objects.current(alliance)
        ),
        overdue_agreements=sum(a.overdue for a in Agreement.objects.current(alliance)),
        short_pledges=sum(c.short for c in Contribution.objects.current(alliance)),
        rules_to_revisit=sum(r.due_for_revisit for r in RuleOfPlay.objects.current(alliance)),
        stakeholders=tuple(
            StakeholderFact(blind_spot=s.blind_spot, addressed=not s.unaddressed)
            for s in Stakeholder.objects.current(alliance)
        ),
        roles=tuple(
            RoleFact(kind=r.kind, described=bool(r.description.strip()))
            for r in AllianceRole.objects.current(alliance)
        ),
    )
