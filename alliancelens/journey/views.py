"""The route's pages: a phase and its result, moving to another phase, the
checklists from practice, and the development stage from what members see.

The facilitator changes the route; partner leads and observers read it.
Every member gives their own view of the stage. The route's overview (with
the scan's phase answers beside it) is ``results/route.py``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliancelens.alliances.forms import read_only
from alliancelens.alliances.models import Phase, Stage
from alliancelens.alliances.views.common import ANY_ROLE, access_for, user_of
from alliancelens.instrument import PHASES, localized

from .content import load_route
from .forms import ChecklistMarkForm, PhaseMoveForm, PhaseResultForm
from .models import ChecklistMark, PhaseResult, RouteChange, StageView
from .services import (
    MARK_FIELDS,
    RESULT_FIELDS,
    mark_of,
    mark_save,
    missing_results,
    phase_move,
    result_of,
    result_save,
    stage_view_save,
)
from .stage import indication_of


def _lang() -> str:
    return translation.get_language() or "nl"


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


def _errors_into(form: Any, exc: ValidationError) -> None:
    """A service's refusal shown on the form, each message at its field."""
    for name, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _history(alliance: Any, subject: str, key: str) -> list[dict[str, Any]]:
    """The changes to one phase result or checklist item, newest first, with
    the fields by their names in the reader's language."""
    model = PhaseResult if subject == RouteChange.Subject.PHASE_RESULT else ChecklistMark
    return [
        {
            "change": c,
            "lines": [
                (str(getattr(model._meta.get_field(k), "verbose_name", k)), old, new)
                for k, (old, new) in c.changes.items()
            ],
        }
        for c in RouteChange.objects.filter(alliance=alliance, subject=subject, key=key)
    ]


@login_required
def phase_result(request: HttpRequest, slug: str, phase: str) -> HttpResponse:
    """A phase of the route: its theme, working form and expected result,
    and the result the alliance wrote or linked (facilitator edits)."""
    access = access_for(request, slug, ANY_ROLE)
    if phase not in PHASES:
        raise Http404("no such phase")
    alliance = access.alliance
    info = load_route().phase(phase)
    result = result_of(alliance, phase)
    before = {f: getattr(result, f) for f in RESULT_FIELDS}
    before["status"] = result.get_status_display()
    if request.method == "POST":
        if not access.is_facilitator:
            raise PermissionDenied("only the facilitator changes the route")
        form = PhaseResultForm(request.POST, instance=result)
        if form.is_valid():
            result_save(result=form.save(commit=False), actor=_actor(request), before=before)
            messages.success(request, _("Saved."))
            return redirect("alliances:route", alliance.slug)
    else:
        form = PhaseResultForm(instance=result)
    if not access.is_facilitator:
        read_only(form)
    lang = _lang()
    return render(
        request,
        "journey/phase.html",
        {
            "alliance": alliance,
            "access": access,
            "phase": Phase(phase),
            "info": info,
            "theme": localized(info.theme, lang),
            "working_form": localized(info.working_form, lang),
            "result_name": localized(info.result, lang),
            "done": localized(info.done, lang),
            "form": form,
            "history": _history(alliance, RouteChange.Subject.PHASE_RESULT, phase),
            "items": [
                {"text": localized(i.text, lang), "source": localized(i.source, lang)}
                for i in load_route().items_for_phase(phase)
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def move(request: HttpRequest, slug: str) -> HttpResponse:
    """Move to another phase. Moving on past a phase without an agreed result
    names those phases and asks why; the reason stays with the move."""
    access = access_for(request, slug, ANY_ROLE)
    if not access.is_facilitator:
        raise PermissionDenied("only the facilitator changes the route")
    alliance = access.alliance
    wanted = request.POST.get("to_phase") or request.GET.get("to") or ""
    form = PhaseMoveForm(
        request.POST if request.method == "POST" else None,
        initial={"to_phase": wanted, "moved_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            phase_move(
                alliance=alliance,
                to_phase=form.cleaned_data["to_phase"],
                actor=_actor(request),
                reason=form.cleaned_data["reason"],
                moved_on=form.cleaned_data["moved_on"],
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(
                request,
                _("The alliance is now in the phase %(phase)s.")
                % {"phase": Phase(alliance.current_phase).label},
            )
            return redirect("alliances:route", alliance.slug)
    forward = wanted in PHASES and PHASES.index(wanted) > PHASES.index(alliance.current_phase)
    return render(
        request,
        "journey/move.html",
        {
            "alliance": alliance,
            "access": access,
            "form": form,
            "current": Phase(alliance.current_phase),
            "missing": [Phase(p) for p in missing_results(alliance, wanted)] if forward else [],
        },
        status=400 if request.method == "POST" else 200,
    )


def _checklist_rows(alliance: Any, lang: str) -> list[dict[str, Any]]:
    """The checklist grouped as the route runs: per phase, then per stage."""
    route = load_route()
    marks = {m.item: m for m in ChecklistMark.objects.filter(alliance=alliance)}
    current = PHASES.index(alliance.current_phase)
    groups: list[dict[str, Any]] = []

    def rows(items: Any, earlier: bool) -> list[dict[str, Any]]:
        return [
            {
                "item": i,
                "text": localized(i.text, lang),
                "source": localized(i.source, lang),
                "mark": marks.get(i.id),
                "open": not (marks.get(i.id) and marks[i.id].done),
                "earlier": earlier,
            }
            for i in items
        ]

    for index, phase in enumerate(PHASES):
        groups.append(
            {
                "title": Phase(phase).label,
                "kind": "phase",
                "current": index == current,
                "rows": rows(route.items_for_phase(phase), index < current),
            }
        )
    for stage in Stage:
        groups.append(
            {
                "title": stage.label,
                "kind": "stage",
                "current": stage.value == alliance.stage,
                "rows": rows(route.items_for_stage(stage.value), False),
            }
        )
    return groups


@login_required
def checklist(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    lang = _lang()
    groups = _checklist_rows(access.alliance, lang)
    for group in groups:
        for row in group["rows"]:
            row["form"] = ChecklistMarkForm(instance=row["mark"], prefix=row["item"].id)
    return render(
        request,
        "journey/checklist.html",
        {"alliance": access.alliance, "access": access, "groups": groups},
    )


@login_required
def checklist_item(request: HttpRequest, slug: str, item: str) -> HttpResponse:
    """Tick, date and comment one item (facilitator); its history."""
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    try:
        mark = mark_of(alliance, item)
    except ValidationError as exc:
        raise Http404("no such checklist item") from exc
    info = next(i for i in load_route().checklist if i.id == item)
    before = {f: getattr(mark, f) for f in MARK_FIELDS}
    form = ChecklistMarkForm(
        request.POST if request.method == "POST" else None, instance=mark, prefix=item
    )
    if request.method == "POST":
        if not access.is_facilitator:
            raise PermissionDenied("only the facilitator ticks the checklist")
        if form.is_valid():
            try:
                mark_save(mark=form.save(commit=False), actor=_actor(request), before=before)
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{_url(alliance.slug)}#item-{item}")
    if not access.is_facilitator:
        read_only(form)
    lang = _lang()
    return render(
        request,
        "journey/checklist_item.html",
        {
            "alliance": alliance,
            "access": access,
            "info": info,
            "text": localized(info.text, lang),
            "source": localized(info.source, lang),
            "form": form,
            "history": _history(alliance, RouteChange.Subject.CHECKLIST, item),
        },
        status=400 if request.method == "POST" else 200,
    )


def _url(slug: str) -> str:
    return reverse("alliances:route_checklist", args=[slug])


def _shuffled(ids: list[str], salt: str) -> list[str]:
    """A fixed order that mixes the stages (so no one ticks a stage's block)."""
    return sorted(ids, key=lambda i: hashlib.sha256(f"{salt}:{i}".encode()).hexdigest())


@login_required
def stage(request: HttpRequest, slug: str) -> HttpResponse:
    """Every member ticks what they recognise in the alliance; the page shows
    the indication from all members' latest views, with its uncertainty."""
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    route = load_route()
    rater = user_of(request).get_username()
    mine = StageView.objects.filter(alliance=alliance, rater=rater).first()
    if request.method == "POST":
        try:
            stage_view_save(
                alliance=alliance, rater=rater, recognised=request.POST.getlist("recognised")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("alliances:route_stage", alliance.slug)
        messages.success(request, _("Your view is saved."))
        return redirect("alliances:route_stage", alliance.slug)
    lang = _lang()
    by_id = {o.id: o for o in route.observations}
    ticked = set(mine.recognised if mine else [])
    observations = [
        {"id": i, "text": localized(by_id[i].text, lang), "ticked": i in ticked}
        for i in _shuffled(list(by_id), alliance.slug)
    ]
    return render(
        request,
        "journey/stage.html",
        {
            "alliance": alliance,
            "access": access,
            "observations": observations,
            "answered": mine is not None,
            "indication": indication_of(alliance, lang),
        },
    )
