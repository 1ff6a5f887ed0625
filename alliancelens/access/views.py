"""Access to an alliance (facilitators, partner leads, observers), its history,
and a participant's privacy requests (their data, erasure)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliancelens.alliances.models import AccessGrant, Invitation, Participant, ScanResponse
from alliancelens.alliances.views.common import alliance_for, attempt, user_of

from .forms import EraseForm, MemberForm
from .privacy import (
    link_data_json,
    participant_data_given,
    participant_data_send,
    participant_erase,
)
from .services import access_change, access_grant, access_revoke


@login_required
def access_list(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    form = MemberForm(request.POST if request.method == "POST" else None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = access_grant(
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
                % {"email": grant.user.email},
            )
            return redirect("alliances:access", alliance.slug)
    rows = alliance.access_grants.select_related("user", "partner").order_by(
        "role", "user__username"
    )
    return render(
        request,
        "access/access.html",
        {
            "alliance": alliance,
            "form": form,
            "grants": rows,
            "roles": AccessGrant.Role.choices,
            "partners": alliance.partners.all(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def access_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    grant = get_object_or_404(AccessGrant, alliance=alliance, pk=pk)
    role = request.POST.get("role", "")
    partner_id = request.POST.get("partner") or None
    if role not in AccessGrant.Role.values:
        messages.error(request, _("Choose a role."))
        return redirect("alliances:access", alliance.slug)
    partner = None
    if partner_id is not None:
        partner = alliance.partners.filter(pk=partner_id if partner_id.isdigit() else -1).first()
        if partner is None:
            messages.error(request, _("That partner is not part of this alliance."))
            return redirect("alliances:access", alliance.slug)
    if role != AccessGrant.Role.PARTNER_LEAD:
        partner = None
    attempt(
        request,
        lambda: access_change(grant=grant, role=role, partner=partner, by=user_of(request)),
        _("Changes saved."),
    )
    return redirect("alliances:access", alliance.slug)


@login_required
@require_POST
def access_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    grant = get_object_or_404(AccessGrant, alliance=alliance, pk=pk)
    attempt(
        request,
        lambda: access_revoke(grant=grant, by=user_of(request)),
        _("Access withdrawn."),
    )
    return redirect("alliances:access", alliance.slug)


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    page = Paginator(alliance.events.all(), 50).get_page(request.GET.get("page"))
    return render(request, "access/history.html", {"alliance": alliance, "page": page})


@login_required
def participant_erase_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    alliance = alliance_for(request, slug)
    participant = get_object_or_404(Participant, partner__alliance=alliance, pk=pk)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        erased = participant_erase(
            participant=participant, mode=form.cleaned_data["answers"], by=user_of(request)
        )
        messages.success(
            request,
            _(
                "The participant has been erased: %(deleted)d responses deleted, %(kept)d kept "
                "as anonymous answers."
            )
            % {"deleted": erased.responses_deleted, "kept": erased.responses_kept},
        )
        return redirect("alliances:participants", alliance.slug)
    return render(
        request,
        "access/participant_erase.html",
        {
            "alliance": alliance,
            "participant": participant,
            "form": form,
            "n_responses": ScanResponse.objects.filter(
                invitation__participant=participant
            ).count(),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def participant_data_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Send everything stored about one participant to that person's own address."""
    alliance = alliance_for(request, slug)
    participant = get_object_or_404(Participant, partner__alliance=alliance, pk=pk)
    try:
        address = participant_data_send(participant=participant, by=user_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Everything stored about %(name)s has been e-mailed to %(email)s.")
            % {"name": participant.name, "email": address},
        )
    return redirect("alliances:participant_edit", alliance.slug, participant.pk)


@require_GET
def my_data(request: HttpRequest, token: str) -> HttpResponse:
    """What was given through this link (privacy.link_data), for its holder.

    Works in every state of the round: the right to see one's data does not
    end when a round closes. Only this link's own answers: a facilitator who
    issues a new link and opens it sees nothing given through the old one.
    """
    invitation = Invitation.objects.for_token(token)
    if invitation is None:
        raise Http404("unknown invitation")
    participant_data_given(
        invitation.participant, None, to="the holder of the link, what was given through it"
    )
    response = HttpResponse(link_data_json(invitation), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="alliancelens-my-data.json"'
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
