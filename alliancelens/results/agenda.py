"""A round's discussion agenda: at most seven points, proposed from the
published result, ordered, dropped or added to by the facilitator, with
what the room agreed.

The proposal takes the differences between partners that pass the test
(perspectives first, surest first) and fills up with the most urgent advice.
Points refer to what they came from ("perspective:<id>", "item:<id>", an
advice rule's id), so they read the stored result, never a new computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from alliancelens.alliances.models import AGENDA_POINTS, AgendaPoint, Round
from alliancelens.analysis import AnalysisResult
from alliancelens.analysis.explain import because
from alliancelens.analysis.results import Advice, Divergence
from alliancelens.instrument import Instrument, localized

# Room kept for advice when there are many differences.
DIFFERENCES_AT_MOST = AGENDA_POINTS - 2


class AgendaFull(Exception):
    """An eighth point: the facilitator drops one first."""


def proposal(result: AnalysisResult) -> list[tuple[str, str]]:
    """(kind, ref) of the proposed points, in order."""
    flagged = [d for d in result.divergence if d.flagged]
    flagged.sort(key=lambda d: (d.kind != "perspective", d.q if d.q is not None else 1.0))
    points = [("difference", f"{d.kind}:{d.id}") for d in flagged[:DIFFERENCES_AT_MOST]]
    for advice in result.advice:  # most urgent first
        if len(points) >= AGENDA_POINTS or advice.urgency == "low":
            break
        points.append(("advice", advice.id))
    return points


def more_differences(result: AnalysisResult, points: list[AgendaPoint]) -> int:
    """Differences the results show that the agenda does not discuss."""
    on_agenda = {p.ref for p in points if p.kind == AgendaPoint.Kind.DIFFERENCE}
    return sum(1 for d in result.divergence if d.flagged and f"{d.kind}:{d.id}" not in on_agenda)


def agenda_of(rnd: Round, result: AnalysisResult) -> list[AgendaPoint]:
    """The round's points in order, dropped ones included; proposed on first use."""
    with transaction.atomic():
        _lock(rnd.pk)
        points = list(rnd.agenda.all())
        if not points:
            AgendaPoint.objects.bulk_create(
                AgendaPoint(round=rnd, position=i, kind=kind, ref=ref)
                for i, (kind, ref) in enumerate(proposal(result), start=1)
            )
            points = list(rnd.agenda.all())
    return points


def _lock(round_id: int) -> None:
    """Hold the round's row until the transaction ends: one change to its
    agenda at a time, so the limit of points holds (SQLite: a no-op, its
    writers queue anyway)."""
    Round.objects.select_for_update().filter(pk=round_id).first()


def active(points: list[AgendaPoint]) -> list[AgendaPoint]:
    return [p for p in points if not p.dropped]


def _renumber(ordered: list[AgendaPoint]) -> None:
    for i, point in enumerate(ordered, start=1):
        if point.position != i:
            point.position = i
            point.save(update_fields=["position", "updated_at"])


def agenda_move(point: AgendaPoint, step: int) -> None:
    """One place up (step −1) or down (+1) among the points."""
    with transaction.atomic():
        ordered = list(point.round.agenda.select_for_update())
        at = next(i for i, p in enumerate(ordered) if p.pk == point.pk)
        to = at + step
        if 0 <= to < len(ordered):
            ordered[at], ordered[to] = ordered[to], ordered[at]
        _renumber(ordered)


def agenda_drop(point: AgendaPoint, dropped: bool) -> None:
    """Drop a point from the discussion, or bring it back (within the limit)."""
    with transaction.atomic():
        _lock(point.round_id)
        if not dropped and point.dropped:
            _check_room(point.round)
        point.dropped = dropped
        point.save(update_fields=["dropped", "updated_at"])


def agenda_add(rnd: Round, title: str) -> AgendaPoint:
    """The facilitator's own point, last on the list."""
    title = title.strip()
    if not title:
        raise ValueError(_("Write the point you want to add."))
    with transaction.atomic():
        _lock(rnd.pk)
        _check_room(rnd)
        last = rnd.agenda.order_by("-position").values_list("position", flat=True).first() or 0
        return AgendaPoint.objects.create(
            round=rnd, position=last + 1, kind=AgendaPoint.Kind.OWN, title=title[:200]
        )


def _check_room(rnd: Round) -> None:
    if rnd.agenda.filter(dropped=False).count() >= AGENDA_POINTS:
        raise AgendaFull(
            _("An hour holds at most %(n)s points: drop one before adding another.")
            % {"n": AGENDA_POINTS}
        )


def agenda_agree(point: AgendaPoint, text: str) -> None:
    """What the room agreed on this point (empty: nothing yet)."""
    point.agreed = text.strip()[:2000]
    point.save(update_fields=["agreed", "updated_at"])


@dataclass
class PointView:
    """A point as a page shows it, in one language."""

    point: AgendaPoint
    kind: str
    title: str
    perspective: str = ""
    divergence: Divergence | None = None
    advice: Advice | None = None
    text: str = ""
    prompts: list[str] = field(default_factory=list)
    because: list[str] = field(default_factory=list)
    source: str = ""


def describe(
    point: AgendaPoint, result: AnalysisResult, instrument: Instrument, lang: str
) -> PointView:
    """What a point is about, from the stored result, in the reader's language."""
    if point.kind == AgendaPoint.Kind.DIFFERENCE:
        kind, _sep, ref = point.ref.partition(":")
        d = next((x for x in result.divergence if x.kind == kind and x.id == ref), None)
        perspective = d.perspective if d else (ref if kind == "perspective" else "")
        try:
            title = instrument.column_label(kind, ref, lang)
        except (KeyError, ValueError):  # a statement the instrument no longer has
            title, perspective = point.title or str(_("Discussion point")), ""
        return PointView(
            point=point,
            kind=point.kind,
            title=title,
            perspective=localized(instrument.perspective(perspective).label, lang)
            if perspective
            else "",
            divergence=d if d and d.flagged else None,
            prompts=d.prompts.get(lang, []) if d else [],
        )
    if point.kind == AgendaPoint.Kind.ADVICE:
        a = next((x for x in result.advice if x.id == point.ref), None)
        if a is not None:
            return PointView(
                point=point,
                kind=point.kind,
                title=_first_sentence(a.text.get(lang, a.text["nl"])),
                perspective=localized(instrument.perspective(a.perspective).label, lang)
                if a.perspective
                else "",
                advice=a,
                text=a.text.get(lang, a.text["nl"]),
                prompts=a.prompts.get(lang, []),
                because=[because(w, instrument, lang) for w in a.why],
                source=a.source.get(lang, a.source["nl"]),
            )
    # An own point, or an advice this reader's view does not hold (it rests on
    # other partners' figures): its agreement without the advice's words.
    return PointView(point=point, kind=point.kind, title=point.title or str(_("Discussion point")))


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].rstrip(".")
    return head if len(head) <= 160 else head[:157].rstrip() + "…"


def agreed_steps(rnd: Round, result: AnalysisResult, lang: str) -> list[dict[str, Any]]:
    """What the room agreed, point by point, for the outcome page and the report,
    titled from ``result`` as this reader sees it."""
    instrument = rnd.instrument
    return [
        {"title": describe(p, result, instrument, lang).title, "agreed": p.agreed}
        for p in rnd.agenda.filter(dropped=False).exclude(agreed="")
    ]
