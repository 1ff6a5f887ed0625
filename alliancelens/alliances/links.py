"""What every page behind a personal link does: its holder's language, and
headers that keep the token out of other sites, caches and search engines.

Shared by the scan (``scan.views.token_view``) and the respondent's outcome
page (``results.outcome``), which may not import each other.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from .models import Invitation


def link_language(request: HttpRequest, invitation: Invitation) -> HttpResponse | None:
    """Switch language on ``?lang=`` (a redirect that sets the cookie), or
    use the participant's language when they have not chosen one."""
    choice = request.GET.get("lang")
    if choice in dict(settings.LANGUAGES):
        # The switch on token pages is a plain link: a POST form would meet
        # ``Origin: null`` (no-referrer) and fail the CSRF check.
        switched = redirect(request.path)
        switched.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            choice,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return private(switched)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(invitation.participant.language)
        request.LANGUAGE_CODE = invitation.participant.language
    return None


def private(response: HttpResponse) -> HttpResponse:
    """The token is in the URL: never leak it to other sites or caches."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
