"""Numbers in charts are written the language's way: 3,25 in Dutch, 3.25 in
English; nothing else in the drawing changes."""

from __future__ import annotations

import re

import pytest

from alliancelens.charts import bar_chart, dumbbell_chart, heatmap, line_chart, radar_chart
from alliancelens.charts.charts import Chart


def texts(svg: str) -> list[str]:
    """The text drawn in an SVG (matplotlib keeps it as text: svg.fonttype none)."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def in_english(svg: str) -> str:
    """``svg`` with every decimal comma in its text turned into a point."""
    return re.sub(r">([^<]*)</text>", lambda m: ">" + m[1].replace(",", ".") + "</text>", svg)


CHARTS = {
    "bar": lambda lang: bar_chart(
        "Levels", ["ambition", "process"], {"Board": [3.25, 4.5]}, {"Board": "#000"}, lang=lang
    ),
    "ambition": lambda lang: bar_chart(
        "Ambition", ["promise"], {"All": [0.75]}, {"All": "#000"}, limits=(0, 1), lang=lang
    ),
    "line": lambda lang: line_chart(
        "Trend", ["Round 1", "Round 2"], {"ambition": [3.25, 3.5]}, {"ambition": "#000"}, lang=lang
    ),
    "dumbbell": lambda lang: dumbbell_chart(
        "Give and take", ["P"], [3.25], [4.0], ("gets", "brings"), {}, lang=lang
    ),
    "heatmap": lambda lang: heatmap(
        "Statements",
        ["s1", "s2"],
        ["P", "Q"],
        [[3.25, None], [1.5, 4.75]],
        highlight=[True, False],
        hidden_label="·",
        lang=lang,
    ),
    "radar": lambda lang: radar_chart(
        "Radar",
        ["a", "b", "c"],
        {"All": [3.25, 2.5, 4.0]},
        {},
        overall_label="All",
        lang=lang,
    ),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_dutch_charts_write_a_decimal_comma_and_english_ones_a_point(name):
    dutch: Chart = CHARTS[name]("nl")
    english: Chart = CHARTS[name]("en")
    assert any(re.fullmatch(r"\d+,\d+", t) for t in texts(dutch.svg) + dutch.rows[0]), name
    assert not any(re.fullmatch(r"\d+\.\d+", t) for t in texts(dutch.svg)), name
    assert not any(re.fullmatch(r"\d+,\d+", t) for t in texts(english.svg)), name
    # Only the decimal sign differs: same ticks, same layout.
    assert in_english(dutch.svg) == english.svg, name


def test_value_labels_tick_labels_table_and_text_alternative_follow_the_language():
    dutch, english = CHARTS["bar"]("nl"), CHARTS["bar"]("en")
    assert "3,25" in dutch.alt and dutch.rows == [["Board", "3,25", "4,50"]]
    assert "3.25" in english.alt and english.rows == [["Board", "3.25", "4.50"]]
    assert {"1,5", "4,5"} <= set(texts(dutch.svg))
    assert {"1.5", "4.5"} <= set(texts(english.svg))
    heat = texts(CHARTS["heatmap"]("nl").svg)
    assert "4,8" in heat and "1,5" in heat  # the value in each cell


def test_a_language_without_a_number_format_is_refused():
    with pytest.raises(ValueError, match="no number format for language 'de'"):
        CHARTS["bar"]("de")
