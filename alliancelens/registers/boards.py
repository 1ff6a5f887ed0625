"""Four read-only overviews drawn from the registers, for every member.

Interests side by side, who decides / does / belongs, the stakeholder grid
and the balance of contributions. Nothing here writes; archived entries are
left out everywhere.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliancelens.alliances.views.common import ANY_ROLE, access_for
from alliancelens.charts.charts import (
    BalanceRow,
    GridPoint,
    amount,
    contribution_balance,
    stakeholder_grid,
)

from .models import (
    Agreement,
    AllianceRole,
    Contribution,
    Interest,
    MutualGain,
    RuleOfPlay,
    Stakeholder,
)

# Words of five letters or more that say nothing about what a partner wants,
# in Dutch and English, plus the words every entry of an alliance shares.
# (One string, split: a list literal would run to sixty lines.)
STOP_WORDS = frozenset(
    """
    alleen andere anders binnen buiten daarom daarbij dezelfde doordat eigen
    elkaar omdat onder tegen tussen waarbij welke worden wordt zonder zodat
    hebben kunnen moeten willen zullen steeds naast nieuwe goede grote about
    after again before being between could other their there these those
    through under which while within without would should where
    partner partners alliantie alliance samenwerking collaboration
    """.split()  # noqa: SIM905
)


def _lang() -> str:
    return translation.get_language() or "nl"


def significant_words(text: str) -> set[str]:
    """The words of five letters or more, lower-cased, minus the stop list."""
    return {w for w in re.findall(r"[^\W\d_]{5,}", text.lower()) if w not in STOP_WORDS}


def possible_conflicts(interests: list[Interest]) -> list[dict[str, Any]]:
    """Each no-go area of one partner that shares a significant word with an
    interest (not a no-go area) of another partner."""
    found = []
    words = {i.pk: significant_words(i.text) for i in interests}
    for no_go in interests:
        if no_go.kind != Interest.Kind.NO_GO:
            continue
        for other in interests:
            if other.partner_id == no_go.partner_id or other.kind == Interest.Kind.NO_GO:
                continue
            shared = words[no_go.pk] & words[other.pk]
            if shared:
                found.append({"no_go": no_go, "other": other, "words": sorted(shared)})
    return found


@login_required
def interests_side_by_side(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    partners = list(alliance.partners.order_by("name"))
    interests = list(Interest.objects.current(alliance).select_related("partner"))
    by_cell: dict[tuple[str, int | None], list[Interest]] = defaultdict(list)
    for interest in interests:
        by_cell[(interest.kind, interest.partner_id)].append(interest)
    grid = [
        {
            "label": label,
            "cells": [by_cell.get((kind, p.pk), []) for p in partners],
        }
        for kind, label in Interest.Kind.choices
    ]
    gains = MutualGain.objects.current(alliance).prefetch_related(
        Prefetch(
            "serves",
            queryset=Interest.objects.current(alliance).select_related("partner"),
        )
    )
    return render(
        request,
        "registers/board_interests.html",
        {
            "alliance": alliance,
            "access": access,
            "partners": partners,
            "grid": grid,
            "collective": [i for i in interests if i.kind == Interest.Kind.COLLECTIVE],
            "conflicts": possible_conflicts(interests),
            "gains": gains,
            "any": bool(interests),
        },
    )


@login_required
def agreements_overview(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    live = Agreement.objects.current(alliance).select_related("partner")
    ruling = (Agreement.Type.GOVERNANCE, Agreement.Type.RULES)
    decides = live.filter(type__in=ruling).exclude(status=Agreement.Status.DROPPED)
    open_ones = (
        live.exclude(type__in=ruling)
        .filter(status__in=Agreement.PENDING)
        .order_by("partner__name", "owner", "due", "pk")
    )
    does: dict[tuple[str, str], list[Agreement]] = {}
    for agreement in open_ones:
        partner = agreement.partner.name if agreement.partner else ""
        does.setdefault((partner, agreement.owner), []).append(agreement)
    roles = (
        AllianceRole.objects.current(alliance)
        .select_related("partner")
        .order_by("kind", "person", "pk")
    )
    rules = RuleOfPlay.objects.current(alliance).order_by("agreed_on", "pk")
    return render(
        request,
        "registers/board_agreements.html",
        {
            "alliance": alliance,
            "access": access,
            "decides": decides,
            "does": [
                {"partner": partner, "owner": owner, "agreements": items}
                for (partner, owner), items in does.items()
            ],
            "roles": roles,
            "rules": rules,
            "today": timezone.localdate(),
        },
    )


@login_required
def stakeholder_grid_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    stakeholders = list(Stakeholder.objects.current(alliance))
    chart = None
    if stakeholders:
        chart = stakeholder_grid(
            [GridPoint(s.name, s.influence, s.concern, s.blind_spot) for s in stakeholders],
            _lang(),
            title=_("Stakeholders by influence and concern"),
            influence_label=_("Influence (1–5)"),
            concern_label=_("How much it cares (1–5)"),
            party_label=_("Party"),
            blind_spot_label=_("Blind spot"),
            other_label=_("Other party"),
        )
    blind = [s for s in stakeholders if s.blind_spot]
    return render(
        request,
        "registers/board_stakeholders.html",
        {
            "alliance": alliance,
            "access": access,
            "chart": chart,
            "blind": blind,
            "unplanned": [s for s in blind if not s.proposed_role or not s.action.strip()],
        },
    )


def _unit_key(entry: Contribution) -> tuple[str, str]:
    """What may be added up: the same unit, spelled alike; without a unit,
    the same kind (an hour and a euro are never one number)."""
    unit = " ".join(entry.unit.split()).lower()
    return (unit, "") if unit else ("", entry.kind)


@login_required
def contributions_balance(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request, slug, ANY_ROLE)
    alliance = access.alliance
    lang = _lang()
    entries = (
        Contribution.objects.current(alliance)
        .filter(pledged__isnull=False)
        .select_related("partner")
    )
    totals: dict[int, dict[tuple[str, str, str], dict[str, Any]]] = defaultdict(dict)
    names: dict[int, str] = {}
    kinds = dict(Contribution.Kind.choices)
    directions = dict(Contribution.Direction.choices)
    for entry in entries:
        assert entry.partner is not None and entry.pledged is not None  # required fields
        names[entry.partner.pk] = entry.partner.name
        unit, kind = _unit_key(entry)
        key = (entry.direction, unit, kind)
        total = totals[entry.partner.pk].setdefault(
            key,
            {
                "direction": str(directions[entry.direction]),
                "unit": unit or f"({kinds[kind]})",
                "pledged": Decimal(0),
                "delivered": Decimal(0),
                "entries": 0,
                "unreported": 0,
            },
        )
        total["pledged"] += entry.pledged
        total["delivered"] += entry.delivered or 0
        total["entries"] += 1
        total["unreported"] += entry.delivered is None
    partners = []
    for pk, by_key in sorted(totals.items(), key=lambda item: names[item[0]]):
        rows = []
        for key in sorted(by_key, key=lambda k: (k[0] != "brings", k[1], k[2])):
            t = by_key[key]
            pledged, delivered = t["pledged"], t["delivered"]
            rows.append(
                {
                    **t,
                    "pledged_text": amount(float(pledged), lang),
                    "delivered_text": amount(float(delivered), lang),
                    "share": (
                        amount(round(float(100 * delivered / pledged)), lang) + " %"
                        if pledged
                        else "–"
                    ),
                }
            )
        chart = contribution_balance(
            [
                BalanceRow(
                    f"{r['direction']} · {r['unit']}", float(r["pledged"]), float(r["delivered"])
                )
                for r in rows
            ],
            lang,
            title=_("%(partner)s: delivered as a share of pledged") % {"partner": names[pk]},
            what_label=_("Direction and unit"),
            pledged_label=_("Pledged"),
            delivered_label=_("Delivered"),
            share_label=_("Delivered / pledged"),
        )
        partners.append({"name": names[pk], "rows": rows, "chart": chart})
    closed = alliance.rounds.filter(state="closed").order_by("-number").first()
    return render(
        request,
        "registers/board_contributions.html",
        {
            "alliance": alliance,
            "access": access,
            "partners": partners,
            "results_url": (
                reverse("alliances:results", args=[alliance.slug, closed.number]) + "#givetake-h"
                if closed
                else ""
            ),
            "closed_round": closed,
            "without_number": Contribution.objects.current(alliance)
            .filter(pledged__isnull=True)
            .count(),
        },
    )
