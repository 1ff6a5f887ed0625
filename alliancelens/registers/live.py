"""The registers as the live advice reads them: the marks of today's entries.

Each mark is the one the register's list shows (``views.marks``), so every
number a live advice gives can be found on the registers' pages.
"""

from __future__ import annotations

from django.utils import timezone

from alliancelens.alliances.models import Alliance
from alliancelens.analysis.registers import (
    ConflictFact,
    InterestFact,
    RegisterFacts,
    RoleFact,
    StakeholderFact,
)
from alliancelens.journey.models import ChecklistMark, PhaseMove, PhaseResult
from alliancelens.journey.services import open_items

from .models import (
    Agreement,
    AllianceRole,
    Conflict,
    Contribution,
    DissentRole,
    Harvest,
    Interest,
    LearningQuestion,
    RuleOfPlay,
    Stakeholder,
    Success,
)


def facts_of(alliance: Alliance) -> RegisterFacts:
    """The alliance's current (not archived) entries and its route, as of today."""
    earlier, now = open_items(alliance)
    learning = list(LearningQuestion.objects.current(alliance))
    agreed = PhaseResult.objects.filter(alliance=alliance, status=PhaseResult.Status.AGREED)
    return RegisterFacts(
        as_of=timezone.localdate(),
        stage=alliance.stage,
        began=timezone.localdate(alliance.created_at),
        successes=tuple(Success.objects.current(alliance).values_list("achieved_on", flat=True)),
        conflicts=tuple(
            ConflictFact(kind=c.kind, occurred_on=c.occurred_on, open=c.open)
            for c in Conflict.objects.current(alliance)
        ),
        learning_questions=len(learning),
        learning_overdue=sum(q.overdue for q in learning),
        harvest_entries=Harvest.objects.current(alliance).count(),
        dissent_roles=DissentRole.objects.current(alliance).count(),
        skipped=frozenset(
            p for m in PhaseMove.objects.filter(alliance=alliance) for p in m.skipped or []
        ),
        agreed=frozenset(agreed.values_list("phase", flat=True)),
        checklist_used=ChecklistMark.objects.filter(alliance=alliance).exists(),
        checklist_open_earlier=len(earlier),
        checklist_open_current=len(now),
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
            RoleFact(
                kind=r.kind,
                described=bool(r.description.strip()),
                term_start=r.term_start,
                term_end=r.term_end,
            )
            for r in AllianceRole.objects.current(alliance)
        ),
    )
