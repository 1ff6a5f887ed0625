"""``{% load history %}``: an event's details in the reader's language."""

from __future__ import annotations

from django import template

from alliancelens.alliances.history import detail_lines
from alliancelens.alliances.models import AuditEvent

register = template.Library()


@register.filter
def details(event: AuditEvent) -> list[tuple[str, str]]:
    """``{% for label, value in event|details %}``: see history.detail_lines."""
    return detail_lines(event)
