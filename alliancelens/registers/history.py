"""Every change to a register entry, per entry: who, what, when."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import formats

from .models import Entry, EntryChange
from .registry import BY_MODEL, field


def snapshot(entry: Entry, fields: tuple[str, ...]) -> dict[str, str]:
    """The entry's fields as the reader sees them (display names, dates)."""
    out: dict[str, str] = {}
    for name in fields:
        model_field = field(type(entry), name)
        if isinstance(model_field, models.ManyToManyField):
            out[name] = (
                "; ".join(sorted(str(x) for x in getattr(entry, name).all())) if entry.pk else ""
            )
            continue
        value: Any = getattr(entry, name)
        if model_field.choices:
            value = getattr(entry, f"get_{name}_display")()
        elif isinstance(value, bool):
            value = "✓" if value else "—"
        elif value is None:
            value = ""
        elif hasattr(value, "isoformat"):
            value = formats.date_format(value, "SHORT_DATE_FORMAT")
        out[name] = str(value)
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {k: [before.get(k, ""), v] for k, v in after.items() if before.get(k, "") != v}


def note(entry: Entry, action: str, actor: str, changes: dict[str, Any]) -> EntryChange:
    return EntryChange.objects.create(
        alliance_id=entry.alliance_id,
        register=BY_MODEL[type(entry)].key,
        entry_id=entry.pk,
        actor=actor,
        action=action,
        changes=changes,
    )


def history_of(entry: Entry) -> list[EntryChange]:
    return list(
        EntryChange.objects.filter(
            alliance_id=entry.alliance_id, register=BY_MODEL[type(entry)].key, entry_id=entry.pk
        )
    )
