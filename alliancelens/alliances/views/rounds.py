"""Rounds: open and close, invitation links, response rates and results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..forms import IssueLinksForm, RoundForm
from ..invitations import email_invitations, link_url, qr_svg
from ..models import Round
from ..rates import response_rates, response_totals
from ..services import invitations_issue, round_create, round_open
from .common import alliance_for, round_for, user_of


@login_required
def round_new(request: HttpRequest, slug: str) -> HttpResponse:
    alliance = alliance_for(request, slug)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rnd = round_create(alliance=alliance, **form.cleaned_data)
        messages.success(request, _("Round created. Open it when the participants are in."))
        return redirect(rnd)
    return render(request, "alliances/round_form.html", {"alliance": alliance, "form": form})


@login_required
def round_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    rnd = round_for(request, slug, number)
    form = RoundForm(request.POST or None, instance=rnd)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect(rnd)
    rates = response_rates(rnd)
    totals = response_totals(rates)
    return render(
        request,
        "alliances/round_detail.html",
        {"alliance": rnd.alliance, "round": rnd, "form": form, "rates": rates, "totals": totals},
    )


@login_required
@require_POST
def round_open_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    rnd = round_for(request, slug, number)
    try:
        round_open(rnd=rnd, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The round is open. Issue the invitation links next."))
    return redirect(rnd)


@never_cache
@login_required
def invitations(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    rnd = round_for(request, slug, number)
    form = IssueLinksForm(request.POST or None, rnd=rnd)
    if request.method == "POST":
        if rnd.state == Round.State.CLOSED:
            messages.error(request, _("This round is closed; no new links can be issued."))
            return redirect(rnd)
        if form.is_valid():
            chosen = list(form.cleaned_data["invitations"])
            output = form.cleaned_data["output"]
            if output == "email":
                report = email_invitations(chosen, request)
                if report.sent:
                    messages.success(
                        request, _("%(n)d invitations e-mailed.") % {"n": len(report.sent)}
                    )
                if report.failed:
                    messages.error(
                        request,
                        _(
                            "Sending failed for: %(names)s. Their earlier links still work; "
                            "try again later or hand out the links another way."
                        )
                        % {"names": ", ".join(i.participant.name for i in report.failed)},
                    )
                return redirect("alliances:invitations", rnd.alliance.slug, rnd.number)
            # The links exist only in this response; it is never cached.
            links = invitations_issue(invitations=chosen, by=user_of(request))
            rows = [
                {
                    "participant": link.invitation.participant,
                    "url": link_url(link.token, request),
                    "qr": qr_svg(link_url(link.token, request)) if output == "sheet" else "",
                }
                for link in links
            ]
            template = (
                "alliances/links_sheet.html" if output == "sheet" else "alliances/links_list.html"
            )
            return render(
                request,
                template,
                {
                    "alliance": rnd.alliance,
                    "round": rnd,
                    "rows": rows,
                    "all_links": "\n".join(
                        f"{link.invitation.participant.name}\t{link_url(link.token, request)}"
                        for link in links
                    ),
                },
            )
    return render(
        request,
        "alliances/invitations.html",
        {
            "alliance": rnd.alliance,
            "round": rnd,
            "form": form,
            "invitations": rnd.invitations.select_related("participant__partner", "response"),
        },
        status=400 if form.is_bound else 200,
    )
