"""Invitation tokens and workshop join codes never reach a log.

A personal link ``/r/<token>/`` is the respondent's only credential, and the
workshop's ``/j/<code>/`` lets anyone join a round. Both sit in the URL, so
every log line about such a request (Django's "Not Found: /r/…", a 500's
traceback, the e-mail to the admins, an access log) would otherwise carry a
working link. Here each one is cut to its first four characters and "…":
enough to tell two requests of one link apart, far too little to use.

``MaskTokens`` is a ``logging.Filter`` for every handler in
``settings.LOGGING``; ``MaskedExceptionReporter`` masks the report that
Django's ``AdminEmailHandler`` mails; ``alliancelens.accesslog`` applies the
filter to gunicorn's own logs. Nothing here reads settings or the database:
the filter is built while logging is configured, before the apps are loaded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter

# Tokens are secrets.token_urlsafe (alliances.models.new_token) and join codes
# come from a lower-case alphabet (workshop.services.JOIN_ALPHABET): both fit
# [A-Za-z0-9_-]. Also found URL-encoded, e.g. in a ``?next=%2Fr%2F…`` query.
# A segment of four characters or fewer is left as it is, so that masking a
# text twice changes nothing ("/r/abcd…" stays "/r/abcd…").
_LINK = re.compile(r"(/[rj]/|%2F[rj]%2F)([A-Za-z0-9_-]{5,})", re.IGNORECASE)
KEEP = 4


def masked(secret: str) -> str:
    """The first four characters and an ellipsis."""
    return secret[:KEEP] + "…"


def secrets_in(text: str) -> set[str]:
    """The tokens and join codes in the links of ``text``."""
    return {found.group(2) for found in _LINK.finditer(text)}


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every link's token masked, and each of ``secrets``
    masked wherever it appears (in an exception's message, say, or a
    traceback's local variables, outside any link)."""
    text = _LINK.sub(lambda found: found.group(1) + masked(found.group(2)), text)
    for secret in secrets:
        if len(secret) > KEEP:
            text = text.replace(secret, masked(secret))
    return text


def _request_secrets(request: Any) -> set[str]:
    """The token or join code in a request's path (for records and reports
    that carry the request, like Django's ``django.request`` records)."""
    path = getattr(request, "path", None)
    return secrets_in(path) if isinstance(path, str) else set()


class MaskTokens(logging.Filter):
    """Masks tokens in a record's message, traceback and stack, in place.

    The message is formatted here (``msg % args``) and the arguments
    dropped, so a token passed as an argument is masked as well as one in
    the text; the traceback is formatted here too, so formatters reuse the
    masked ``exc_text``. The record itself is changed, so handlers after
    this one see the masked text even without the filter. It never drops a
    record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # Arguments that do not fit the message: logging would report a
            # formatting error with both in it, so keep both, masked.
            message = f"{record.msg} {record.args!r}"
        secrets = secrets_in(message) | _request_secrets(getattr(record, "request", None))
        record.msg = mask(message, secrets)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            secrets |= secrets_in(record.exc_text)
            record.exc_text = mask(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = mask(record.stack_info, secrets | secrets_in(record.stack_info))
        return True


class MaskedExceptionReporter(ExceptionReporter):
    """Django's error report (the admins' e-mail) with tokens masked.

    The report lists the request's path and headers, each frame's local
    variables (``token = '…'``) and the exception's message; the token of
    the request's own path is masked wherever it appears in them.
    """

    def _mask(self, text: SafeString) -> SafeString:
        # Still safe: only [A-Za-z0-9_-] characters were replaced, by such
        # characters and an ellipsis.
        return mark_safe(mask(text, secrets_in(text) | _request_secrets(self.request)))  # noqa: S308

    def get_traceback_text(self) -> SafeString:
        return self._mask(super().get_traceback_text())

    def get_traceback_html(self) -> SafeString:
        return self._mask(super().get_traceback_html())
