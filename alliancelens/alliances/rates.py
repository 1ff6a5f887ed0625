"""Who took part: counts of invitations and responses per partner (not answers)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from .models import Round


def response_rates(rnd: Round) -> list[dict[str, Any]]:
    """Invited, started and submitted per partner (counts, not answers)."""
    rows = (
        rnd.invitations.values("participant__partner__name")
        .annotate(
            invited=Count("id"),
            issued=Count("id", filter=Q(issued_at__isnull=False)),
            started=Count("response", filter=Q(response__isnull=False)),
            submitted=Count("response", filter=Q(response__submitted_at__isnull=False)),
        )
        .order_by("participant__partner__name")
    )
    out = []
    for row in rows:
        invited = row["invited"]
        out.append(
            {
                "partner": row["participant__partner__name"],
                "invited": invited,
                "issued": row["issued"],
                "started": row["started"],
                "submitted": row["submitted"],
                "rate": round(100 * row["submitted"] / invited) if invited else 0,
            }
        )
    return out


def response_totals(rates: list[dict[str, Any]]) -> dict[str, int]:
    totals = {
        key: sum(r[key] for r in rates) for key in ("invited", "issued", "started", "submitted")
    }
    totals["rate"] = (
        round(100 * totals["submitted"] / totals["invited"]) if totals["invited"] else 0
    )
    return totals
