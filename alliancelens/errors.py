"""Honest error pages: what happened, that saved answers are safe, when to
try again, in the reader's language; and personal links stay private on
every response, error pages included.

- ``DatabaseOutageMiddleware`` answers 503 with ``Retry-After`` when the
  database cannot be reached, instead of a 500.
- ``server_error`` is ``handler500``: the 500 page, or the 503 page when the
  exception that got this far is a database outage (raised outside a view,
  e.g. in a middleware).
- ``page_not_found`` is ``handler404``: under ``/r/`` and ``/j/`` a 404 page
  without base.html's language form (see error_page.html), elsewhere
  Django's own with 404.html.
- ``PrivateLinkHeadersMiddleware`` gives every response under ``/r/`` the
  headers of ``alliances.links.private`` (no-store, no-referrer, noindex),
  and every response under ``/j/`` no-store and noindex; the error pages of
  both send all three.

Error pages are rendered without the request's context processors: those
read the session and the user, which needs the database that may be the
very thing that failed. The language comes from what ``LocaleMiddleware``
chose (cookie, Accept-Language), or the participant's if the link's view got
as far as setting it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.log import log_response
from django.views import defaults

from alliancelens.alliances.links import private

# Seconds a client (or a crawler, or a proxy) is asked to wait after a 503.
RETRY_AFTER = 30

# What a lost or unreachable database raises: the server is down or
# restarting, a connection was dropped or refused, too many connections,
# a statement or lock timed out, SQLite's file is locked or unreadable.
# Integrity, data and programming errors are bugs or bad input: they stay 500.
OUTAGE = (OperationalError, InterfaceError)

# Personal invitation links and the workshop's shared join links.
PRIVATE_PREFIXES = ("/r/", "/j/")


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE)


def is_private_link(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(
        request
    )
    link = is_private_link(request.path_info)
    with translation.override(language):
        body = loader.render_to_string(template, {"link": link})
    response = HttpResponse(body, status=status)
    return private(response) if link else response


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page: nothing is lost, the link works again soon."""
    response = _page(request, "503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page for an outage, else the 500 page.

    Django calls it while handling the exception, so ``sys.exc_info()``
    is the exception that got this far.
    """
    if is_outage(sys.exc_info()[1]):
        return unavailable(request)
    return _page(request, "500.html", 500)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: a link's 404 on the error pages' own layout."""
    if is_private_link(request.path_info):
        return _page(request, "404_link.html", 404)
    return defaults.page_not_found(request, exception)


class DatabaseOutageMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After.

    Logged once per request, as Django logs a 500, but with the database's
    own message instead of a traceback: during an outage every request
    fails the same way, and the operator needs the cause, not hundreds of
    copies of the stack. With DEBUG on, Django's technical page shows the
    error instead (a missing migration is an OperationalError on SQLite).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG or not is_outage(exception):
            return None
        response = unavailable(request)
        log_response(
            "%s (%s: %s): %s",
            response.reason_phrase,
            type(exception).__name__,
            str(exception),
            request.path,
            response=response,
            request=request,
        )
        return response


class PrivateLinkHeadersMiddleware:
    """The headers of ``links.private`` on every response under ``/r/``,
    also those no view of the link wrote (a 403, a 405, an error in a
    middleware); outermost in MIDDLEWARE, so that it sees every response.

    Under ``/j/`` only no-store and noindex: the workshop's join page and
    its closed page post forms through Django's CSRF check (the join form,
    base.html's language form), which a no-referrer page's ``Origin: null``
    fails. Their same-origin policy already keeps the code from other
    sites, and the error pages of ``/j/`` (404, 500, 503) send no-referrer
    themselves (``_page``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        path = request.path_info
        if path.startswith("/r/"):
            private(response)
        elif path.startswith("/j/"):
            response["Cache-Control"] = "no-store"
            response["X-Robots-Tag"] = "noindex"
        return response
