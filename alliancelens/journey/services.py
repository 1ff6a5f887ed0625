"""Changing the route: moving to another phase, writing a phase's result,
ticking a checklist item, giving one's view of the stage. Each change is
recorded (``PhaseMove`` is its own record; the rest in ``RouteChange``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from alliancelens.alliances.models import Alliance, Phase, plausible_day
from alliancelens.instrument import PHASES

from .content import load_route
from .models import ChecklistMark, PhaseMove, PhaseResult, RouteChange, StageView


def missing_results(alliance: Alliance, before: str) -> list[str]:
    """The phases before ``before`` (in route order) without an agreed result."""
    agreed = set(
        PhaseResult.objects.filter(
            alliance=alliance, status=PhaseResult.Status.AGREED
        ).values_list("phase", flat=True)
    )
    return [p for p in PHASES[: PHASES.index(before)] if p not in agreed]


def phase_move(
    *,
    alliance: Alliance,
    to_phase: str,
    actor: str,
    reason: str = "",
    moved_on: date | None = None,
) -> PhaseMove:
    """Move the alliance to ``to_phase``. Moving forward past a phase without
    an agreed result needs a reason, which is kept with the move (the
    "skipped foundations" marker). Moving back never does: going back to
    the ambition or the interests is the cure the model names."""
    moved_on = moved_on or timezone.localdate()
    problems: dict[str, str] = {}
    if to_phase not in PHASES:
        raise ValidationError({"to_phase": _("Choose one of the five phases.")})
    with transaction.atomic():
        locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
        current = locked.current_phase
        if to_phase == current:
            problems["to_phase"] = _("The alliance is in this phase already.")
        forward = PHASES.index(to_phase) > PHASES.index(current)
        skipped = missing_results(locked, to_phase) if forward else []
        if skipped and not reason.strip():
            problems["reason"] = _(
                "Earlier phases have no agreed result (%(phases)s): say why the alliance "
                "moves on all the same."
            ) % {"phases": ", ".join(str(Phase(p).label) for p in skipped)}
        if moved_on > timezone.localdate():
            problems["moved_on"] = _("This date lies in the future.")
        try:
            plausible_day(moved_on)
        except ValidationError as exc:
            problems["moved_on"] = exc.messages[0]
        last = (
            PhaseMove.objects.filter(alliance=locked).order_by("-moved_on", "-at", "-pk").first()
        )
        if last is not None and moved_on < last.moved_on and "moved_on" not in problems:
            problems["moved_on"] = _(
                "The last move was on %(date)s; a move cannot come before it."
            ) % {"date": formats.date_format(last.moved_on, "SHORT_DATE_FORMAT")}
        if problems:
            raise ValidationError(problems)
        move = PhaseMove.objects.create(
            alliance=locked,
            from_phase=current,
            to_phase=to_phase,
            moved_on=moved_on,
            actor=actor,
            skipped=skipped,
            reason=reason.strip() if skipped or reason.strip() else "",
        )
        locked.current_phase = to_phase
        locked.save(update_fields=["current_phase"])
    alliance.current_phase = to_phase
    return move


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _record(
    alliance: Alliance,
    subject: str,
    key: str,
    actor: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    changes = {
        k: [_shown(before.get(k)), _shown(v)]
        for k, v in after.items()
        if _shown(before.get(k)) != _shown(v)
    }
    if changes:
        RouteChange.objects.create(
            alliance=alliance, subject=subject, key=key, actor=actor, changes=changes
        )


RESULT_FIELDS = ("status", "text", "link", "agreed_on")
MARK_FIELDS = ("done", "done_on", "comment")


def result_of(alliance: Alliance, phase: str) -> PhaseResult:
    """The phase's result as stored, or a new one (not yet saved)."""
    found = PhaseResult.objects.filter(alliance=alliance, phase=phase).first()
    return found or PhaseResult(alliance=alliance, phase=phase)


def result_save(*, result: PhaseResult, actor: str, before: dict[str, Any]) -> PhaseResult:
    """Save a validated phase result and record what changed."""
    with transaction.atomic():
        result.save()
        after = {f: getattr(result, f) for f in RESULT_FIELDS}
        after["status"] = result.get_status_display()
        subject = RouteChange.Subject.PHASE_RESULT
        _record(result.alliance, subject, result.phase, actor, before, after)
    return result


def mark_of(alliance: Alliance, item: str) -> ChecklistMark:
    if item not in {i.id for i in load_route().checklist}:
        raise ValidationError({"item": _("There is no checklist item %(item)s.") % {"item": item}})
    found = ChecklistMark.objects.filter(alliance=alliance, item=item).first()
    return found or ChecklistMark(alliance=alliance, item=item)


def mark_save(*, mark: ChecklistMark, actor: str, before: dict[str, Any]) -> ChecklistMark:
    if mark.done and mark.done_on is None:
        mark.done_on = timezone.localdate()
    mark.full_clean()
    with transaction.atomic():
        mark.save()
        after = {f: getattr(mark, f) for f in MARK_FIELDS}
        _record(mark.alliance, RouteChange.Subject.CHECKLIST, mark.item, actor, before, after)
    return mark


def open_items(alliance: Alliance) -> tuple[list[Any], list[Any]]:
    """The checklist items not done: of the phases before the current one,
    and of the current phase (route order)."""
    route = load_route()
    done = set(
        ChecklistMark.objects.filter(alliance=alliance, done=True).values_list("item", flat=True)
    )
    current = alliance.current_phase
    earlier = [i for i in route.items_up_to(current) if i.phase != current and i.id not in done]
    now = [i for i in route.items_for_phase(current) if i.id not in done]
    return earlier, now


def stage_view_save(*, alliance: Alliance, rater: str, recognised: list[str]) -> StageView:
    known = {o.id for o in load_route().observations}
    unknown = sorted(set(recognised) - known)
    if unknown:
        raise ValidationError(
            {
                "recognised": _("Unknown observation(s): %(ids)s.")
                % {
                    "ids": ", ".join(i[:40] for i in unknown[:3])
                    + (" …" if len(unknown) > 3 else "")
                }
            }
        )
    view, _created = StageView.objects.update_or_create(
        alliance=alliance, rater=rater, defaults={"recognised": sorted(set(recognised))}
    )
    return view
