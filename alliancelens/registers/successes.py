"""The alliance's successes on one page, to share beyond the alliance.

Every member may make it, as a web page or a PDF: the current successes of
the last months (12 unless ``?months=`` says otherwise), newest first, under
the alliance's name and ambition. It holds what the successes register holds
and nothing of the scan or of participants, so it may leave the alliance.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from alliancelens.alliances.models import Alliance
from alliancelens.alliances.views.common import ANY_ROLE, access_for

from .models import Success

MONTHS = 12
MONTHS_MIN, MONTHS_MAX = 1, 60


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, or the last day of
    that month when it is shorter (31 March less one month: 28 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months(raw: str | None) -> int | None:
    """The period asked for, or None when it is not a whole number in range."""
    if raw is None:
        return MONTHS
    text = raw.strip()
    # isdigit() alone lets "²" through, which int() refuses.
    if not (text.isascii() and text.isdigit()) or not MONTHS_MIN <= int(text) <= MONTHS_MAX:
        return None
    return int(text)


def summary_context(alliance: Alliance, months: int) -> dict[str, Any]:
    today = timezone.localdate()
    since = months_before(today, months)
    return {
        "alliance": alliance,
        "months": months,
        "since": since,
        "today": today,
        "successes": list(
            Success.objects.current(alliance)
            .filter(achieved_on__gte=since)
            .select_related("partner")
        ),
    }


def _pdf(html: str) -> bytes:
    # WeasyPrint loads Pango and its fonts on import: only when a PDF is made.
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


@login_required
def successes_summary(request: HttpRequest, slug: str, fmt: str = "html") -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    raw = request.GET.get("months")
    months = _months(raw)
    if months is None:
        # Said on the web page, also when the PDF was asked for: a browser
        # shows it, and the form beside it takes a better number.
        error = _(
            "The period must be a whole number of months from %(low)s to %(high)s; "
            "“%(value)s” is not."
        ) % {"low": MONTHS_MIN, "high": MONTHS_MAX, "value": (raw or "")[:20]}
        return render(
            request,
            "registers/successes_summary.html",
            {"alliance": alliance, "access": access, "error": error, "months": MONTHS},
            status=400,
        )
    context = summary_context(alliance, months)
    if fmt == "pdf":
        html = render_to_string("registers/successes_summary_pdf.html", context)
        response = HttpResponse(_pdf(html), content_type="application/pdf")
        name = f"alliancelens-{alliance.slug}-successes-{context['today']:%Y-%m-%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "registers/successes_summary.html", {**context, "access": access})
