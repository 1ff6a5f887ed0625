"""Publishing a round: the lens runs once when the round closes; outputs read the store.

``round_publish`` computes and stores the published result.
``publication_of`` is what every output calls: it returns the stored result
of a round past its closing, publishing it first if that has not happened yet
(a round that passed its closing time, a round closed before this store
existed, a restored backup). ``charts_of`` returns the charts of one language
and view: drawn from the stored result the first time that view is shown (so
closing a round stays quick and views nobody opens cost nothing), then read
from the store. Nothing recomputes a figure on a page view.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from django.db import IntegrityError, transaction
from django.utils import translation

from alliancelens.alliances.models import Round
from alliancelens.alliances.services import round_close
from alliancelens.analysis import AnalysisResult, codec
from alliancelens.analysis.publication import Published, publish
from alliancelens.analysis.scope import restrict
from alliancelens.charts import Chart
from alliancelens.progress import Progress

from .adapter import answers_of, questions_of, round_context, series_of
from .figures import ALL_CHARTS, SCOPED_CHARTS, chart_group, round_charts
from .models import PublishedChart, PublishedResult

# The version of the stored form; a stored result of another version is
# published again from the answers.
SCHEMA = 1

Scope = frozenset[str] | None  # the partner groups a reader may see; None: all


def scope_key(scope: Scope) -> str:
    """``all`` for facilitators, ``whole`` for observers, ``partner:NAME`` for a lead."""
    if scope is None:
        return "all"
    if not scope:
        return "whole"
    return "partner:" + "|".join(sorted(scope))


@dataclass
class Publication:
    """A stored published result, read back."""

    round: Round
    stored: PublishedResult

    @cached_property
    def published(self) -> Published:
        return codec.loads(Published, self.stored.result)

    @property
    def k(self) -> int:
        return self.stored.k

    def result(self, scope: Scope, lang: str) -> AnalysisResult:
        """The result as a reader with ``scope`` sees it."""
        full = self.published.result
        return full if scope is None else restrict(full, scope, lang)

    def open_answers(self, question_id: str) -> list[dict[str, object]]:
        """Free-text answers side by side per partner shown (facilitators only),
        the same answer given more than once shown once with its count."""
        given = self.published.open_answers.get(question_id, {})
        return [{"partner": p, "answers": same_answers(texts)} for p, texts in given.items()]


def same_answers(texts: list[str]) -> list[dict[str, object]]:
    """Answers that differ only in capitals, spacing or a final full stop
    count as one, in the order given (alphabetical), with how often."""
    first: dict[str, str] = {}
    count: Counter[str] = Counter()
    for text in texts:
        key = " ".join(text.casefold().split()).rstrip(".!")
        first.setdefault(key, text)
        count[key] += 1
    return [{"text": text, "count": count[key]} for key, text in first.items()]


def _compute(rnd: Round, earlier: str | None = None) -> Published:
    series = series_of(rnd)
    k = rnd.threshold
    frame, questions = answers_of(series), questions_of(series)
    # The earlier rounds as they were published (publishing them first if
    # need be): their trends and means are never worked out again.
    before = {}
    for other in series[:-1]:
        stored = publication_of(other)
        if stored is not None:
            before[other.number] = (stored.published, stored.k)
    return publish(
        frame,
        rnd.instrument,
        number=rnd.number,
        k=k,
        questions=questions,
        context=round_context(rnd),
        earlier=earlier,
        before=before,
    )


def round_publish(*, rnd: Round, progress: Progress | None = None) -> Publication:
    """Compute and store the published result of a round past its closing.

    A round past its closing time that is still open is closed first, so no
    answer can arrive after its result was published. Publishing twice keeps
    the first result. A draft (never opened) publishes nothing. ``progress``
    hears of each step (for a command on a terminal).
    """
    progress = progress or Progress()
    if rnd.state == Round.State.DRAFT:
        raise NotPublished(f"round {rnd.number} was never opened: nothing is published")
    if rnd.state != Round.State.CLOSED:
        if not rnd.is_past_closing():
            raise NotPublished(f"round {rnd.number} is still open: nothing is published")
        progress.step("closing")
        rnd = round_close(rnd=rnd)
    stored = _stored(rnd)
    if stored is not None:
        progress.outcome("published already")
        return Publication(rnd, stored)
    # A stored result of another form (or lens) is published again, keeping
    # hidden what it hid.
    older = PublishedResult.objects.filter(round=rnd).values_list("result", flat=True).first()
    progress.step("computing")
    published = _compute(rnd, older)
    progress.step("storing")
    with transaction.atomic():
        # The round is locked while the result is stored, and read again:
        # a retention purge that ran meanwhile wins, and so does another
        # request that published first.
        locked = Round.objects.select_for_update().get(pk=rnd.pk)
        if locked.purged_at is not None:
            raise NotPublished(f"round {rnd.number}: its answers were deleted")
        stored = _stored(rnd)
        if stored is not None:
            return Publication(rnd, stored)
        PublishedResult.objects.filter(round=rnd).delete()  # an older stored form
        stored = PublishedResult.objects.create(
            round=rnd,
            k=published.result.k,
            schema=SCHEMA,
            result=codec.dumps(published),
        )
    publication = Publication(rnd, stored)
    publication.__dict__["published"] = published
    return publication


class NotPublished(Exception):
    """The round has no published result: still open, never opened, or purged."""


def _stored(rnd: Round) -> PublishedResult | None:
    return PublishedResult.objects.filter(round=rnd, schema=SCHEMA).first()


def publication_of(rnd: Round, *, progress: Progress | None = None) -> Publication | None:
    """The published result of a round past its closing; None while it is open
    or a draft, or once its answers were removed at the end of the retention
    period. ``progress`` hears of the steps of publishing it."""
    if rnd.purged_at is not None or rnd.state == Round.State.DRAFT:
        return None
    stored = _stored(rnd)
    if stored is not None:
        if progress is not None:
            progress.outcome("published already")
        return Publication(rnd, stored)
    if not rnd.is_past_closing():
        return None
    try:
        return round_publish(rnd=rnd, progress=progress)
    except NotPublished:
        return None


def published_round(rnd: Round) -> Publication:
    """``publication_of``, for outputs that cannot do without one: NotPublished
    while the round is open or a draft, or once its answers were deleted."""
    publication = publication_of(rnd)
    if publication is None:
        raise NotPublished(f"round {rnd.number} has no published result (open, or purged)")
    return publication


# A row named DRAWN + part records that a part (the shared charts, or one
# view's own) was drawn, so a view without a chart of a kind is not drawn again.
DRAWN = "-drawn-"


def _marker(name: str) -> bool:
    return name.startswith(DRAWN)


def _part(name: str) -> str:
    if _marker(name):
        return name.removeprefix(DRAWN)
    return "scoped" if chart_group(name) in SCOPED_CHARTS else "shared"


def charts_of(
    publication: Publication,
    lang: str,
    scope: Scope,
    only: frozenset[str] = ALL_CHARTS,
) -> dict[str, Chart]:
    """The charts of a reader's view in one language, those of ``only``.

    Drawn from the stored result the first time they are asked for, then
    read from the store. Charts that are the same in every view (levels,
    distributions, phase, ambition, trend) are stored once under ``all``.
    """
    if publication.published.result.suppressed:
        return {}
    key = scope_key(scope)
    rows = list(
        PublishedChart.objects.filter(
            publication=publication.stored, language=lang, scope__in={"all", key}
        )
    )
    wanted = {"scoped": key, "shared": "all"}
    found = [r for r in rows if r.scope == wanted[_part(r.name)] and not _marker(r.name)]
    for part, where in wanted.items():
        if not any(r.name == DRAWN + part and r.scope == where for r in rows):
            found += _draw(publication, lang, scope, part)
    ordered = sorted(found, key=lambda c: c.position)
    return {
        c.name: Chart(c.svg, c.title, c.alt, list(c.columns), [list(r) for r in c.rows])
        for c in ordered
        if chart_group(c.name) in only
    }


def _draw(publication: Publication, lang: str, scope: Scope, part: str) -> list[PublishedChart]:
    scoped = part == "scoped"
    key = scope_key(scope) if scoped else "all"
    with translation.override(lang):
        drawn = round_charts(
            publication.round,
            publication.result(scope, lang),
            lang,
            publication.published,
            only=SCOPED_CHARTS if scoped else ALL_CHARTS - SCOPED_CHARTS,
        )
    new = [
        PublishedChart(
            publication=publication.stored,
            language=lang,
            scope=key,
            name=name,
            position=position + (0 if scoped else 100),
            svg=chart.svg,
            title=chart.title,
            alt=chart.alt,
            columns=chart.columns,
            rows=chart.rows,
        )
        for position, (name, chart) in enumerate(drawn.items())
    ]
    marker = PublishedChart(
        publication=publication.stored, language=lang, scope=key, name=DRAWN + part
    )
    try:
        with transaction.atomic():
            PublishedChart.objects.bulk_create([*new, marker], ignore_conflicts=True)
    except IntegrityError:
        pass  # the result was deleted meanwhile (retention purge): shown, not kept
    return new
