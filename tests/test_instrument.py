"""The instrument file: the shipped core instrument and the loader's errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from alliancelens.instrument import (
    FACETS,
    PERSPECTIVES,
    InstrumentError,
    available_instruments,
    get_instrument,
    latest_instrument,
    load_instrument,
    parse_instrument,
)
from alliancelens.instrument.loader import DATA_DIR

CORE = DATA_DIR / "reflection-core" / "v1.yaml"


def raw_core() -> dict[str, Any]:
    return yaml.safe_load(CORE.read_text(encoding="utf-8"))


def problems_of(data: Any) -> list[str]:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(data, source="test.yaml")
    return info.value.problems


def test_core_instrument_loads_with_its_id_and_version():
    instrument = latest_instrument()
    assert (instrument.id, instrument.version) == ("reflection-core", 2)
    assert {("reflection-core", 1), ("reflection-core", 2)} <= set(available_instruments())
    assert get_instrument("reflection-core", 1) is get_instrument("reflection-core", 1)


def test_v2_keeps_about_fifty_statements_and_words_give_and_take_alike():
    v1, v2 = get_instrument("reflection-core", 1), get_instrument("reflection-core", 2)
    assert 45 <= len(v2.items) <= 55
    assert v2.exchange_comparable and not v1.exchange_comparable
    # A statement kept from v1 keeps its id and its wording; a changed one
    # gets a new id (docs/instrument-v2.md).
    for item in v2.items:
        if v1.has_item(item.id):
            assert v1.item(item.id).text == item.text, item.id
    # Every reverse-worded statement says what a high score means.
    for instrument in (v1, v2):
        for item in instrument.items:
            if item.reverse:
                assert item.meant and item.reads("en") == item.meant["en"], item.id
            else:
                assert item.reads("nl") == item.text["nl"]


def test_meant_is_refused_on_a_positively_worded_statement():
    data = raw_core()
    data["items"][0]["meant"] = {"nl": "x", "en": "y"}
    with pytest.raises(InstrumentError, match="only for reverse-worded"):
        parse_instrument(data)


def test_core_covers_each_perspective_with_at_least_six_statements():
    instrument = latest_instrument()
    assert [p.id for p in instrument.perspectives] == list(PERSPECTIVES)
    for perspective in PERSPECTIVES:
        assert len(instrument.items_for(perspective)) >= 6, perspective


def test_core_has_every_text_in_dutch_and_english_and_they_differ():
    instrument = latest_instrument()
    for item in instrument.items:
        assert item.text["nl"] and item.text["en"]
        assert item.text["nl"] != item.text["en"], item.id
    for question in instrument.questions:
        assert question.text["nl"] and question.text["en"]
    assert len(instrument.scale.labels["nl"]) == len(instrument.scale.labels["en"]) == 5


def test_core_has_reverse_items_facets_give_and_take_phase_and_open_questions():
    instrument = latest_instrument()
    assert sum(i.reverse for i in instrument.items) >= 5
    ambition = instrument.items_for("ambition")
    assert {i.facet for i in ambition} == set(FACETS)
    assert all(i.facet is None for i in instrument.items if i.perspective != "ambition")
    assert {i.exchange for i in instrument.items if i.exchange} == {"gets", "brings"}
    kinds = {q.id: q.kind for q in instrument.questions}
    assert kinds["phase_now"] == "phase"
    assert kinds["ambition_own_words"] == "open"
    assert instrument.question("ambition_own_words").perspective == "ambition"


def test_unknown_perspective_is_reported_with_the_item_id():
    data = raw_core()
    data["items"][0]["perspective"] = "ambitions"
    problems = problems_of(data)
    assert any("item 'amb_direction'" in p and "perspective is 'ambitions'" in p for p in problems)


def test_every_problem_is_listed_at_once():
    data = raw_core()
    del data["items"][0]["text"]["en"]
    data["items"][1]["id"] = data["items"][2]["id"]
    data["items"][12]["facet"] = "promise"  # an interests item
    del data["items"][3]["facet"]  # an ambition item
    data["scale"]["labels"]["en"] = ["a", "b"]
    problems = problems_of(data)
    text = "\n".join(problems)
    assert "item 'amb_direction' text: the 'en' text is missing or empty" in text
    assert "is used twice" in text
    assert "facet is only allowed on ambition statements" in text
    assert "facet (required for ambition statements)" in text
    assert "2 'en' labels for a 5-point scale" in text
    assert len(problems) >= 5


def test_unknown_keys_and_kinds_are_refused():
    data = raw_core()
    data["items"][0]["revers"] = True
    data["questions"][0]["kind"] = "essay"
    text = "\n".join(problems_of(data))
    assert "unknown key 'revers'" in text
    assert "kind is 'essay'" in text


def test_perspectives_must_be_exactly_the_five():
    data = raw_core()
    data["perspectives"] = data["perspectives"][:4]
    assert any("must be exactly" in p for p in problems_of(data))


def test_a_yaml_syntax_error_names_file_and_line(tmp_path: Path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: x\nitems: [\n  - a: b\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(bad)
    message = str(info.value)
    assert str(bad) in message
    assert "line" in message and "not valid YAML" in message


def test_a_non_mapping_file_is_refused(tmp_path: Path):
    bad = tmp_path / "list.yaml"
    bad.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="expected a mapping"):
        load_instrument(bad)


def test_missing_instrument_version_is_a_lookup_error():
    with pytest.raises(LookupError):
        get_instrument("reflection-core", 999)
    with pytest.raises(LookupError):
        get_instrument("../etc", 1)


def test_a_valid_copy_parses_and_extends_with_default_question_perspective():
    data = copy.deepcopy(raw_core())
    data["questions"].append(
        {"id": "extra", "kind": "open", "text": {"nl": "Nog iets?", "en": "Anything else?"}}
    )
    instrument = parse_instrument(data)
    assert instrument.question("extra").perspective == "process"


def test_a_key_written_twice_or_an_id_with_a_newline_is_refused(tmp_path):
    from alliancelens.instrument import loader as _loader

    source = _loader.DATA_DIR / "reflection-core" / "v1.yaml"
    text = source.read_text(encoding="utf-8")
    twice = tmp_path / "v1.yaml"
    twice.write_text(
        text.replace("\nversion: 1\n", "\nversion: 1\nversion: 1\n", 1), encoding="utf-8"
    )
    with pytest.raises(InstrumentError, match=r"line \d+, column 1: .*'version' appears twice"):
        load_instrument(twice)
    data = yaml.safe_load(text)
    data["items"][0]["id"] = data["items"][0]["id"] + "\n"
    newline = tmp_path / "v1.yaml"
    newline.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstrumentError, match="item"):
        load_instrument(newline)
