"""List, create, edit and archive the entries of every register.

The facilitator edits everything; a partner lead adds and edits the entries
of their own partner; observers read. Every change is in the entry's history.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.forms import modelform_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliancelens.alliances.forms import read_only
from alliancelens.alliances.views.common import ANY_ROLE, Access, Role, access_for
from alliancelens.analysis.registers import register_indicators

from .history import changed, history_of, note, snapshot
from .live import facts_of
from .models import (
    Agreement,
    Conflict,
    Contribution,
    Entry,
    Interest,
    LearningQuestion,
    RuleOfPlay,
    Stakeholder,
)
from .registry import BY_KEY, REGISTERS, Register, field


def may_add(access: Access) -> bool:
    return access.is_facilitator or (
        access.role == Role.PARTNER_LEAD and access.partner is not None
    )


def may_edit(access: Access, entry: Entry) -> bool:
    if access.is_facilitator:
        return True
    return (
        access.role == Role.PARTNER_LEAD
        and access.partner is not None
        and entry.partner_id == access.partner.pk
    )


def _register(key: str) -> Register:
    register = BY_KEY.get(key)
    if register is None:
        raise Http404("no such register")
    return register


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    rows = []
    for register in REGISTERS:
        live = register.model.objects.current(access.alliance)
        rows.append({"register": register, "count": live.count()})
    # The lists' marks counted, as the live advice counts them.
    today = register_indicators(facts_of(access.alliance))
    return render(
        request,
        "registers/overview.html",
        {
            "alliance": access.alliance,
            "access": access,
            "rows": rows,
            "overdue": today["register.agreements.overdue"],
            "revisit": today["register.rules.revisit"],
            "short": today["register.contributions.short"],
            "unaddressed": today["register.stakeholders.blind_spots_unaddressed"],
            "learning_overdue": today["register.learning.overdue"],
            "undiscussed": today["register.interests.vital_undiscussed"],
            "open_conflicts": today["register.conflicts.open"],
        },
    )


def marks(entry: Entry) -> list[str]:
    """What needs attention in an entry today, as the list marks it (the
    live advice counts the same marks: registers.live)."""
    found = [
        (isinstance(entry, Agreement) and entry.overdue, _("overdue")),
        (isinstance(entry, RuleOfPlay) and entry.due_for_revisit, _("look at it again")),
        (isinstance(entry, Contribution) and entry.short, _("not fully delivered")),
        (isinstance(entry, Stakeholder) and entry.unaddressed, _("nothing done yet")),
        (isinstance(entry, Interest) and entry.undiscussed, _("vital, not yet discussed")),
        (isinstance(entry, LearningQuestion) and entry.overdue, _("overdue")),
        (isinstance(entry, Conflict) and entry.open, _("still open")),
    ]
    return [label for marked, label in found if marked]


def _cells(register: Register, entry: Entry) -> list[str]:
    shown = snapshot(entry, register.columns)
    return [shown[c] for c in register.columns]


@login_required
def entries(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    register = _register(key)
    archived = request.GET.get("archived") == "1"
    found = register.model.objects.filter(
        alliance=access.alliance, archived_at__isnull=not archived
    ).select_related("partner")
    query = request.GET.get("q", "").strip()[:100]
    if "\x00" in query:
        # PostgreSQL refuses NUL in text; say so instead of failing.
        messages.error(request, _("The search cannot contain a NUL character."))
        return redirect("alliances:register", access.alliance.slug, register.key)
    if query:
        text_fields = [
            name
            for name in register.fields
            if field(register.model, name).get_internal_type() in ("CharField", "TextField")
        ]
        match = Q(partner__name__icontains=query)
        for name in text_fields:
            match |= Q(**{f"{name}__icontains": query})
        found = found.filter(match)
    rows = [
        {
            "entry": e,
            "cells": _cells(register, e),
            "can_edit": may_edit(access, e),
            "marks": marks(e),
        }
        for e in found
    ]
    heads = [field(register.model, c).verbose_name for c in register.columns]
    return render(
        request,
        "registers/list.html",
        {
            "alliance": access.alliance,
            "access": access,
            "register": register,
            "rows": rows,
            "heads": heads,
            "archived": archived,
            "query": query,
            "can_add": may_add(access) and not archived,
        },
    )


def _form(register: Register, access: Access, data: Any, entry: Entry) -> forms.ModelForm:
    form_class = modelform_factory(
        register.model,
        fields=register.fields,
        widgets={
            **{
                name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                for name in register.fields
                if field(register.model, name).get_internal_type() == "DateField"
            },
            **({"serves": forms.CheckboxSelectMultiple()} if "serves" in register.fields else {}),
        },
    )
    form = form_class(data, instance=entry)
    entry.alliance = access.alliance
    if "partner" in form.fields:
        choice = form.fields["partner"]
        assert isinstance(choice, forms.ModelChoiceField)
        partners = access.alliance.partners.all()
        if not access.is_facilitator:
            # A partner lead writes for their own partner only.
            partners = partners.filter(pk=access.partner.pk if access.partner else 0)
            choice.required = True
            choice.empty_label = None
        choice.queryset = partners
    if "serves" in form.fields:
        serves = form.fields["serves"]
        assert isinstance(serves, forms.ModelMultipleChoiceField)
        serves.queryset = Interest.objects.current(access.alliance)
    return form


@login_required
def entry_form(request: HttpRequest, slug: str, key: str, pk: int | None = None) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    register = _register(key)
    if pk is None:
        if not may_add(access):
            raise PermissionDenied("your role may not add entries")
        entry = register.model(alliance=access.alliance)
        before: dict[str, str] = {}
    else:
        entry = get_object_or_404(register.model, alliance=access.alliance, pk=pk)
        if request.method == "POST" and not may_edit(access, entry):
            raise PermissionDenied("your role may not change this entry")
        before = snapshot(entry, register.fields)
    form = _form(register, access, request.POST if request.method == "POST" else None, entry)
    editable = pk is None or may_edit(access, entry)
    if not editable:
        read_only(form)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            after = snapshot(saved, register.fields)
            if pk is None:
                note(
                    saved, "created", _actor(request), {k: ["", v] for k, v in after.items() if v}
                )
            elif diff := changed(before, after):
                note(saved, "changed", _actor(request), diff)
        messages.success(request, _("Saved."))
        return redirect("alliances:register", access.alliance.slug, register.key)
    labels = {f: str(field(register.model, f).verbose_name) for f in register.fields}
    history = [
        {
            "change": c,
            "lines": [(labels.get(k, k), v[0], v[1]) for k, v in c.changes.items()],
        }
        for c in (history_of(entry) if pk is not None else [])
    ]
    return render(
        request,
        "registers/form.html",
        {
            "alliance": access.alliance,
            "access": access,
            "register": register,
            "form": form,
            "entry": entry if pk is not None else None,
            "editable": editable,
            "history": history,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def entry_archive(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    """Archive an entry (it leaves the list, nothing is deleted), or bring it back."""
    access = access_for(request, slug, ANY_ROLE)
    register = _register(key)
    entry = get_object_or_404(register.model, alliance=access.alliance, pk=pk)
    if not may_edit(access, entry):
        raise PermissionDenied("your role may not change this entry")
    restore = entry.archived
    with transaction.atomic():
        entry.archived_at = None if restore else timezone.now()
        entry.save(update_fields=["archived_at", "updated_at"])
        note(entry, "restored" if restore else "archived", _actor(request), {})
    messages.success(request, _("Restored.") if restore else _("Archived."))
    return redirect("alliances:register", access.alliance.slug, register.key)
