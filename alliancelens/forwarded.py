"""The client's address behind the reverse proxy.

Login throttling counts failures per client address (access/login.py), read
from REMOTE_ADDR. Behind nginx every connection comes from nginx, so all
clients would share one count. nginx passes the address of whoever connected
to it in X-Forwarded-For, replacing whatever the client sent under that name
(deploy/nginx/alliancelens.conf). Any client can send that header itself, so
it is believed only on a connection from an address in TRUSTED_PROXIES; with
none listed, REMOTE_ADDR stays as the WSGI server set it.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


def _trusted(addresses: list[str]) -> frozenset[str]:
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES holds {address!r}, which is not an IP address; "
                "list the addresses the proxy connects from, e.g. 127.0.0.1"
            ) from None
    return frozenset(addresses)


class ForwardedForMiddleware:
    """Make REMOTE_ADDR the client's address when a trusted proxy says so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = _trusted(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.proxies and request.META.get("REMOTE_ADDR") in self.proxies:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            # The shipped nginx configuration sends one address. A proxy that
            # appends instead puts the address it saw last; the ones before
            # it are the client's own word.
            address = forwarded.rsplit(",", 1)[-1].strip()
            if address:
                try:
                    request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(address))
                except ValueError:
                    logger.warning(
                        "X-Forwarded-For from the proxy at %s is not an address: %r",
                        request.META["REMOTE_ADDR"],
                        forwarded[:100],
                    )
        return self.get_response(request)
