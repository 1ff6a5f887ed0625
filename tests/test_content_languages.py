"""Every text in the content files (instruments, advice rules) is there in
every language of the product: one language at a time, never a mix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

PACKAGE = Path(__file__).resolve().parent.parent / "alliancelens"
LANGUAGES = tuple(code for code, _ in settings.LANGUAGES)


def content_files() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.yaml"), *PACKAGE.rglob("*.yml")])


def language_problems(node: Any, where: str = "") -> list[str]:
    """What is wrong with the translated texts in ``node``, walked to the end.

    A mapping with a key of one language is a translated text: it needs
    every language, each a non-empty string, or each a non-empty list of
    non-empty strings, all lists of one length.
    """
    problems: list[str] = []
    if isinstance(node, dict):
        if any(lang in node for lang in LANGUAGES):
            problems += _text_problems(node, where)
        for key, value in node.items():
            problems += language_problems(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += language_problems(value, f"{where}[{i}]")
    return problems


def _text_problems(text: dict, where: str) -> list[str]:
    problems = [f"{where}: no {lang!r}" for lang in LANGUAGES if lang not in text]
    present = {lang: text[lang] for lang in LANGUAGES if lang in text}
    for lang, value in present.items():
        if isinstance(value, list):
            if not value or not all(isinstance(v, str) and v.strip() for v in value):
                problems.append(f"{where}.{lang}: an empty list or an empty line in it")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"{where}.{lang}: not a text, or an empty one")
    kinds = {type(v) for v in present.values()}
    if len(kinds) > 1:
        problems.append(f"{where}: a list in one language and not in another")
    elif kinds == {list} and len({len(v) for v in present.values()}) > 1:
        problems.append(f"{where}: lists of different lengths")
    return problems


def test_the_content_files_are_found():
    names = {p.relative_to(PACKAGE).as_posix() for p in content_files()}
    assert "analysis/data/advice.yaml" in names
    assert {
        "instrument/data/reflection-core/v1.yaml",
        "instrument/data/reflection-core/v2.yaml",
    } <= names


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_text_in_a_content_file_is_there_in_every_language(path):
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert language_problems(content) == []


def test_a_content_file_has_texts_to_check():
    """The walk reaches the texts: a file of ids alone would pass vacuously."""
    seen: list[int] = []

    def count(node: Any) -> None:
        if isinstance(node, dict):
            seen.extend(1 for lang in LANGUAGES[:1] if lang in node)
            for value in node.values():
                count(value)
        elif isinstance(node, list):
            for value in node:
                count(value)

    for path in content_files():
        count(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert len(seen) > 100


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"title": {"nl": "Ambitie"}}, "title: no 'en'"),
        ({"rules": [{"text": {"en": "Talk"}}]}, "rules[0].text: no 'nl'"),
        ({"label": {"nl": "Ambitie", "en": ""}}, "label.en: not a text, or an empty one"),
        ({"label": {"nl": "Ambitie", "en": "  "}}, "label.en: not a text, or an empty one"),
        ({"label": {"nl": "Ambitie", "en": None}}, "label.en: not a text, or an empty one"),
        # YAML reads an unquoted `no` as false.
        ({"label": {"nl": False, "en": "No"}}, "label.nl: not a text, or an empty one"),
        ({"a": {"b": [{"nl": ["x", "y"], "en": ["x"]}]}}, "a.b[0]: lists of different lengths"),
        ({"prompts": {"nl": [], "en": []}}, "prompts.nl: an empty list or an empty line in it"),
        ({"prompts": {"nl": ["x", ""], "en": ["x", "y"]}}, "prompts.nl: an empty list"),
        ({"scale": {"nl": ["x"], "en": "x"}}, "scale: a list in one language and not in another"),
    ],
)
def test_the_walk_finds_a_missing_or_empty_translation(content, problem):
    problems = language_problems(content)
    assert any(p.startswith(problem) for p in problems), problems


def test_the_walk_passes_complete_texts():
    content = {
        "id": "x",
        "languages": ["nl", "en"],
        "title": {"nl": "Titel", "en": "Title"},
        "items": [{"text": {"nl": ["a", "b"], "en": ["c", "d"]}, "reverse": True}],
    }
    assert language_problems(content) == []
