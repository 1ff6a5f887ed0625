"""A result as someone with a narrower view sees it.

A partner lead sees the alliance's aggregates and their own partner's group;
an observer sees the aggregates only. ``restrict`` removes every figure that
belongs to another partner, and every figure from which one could be worked
out:

- other partners' columns, partner × level cells, give and take, and
  disagreement;
- in a divergence, the other partner's name and mean, and the size of the
  gap and ICC(1) (own mean ± gap would give the other's mean; with two
  partners, the overall mean and the gap give both). The statement stays,
  so the reader still learns *that* partners see it differently;
- the lead's own group when fewer than two other partners answered: the
  overall mean minus their own would then be one other partner's mean;
- the reasons behind advice that count or measure partner-level findings.

Aggregates over all partners stay, and so do the levels, which are not
organisations. Everything left was already cleared for anonymity by the
joint suppression of the full result.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import replace

from .advice import prompts_for
from .results import Advice, AnalysisResult, Divergence

# Stands in for the name of a partner the reader may not see.
OTHER_PARTNER = {"nl": "een andere partner", "en": "another partner"}
# Advice reasons ("indicator = value op threshold") a restricted reader does not get.
PARTNER_LEVEL = re.compile(r"^(divergence|disagreement|give_take)\.")


def visible_groups(result: AnalysisResult, partners: Collection[str]) -> frozenset[str]:
    """The partner groups of ``partners`` that may be shown next to the totals."""
    wanted = frozenset(partners)
    others = [name for name, g in result.partners.items() if g.n > 0 and name not in wanted]
    return wanted if len(others) >= 2 else frozenset()


def readable_advice(advice: list[Advice]) -> list[Advice]:
    """Advice as a restricted reader gets it. Advice that fired only on other
    partners' figures would say that one of them has them: it goes; the rest
    keeps its other reasons."""
    return [
        replace(a, why=[w for w in a.why if not PARTNER_LEVEL.match(w)])
        for a in advice
        if not a.why or not all(PARTNER_LEVEL.match(w) for w in a.why)
    ]


def restrict(result: AnalysisResult, partners: Collection[str], lang: str) -> AnalysisResult:
    """The result with only ``partners`` named; ``lang`` chooses the stand-in name."""
    keep = visible_groups(result, partners)

    def named(name: str, language: str) -> str:
        return name if name in keep else OTHER_PARTNER.get(language, OTHER_PARTNER["en"])

    def masked(d: Divergence) -> Divergence:
        # The test figures and the interval are functions of the other
        # partners' means: a restricted reader gets none of them.
        shown = replace(
            d,
            gap=None,
            icc1=None,
            f=None,
            df=[],
            p=None,
            q=None,
            ci_low=None,
            ci_high=None,
            pairs=[],
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
        # Only the flagged ones (the rest say which partner is high or low),
        # in a fixed order (the full order follows the gaps).
        divergence=sorted(
            (masked(d) for d in result.divergence if d.flagged), key=lambda d: (d.kind, d.id)
        ),
        disagreement=[d for d in result.disagreement if d.partner in keep],
        give_take=[g for g in result.give_take if g.partner in keep],
        advice=readable_advice(result.advice),
        indicators={k: v for k, v in result.indicators.items() if not PARTNER_LEVEL.match(k)},
    )
