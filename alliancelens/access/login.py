"""Login with throttling: after repeated failures an account locks for a while."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import LoginThrottle


class ThrottledLoginForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "").strip().lower()
        now = timezone.now()
        throttle = LoginThrottle.objects.filter(username=username).first()
        if throttle and throttle.locked_until and throttle.locked_until > now:
            minutes = math.ceil((throttle.locked_until - now).total_seconds() / 60)
            raise forms.ValidationError(
                _(
                    "Too many failed attempts for this account. Try again in %(minutes)d "
                    "minute(s)."
                ),
                code="locked",
                params={"minutes": minutes},
            )
        try:
            data: dict[str, Any] = super().clean()
        except forms.ValidationError:
            if username:
                _record_failure(username)
            raise
        LoginThrottle.objects.filter(username=username).delete()
        return data


@transaction.atomic
def _record_failure(username: str) -> None:
    throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(username=username)
    LoginThrottle.objects.filter(pk=throttle.pk).update(failures=F("failures") + 1)
    throttle.refresh_from_db()
    if throttle.failures >= settings.LOGIN_MAX_FAILURES:
        throttle.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        throttle.failures = 0
        throttle.save(update_fields=["locked_until", "failures"])


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
