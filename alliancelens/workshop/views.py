"""The projector view of a round, the discussion walk-through and the join link."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from alliancelens.alliances.history import record
from alliancelens.alliances.invitations import qr_svg
from alliancelens.alliances.models import (
    AGENDA_POINTS,
    AgendaPoint,
    AuditEvent,
    Invitation,
    Level,
    Partner,
    Round,
)
from alliancelens.alliances.rates import response_rates, response_totals
from alliancelens.alliances.views.common import round_for
from alliancelens.results.agenda import (
    AgendaFull,
    active,
    agenda_add,
    agenda_agree,
    agenda_drop,
    agenda_move,
    agenda_of,
    describe,
    more_differences,
)
from alliancelens.results.publish import charts_of, publication_of, round_publish

from .services import JoinRefused, join_link_set, workshop_join, workshop_reveal


def _join_url(request: HttpRequest, rnd: Round) -> str:
    return request.build_absolute_uri(reverse("join", args=[rnd.join_code]))


@login_required
def projector(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    rnd = round_for(request, slug, number)
    rates = response_rates(rnd)
    join_url = _join_url(request, rnd) if rnd.join_open else ""
    return render(
        request,
        "workshop/projector.html",
        {
            "alliance": rnd.alliance,
            "round": rnd,
            "rates": rates,
            "totals": response_totals(rates),
            "join_url": join_url,
            "join_qr": qr_svg(join_url) if join_url else "",
            "scan_url": request.build_absolute_uri("/"),
            # Counters update by themselves (app.js asks counts/) while
            # people can answer; a closed or revealed round stands still.
            "live": _live(rnd),
        },
    )


def _live(rnd: Round) -> bool:
    """People can still answer: the projector's counts keep updating."""
    return rnd.state == Round.State.OPEN and not rnd.workshop_revealed


@login_required
def counts(request: HttpRequest, slug: str, number: int) -> JsonResponse:
    """The projector's counters, for its script: submitted per partner
    (counts, never answers) and whether people can still answer."""
    rnd = round_for(request, slug, number)
    rates = response_rates(rnd)
    totals = response_totals(rates)
    response = JsonResponse(
        {
            "submitted": totals["submitted"],
            "invited": totals["invited"],
            "partners": [
                {"partner": r["partner"], "submitted": r["submitted"], "invited": r["invited"]}
                for r in rates
            ],
            "live": _live(rnd),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def reveal(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    rnd = workshop_reveal(rnd=round_for(request, slug, number), by=request.user)
    round_publish(rnd=rnd)
    return redirect("alliances:discuss", rnd.alliance.slug, rnd.number, 0)


@login_required
@require_POST
def join_toggle(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    rnd = round_for(request, slug, number)
    join_link_set(rnd=rnd, is_open=request.POST.get("open") == "1")
    return redirect("alliances:workshop", rnd.alliance.slug, rnd.number)


@login_required
def discuss(request: HttpRequest, slug: str, number: int, step: int) -> HttpResponse:
    """Step 0: the picture; then the agenda's points one at a time, each with
    its questions and a place for what the room agrees.

    Refused (403) while the round is open until the facilitator has revealed
    the results: the reveal state is checked here, on the server, not hidden
    in the page. A round closed the ordinary way has its results out already.
    """
    rnd = round_for(request, slug, number)
    if not rnd.workshop_revealed and rnd.state != Round.State.CLOSED:
        return render(
            request,
            "workshop/hidden.html",
            {"alliance": rnd.alliance, "round": rnd},
            status=403,
        )
    lang = translation.get_language() or "nl"
    publication = publication_of(rnd)
    if publication is None:
        raise Http404("the round has not closed")
    result = publication.result(None, lang)
    points = agenda_of(rnd, result)
    steps = active(points)
    if step < 0 or step > len(steps):
        raise Http404("no such step")
    context: dict[str, object] = {
        "alliance": rnd.alliance,
        "round": rnd,
        "result": result,
        "step": step,
        "steps": len(steps),
        "more": more_differences(result, steps),
        "differences": sum(1 for d in result.divergence if d.flagged),
        "previous": step - 1 if step > 0 else None,
        "next": step + 1 if step < len(steps) else None,
    }
    if step == 0:
        context["chart"] = charts_of(publication, lang, None, only=frozenset({"radar"})).get(
            "radar"
        )
        # Said out loud on an early reveal: which partners are not shown and
        # why (their submitted counts are on the projector already).
        context["hidden_partners"] = [
            name for name, group in result.partners.items() if group.suppressed
        ]
        context["titles"] = [describe(p, result, rnd.instrument, lang).title for p in steps]
    else:
        point = describe(steps[step - 1], result, rnd.instrument, lang)
        context["point"] = point
        context["d"] = point.divergence
    return render(request, "workshop/discuss.html", context)


@login_required
def agenda(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The facilitator prepares the hour: order, drop and add points, and
    decide whether respondents see the partners' figures."""
    rnd = round_for(request, slug, number)
    lang = translation.get_language() or "nl"
    publication = publication_of(rnd)
    context: dict[str, object] = {"alliance": rnd.alliance, "round": rnd, "limit": AGENDA_POINTS}
    if publication is not None:
        result = publication.result(None, lang)
        points = agenda_of(rnd, result)
        context["points"] = [describe(p, result, rnd.instrument, lang) for p in points]
        context["active"] = len(active(points))
        context["more"] = more_differences(result, active(points))
    return render(request, "workshop/agenda.html", context)


@login_required
@require_POST
def agenda_change(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One change to the agenda: up, down, drop, restore, agree or add."""
    rnd = round_for(request, slug, number)
    if publication_of(rnd) is None:
        raise Http404("the round has not closed")
    action = request.POST.get("action", "")
    back = reverse("alliances:agenda", args=[rnd.alliance.slug, rnd.number])
    step = request.POST.get("step", "")
    if step.isdigit():
        back = reverse("alliances:discuss", args=[rnd.alliance.slug, rnd.number, int(step)])
    try:
        if action == "add":
            agenda_add(rnd, request.POST.get("title", ""))
        elif action == "share":
            rnd.outcome_partners = request.POST.get("share") == "1"
            rnd.save(update_fields=["outcome_partners"])
            record(
                rnd.alliance,
                AuditEvent.Action.OUTCOME_SHARED,
                request.user,
                round=rnd.number,
                partners_shown=rnd.outcome_partners,
            )
        else:
            pk = request.POST.get("point", "")
            if not pk.isdigit():
                raise Http404("no such point")
            point = get_object_or_404(AgendaPoint, round=rnd, pk=int(pk))
            if action in ("up", "down"):
                agenda_move(point, -1 if action == "up" else 1)
            elif action in ("drop", "restore"):
                agenda_drop(point, action == "drop")
            elif action == "agree":
                agenda_agree(point, request.POST.get("agreed", ""))
                messages.success(request, _("Saved what you agreed."))
            else:
                raise Http404("unknown change")
    except AgendaFull as full:
        messages.error(request, str(full))
    except ValueError as empty:
        messages.error(request, str(empty))
    return redirect(back)


class JoinForm(forms.Form):
    """Organisation and level, neither chosen in advance: a default would
    put everyone who does not look closely in one group (the first partner,
    the board), and skew the comparisons between them."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        label=_("Your organisation"),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    level = forms.ChoiceField(
        choices=Level.choices, label=_("Your level"), widget=forms.RadioSelect
    )

    def __init__(self, *args: object, rnd: Round, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = rnd.alliance.partners.all()


def _join_cookie(rnd: Round) -> str:
    return f"alliancelens_joined_{rnd.pk}"


def _joined_before(request: HttpRequest, rnd: Round) -> str | None:
    """The personal link this browser got when it joined the round, if it
    still works: one join per browser."""
    token = request.get_signed_cookie(_join_cookie(rnd), default=None, salt="workshop-join")
    if token is None:
        return None
    invitation = Invitation.objects.for_token(token)
    return token if invitation is not None and invitation.round_id == rnd.pk else None


@csrf_protect
def join(request: HttpRequest, code: str) -> HttpResponse:
    """The shared workshop link: choose organisation and level, get a personal link.

    A browser that joined before goes back to its own link instead of
    joining again, and each partner takes at most as many joins as it has
    invited people who have not answered (services.join_room).
    """
    rnd = get_object_or_404(Round.objects.select_related("alliance"), join_code=code)
    if not rnd.join_open or not rnd.accepts_answers() or rnd.joined >= rnd.join_cap:
        return render(request, "workshop/join_closed.html", {"round": rnd}, status=410)
    earlier = _joined_before(request, rnd)
    if earlier is not None:
        response = redirect("scan:resume", earlier)
        response["Referrer-Policy"] = "no-referrer"
        return response
    form = JoinForm(request.POST or None, rnd=rnd)
    if request.method == "POST" and form.is_valid():
        partner = form.cleaned_data["partner"]
        try:
            link = workshop_join(
                rnd=rnd,
                partner=partner,
                level=form.cleaned_data["level"],
                language=translation.get_language() or "nl",
            )
        except JoinRefused as refused:
            if refused.args != ("partner_full",):
                return render(request, "workshop/join_closed.html", {"round": rnd}, status=410)
            form.add_error(
                "partner",
                _(
                    "Everyone invited for %(partner)s has answered or joined already. If you "
                    "belong to %(partner)s, ask the facilitator for your personal link."
                )
                % {"partner": partner.name},
            )
        else:
            response = redirect("scan:resume", link.token)
            response["Referrer-Policy"] = "no-referrer"
            response.set_signed_cookie(
                _join_cookie(rnd),
                link.token,
                salt="workshop-join",
                max_age=14 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    return render(
        request,
        "workshop/join.html",
        {"round": rnd, "alliance": rnd.alliance, "form": form},
        status=400 if form.is_bound else 200,
    )
