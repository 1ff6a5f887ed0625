"""A result as someone with a narrower view sees it.

A partner lead sees the alliance's aggregates and their own partner's group;
an observer sees the aggregates only. ``restrict`` removes every figure that
belongs to another partner: its column, its partner × level cells, its
give and take, its disagreement, and its name and mean in a divergence (the
statement and the size of the gap stay, so the lead still learns *that*
partners see it differently). Aggregates over all partners stay, and so do
the levels, which are not organisations.

Hiding more figures never weakens anonymity: everything left was already
cleared by the joint suppression of the full result.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from .advice import prompts_for
from .results import AnalysisResult, Divergence

# Stands in for the name of a partner the reader may not see.
OTHER_PARTNER = {"nl": "een andere partner", "en": "another partner"}


def restrict(result: AnalysisResult, partners: Collection[str], lang: str) -> AnalysisResult:
    """The result with only ``partners`` named; ``lang`` chooses the stand-in name."""
    keep = frozenset(partners)

    def named(name: str, language: str) -> str:
        return name if name in keep else OTHER_PARTNER.get(language, OTHER_PARTNER["en"])

    def masked(d: Divergence) -> Divergence:
        shown = replace(
            d,
            high=named(d.high, lang),
            low=named(d.low, lang),
            partner_means={n: m for n, m in d.partner_means.items() if n in keep},
        )
        if not d.prompts:
            return shown
        # The discussion questions name both partners: write them again per language.
        prompts = {
            language: prompts_for(
                replace(d, high=named(d.high, language), low=named(d.low, language))
            )[language]
            for language in d.prompts
        }
        return replace(shown, prompts=prompts)

    return replace(
        result,
        partners={n: g for n, g in result.partners.items() if n in keep},
        partner_levels={},
        divergence=[masked(d) for d in result.divergence],
        disagreement=[d for d in result.disagreement if d.partner in keep],
        give_take=[g for g in result.give_take if g.partner in keep],
    )
