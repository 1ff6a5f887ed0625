"""Access to an alliance (facilitators, partner leads, observers) and its history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import MemberForm
from ..members import member_change, member_grant, member_remove
from ..models import Membership
from .common import alliance_for, attempt, user_of


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    form = MemberForm(request.POST if request.method == "POST" else None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = member_grant(
                alliance=alliance,
                email=data["email"],
                name=data["name"],
                role=data["role"],
                partner=data["partner"],
                by=user_of(request),
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Access granted. %(email)s has been sent an e-mail about it.")
                % {"email": membership.user.email},
            )
            return redirect("alliances:members", alliance.slug)
    rows = alliance.memberships.select_related("user", "partner").order_by(
        "role", "user__username"
    )
    return render(
        request,
        "alliances/members.html",
        {
            "alliance": alliance,
            "form": form,
            "memberships": rows,
            "roles": Membership.Role.choices,
            "partners": alliance.partners.all(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def member_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    membership = get_object_or_404(Membership, alliance=alliance, pk=pk)
    role = request.POST.get("role", "")
    partner_id = request.POST.get("partner") or None
    if role not in Membership.Role.values:
        messages.error(request, _("Choose a role."))
        return redirect("alliances:members", alliance.slug)
    partner = None
    if partner_id is not None:
        partner = alliance.partners.filter(pk=partner_id if partner_id.isdigit() else -1).first()
        if partner is None:
            messages.error(request, _("That partner is not part of this alliance."))
            return redirect("alliances:members", alliance.slug)
    if role != Membership.Role.PARTNER_LEAD:
        partner = None
    attempt(
        request,
        lambda: member_change(
            membership=membership, role=role, partner=partner, by=user_of(request)
        ),
        _("Changes saved."),
    )
    return redirect("alliances:members", alliance.slug)


@login_required
@require_POST
def member_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    membership = get_object_or_404(Membership, alliance=alliance, pk=pk)
    attempt(
        request,
        lambda: member_remove(membership=membership, by=user_of(request)),
        _("Access withdrawn."),
    )
    return redirect("alliances:members", alliance.slug)


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    page = Paginator(alliance.events.all(), 50).get_page(request.GET.get("page"))
    return render(request, "alliances/history.html", {"alliance": alliance, "page": page})
