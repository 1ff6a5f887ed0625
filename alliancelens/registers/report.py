"""The registers as the round report shows them: every current entry of each
register that has any, as a table with the register's list columns. The
registers hold no scan answers, so no anonymity threshold applies to them."""

from __future__ import annotations

from typing import Any

from alliancelens.alliances.models import Alliance

from .history import snapshot
from .models import Agreement
from .registry import REGISTERS, field


def register_tables(alliance: Alliance) -> list[dict[str, Any]]:
    tables = []
    for register in REGISTERS:
        entries = list(register.model.objects.current(alliance).select_related("partner"))
        if not entries:
            continue
        tables.append(
            {
                "key": register.key,
                "title": register.title,
                "heads": [field(register.model, c).verbose_name for c in register.columns],
                "rows": [
                    {
                        "cells": list(snapshot(e, register.columns).values()),
                        "overdue": isinstance(e, Agreement) and e.overdue,
                    }
                    for e in entries
                ],
            }
        )
    return tables
