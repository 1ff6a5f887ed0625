"""What a closed round publishes: computed once, stored, read by every output.

``publish`` runs the multi-round engine once on one frame holding the closed
earlier rounds and this one, and returns this round's result with the trends
of the whole series and the free-text answers of the partners that may be
shown; ``figure_table`` turns it into rows for the exports. The web stores it when the
round closes; pages, reports, the dialogue guide, the workshop and the
exports read only that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from alliancelens.instrument import Instrument

from .engine import Context, analyze, analyze_rounds, judge_trends, with_trends
from .frame import AnswersError, empty_questions
from .results import AnalysisResult, GroupSummary, Stat, Trend
from .suppression import Plan


@dataclass(frozen=True)
class Published:
    """A round's published result (see the module docstring)."""

    result: AnalysisResult
    trends: list[Trend]  # consecutive closed rounds of the series, up to this one
    # question id → partner → answers (alphabetical), partners shown only
    open_answers: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def latest_trends(self) -> list[Trend]:
        """The change since the round before this one."""
        return [t for t in self.trends if t.to_round == self.result.round]

    def series(self) -> tuple[list[int], dict[str, list[float | None]]]:
        """Round numbers and each perspective's mean per round, for a trend line."""
        means: dict[str, dict[int, float | None]] = {}
        for t in self.trends:
            means.setdefault(t.perspective, {}).update(
                {t.from_round: t.mean_from, t.to_round: t.mean_to}
            )
        rounds = sorted({r for by_round in means.values() for r in by_round})
        return rounds, {p: [by_round.get(r) for r in rounds] for p, by_round in means.items()}


def publish(
    frame: pd.DataFrame,
    instrument: Instrument,
    *,
    number: int,
    k: int,
    questions: pd.DataFrame | None = None,
    context: Context | None = None,
    earlier: str | None = None,
    before: Mapping[int, tuple[Published, int]] | None = None,
) -> Published:
    """The published result of round ``number``; ``frame`` holds it and the
    closed rounds before it (same instrument), nothing later.

    ``earlier``: the stored text of an earlier publication of this round
    (another stored form, or before a lens upgrade). What it hid stays
    hidden (hidden_in), so the two together show no more than it did.

    ``before``: the stored publications of the earlier rounds in ``frame``,
    with the k each used. The trends between earlier rounds are theirs,
    never worked out again (an erasure or a lower k since would make the
    two versions differ by one person, or show a round hidden under its own
    k); the change into this round starts from the earlier round's
    published means (series_trends).
    """
    questions = empty_questions() if questions is None else questions
    later = sorted({int(r) for r in frame["round"] if int(r) > number})
    if later:
        raise AnswersError(f"round {number} cannot be published with later rounds {later}")
    keep = {number: hidden_in(earlier)} if earlier else None
    rounds = analyze_rounds(
        frame, instrument, k=k, questions=questions, context=context, keep=keep
    )
    result = rounds.rounds.get(number)
    if result is None:
        # No one submitted: the round still publishes, with nothing shown.
        empty = analyze(frame.iloc[0:0], instrument, k=k, context=context)
        result = replace(empty, round=number)
    own = questions[questions["round"] == number]
    trends = rounds.trends if before is None else series_trends(rounds.trends, number, k, before)
    return Published(
        result=published_view(with_trends(result, trends)),
        trends=trends,
        open_answers={
            q.id: open_answers(own, result, q.id) for q in instrument.questions if q.kind == "open"
        },
    )


def series_trends(
    computed: list[Trend], number: int, k: int, before: Mapping[int, tuple[Published, int]]
) -> list[Trend]:
    """The trends of a series as published: those into earlier rounds as
    each stored them; the one into round ``number`` as computed now, but
    starting from the earlier round's published mean and n, and with the
    paired change only under the larger k of the two rounds."""
    earlier: list[Trend] = []
    for later in sorted(before):
        earlier += before[later][0].latest_trends
    out: list[Trend] = []
    for t in computed:
        if t.to_round != number:
            continue
        if t.from_round not in before:
            out.append(t)
            continue
        published, k_from = before[t.from_round]
        summary = published.result.perspectives.get(t.perspective)
        stat = summary.stat if summary else None
        mean_from = None if stat is None or stat.hidden else stat.mean
        n_from = 0 if stat is None else stat.n
        delta = None if mean_from is None or t.mean_to is None else t.mean_to - mean_from
        strict = max(k, k_from)
        apart = (t.n_from - t.paired_n, t.n_to - t.paired_n)
        paired = t.paired_n >= max(strict, 2) and all(n == 0 or n >= strict for n in apart)
        out.append(
            replace(
                t,
                mean_from=mean_from,
                n_from=n_from,
                delta=delta,
                paired_delta=t.paired_delta if paired else None,
                paired_p=t.paired_p if paired else None,
                sd_from=None if stat is None or stat.hidden else stat.sd,
                ci_low=t.ci_low if paired else None,
                ci_high=t.ci_high if paired else None,
                change=None,
                p=None,
                q=None,
                changed=False,
            )
        )
    return earlier + judge_trends(out)


def hidden_in(stored: str) -> dict[str, Plan]:
    """Per column, the partners, levels and cells a stored publication hid.

    Read from its JSON text leniently (an older stored form may not load as
    today's classes): a group hidden as a whole is hidden in every column;
    a statement or perspective hidden within a shown group in that column.
    """
    try:
        data = json.loads(stored)
    except ValueError:
        return {}
    result = data.get("result", {}) if isinstance(data, dict) else {}
    plans: dict[str, Plan] = {}

    def note(kind: str, name: object, group: object) -> None:
        if not isinstance(group, dict):
            return
        value = tuple(str(name).split(" | ")) if kind == "cells" else str(name)
        whole = bool(group.get("suppressed"))
        for field_name in ("items", "perspectives"):
            stats = group.get(field_name)
            if not isinstance(stats, dict):
                continue
            for column, stat in stats.items():
                if whole or (isinstance(stat, dict) and stat.get("hidden")):
                    getattr(plans.setdefault(str(column), Plan()), kind).add(value)

    for kind, key in (("partners", "partners"), ("levels", "levels"), ("cells", "partner_levels")):
        groups = result.get(key, {})
        if isinstance(groups, dict):
            for name, group in groups.items():
                note(kind, name, group)
    return plans


def published_view(result: AnalysisResult) -> AnalysisResult:
    """The result with what is published of partners, levels and cells only:
    their n and means. Their spread (sd, agreement, AD) and answer
    distributions are shown nowhere, so they are not kept either: the
    auditor (audit.py) checks exactly the alliance's distributions and the
    groups' means, and no output can show more than it checked."""

    def bare(group: GroupSummary) -> GroupSummary:
        def strip(stats: dict[str, Stat]) -> dict[str, Stat]:
            return {key: Stat(s.mean, None, s.n, s.hidden) for key, s in stats.items()}

        return replace(group, perspectives=strip(group.perspectives), items=strip(group.items))

    return replace(
        result,
        partners={name: bare(g) for name, g in result.partners.items()},
        levels={name: bare(g) for name, g in result.levels.items()},
        partner_levels={name: bare(g) for name, g in result.partner_levels.items()},
    )


def open_answers(
    questions: pd.DataFrame, result: AnalysisResult, question_id: str
) -> dict[str, list[str]]:
    """Free-text answers per partner, only for partners shown (n ≥ k).

    Sorted alphabetically within a partner, never in the order they came in,
    and without level or respondent, so no answer can be traced to a person.
    """
    if result.suppressed:
        return {}
    visible = {name for name, g in result.partners.items() if not g.suppressed}
    rows = questions[questions["question"] == question_id]
    out: dict[str, list[str]] = {}
    for partner, text in zip(rows["partner"], rows["text"], strict=True):
        if partner in visible and str(text).strip():
            out.setdefault(str(partner), []).append(str(text).strip())
    return {p: sorted(a, key=str.casefold) for p, a in sorted(out.items())}


# The figure table's columns before the distribution: a group is the
# alliance as a whole, one partner, one level or one partner × level cell; a
# measure is a perspective or a statement.
FIGURE_COLUMNS = (
    "round",
    "group",
    "partner",
    "level",
    "measure",
    "id",
    "perspective",
    "shown",
    "n",
    "mean",
    "sd",
    "agreement",
    "ad",
)
TREND_COLUMNS = (
    "perspective",
    "from_round",
    "to_round",
    "mean_from",
    "mean_to",
    "n_from",
    "n_to",
    "change",
    "paired_n",
    "paired_change",
    "paired_p",
)

Cell = str | int | float | None


@dataclass(frozen=True)
class FigureTable:
    """Every figure of a published result as rows, for exports.

    Made from the published (already suppressed) result and nothing else, so
    a file holds no figure that the results page does not show: the alliance
    with its spread and answer counts, partners, levels and cells with their
    n and means only (published_view); a hidden group is a row with
    ``shown`` 0 and every figure empty, its n too; a figure hidden within a
    shown group keeps its n, as on the page. There is
    no row per person: rows of people, however pooled, can be set against
    the published means and distributions to get back what was hidden
    (docs/privacy-model.md). ``columns`` are FIGURE_COLUMNS, then the count
    of each scale point (``answered_1`` …) and ``dont_know``.
    """

    columns: list[str]
    rows: list[list[Cell]]
    trends: list[list[Cell]]


def figure_table(published: Published, instrument: Instrument) -> FigureTable:
    """The figure table of a published result (see FigureTable)."""
    result = published.result
    points = [str(v) for v in instrument.scale.points]
    groups: list[tuple[str, str, str, GroupSummary | None]] = [("alliance", "", "", None)]
    groups += [("partner", name, "", g) for name, g in result.partners.items()]
    groups += [("level", "", name, g) for name, g in result.levels.items()]
    for key, g in result.partner_levels.items():
        partner, _, level = key.partition(" | ")
        groups.append(("partner_level", partner, level, g))
    rows: list[list[Cell]] = []
    for kind, partner, level, group in groups:
        hidden = result.suppressed if group is None else group.suppressed
        for p in instrument.perspectives:
            if group is None:
                summary = result.perspectives.get(p.id)
                stat = summary.stat if summary else None
            else:
                stat = group.perspectives.get(p.id)
            head: list[Cell] = [result.round, kind, partner, level, "perspective", p.id, p.id]
            rows.append(
                [*head, *_figures(stat, hidden, points, detail=group is None, counts=False)]
            )
        for item in instrument.items:
            stat = result.items.get(item.id) if group is None else group.items.get(item.id)
            head = [result.round, kind, partner, level, "statement", item.id, item.perspective]
            rows.append(
                [*head, *_figures(stat, hidden, points, detail=group is None, counts=True)]
            )
    trends: list[list[Cell]] = [
        [
            t.perspective,
            t.from_round,
            t.to_round,
            t.mean_from,
            t.mean_to,
            t.n_from,
            t.n_to,
            t.delta,
            t.paired_n,
            t.paired_delta,
            t.paired_p,
        ]
        for t in published.trends
    ]
    columns = [*FIGURE_COLUMNS, *(f"answered_{v}" for v in points), "dont_know"]
    return FigureTable(columns, rows, trends)


def _figures(
    stat: Stat | None, hidden_group: bool, points: list[str], *, detail: bool, counts: bool
) -> list[Cell]:
    """shown, n, mean, then (``detail``: the alliance) sd, agreement, ad and
    (``counts``: a statement) the answer counts of one figure."""
    empty: list[Cell] = [None] * (len(points) + 5)
    if stat is None or hidden_group:
        return [0, None, *empty]
    if stat.hidden or stat.mean is None:
        return [int(not stat.hidden), stat.n, *empty]
    if not detail:
        return [1, stat.n, stat.mean, *empty[1:]]
    answers: list[Cell] = [None] * (len(points) + 1)
    if counts:
        answers = [stat.distribution.get(v, 0) for v in [*points, "dont_know"]]
    return [1, stat.n, stat.mean, stat.sd, stat.agreement, stat.ad, *answers]
