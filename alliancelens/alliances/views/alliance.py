"""Alliances, partners and participants."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, RestrictedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import AllianceForm, ImportForm, ParticipantForm, PartnerForm
from ..importers import participants_import
from ..models import AccessGrant, Alliance, Participant, Partner
from ..services import alliance_create, alliance_update, invitations_sync, participant_update
from .common import (
    ANY_ROLE,
    access_for,
    alliance_for,
    may_create_alliances,
    user_of,
)


@login_required
def alliance_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    alliances = list(
        Alliance.objects.for_user(user).annotate(n_partners=Count("partners", distinct=True))
    )
    roles = {m.alliance_id: m for m in AccessGrant.objects.filter(user=user)}
    for a in alliances:
        m = roles.get(a.pk)
        a.role_label = (  # type: ignore[attr-defined]
            m.get_role_display() if m else _("Site administrator")
        )
    return render(
        request,
        "alliances/alliance_list.html",
        {"alliances": alliances, "may_create": may_create_alliances(user)},
    )


@login_required
def alliance_new(request: HttpRequest) -> HttpResponse:
    if not may_create_alliances(user_of(request)):
        raise PermissionDenied("this account cannot start alliances")
    form = AllianceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        alliance = alliance_create(facilitator=user_of(request), **form.cleaned_data)
        messages.success(request, _("The alliance has been created. Add its partners next."))
        return redirect("alliances:partners", alliance.slug)
    return render(request, "alliances/alliance_form.html", {"form": form, "alliance": None})


@login_required
def alliance_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    partners = alliance.partners.annotate(n_participants=Count("participants"))
    rounds = alliance.rounds.annotate(
        n_submitted=Count("responses", filter=Q(responses__submitted_at__isnull=False))
    )
    return render(
        request,
        "alliances/alliance_detail.html",
        {
            "alliance": alliance,
            "partners": partners,
            "rounds": rounds,
            "n_participants": Participant.objects.filter(partner__alliance=alliance).count(),
            "access": access,
            "role_label": _("Site administrator")
            if user_of(request).is_superuser
            else AccessGrant.Role(access.role).label,
        },
    )


@login_required
def alliance_edit(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    form = AllianceForm(request.POST or None, instance=alliance)
    if request.method == "POST" and form.is_valid():
        keeping = alliance_update(alliance=form.instance, by=user_of(request))
        messages.success(request, _("Changes saved."))
        if keeping:
            messages.info(
                request,
                _(
                    "The new anonymity threshold applies to rounds opened from now on. "
                    "Rounds already opened keep theirs: %(rounds)s."
                )
                % {"rounds": ", ".join(f"{r.number} (k = {r.k})" for r in keeping)},
            )
        return redirect(alliance)
    return render(request, "alliances/alliance_form.html", {"form": form, "alliance": alliance})


@login_required
def partners(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    form = PartnerForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        form.instance.alliance = alliance
        form.save()
        messages.success(request, _("Partner added."))
        return redirect("alliances:partners", alliance.slug)
    rows = alliance.partners.annotate(n_participants=Count("participants"))
    return render(
        request, "alliances/partners.html", {"alliance": alliance, "partners": rows, "form": form}
    )


@login_required
def partner_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    partner = get_object_or_404(Partner, alliance=alliance, pk=pk)
    form = PartnerForm(request.POST or None, instance=partner, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect("alliances:partners", alliance.slug)
    return render(
        request,
        "alliances/object_form.html",
        {
            "alliance": alliance,
            "form": form,
            "title": partner.name,
            "object": partner,
            "delete_url_name": "alliances:partner_delete",
        },
    )


@login_required
@require_POST
def partner_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    partner = get_object_or_404(Partner, alliance=alliance, pk=pk)
    try:
        partner.delete()
    except RestrictedError as refused:
        # Nothing goes silently: name what still belongs to the partner.
        held = sorted({str(type(o)._meta.verbose_name_plural) for o in refused.restricted_objects})
        messages.error(
            request,
            _(
                "%(name)s cannot be deleted: it still has %(what)s, which would be lost. "
                "Move or archive them first; a partner with responses in a round stays."
            )
            % {"name": partner.name, "what": ", ".join(held)},
        )
    else:
        messages.success(request, _("Partner deleted."))
    return redirect("alliances:partners", alliance.slug)


@login_required
def participants(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    form = ParticipantForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        form.save()
        for rnd in alliance.rounds.filter(state="open"):
            invitations_sync(rnd=rnd)
        messages.success(request, _("Participant added."))
        return redirect("alliances:participants", alliance.slug)
    rows = Participant.objects.filter(partner__alliance=alliance).select_related("partner")
    return render(
        request,
        "alliances/participants.html",
        {
            "alliance": alliance,
            "participants": rows,
            "form": form,
            "has_partners": alliance.partners.exists(),
        },
    )


@login_required
def participant_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    participant = get_object_or_404(Participant, partner__alliance=alliance, pk=pk)
    form = ParticipantForm(request.POST or None, instance=participant, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        participant_update(participant=form.instance, by=user_of(request))
        messages.success(request, _("Changes saved."))
        return redirect("alliances:participants", alliance.slug)
    return render(
        request,
        "alliances/participant_form.html",
        {"alliance": alliance, "form": form, "participant": participant},
    )


@login_required
def participants_import_view(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = participants_import(
            alliance=alliance, filename=upload.name, content=upload.read()
        )
        if report.ok:
            messages.success(
                request, _("%(n)d participants imported.") % {"n": len(report.created)}
            )
            return redirect("alliances:participants", alliance.slug)
    return render(
        request,
        "alliances/participants_import.html",
        {"alliance": alliance, "form": form, "report": report},
        status=400 if form.errors or (report and not report.ok) else 200,
    )
