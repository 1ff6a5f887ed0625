"""Login with throttling, counted before the password is checked.

Every attempt first takes a place in three counters, in one transaction under
row locks: the account's (it locks after LOGIN_MAX_FAILURES), the client
address's and the whole site's (windows of failed logins, the last against
password spraying: many accounts, one guess each). Only then is the password
checked, so attempts made at the same moment cannot all pass a check that
none of them has counted yet. A success gives its place back: it resets the
account's count and takes itself off the address's and the site's. Every
refusal reads the same whether or not the account exists.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import LoginThrottle, LoginWindow

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACCOUNT_LOCKED = _(
    "Too many failed attempts for this account. Try again in %(minutes)d minute(s)."
)
ADDRESS_LOCKED = _(
    "Too many failed login attempts from your network address. Try again in %(minutes)d minute(s)."
)
SITE_PAUSED = _(
    "Logging in is paused for a while: there were many failed attempts on this site. "
    "Try again in %(minutes)d minute(s)."
)


class ThrottledLoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()  # no password is checked
        attempt = login_attempt_reserve(username=username, address=client_address(self.request))
        data: dict[str, Any] = super().clean()  # a failure keeps its place
        login_attempt_succeeded(attempt)
        return data


def client_address(request: HttpRequest | None) -> str:
    """REMOTE_ADDR: behind a proxy the deployment must make it the client's
    (docs/deployment.md), or every client shares the proxy's count."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    return address[:90] or "unknown"


def _account_key(username: str) -> str:
    """The account's counter. Prefixed, so that no typed user name reaches
    the password-reset counters (``reset:…``) kept in the same table."""
    name = username.strip().lower()
    key = f"login:{name}"
    if len(key) > LoginThrottle._meta.get_field("username").max_length:  # type: ignore[operator]
        key = f"login#{hashlib.sha256(name.encode()).hexdigest()}"
    return key


@dataclass(frozen=True)
class _Window:
    key: str
    limit: int
    minutes: int
    message: StrOrPromise
    code: str


def _windows(address: str) -> list[_Window]:
    windows = []
    if settings.LOGIN_MAX_FAILURES_PER_ADDRESS > 0:
        windows.append(
            _Window(
                f"address:{address}",
                settings.LOGIN_MAX_FAILURES_PER_ADDRESS,
                settings.LOGIN_LOCK_MINUTES,
                ADDRESS_LOCKED,
                "address_locked",
            )
        )
    if settings.LOGIN_MAX_FAILURES_SITE > 0:
        windows.append(
            _Window(
                "site",
                settings.LOGIN_MAX_FAILURES_SITE,
                settings.LOGIN_SITE_WINDOW_MINUTES,
                SITE_PAUSED,
                "site_paused",
            )
        )
    return sorted(windows, key=lambda w: w.key)


@dataclass(frozen=True)
class Attempt:
    """The places an attempt took: the account's counter, and each window
    with the moment it began."""

    account: str
    windows: tuple[tuple[str, datetime], ...]


def _refusal(
    message: StrOrPromise, code: str, until: datetime, now: datetime
) -> forms.ValidationError:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return forms.ValidationError(message, code=code, params={"minutes": minutes})


def login_attempt_reserve(*, username: str, address: str) -> Attempt:
    """Count a login attempt before its password is checked, or refuse it
    with a ValidationError saying how long to wait."""
    windows = _windows(address)
    with transaction.atomic():
        # Rows are always locked in this order (the account, then the windows
        # by key), so two attempts never each hold a row the other waits for.
        throttle = LoginThrottle.objects.select_for_update().get_or_create(
            username=_account_key(username)
        )[0]
        rows = [
            LoginWindow.objects.select_for_update().get_or_create(
                key=window.key, defaults={"started_at": timezone.now()}
            )[0]
            for window in windows
        ]
        now = timezone.now()  # once the rows are ours: an attempt may have waited
        if throttle.locked_until and throttle.locked_until > now:
            raise _refusal(ACCOUNT_LOCKED, "locked", throttle.locked_until, now)
        for window, row in zip(windows, rows, strict=True):
            ends = row.started_at + timedelta(minutes=window.minutes)
            if ends <= now:
                row.started_at, row.failures = now, 0
            elif row.failures >= window.limit:
                raise _refusal(window.message, window.code, ends, now)
        if throttle.locked_until:  # a lock that has run out starts afresh
            throttle.failures, throttle.locked_until = 0, None
        throttle.failures += 1
        if throttle.failures >= settings.LOGIN_MAX_FAILURES:
            # The last attempt allowed: later ones wait, unless this succeeds.
            throttle.locked_until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        throttle.save(update_fields=["failures", "locked_until", "updated_at"])
        for row in rows:
            row.failures += 1
            row.save(update_fields=["started_at", "failures"])
    return Attempt(throttle.username, tuple((row.key, row.started_at) for row in rows))


def login_attempt_succeeded(attempt: Attempt) -> None:
    """Reset the account's count, and give back the attempt's place in the
    windows, which count failures only."""
    LoginThrottle.objects.filter(username=attempt.account).delete()
    for key, started_at in attempt.windows:
        LoginWindow.objects.filter(key=key, started_at=started_at, failures__gt=0).update(
            failures=F("failures") - 1
        )


class ResetForm(PasswordResetForm):
    """Password reset that also reaches people invited by a facilitator who have
    not chosen a password yet (Django leaves out accounts without a usable
    password, which elsewhere may log in another way; here none do)."""

    def get_users(self, email: str) -> Iterator[Any]:
        if not _reset_allowed(email):
            return
        model = get_user_model()
        field = model.get_email_field_name()
        for user in model._default_manager.filter(
            **{f"{field}__iexact": email, "is_active": True}
        ):
            if getattr(user, field, "").casefold() == email.casefold():
                yield user


RESET_MAX_MAILS, RESET_PAUSE_MINUTES = 3, 60


@transaction.atomic
def _reset_allowed(email: str) -> bool:
    """At most three reset e-mails to one address, then an hour's pause, so the
    form cannot be used to flood someone's mailbox. The page says the same
    either way."""
    key = f"reset:{email.strip().lower()}"[:150]
    now = timezone.now()
    throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(username=key)
    if throttle.locked_until and throttle.locked_until > now:
        return False
    throttle.failures += 1
    if throttle.failures >= RESET_MAX_MAILS:
        throttle.failures = 0
        throttle.locked_until = now + timedelta(minutes=RESET_PAUSE_MINUTES)
    throttle.save(update_fields=["failures", "locked_until", "updated_at"])
    return True
