"""The route's content (phases, checklists from practice, stage observations)
loads from the shipped file, covers what the domain names, and a broken file
is refused with every problem and where it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from alliancelens.instrument import PHASES, STAGES, yaml_load
from alliancelens.journey.content import (
    GROUPS,
    ROUTE_FILE,
    TASKS,
    Route,
    RouteError,
    load_route,
    parse_route,
)

RESULTS = {
    "explore": "starting_note",
    "share": "letter_of_intent",
    "agree": "agreements_note",
    "design": "project_plan",
    "execute": "results",
}

# Every do, don't, ingredient and tip named in the domain summary (DOMAIN.md,
# "Practical checklists from practice"), read by hand, with the checklist
# items that cover it.
CONCEPTS: dict[str, dict[str, list[str]]] = {
    "dos": {
        "keep the shared perspective in view": ["dos_shared_perspective"],
        "hold each other to results": ["dos_hold_to_results"],
        "share the urgency at board and professional level": ["dos_shared_urgency"],
        "firm agreements on result, capacity, planning and resources": ["dos_firm_agreements"],
        "stay committed in good and bad times": ["dos_good_and_bad_times"],
        "agree on the social purpose": ["dos_social_purpose"],
        "real win-win for everyone": ["dos_win_win"],
        "results people actually notice": ["dos_noticeable_results"],
        "support at the top": ["dos_support_at_top"],
        "board agreements between boards, execution agreements between professionals": [
            "dos_agreements_at_right_level"
        ],
        "motivated professionals and informal leaders": ["dos_motivated_professionals"],
        "concrete (interim) results owned by teams": ["dos_noticeable_results"],
        "open relations and short lines at every level": ["dos_open_relations"],
        "know each other's competences": ["dos_know_competences"],
        "make information together": ["dos_information_together"],
    },
    "donts": {
        "political documents negotiated line by line": ["donts_short_mission"],
        "keeping all options open": ["donts_short_mission"],
        "not recognising the other's interests": ["donts_recognise_interests"],
        "a bit important / something on the side": ["donts_real_priority"],
        "only a moral duty": ["donts_more_than_moral_duty"],
        "in terms of organisations instead of goals": ["donts_goals_not_organisations"],
        "the top works out the plan alone": ["donts_plan_not_top_alone"],
        "one dominant partner": ["donts_no_dominant_partner"],
        "nobody owning the process": ["donts_process_owner"],
        "the board only at the end": ["donts_board_from_start"],
        "not celebrating successes": ["donts_celebrate_successes"],
        "dropping out at the first setback": ["donts_persevere"],
    },
    "ingredients": {
        "gain (winst)": ["ingredients_gain"],
        "empathy (inlevingsvermogen)": ["ingredients_empathy"],
        "involvement of the target group (betrokkenheid)": ["ingredients_involvement"],
        "course of action per stakeholder (handelingsperspectief)": [
            "ingredients_course_of_action"
        ],
        "safety (veiligheid)": ["ingredients_safety"],
        "leadership (leiderschap)": ["ingredients_leadership"],
        "time (tijd)": ["ingredients_time"],
        "start with a stakeholder analysis": ["ingredients_stakeholder_analysis"],
    },
    "tips": {
        "don't think in winning or losing": ["tips_no_win_lose"],
        "ask the right questions first": ["tips_right_questions"],
        "shared ambitions": ["tips_shared_ambition"],
        "find common interests": ["tips_common_interests"],
        "is there a click (trust)": ["tips_click"],
        "clear agreements (costs, revenues, uncertainties)": ["tips_clear_agreements"],
        "keep working on the collaboration": ["tips_keep_working"],
    },
}


@pytest.fixture(scope="module")
def route() -> Route:
    return load_route()


def shipped() -> Any:
    """A fresh copy of the shipped file's data, to break."""
    return yaml_load(ROUTE_FILE.read_text(encoding="utf-8"))


def texts(route: Route) -> Iterator[tuple[str, dict[str, str]]]:
    for phase in route.phases:
        for name in ("theme", "working_form", "result", "done"):
            yield f"phase {phase.id} {name}", getattr(phase, name)
    for item in route.checklist:
        yield f"{item.id} text", item.text
        yield f"{item.id} source", item.source
    for observation in route.observations:
        yield observation.id, observation.text
    for action in route.actions:
        yield action.id, action.text


def test_the_shipped_route_loads_and_is_loaded_once(route):
    assert load_route() is route
    assert route.checklist and route.observations and route.actions


def test_every_phase_is_there_in_route_order_with_its_result_document(route):
    assert [p.id for p in route.phases] == list(PHASES)
    assert {p.id: p.result_id for p in route.phases} == RESULTS
    assert route.phase("share").result == {"nl": "Intentieverklaring", "en": "Letter of intent"}
    with pytest.raises(KeyError):
        route.phase("negotiate")


def test_every_group_has_items_and_each_item_has_a_phase_or_a_stage_not_both(route):
    assert {i.group for i in route.checklist} == set(GROUPS)
    for item in route.checklist:
        assert (item.phase is None) != (item.stage is None), item.id
        assert item.phase in (None, *PHASES)
        assert item.stage in (None, *STAGES)
    assert 30 <= len(route.checklist) <= 40


def test_ids_are_unique_across_items_observations_and_actions(route):
    ids = [
        *(i.id for i in route.checklist),
        *(o.id for o in route.observations),
        *(a.id for a in route.actions),
    ]
    assert len(ids) == len(set(ids))
    assert all(len(i) <= 60 for i in ids)


def test_every_concept_of_the_domain_is_covered_by_an_item_of_its_group(route):
    by_id = {i.id: i for i in route.checklist}
    for group, concepts in CONCEPTS.items():
        for concept, ids in concepts.items():
            assert ids, concept
            for item_id in ids:
                assert by_id[item_id].group == group, (concept, item_id)
    counted = {group: len(concepts) for group, concepts in CONCEPTS.items()}
    assert counted == {"dos": 15, "donts": 12, "ingredients": 8, "tips": 7}


def test_every_item_traces_back_to_a_concept(route):
    used = {i for concepts in CONCEPTS.values() for ids in concepts.values() for i in ids}
    assert {i.id for i in route.checklist} == used


def test_items_up_to_a_phase_hold_the_earlier_phases_in_route_order(route):
    up_to = route.items_up_to("agree")
    phases = [i.phase for i in up_to]
    assert {"explore", "share", "agree"} == set(phases)
    assert phases == sorted(phases, key=PHASES.index)
    assert set(route.items_for_phase("explore")) <= set(up_to)
    assert set(route.items_for_phase("share")) <= set(up_to)
    assert not set(route.items_for_phase("design")) & set(up_to)
    assert all(i.stage is None for i in up_to)
    assert route.items_up_to("execute") == tuple(i for i in route.checklist if i.phase)
    with pytest.raises(KeyError):
        route.items_up_to("negotiate")


def test_each_stage_has_its_observations_actions_and_items(route):
    for stage in STAGES:
        assert 5 <= len(route.observations_for(stage)) <= 6, stage
        assert 2 <= len(route.actions_for(stage)) <= 4, stage
        assert route.items_for_stage(stage), stage
    assert {a.task for a in route.actions} == set(TASKS)
    assert route.item("donts_process_owner").text["en"] == (
        "Someone owns the collaboration process and everyone knows who."
    )
    with pytest.raises(KeyError):
        route.observations_for("storming")


def test_no_dutch_text_is_its_english_text(route):
    same = [where for where, text in texts(route) if text["nl"] == text["en"]]
    assert same == []


def test_no_text_is_longer_than_220_characters(route):
    long = [
        (where, lang, len(value))
        for where, text in texts(route)
        for lang, value in text.items()
        if len(value) > 220
    ]
    assert long == []


def _item(data: Any, item_id: str) -> dict[str, Any]:
    return next(i for i in data["checklist"] if i["id"] == item_id)


Breakage = Callable[[Any], None]

# One problem each, with the message (and its place) it must give.
BREAKAGES: dict[str, tuple[Breakage, str]] = {
    "unknown key": (
        lambda d: _item(d, "dos_win_win").update(weight=3),
        "checklist item 'dos_win_win': unknown key 'weight'",
    ),
    "missing English text": (
        lambda d: _item(d, "dos_social_purpose")["text"].pop("en"),
        "checklist item 'dos_social_purpose' text: the 'en' text is missing or empty",
    ),
    "empty Dutch text": (
        lambda d: d["observations"][0]["text"].update(nl="  "),
        "observation 'designing_ambition_binds' text: the 'nl' text is missing or empty",
    ),
    "duplicate id": (
        lambda d: d["actions"][1].update(id="designing_below_waterline"),
        "actions[2]: id 'designing_below_waterline' is used twice (first in actions[1])",
    ),
    "unknown phase": (
        lambda d: _item(d, "dos_hold_to_results").update(phase="negotiate"),
        "checklist item 'dos_hold_to_results': phase 'negotiate' is not one of explore",
    ),
    "unknown stage": (
        lambda d: _item(d, "tips_click").update(stage="storming"),
        "checklist item 'tips_click': stage 'storming' is not one of designing",
    ),
    "unknown group": (
        lambda d: _item(d, "tips_no_win_lose").update(group="hints"),
        "checklist item 'tips_no_win_lose': group 'hints' is not one of dos, donts",
    ),
    "unknown task": (
        lambda d: d["actions"][3].update(task="agenda"),
        "action 'discovering_learning_agenda': task 'agenda' is not one of learning_agenda",
    ),
    "both phase and stage": (
        lambda d: _item(d, "ingredients_safety").update(phase="share"),
        "checklist item 'ingredients_safety': has both a phase and a stage; give exactly one",
    ),
    "neither phase nor stage": (
        lambda d: _item(d, "ingredients_time").pop("phase"),
        "checklist item 'ingredients_time': has neither a phase nor a stage; give exactly one",
    ),
    "phase missing": (
        lambda d: d["phases"].pop(4),
        "phases: phase 'execute' is missing",
    ),
    "phases out of order": (
        lambda d: d["phases"].insert(0, d["phases"].pop(1)),
        "phases: must be in route order (explore, share, agree, design",
    ),
    "wrong result id": (
        lambda d: d["phases"][2].update(result_id="covenant"),
        "phase 'agree': result_id 'covenant' must be 'agreements_note'",
    ),
    "too few observations": (
        lambda d: d.update(
            observations=[
                o
                for o in d["observations"]
                if o["stage"] != "productive" or o["id"] == "productive_routine"
            ]
        ),
        "observations: stage 'productive' has 1 observation(s); it needs at least 4",
    ),
}


@pytest.mark.parametrize("kind", BREAKAGES)
def test_a_broken_route_is_refused_with_what_and_where(kind):
    data = shipped()
    breakage, message = BREAKAGES[kind]
    breakage(data)
    with pytest.raises(RouteError) as caught:
        parse_route(data, "route.yaml")
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(message)
    assert str(caught.value).startswith("route.yaml: 1 problem(s) in the route:")


def test_every_problem_in_a_file_is_listed_at_once():
    data = shipped()
    for breakage, _ in BREAKAGES.values():
        breakage(data)
    with pytest.raises(RouteError) as caught:
        parse_route(data, "route.yaml")
    problems = caught.value.problems
    for kind, (_, message) in BREAKAGES.items():
        assert any(p.startswith(message) for p in problems), kind
    assert len(problems) == len(BREAKAGES)


def test_a_file_that_is_not_a_route_says_so():
    with pytest.raises(RouteError) as caught:
        parse_route(["phases"], "route.yaml")
    assert caught.value.problems[0] == "file: expected a mapping, found list"
    assert "phases: expected a non-empty list" in caught.value.problems


def test_an_unreadable_or_invalid_file_is_refused_with_its_line(tmp_path):
    with pytest.raises(RouteError, match="cannot be read"):
        load_route(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("phases:\n  - id: explore\n    id: share\n", encoding="utf-8")
    with pytest.raises(RouteError, match=r"line 3, column 5: not valid YAML"):
        load_route(bad)
