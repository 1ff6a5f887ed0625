"""`alliancelens analyze`: the real console command on CSV files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.defaultfilters import floatformat
from django.test import TestCase
from django.utils import translation

from alliancelens.alliances.models import Alliance
from alliancelens.analysis import AnswersError
from alliancelens.instrument import get_instrument
from alliancelens.instrument.loader import DATA_DIR
from alliancelens.results.adapter import round_answers, round_questions

from .base import results_table

INSTRUMENT = get_instrument("reflection-core", 1)  # fixtures written for v1
HEADER = ["respondent", "partner", "level", "round", "item", "value"]


V1_FILE = str(DATA_DIR / "reflection-core" / "v1.yaml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI on the v1 instrument, which the fixtures here are written for."""
    if "--instrument" not in args:
        args = (*args, "--instrument", V1_FILE)
    return subprocess.run(
        [sys.executable, "-m", "alliancelens", "analyze", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )


def write(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def good_rows(rounds: int = 1) -> list[list[object]]:
    rows: list[list[object]] = []
    for r in range(1, rounds + 1):
        for partner, base in (("Gemeente", 4), ("Zorg", 2), ("Welzijn", 3)):
            for n in range(3):
                for item in INSTRUMENT.items:
                    value = base if not item.reverse else 6 - base
                    rows.append(
                        [
                            f"{partner}{n}",
                            partner,
                            ["board", "management", "professional"][n],
                            r,
                            item.id,
                            value,
                        ]
                    )
                rows.append(
                    [
                        f"{partner}{n}",
                        partner,
                        ["board", "management", "professional"][n],
                        r,
                        "phase_now",
                        "design",
                    ]
                )
    rows[0][5] = "NA"
    return rows


def test_the_columnar_reader_gives_the_row_readers_tables(tmp_path):
    """A valid file is read column by column; the tables equal those of the
    row-by-row reader, which still reads every file the fast one passes on."""
    import pandas as pd

    from alliancelens.analysis.csvinput import _columnar, parse_rows

    rows = good_rows(rounds=2)
    rows[3][5] = ""  # "don't know" spelled empty
    rows[4][5] = "n/a"
    rows.append(["Zorg0", "Zorg", "board", 1, "ambition_own_words", "Samen sterker"])
    write(tmp_path / "a.csv", rows)
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    fast = _columnar(text, INSTRUMENT)
    assert fast is not None
    slow = parse_rows(text, INSTRUMENT)
    # The fast reader keeps the text columns of the scale table as categorical
    # codes; their values are the row reader's.
    scale = fast[0]
    assert all(isinstance(scale[c].dtype, pd.CategoricalDtype) for c in ("respondent", "item"))
    for one, other in zip(fast, slow, strict=True):
        same_types = one.assign(**{c: one[c].astype(object).astype(other[c].dtype) for c in one})
        pd.testing.assert_frame_equal(same_types, other)
    # Anything unusual goes to the row reader: padding, a plain-text round.
    assert _columnar(text.replace("Zorg,", "Zorg ,", 1), INSTRUMENT) is None
    assert _columnar(text.replace(",1,", ",1.0,", 1), INSTRUMENT) is None
    # A row cut short, or a field too many on every row, is named by the row
    # reader; pandas would fill the one with an empty "don't know" and take
    # the other for a row label.
    lines = text.splitlines(keepends=True)
    short = "".join([*lines, lines[1].rsplit(",", 1)[0] + "\n"])
    assert _columnar(short, INSTRUMENT) is None
    with pytest.raises(AnswersError, match=rf"row {len(lines) + 1}: 5 fields"):
        parse_rows(short, INSTRUMENT)
    labelled = "".join([lines[0], *("z," + line for line in lines[1:])])
    assert _columnar(labelled, INSTRUMENT) is None
    with pytest.raises(AnswersError, match="row 2: 7 fields"):
        parse_rows(labelled, INSTRUMENT)


def test_json_output_has_the_contract_keys(tmp_path):
    result = run(str(write(tmp_path / "a.csv", good_rows())), "--k", "3")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in (
        "n_respondents",
        "perspectives",
        "partners",
        "divergence",
        "ambition_index",
        "phase",
        "pseudo_collaboration",
        "advice",
    ):
        assert key in data
    assert data["n_respondents"] == 9
    assert set(data["perspectives"]["interests"]) >= {"mean", "sd", "n", "rwg_j", "alpha"}
    assert data["partners"]["Zorg"]["perspectives"]["process"]["mean"] == 2.0
    gap = next(
        d for d in data["divergence"] if d.get("perspective") == "organisation" and "item" not in d
    )
    assert gap["gap"] == 2.0 and gap["partners"]["high"] == "Gemeente" and "icc1" in gap
    # Whether the gap is worth discussing, with the test and the interval.
    assert isinstance(gap["flagged"], bool)
    assert set(gap["test"]) == {"p", "q", "alpha", "F", "df"}
    low, high = gap["interval"]
    assert low is None or low <= gap["gap"] <= high
    assert all(
        set(p) >= {"higher", "lower", "difference", "ci_low", "ci_high", "p"} for p in gap["pairs"]
    )
    assert set(data["level_gap"]["ambition"]) >= {"gap", "ci_low", "ci_high", "p", "q", "flagged"}
    assert data["phase"]["mode"] == "design"
    assert all({"id", "perspective", "source", "text", "why"} <= set(a) for a in data["advice"])


def test_several_rounds_give_results_per_round_and_trends(tmp_path):
    result = run(str(write(tmp_path / "a.csv", good_rows(rounds=2))))
    data = json.loads(result.stdout)
    assert set(data["rounds"]) == {"1", "2"}
    assert len(data["trends"]) == 5
    assert data["trends"][0]["paired_n"] == 9


def test_groups_below_k_are_suppressed_in_the_output(tmp_path):
    rows = [r for r in good_rows() if not (r[1] == "Zorg" and r[0] != "Zorg0")]
    data = json.loads(run(str(write(tmp_path / "a.csv", rows)), "--k", "3").stdout)
    assert data["partners"]["Zorg"] == {"suppressed": True}
    # Zorg alone would be recomputable from the total: in every perspective
    # another partner is hidden too.
    for p in ("ambition", "interests", "relationship", "organisation", "process"):
        hidden = [
            n
            for n, g in data["partners"].items()
            if g.get("suppressed") or g["perspectives"][p] == {"suppressed": True}
        ]
        assert "Zorg" in hidden and len(hidden) >= 2
    assert all("Zorg" not in d["partners"]["means"] for d in data["divergence"])


def test_markdown_output_in_english(tmp_path):
    result = run(str(write(tmp_path / "a.csv", good_rows())), "--format", "md", "--lang", "en")
    assert result.returncode == 0
    assert "# AllianceLens analysis" in result.stdout
    assert "Where partners see it differently" in result.stdout


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda rows: rows[4].__setitem__(4, "amb_nonsense"),
            "row 6: unknown item 'amb_nonsense'",
        ),
        (lambda rows: rows[2].__setitem__(5, "7"), "row 4: value 7 for"),
        (lambda rows: rows[3].__setitem__(2, "boss"), "row 5: level 'boss'"),
        (lambda rows: rows[1].__setitem__(3, "first"), "row 3: round 'first'"),
        (lambda rows: rows.append(list(rows[1])), "is also on row 3"),
        (
            lambda rows: rows[1].__setitem__(3, "99999999999999999999"),
            "row 3: round '99999999999999999999'",
        ),
        (lambda rows: rows[1].append("extra"), "row 3: 7 fields where the header has 6"),
    ],
)
def test_bad_rows_exit_2_with_the_row_number_and_print_nothing(tmp_path, mutate, message):
    rows = good_rows()
    mutate(rows)
    result = run(str(write(tmp_path / "bad.csv", rows)))
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_an_unknown_item_given_twice_is_named_unknown_twice_not_as_a_repeat():
    # Found by the fuzz test: the second row was reported as a repeat of the
    # first ("row 4:  for respondent …"), with an empty item name.
    from alliancelens.analysis.csvinput import parse_rows

    text = "respondent,partner,level,round,item,value\n" + "".join(
        f"{r},A,board,1,{item},1\n"
        for r, item in (("r0", "amb_direction"), ("r1", ""), ("r1", ""))
    )
    with pytest.raises(AnswersError) as info:
        parse_rows(text, INSTRUMENT)
    assert str(info.value).splitlines()[1:] == [
        f"row 3: unknown item '' for instrument {INSTRUMENT.key}",
        f"row 4: unknown item '' for instrument {INSTRUMENT.key}",
    ]


def test_a_missing_column_exits_2(tmp_path):
    path = write(
        tmp_path / "bad.csv", [["r1", "A", "board", 1, "amb_direction"]], header=HEADER[:-1]
    )
    result = run(str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert "row 1: missing column(s) value" in result.stderr


def test_k_outside_the_allowed_range_exits_2(tmp_path):
    result = run(str(write(tmp_path / "a.csv", good_rows())), "--k", "2")
    assert result.returncode == 2 and result.stdout == ""


@pytest.mark.renders
class DemoAgreementTests(TestCase):
    """The results page and the CLI give identical numbers for the demo."""

    def test_page_and_cli_agree(self):
        import io
        import re
        import tempfile

        out = io.StringIO()
        call_command("demo", "--allow-production", stdout=out)
        password = re.search(r"password: (\S+)", out.getvalue()).group(1)
        alliance = Alliance.objects.get(slug="demo")
        rnd = alliance.rounds.get(number=2)
        with tempfile.TemporaryDirectory() as tmp:
            rows = []
            for r in alliance.rounds.filter(state="closed"):
                for row in round_answers(r).itertuples():
                    rows.append(
                        [
                            row.respondent,
                            row.partner,
                            row.level,
                            row.round,
                            row.item,
                            "NA" if row.value != row.value else int(row.value),
                        ]
                    )
                for row in round_questions(r).itertuples():
                    rows.append(
                        [row.respondent, row.partner, row.level, row.round, row.question, row.text]
                    )
            path = write(Path(tmp) / "demo.csv", rows)
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "alliancelens",
                    "analyze",
                    str(path),
                    "--phase",
                    alliance.current_phase,
                    "--stage",
                    alliance.stage,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
        assert result.returncode == 0, result.stderr
        cli = json.loads(result.stdout)["rounds"]["2"]
        self.client.login(username="facilitator", password=password)
        page = self.client.get(f"/alliances/demo/rounds/{rnd.number}/results/")
        table = results_table(page.content)
        partners = list(cli["partners"])

        def fmt(value):
            with translation.override("nl"):
                return floatformat(value, 2)

        labels = {
            "ambition": "Ambitie",
            "interests": "Belangen",
            "relationship": "Relatie",
            "organisation": "Organisatie",
            "process": "Proces",
        }
        for p, label in labels.items():
            overall = cli["perspectives"][p]
            cells = table[label]
            assert cells[0] == f"{fmt(overall['mean'])} (n = {overall['n']})"
            for i, name in enumerate(partners, start=1):
                assert cells[i] == fmt(cli["partners"][name]["perspectives"][p]["mean"])
            assert cells[len(partners) + 1] == fmt(overall["rwg_j"])
            # α, with "weak" beside it when its statements hang together weakly.
            assert cells[len(partners) + 2].split()[0] == fmt(overall["alpha"])
        html = page.content.decode()
        # The divergences table: the same gaps and margins, in the same order.
        shown = re.findall(
            r"<td><strong>(\d+,\d\d)</strong> <small>\((-?\d+,\d\d) tot (-?\d+,\d\d)\)</small></td>",
            html,
        )
        flagged = [d for d in cli["divergence"] if d["flagged"]]
        assert flagged, "the demo shows differences that pass the test"
        assert shown == [
            (fmt(d["gap"]), fmt(d["interval"][0]), fmt(d["interval"][1])) for d in flagged
        ]
        # The level table.
        level_rows = results_table(html.split('id="levels-h"')[1].encode())
        for p, label in labels.items():
            board = cli["levels"]["board"]["perspectives"][p]["mean"]
            assert level_rows[label][0] == fmt(board)
        for advice in cli["advice"]:
            assert advice["text"]["nl"].replace("'", "&#x27;") in html
