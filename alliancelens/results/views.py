"""The results page of a round: everything the lens computed, suppressed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliancelens.alliances.models import Round
from alliancelens.alliances.services import round_close
from alliancelens.alliances.views.common import (
    ANY_ROLE,
    Access,
    access_for,
    round_for,
    round_of,
)

from .context import published_context, scale_context
from .documents import (
    render_guide_html,
    render_guide_pdf,
    render_report_html,
    render_report_pdf,
)
from .exports import DIALECTS, build_export, codebook_csv, to_csv, to_sav, to_xlsx
from .publish import NotPublished, publication_of, round_publish


@login_required
def results(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    rnd = round_of(access.alliance, number)
    lang = translation.get_language() or "nl"
    # While a round is open, comparing the scores before and after one person
    # submits would reveal that person's answers: scores wait for the close,
    # and then come from the result published at closing.
    publication = publication_of(rnd)
    if publication is None:
        return _results_pending(request, access, rnd, lang)
    rnd = publication.round  # closed by now, if it was past its closing time
    context = published_context(rnd, publication, lang, access.visible_partners)
    context.update(
        show_scores=True,
        access=access,
        own_group_withheld=access.partner is not None
        and access.partner.name not in context["result"].partners,
        other_rounds=rnd.alliance.rounds.exclude(pk=rnd.pk),
    )
    return render(request, "results/results.html", context)


def _results_pending(request: HttpRequest, access: Access, rnd: Round, lang: str) -> HttpResponse:
    """An open round (or one whose answers were removed): who took part, no scores."""
    n = rnd.responses.filter(submitted_at__isnull=False).count() if not rnd.purged_at else 0
    return render(
        request,
        "results/results.html",
        {
            "alliance": rnd.alliance,
            "round": rnd,
            "n_respondents": n,
            "k": rnd.threshold,
            **scale_context(rnd.instrument, lang),
            "show_scores": False,
            "access": access,
            "other_rounds": rnd.alliance.rounds.exclude(pk=rnd.pk),
        },
    )


@login_required
@require_POST
def round_close_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Close the round and publish its result: the lens runs here, once."""
    rnd = round_for(request, slug, number)
    round_publish(rnd=round_close(rnd=rnd, by=request.user))
    messages.success(request, _("The round is closed; answers can no longer be changed."))
    return redirect(rnd)


@login_required
def report_download(
    request: HttpRequest, slug: str, number: int, fmt: str, kind: str = "report"
) -> HttpResponse:
    """The round report (or dialogue guide) as PDF or HTML, in the language asked for."""
    if fmt not in ("pdf", "html"):
        raise Http404("unknown report format")
    access = access_for(request, slug, ANY_ROLE)
    rnd = round_of(access.alliance, number)
    lang = request.GET.get("lang") or translation.get_language() or "nl"
    if lang not in ("nl", "en"):
        lang = "nl"
    name = f"alliancelens-{rnd.alliance.slug}-round-{rnd.number}-{kind}-{lang}.{fmt}"
    renderers = {
        ("report", "pdf"): render_report_pdf,
        ("report", "html"): render_report_html,
        ("guide", "pdf"): render_guide_pdf,
        ("guide", "html"): render_guide_html,
    }
    try:
        content = renderers[(kind, fmt)](rnd, lang, access.visible_partners)
    except NotPublished as exc:
        # Reports are made once the round has closed, until its answers go.
        raise Http404(str(exc)) from exc
    content_type = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    # The HTML report opens in the browser (printing from there is the way
    # to paper); the PDF is a file to keep.
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("application/x-spss-sav", "sav"),
    "codebook": ("text/csv; charset=utf-8", "csv"),
}


@login_required
def export_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """The published figures (or the codebook) of a closed round."""
    if fmt not in EXPORTS:
        raise Http404("unknown export format")
    rnd = round_for(request, slug, number)
    lang = translation.get_language() or "nl"
    try:
        export = build_export(rnd, lang if lang in ("nl", "en") else "nl")
    except NotPublished as exc:
        # Exports are made once the round has closed, until its answers go.
        raise Http404(str(exc)) from exc
    dialect = request.GET.get("dialect", "plain")
    if dialect not in DIALECTS:
        raise Http404("unknown CSV dialect")
    if fmt == "csv":
        content = to_csv(export, dialect)
    elif fmt == "codebook":
        content = codebook_csv(export, dialect)
    else:
        content = {"xlsx": to_xlsx, "sav": to_sav}[fmt](export)
    content_type, extension = EXPORTS[fmt]
    stem = "codebook" if fmt == "codebook" else "figures"
    name = f"alliancelens-{rnd.alliance.slug}-round-{rnd.number}-{stem}.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
