"""The structure holds: answer rows are read in few, named places."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "alliancelens"
ANSWER_ROWS = {"ItemAnswer", "QuestionAnswer", "item_answers", "question_answers"}
# Who may touch answer rows, and why.
ALLOWED = {
    "alliances/models.py": "defines them",
    "results/adapter.py": "the one place rows become the lens's tables",
    "scan/services.py": "saves a respondent's answers",
    "scan/forms.py": "shows a respondent their own answers again",
    "scan/views.py": "shows a respondent their own answers on the review page",
    "access/privacy.py": "a person's own data file and erasure",
    "access/backup.py": "backup and restore of an alliance",
    "demo/management/commands/demo.py": "writes the demo's answers",
}


def names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in ANSWER_ROWS:
            used.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in ANSWER_ROWS:
            used.add(node.attr)
        elif isinstance(node, ast.alias) and node.name in ANSWER_ROWS:
            used.add(node.name)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and any(node.value.startswith(f"{name}__") for name in ANSWER_ROWS)
        ):
            used.add(node.value)
    return used


def test_only_the_results_adapter_and_named_places_touch_answer_rows():
    """Results pages, reports, exports and the workshop read the published
    result; a second reader of answer rows is a second computation waiting
    to disagree with the first."""
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if "/migrations/" in relative or relative in ALLOWED:
            continue
        used = names_used(path)
        if used:
            offenders[relative] = sorted(used)
    assert offenders == {}


def test_the_check_sees_a_reader_where_there_is_one(tmp_path):
    sample = tmp_path / "reader.py"
    sample.write_text(
        "from x import ItemAnswer\nrows = ItemAnswer.objects.all()\nr.item_answers.all()\n"
    )
    assert names_used(sample) == {"ItemAnswer", "item_answers"}


def test_no_groupby_or_pivot_outside_the_lens():
    """Every figure is computed in alliancelens.analysis."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("analysis/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"groupby", "pivot_table"}:
                found.append(f"{relative}:{node.lineno}")
    assert found == []
