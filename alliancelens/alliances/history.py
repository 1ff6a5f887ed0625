"""The alliance's history (audit log): one line per event that matters for trust."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Alliance, AuditEvent

Actor = AbstractBaseUser | AnonymousUser | None


def record(alliance: Alliance, action: str, actor: Actor = None, **detail: Any) -> AuditEvent:
    """Write one event. ``detail`` must never hold an erased person's name."""
    name = actor.get_username() if actor is not None and actor.is_authenticated else ""
    return AuditEvent.objects.create(alliance=alliance, action=action, actor=name, detail=detail)
