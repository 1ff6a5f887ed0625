"""The respondent's side: no account, only the personal invitation link.

Every page is saved on the server as a draft, so leaving and opening the same
link later resumes the scan. Unknown, replaced and other-round tokens all
get the same 404 page, so a link never reveals whether a token existed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from alliancelens.alliances.links import link_language, private
from alliancelens.alliances.models import Invitation, Phase, Round, ScanResponse
from alliancelens.instrument import PERSPECTIVES, Instrument, localized

from .forms import DONT_KNOW, PerspectiveForm, initial_from
from .services import (
    LinkGoneError,
    RoundClosedError,
    StaleAnswers,
    page_digest,
    response_save,
    response_submit,
)

STEPS = ("intro", *PERSPECTIVES, "review")

View = Callable[..., HttpResponse]


def _cross_site(request: HttpRequest) -> bool:
    """True when a POST comes from another site.

    Token pages send ``Referrer-Policy: no-referrer``, so browsers send
    ``Origin: null`` with their forms and Django's CSRF check cannot be used.
    The token in the URL is the credential (a forger would need it). On top
    of that, browsers say where a request comes from in ``Sec-Fetch-Site``,
    which a page cannot forge; without it (older browsers) a POST that
    names another origin is refused.
    """
    if request.method != "POST":
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin not in (None, "null", f"{request.scheme}://{request.get_host()}")


def token_view(view: View) -> View:
    """Resolve the token, set the respondent's language and private headers."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        invitation = Invitation.objects.for_token(token)
        if invitation is None:
            raise Http404("unknown invitation")
        if _cross_site(request):
            return HttpResponseForbidden("cross-site request refused")
        switched = link_language(request, invitation)
        if switched is not None:
            return switched
        rnd = invitation.round
        if not rnd.accepts_answers():
            response = _unavailable(request, invitation, token)
        else:
            try:
                response = view(request, invitation, token, *args, **kwargs)
            except LinkGoneError:
                # A new link was issued while this request was under way.
                raise Http404("unknown invitation") from None
        return private(response)

    return wrapper


def _unavailable(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    rnd = invitation.round
    closed = rnd.is_past_closing()
    submitted = (
        invitation.responses_through_this_link().filter(submitted_at__isnull=False).exists()
    )
    return render(
        request,
        "scan/unavailable.html",
        {
            "round": rnd,
            "alliance": rnd.alliance,
            "closed": closed,
            "submitted": submitted,
            "token": token,
        },
        status=410 if closed else 200,
    )


def _response(invitation: Invitation) -> ScanResponse | None:
    return (
        invitation.responses_through_this_link()
        .prefetch_related("item_answers", "question_answers")
        .first()
    )


def _context(invitation: Invitation, token: str, step: str, **extra: Any) -> dict[str, Any]:
    rnd: Round = invitation.round
    lang = translation.get_language() or "nl"
    index = STEPS.index(step)
    return {
        "invitation": invitation,
        "participant": invitation.participant,
        "round": rnd,
        "alliance": rnd.alliance,
        "instrument": rnd.instrument,
        "token": token,
        "step": step,
        "step_number": index + 1,
        "step_count": len(STEPS),
        "steps": [
            {
                "id": s,
                "label": _step_label(rnd.instrument, s, lang),
                "number": n,
                "url": _step_url(token, s),
            }
            for n, s in enumerate(STEPS, start=1)
        ],
        "lang": lang,
        **extra,
    }


def _step_label(instrument: Instrument, step: str, lang: str) -> str:
    if step == "intro":
        return _("Introduction")
    if step == "review":
        return _("Review and submit")
    return localized(instrument.perspective(step).label, lang)


def _step_url(token: str, step: str) -> str:
    if step == "intro":
        return reverse("scan:intro", args=[token])
    if step == "review":
        return reverse("scan:review", args=[token])
    return reverse("scan:perspective", args=[token, step])


@token_view
def resume(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    """The link itself: go back to where the respondent left off."""
    response = invitation.responses_through_this_link().first()
    if response is None or not response.last_step:
        return redirect(_step_url(token, "intro"))
    if response.last_step == "done" or response.last_step not in STEPS:
        return redirect(_step_url(token, "review"))
    return redirect(_step_url(token, response.last_step))


@token_view
def intro(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    instrument = invitation.round.instrument
    lang = translation.get_language() or "nl"
    return render(
        request,
        "scan/intro.html",
        _context(
            invitation,
            token,
            "intro",
            next_url=_step_url(token, STEPS[1]),
            instrument_title=localized(instrument.title, lang),
            instrument_intro=localized(instrument.intro, lang),
        ),
    )


@token_view
@require_http_methods(["GET", "POST"])
def perspective(
    request: HttpRequest, invitation: Invitation, token: str, perspective: str
) -> HttpResponse:
    if perspective not in PERSPECTIVES:
        raise Http404("unknown step")
    instrument = invitation.round.instrument
    lang = translation.get_language() or "nl"

    def make_form(data: Any = None, initial: Any = None) -> PerspectiveForm:
        return PerspectiveForm(
            data, initial=initial, instrument=instrument, perspective=perspective, lang=lang
        )

    conflict: list[dict[str, str]] = []
    stale: StaleAnswers | None = None
    stale_nav = ""
    if request.method == "POST":
        # A valid page is checked with the page's shared fields and saved
        # without building a form; a form is built to show the errors.
        answers = PerspectiveForm.page_answers(
            request.POST, instrument=instrument, perspective=perspective, lang=lang
        )
        form = None
        if answers is None:
            form = make_form(request.POST)
            answers = form.answers() if form.is_valid() else None
        version, seen = _drawn_from(request)
        if answers is not None:
            items, cleared, questions = answers
            index = STEPS.index(perspective)
            nav = request.POST.get("nav", "next")
            target = {"prev": STEPS[index - 1], "next": STEPS[index + 1]}.get(nav, perspective)
            try:
                response_save(
                    invitation=invitation,
                    step=target,
                    items=items,
                    cleared=cleared,
                    questions=questions,
                    version=version,
                    seen=seen,
                )
            except RoundClosedError:
                return _unavailable(request, invitation, token)
            except StaleAnswers as exc:
                # Nothing saved: show what is stored now, what differs, and
                # let the respondent choose.
                stale = exc
                form = make_form(initial=exc.stored)
                conflict = _differences(form, exc, instrument, lang)
                version, seen = exc.version, page_digest(exc.stored)
                stale_nav = nav
            if nav == "save":
                submitted = (
                    invitation.responses_through_this_link()
                    .filter(submitted_at__isnull=False)
                    .exists()
                )
                return render(
                    request,
                    "scan/saved.html",
                    _context(
                        invitation,
                        token,
                        perspective,
                        resume_url=request.path,
                        submitted=submitted,
                    ),
                )
            if stale is None:
                return redirect(_step_url(token, target))
        # A successful save never needs the stored answers; a page shown
        # again (with its errors, a conflict, or by GET) does.
        stored = _response(invitation)
        status = 409 if stale is not None else 400
    else:
        stored = _response(invitation)
        initial = initial_from(stored, instrument)
        form = make_form(initial=initial)
        status = 200
        version = stored.version if stored is not None else 0
        seen = page_digest({f: initial.get(f, "") for f in form.fields})
    assert form is not None
    p = instrument.perspective(perspective)
    return render(
        request,
        "scan/perspective.html",
        _context(
            invitation,
            token,
            perspective,
            form=form,
            perspective_label=localized(p.label, lang),
            perspective_description=localized(p.description, lang),
            submitted=bool(stored and stored.is_submitted),
            version="" if version is None else version,
            seen=seen or "",
            conflict=conflict,
            sent=stale.posted if stale is not None else {},
            sent_nav=stale_nav,
        ),
        status=status,
    )


def _drawn_from(request: HttpRequest) -> tuple[int | None, str | None]:
    """The version and answers fingerprint a posted page was drawn from
    (None for a page drawn before pages carried them)."""
    raw = request.POST.get("version", "")
    version = int(raw) if raw.isdigit() and len(raw) < 10 else None
    return version, request.POST.get("seen") or None


def _differences(
    form: PerspectiveForm, stale: StaleAnswers, instrument: Instrument, lang: str
) -> list[dict[str, str]]:
    """The answers that differ, each as the stored one and the sent one."""
    dont_know = localized(instrument.scale.dont_know_label, lang)

    def shown(field: str, value: str) -> str:
        if value == "":
            return str(_("Not answered"))
        if value == DONT_KNOW:
            return dont_know
        choices = dict(getattr(form.fields[field], "choices", []))
        return str(choices.get(value, value))

    return [
        {
            "label": str(form.fields[f].label),
            "stored": shown(f, stale.stored[f]),
            "sent": shown(f, stale.posted.get(f, "")),
        }
        for f in stale.differing
    ]


def _review_rows(
    instrument: Instrument, stored: ScanResponse | None, lang: str
) -> list[dict[str, Any]]:
    answers = initial_from(stored, instrument)
    labels = instrument.scale.labels.get(lang) or instrument.scale.labels["nl"]
    dont_know = localized(instrument.scale.dont_know_label, lang)
    phases = {p.value: p.label for p in Phase}
    sections = []
    for p in instrument.perspectives:
        rows: list[dict[str, Any]] = []
        for item in instrument.items_for(p.id):
            raw = answers.get(item.id)
            if raw is None:
                shown = ""
            elif raw == DONT_KNOW:
                shown = dont_know
            else:
                shown = labels[int(raw) - instrument.scale.min]
            rows.append({"text": localized(item.text, lang), "answer": shown})
        for q in instrument.questions_for(p.id):
            raw = answers.get(q.id, "")
            if q.kind == "phase":
                raw = dont_know if raw == DONT_KNOW else str(phases.get(raw, raw))
            rows.append({"text": localized(q.text, lang), "answer": raw, "open": True})
        unanswered = sum(1 for r in rows if not r["answer"] and not r.get("open"))
        sections.append(
            {
                "id": p.id,
                "label": localized(p.label, lang),
                "rows": rows,
                "unanswered": unanswered,
            }
        )
    return sections


@token_view
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    stored = _response(invitation)
    nothing_answered = stored is None or not any(
        a.value is not None for a in stored.item_answers.all()
    )
    if request.method == "POST" and not nothing_answered:
        try:
            # A double click or a resent form counts once (response_submit).
            response_submit(invitation=invitation, version=_drawn_from(request)[0])
        except RoundClosedError:
            return _unavailable(request, invitation, token)
        return redirect(reverse("scan:thanks", args=[token]))
    instrument = invitation.round.instrument
    lang = translation.get_language() or "nl"
    sections = _review_rows(instrument, stored, lang)
    return render(
        request,
        "scan/review.html",
        _context(
            invitation,
            token,
            "review",
            sections=sections,
            unanswered=sum(s["unanswered"] for s in sections),
            submitted=bool(stored and stored.is_submitted),
            response=stored,
            # Submitting needs at least one statement answered on the scale,
            # so that "submitted" and "counted in the results" agree.
            nothing_answered=nothing_answered,
            submit_refused=request.method == "POST",
        ),
        status=400 if request.method == "POST" else 200,
    )


@token_view
def thanks(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    stored = invitation.responses_through_this_link().filter(submitted_at__isnull=False).first()
    if stored is None:
        return redirect(_step_url(token, "review"))
    return render(
        request,
        "scan/thanks.html",
        _context(invitation, token, "review", response=stored),
    )
