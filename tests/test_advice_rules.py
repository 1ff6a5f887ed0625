"""Every advice rule: one case where it fires and one where it must not.

Each case starts from a healthy alliance (no rule fires) and changes only
the indicators named; the quiet case is the nearest miss (a mean of exactly
3.0 for a "below 3.0" rule, the other phase, no difference found), so a rule
that fires too easily fails here as surely as one that never fires.
"""

from __future__ import annotations

from typing import Any

import pytest

from alliancelens.analysis.advice import advise, load_rules
from alliancelens.instrument import PERSPECTIVES, get_instrument

THEMES = sorted({i.theme for v in (1, 2) for i in get_instrument("reflection-core", v).items})


def healthy() -> dict[str, Any]:
    out: dict[str, Any] = {f"theme.{t}.mean": 4.0 for t in THEMES}
    out.update({f"facet.{f}": 0.8 for f in ("promise", "commitment", "action")})
    out.update({f"divergence.{p}.flagged": 0 for p in PERSPECTIVES})
    out.update({f"disagreement.{p}": 0 for p in PERSPECTIVES})
    out.update(
        {
            "ambition_index": 80.0,
            "divergence.flagged_items": 0,
            "disagreement.count": 0,
            "level_gap.board_higher": 0,
            "level_gap.professional_higher": 0,
            "give_take.imbalanced": 0,
            "trend.improved": 0,
            "trend.declined": 0,
            "phase.reference": None,
            "phase.declared": None,
            "phase.mode": None,
            "phase.agreement": 0.9,
            "phase.skipped_foundations": 0,
            "pseudo.score": 10.0,
            "stage": None,
        }
    )
    out.update({f"{p}.mean": 4.0 for p in PERSPECTIVES})
    # The registers of an alliance that keeps them well, in its execute phase.
    out.update(
        {
            "alliance.phase": "execute",
            "register.interests.count": 6,
            "register.interests.vital_undiscussed": 0,
            "register.interests.no_go": 2,
            "register.agreements.overdue": 0,
            "register.contributions.short": 0,
            "register.rules.revisit": 0,
            "register.stakeholders.count": 5,
            "register.stakeholders.blind_spots_unaddressed": 0,
            "register.roles.process_facilitator_described": 1,
            "alliance.stage": "designing",
            "register.successes.days_since_last": 40,
            "register.conflicts.open": 0,
            "register.conflicts.recent_setbacks": 0,
            "register.learning.count": 3,
            "register.learning.overdue": 0,
            "register.harvest.count": 2,
            "register.dissent.count": 1,
            "route.skipped_open": 0,
            "checklist.used": 1,
            "checklist.open_earlier": 0,
            "checklist.open_current": 4,
        }
    )
    return out


def low(theme: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A "mean below 3.0" rule: 2.9 fires, 3.0 does not."""
    return {f"theme.{theme}.mean": 2.9}, {f"theme.{theme}.mean": 3.0}


CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "ambition_concrete": low("concreteness"),
    "ambition_cross_purposes": (
        {"divergence.ambition.flagged": 1},
        {"divergence.interests.flagged": 1, "theme.shared_understanding.mean": 3.0},
    ),
    "ambition_promise_without_action": (
        {"facet.action": 0.45, "facet.promise": 0.7},
        {"facet.action": 0.45, "facet.promise": 0.45},
    ),
    "ambition_commitment": ({"facet.commitment": 0.49}, {"facet.commitment": 0.5}),
    "ambition_index_low": ({"ambition_index": 37.0}, {"ambition_index": 50.0}),
    "ambition_own_strategy": (
        {"theme.strategic_fit.mean": 2.5},
        {"theme.meaning.mean": 3.0, "theme.strategic_fit.mean": 3.0},
    ),
    "interests_on_the_table": low("openness"),
    "interests_behind_positions": low("positions_interests"),
    "interests_three_kinds": (
        {"theme.individual_interest.mean": 2.9},
        {"theme.collective_interest.mean": 3.0},
    ),
    "interests_permanent_negotiation": (
        {"theme.permanent_negotiation.mean": 2.5, "phase.reference": "design"},
        # In the agree phase negotiating is the work itself.
        {"theme.permanent_negotiation.mean": 2.5, "phase.reference": "agree"},
    ),
    "interests_mutual_gains": (
        {"divergence.interests.flagged": 1},
        {"divergence.ambition.flagged": 1},
    ),
    "give_and_take_balance": ({"give_take.imbalanced": 1}, {"give_take.imbalanced": 0}),
    "relationship_trust": low("trust"),
    "relationship_safety": low("safety"),
    "relationship_dominance": low("power"),
    "relationship_leadership": (
        {"theme.granted_leadership.mean": 2.9},
        {"theme.granted_leadership.mean": 3.0},
    ),
    "relationship_inclusion": low("inclusion"),
    "relationship_within_partner": (
        {"disagreement.relationship": 1, "disagreement.count": 1},
        # Disagreement on another perspective is not about the relationship.
        {"disagreement.process": 1, "disagreement.count": 1},
    ),
    "organisation_minimum_conditions": (
        {"theme.who_belongs.mean": 2.9},
        {"theme.who_decides.mean": 3.0},
    ),
    "organisation_firm_agreements": (
        {"theme.firm_agreements.mean": 2.5, "phase.reference": "execute"},
        {"theme.firm_agreements.mean": 2.5, "phase.reference": "share"},
    ),
    "organisation_over_organised": low("over_organisation"),
    "organisation_decisiveness": (
        {"theme.decisiveness.mean": 2.5, "theme.support.mean": 3.5},
        {"theme.decisiveness.mean": 2.5, "theme.support.mean": 2.5},
    ),
    "organisation_support": (
        {"theme.support.mean": 2.5, "theme.decisiveness.mean": 3.5},
        {"theme.support.mean": 2.5, "theme.decisiveness.mean": 2.5},
    ),
    "organisation_money": (
        {"theme.costs_and_revenues.mean": 2.5, "phase.reference": "agree"},
        {"theme.costs_and_revenues.mean": 2.5, "phase.reference": "explore"},
    ),
    "process_skipped_foundations": (
        {"phase.skipped_foundations": 1},
        {"phase.skipped_foundations": 0},
    ),
    "process_phase_unclear": ({"phase.agreement": 0.4}, {"phase.agreement": 0.5}),
    "process_phase_mismatch": (
        {"phase.declared": "design", "phase.mode": "share"},
        {"phase.declared": "design", "phase.mode": "design"},
    ),
    "process_tempo": ({"theme.stagnation.mean": 2.9}, {"theme.tempo.mean": 3.0}),
    "process_reflection": low("evaluation"),
    "process_transparency": low("transparency"),
    "process_celebrate": low("celebrating_success"),
    "process_owner": low("process_ownership"),
    "phase_explore": ({"phase.reference": "explore"}, {"phase.reference": "share"}),
    "phase_share": ({"phase.reference": "share"}, {"phase.reference": "agree"}),
    "phase_agree": ({"phase.reference": "agree"}, {"phase.reference": "design"}),
    "phase_design": ({"phase.reference": "design"}, {"phase.reference": "execute"}),
    "phase_execute": ({"phase.reference": "execute"}, {"phase.reference": "explore"}),
    "stage_designing": ({"stage": "designing"}, {"stage": "discovering"}),
    "stage_discovering": ({"stage": "discovering"}, {"stage": "productive"}),
    "stage_productive": ({"stage": "productive"}, {"stage": "designing"}),
    "levels_see_differently": (
        # Either way round: professionals seeing it more brightly counts too.
        {"level_gap.professional_higher": 1},
        {"level_gap.board_higher": 0, "level_gap.professional_higher": 0},
    ),
    "pseudo_collaboration": ({"pseudo.score": 50.0}, {"pseudo.score": 49.9}),
    "divergence_many_items": (
        {"divergence.flagged_items": 3},
        {"divergence.flagged_items": 2},
    ),
    "trend_improved": ({"trend.improved": 1}, {"trend.declined": 1}),
    "trend_declined": ({"trend.declined": 1}, {"trend.improved": 1}),
    "empathy_for_positions": (
        {"divergence.interests.flagged": 1, "theme.positions_interests.mean": 3.2},
        {"divergence.interests.flagged": 1, "theme.positions_interests.mean": 3.5},
    ),
    "action_perspective": low("target_group"),
    "stakeholders_blind_spots": (
        # At the start, whatever the scores.
        {"phase.reference": "explore"},
        {"phase.reference": "agree", "theme.who_belongs.mean": 2.0},
    ),
    "long_term_commitment": (
        {"theme.commitment_priority.mean": 2.5, "stage": "productive"},
        {"theme.commitment_priority.mean": 2.5, "stage": "designing"},
    ),
    "process_skipped_phases": low("skipped_phases"),
    "interests_sensitive_topics": low("sensitive_topics"),
    "interests_known": low("knowing_interests"),
    "relationship_feedback": low("feedback"),
    "relationship_personal_contact": low("personal_contact"),
    "relationship_dual_loyalty": low("dual_loyalty"),
    "process_next_step": low("phase_awareness"),
    "ambition_shared_urgency": low("shared_urgency"),
    "ambition_synergy": low("synergy"),
    "interests_autonomy": low("autonomy"),
    "interests_no_go_areas": low("no_go_areas"),
    "relationship_conflict": low("conflict_handling"),
    "relationship_home_trust": low("home_trust"),
    "relationship_history": low("history"),
    "organisation_under_organised": low("under_organisation"),
    "process_political_climate": low("political_climate"),
    # Live rules: the registers and today's phase beside the scan.
    "registers_vital_interests_undiscussed": (
        {"register.interests.vital_undiscussed": 1, "divergence.interests.flagged": 1},
        # A difference on another perspective is not one on interests.
        {"register.interests.vital_undiscussed": 1, "divergence.ambition.flagged": 1},
    ),
    "registers_no_go_unrecorded": (
        {"register.interests.no_go": 0, "theme.no_go_areas.mean": 2.9},
        {"register.interests.no_go": 1, "theme.no_go_areas.mean": 2.9},
    ),
    "registers_overdue_agreements": (
        {"register.agreements.overdue": 1, "organisation.mean": 2.9},
        {"register.agreements.overdue": 1, "organisation.mean": 3.0},
    ),
    "registers_pledges_not_delivered": (
        {"register.contributions.short": 1, "theme.give_and_take.mean": 2.9},
        {"register.contributions.short": 0, "theme.give_and_take.mean": 2.9},
    ),
    "registers_no_stakeholder_analysis": (
        {"register.stakeholders.count": 0, "alliance.phase": "share"},
        {"register.stakeholders.count": 0, "alliance.phase": "agree"},
    ),
    "registers_blind_spots_unaddressed": (
        {"register.stakeholders.blind_spots_unaddressed": 1},
        {"register.stakeholders.blind_spots_unaddressed": 0},
    ),
    "registers_process_facilitator_undescribed": (
        {"register.roles.process_facilitator_described": 0, "theme.process_ownership.mean": 2.9},
        {"register.roles.process_facilitator_described": 1, "theme.process_ownership.mean": 2.9},
    ),
    "route_skipped_foundations": (
        {"route.skipped_open": 1, "phase.skipped_foundations": 1},
        {"route.skipped_open": 0, "phase.skipped_foundations": 1},
    ),
    "route_skipped_negotiation": (
        {"route.skipped_open": 1, "theme.permanent_negotiation.mean": 2.9},
        {"route.skipped_open": 1, "theme.permanent_negotiation.mean": 3.0},
    ),
    "checklist_open_earlier": (
        {"checklist.open_earlier": 1},
        # An alliance that does not tick the checklist is not nagged about it.
        {"checklist.used": 0, "checklist.open_earlier": 12},
    ),
    "successes_none_for_six_months": (
        {"register.successes.days_since_last": 183},
        {"register.successes.days_since_last": 182},
    ),
    "conflicts_open_handling": (
        {"register.conflicts.open": 1, "theme.conflict_handling.mean": 2.9},
        {"register.conflicts.open": 1, "theme.conflict_handling.mean": 3.0},
    ),
    "setbacks_relationship": (
        {"register.conflicts.recent_setbacks": 1, "relationship.mean": 2.9},
        {"register.conflicts.recent_setbacks": 0, "relationship.mean": 2.9},
    ),
    "stage_learning_agenda": (
        {"alliance.stage": "discovering", "register.learning.count": 0},
        {"alliance.stage": "designing", "register.learning.count": 0},
    ),
    "stage_harvest": (
        {"alliance.stage": "productive", "register.harvest.count": 0},
        {"alliance.stage": "productive", "register.harvest.count": 1},
    ),
    "stage_dissent": (
        {"alliance.stage": "productive", "register.dissent.count": 0},
        {"alliance.stage": "discovering", "register.dissent.count": 0},
    ),
}

# The rules that read the registers, the route or today's phase and stage.
LIVE_RULES = {
    *(r for r in CASES if r.startswith(("registers_", "route_", "checklist_"))),
    "successes_none_for_six_months",
    "conflicts_open_handling",
    "setbacks_relationship",
    "stage_learning_agenda",
    "stage_harvest",
    "stage_dissent",
}

# Each live rule's other nearest misses: every condition alone is not enough.
LIVE_MISSES: dict[str, list[dict[str, Any]]] = {
    "registers_vital_interests_undiscussed": [
        {"register.interests.vital_undiscussed": 0, "divergence.interests.flagged": 1}
    ],
    "registers_no_go_unrecorded": [{"register.interests.no_go": 0, "theme.no_go_areas.mean": 3.0}],
    "registers_overdue_agreements": [{"register.agreements.overdue": 0, "organisation.mean": 2.9}],
    "registers_pledges_not_delivered": [
        {"register.contributions.short": 1, "theme.give_and_take.mean": 3.0}
    ],
    "registers_no_stakeholder_analysis": [
        {"register.stakeholders.count": 1, "alliance.phase": "explore"}
    ],
    "registers_process_facilitator_undescribed": [
        {"register.roles.process_facilitator_described": 0, "theme.process_ownership.mean": 3.0}
    ],
    "route_skipped_foundations": [{"route.skipped_open": 1, "phase.skipped_foundations": 0}],
    "route_skipped_negotiation": [
        {"route.skipped_open": 0, "theme.permanent_negotiation.mean": 2.9}
    ],
    "checklist_open_earlier": [{"checklist.used": 1, "checklist.open_earlier": 0}],
    "conflicts_open_handling": [
        {"register.conflicts.open": 0, "theme.conflict_handling.mean": 2.9}
    ],
    "setbacks_relationship": [{"register.conflicts.recent_setbacks": 1, "relationship.mean": 3.0}],
    "stage_learning_agenda": [{"alliance.stage": "discovering", "register.learning.count": 1}],
    "stage_harvest": [{"alliance.stage": "discovering", "register.harvest.count": 0}],
    "stage_dissent": [{"alliance.stage": "productive", "register.dissent.count": 1}],
}


def everything(state: dict[str, Any]) -> list[Any]:
    """The advice at closing and the live advice when shown."""
    return advise(state) + advise(state, live=True)


def fired(changes: dict[str, Any]) -> set[str]:
    return {a.id for a in everything({**healthy(), **changes})}


def test_a_healthy_alliance_gets_no_advice():
    assert fired({}) == set()


def test_every_rule_has_its_two_cases():
    assert sorted(CASES) == sorted(r.id for r in load_rules().rules)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_the_rule_fires_and_its_nearest_miss_does_not(rule):
    fires, quiet = CASES[rule]
    assert rule in fired(fires)
    assert rule not in fired(quiet)


def test_rules_on_statements_name_themes_that_an_instrument_measures():
    """A rule reading a theme no shipped version measures can never fire."""
    for rule in load_rules().rules:
        for clause in rule.clauses:
            if clause.indicator.startswith("theme."):
                assert clause.indicator.split(".")[1] in THEMES, (rule.id, clause.indicator)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_why_an_advice_fired_reads_as_a_sentence(lang):
    """No reason is shown as an indicator name and operator."""
    from alliancelens.analysis.explain import because

    instrument = get_instrument("reflection-core", 2)
    v1 = get_instrument("reflection-core", 1)
    for rule, (fires, _) in CASES.items():
        state = {**healthy(), "phase.mode": "share", **fires}
        for advice in everything(state):
            if advice.id != rule:
                continue
            for reason in advice.why:
                theme = reason.split(" ")[0].split(".")[1] if reason.startswith("theme.") else ""
                measured = not theme or any(i.theme == theme for i in instrument.items)
                sentence = because(reason, instrument if measured else v1, lang)
                assert sentence != reason and " = " not in sentence, (rule, sentence)
                assert not any(c in sentence for c in ("_", "theme.", "facet.")), sentence
    assert because("facet.action = 0.45 < 0.50", instrument, "en") == (
        "Action scores 0.45 on 0–1, below 0.50"
    )
    assert because("facet.action = 0.45 < 0.50", instrument, "nl") == (
        "Doen scoort 0,45 op 0–1, onder 0,50"
    )


@pytest.mark.parametrize("rule", sorted(LIVE_MISSES))
def test_a_live_rule_needs_every_one_of_its_conditions(rule):
    for quiet in LIVE_MISSES[rule]:
        assert rule not in fired(quiet), quiet


def test_live_rules_fire_only_when_shown_and_the_others_only_at_closing():
    live = {r.id for r in load_rules().rules if r.live}
    assert live == LIVE_RULES
    for rule in live:
        state = {**healthy(), **CASES[rule][0]}
        assert rule not in {a.id for a in advise(state)}
        assert rule in {a.id for a in advise(state, live=True)}
    # The scan's rules are never evaluated again when a result is shown.
    state = {**healthy(), "theme.trust.mean": 2.0}
    assert not {a.id for a in advise(state, live=True)} - live


def test_a_live_rule_that_could_fire_on_the_scan_alone_is_refused():
    from alliancelens.analysis.advice import AdviceError, parse_rules

    rule = {
        "id": "loose",
        "urgency": "low",
        "source": {"nl": "x", "en": "x"},
        "text": {"nl": "x", "en": "x"},
        "when": {"any": [["register.agreements.overdue", ">", 0], ["organisation.mean", "<", 3]]},
    }
    with pytest.raises(AdviceError, match="'loose': a rule on registers"):
        parse_rules({"rules": [rule]})


def test_the_register_indicators_count_the_marked_entries():
    from datetime import date

    from alliancelens.analysis.registers import (
        ConflictFact,
        InterestFact,
        RegisterFacts,
        RoleFact,
        StakeholderFact,
        register_indicators,
    )

    facts = RegisterFacts(
        as_of=date(2026, 12, 5),
        phase="share",
        interests=(
            InterestFact("organisational", vital=True, discussed=False),
            InterestFact("collective", vital=True, discussed=True),
            InterestFact("no_go", vital=False, discussed=False),
        ),
        overdue_agreements=2,
        short_pledges=1,
        stakeholders=(
            StakeholderFact(blind_spot=True, addressed=False),
            StakeholderFact(blind_spot=True, addressed=True),
            StakeholderFact(blind_spot=False, addressed=True),
        ),
        roles=(
            RoleFact("process_facilitator", described=False),
            RoleFact("coordinator", described=True),
            # Described, but its term ended yesterday: it describes nobody today.
            RoleFact("process_facilitator", described=True, term_end=date(2026, 12, 4)),
        ),
        stage="discovering",
        began=date(2025, 1, 1),
        successes=(date(2026, 5, 1), date(2026, 5, 19)),  # 200 days before 5 Dec
        conflicts=(
            ConflictFact("resources", date(2026, 11, 1), open=True),
            ConflictFact("setback", date(2025, 12, 6), open=False),  # 364 days: recent
            ConflictFact("setback", date(2026, 12, 5), open=False),  # today: recent
            ConflictFact("setback", date(2025, 12, 5), open=False),  # 365 days: not
        ),
        learning_questions=3,
        learning_overdue=1,
        harvest_entries=0,
        dissent_roles=1,
        skipped=frozenset({"share", "agree"}),
        agreed=frozenset({"explore", "agree"}),
        checklist_used=True,
        checklist_open_earlier=4,
        checklist_open_current=5,
    )
    assert register_indicators(facts) == {
        "alliance.phase": "share",
        "register.interests.count": 3,
        "register.interests.vital_undiscussed": 1,
        "register.interests.no_go": 1,
        "register.agreements.overdue": 2,
        "register.contributions.short": 1,
        "register.rules.revisit": 0,
        "register.stakeholders.count": 3,
        "register.stakeholders.blind_spots_unaddressed": 1,
        "register.roles.process_facilitator_described": 0,
        "alliance.stage": "discovering",
        "register.successes.days_since_last": 200,
        "register.conflicts.open": 1,
        "register.conflicts.recent_setbacks": 2,
        "register.learning.count": 3,
        "register.learning.overdue": 1,
        "register.harvest.count": 0,
        "register.dissent.count": 1,
        "route.skipped_open": 1,
        "checklist.used": 1,
        "checklist.open_earlier": 4,
        "checklist.open_current": 5,
    }
    # Without successes the count runs from the alliance's start; in term
    # the facilitator's description counts.
    quiet = register_indicators(
        RegisterFacts(
            as_of=date(2026, 12, 5),
            phase="share",
            began=date(2026, 11, 5),
            roles=(RoleFact("process_facilitator", described=True, term_start=date(2026, 1, 1)),),
        )
    )
    assert quiet["register.successes.days_since_last"] == 30
    assert quiet["register.roles.process_facilitator_described"] == 1
    with pytest.raises(ValueError, match="stage 'later'"):
        RegisterFacts(as_of=date(2026, 12, 5), phase="share", stage="later")
    with pytest.raises(ValueError, match="phase 'later'"):
        RegisterFacts(as_of=date(2026, 12, 5), phase="later")
