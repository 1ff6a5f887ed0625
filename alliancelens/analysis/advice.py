"""Advice traced to the model: rules in YAML, evaluated on the indicators.

A rule fires when its condition holds on the computed indicators; the
result says which numbers made it fire. Rules and prompts: data/advice.yaml,
format: docs/advice.md.

Most rules read the scan's result only and are evaluated once, when a round
closes. Rules that also read the alliance as it is today (its registers, its
current phase: indicators starting with ``LIVE_PREFIXES``, see
``registers.register_indicators``) are *live*: they are evaluated when a
result is shown, on the stored result's indicators together with today's.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from alliancelens.instrument import PERSPECTIVES, PHASES, STAGES, yaml_load

from .results import Advice, Divergence

RULES_FILE = Path(__file__).resolve().parent / "data" / "advice.yaml"
LANGUAGES = ("nl", "en")
URGENCIES = ("high", "medium", "low")
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda a, b: a in b,
}
# Indicators that describe the alliance today rather than a closed round.
LIVE_PREFIXES = ("register.", "alliance.", "route.", "checklist.")
_INDICATOR_RE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)*$")
PROMPT_FIELDS = {"high", "low"}


class AdviceError(ValueError):
    """The rule file is unusable; the message lists every problem."""


@dataclass(frozen=True)
class Clause:
    indicator: str
    op: str
    value: Any  # a number, text, list, or Ref

    def holds(self, indicators: Mapping[str, Any]) -> tuple[bool, str]:
        left = indicators.get(self.indicator)
        right = indicators.get(self.value.name) if isinstance(self.value, Ref) else self.value
        if left is None or right is None:
            return False, ""
        # Summation noise must not decide a threshold (2.9999999999999996 is 3).
        left, right = _rounded(left), _rounded(right)
        try:
            ok = bool(OPERATORS[self.op](left, right))
        except TypeError:
            return False, ""
        return ok, f"{self.indicator} = {_show(left)} {self.op} {_show(right)}"


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Rule:
    id: str
    perspective: str | None
    phase: str | None
    stage: str | None
    urgency: str
    source: dict[str, str]
    text: dict[str, str]
    mode: str  # "all" or "any"
    clauses: tuple[Clause, ...]

    @property
    def live(self) -> bool:
        """It reads today's registers or phase, so it is evaluated when shown."""
        return any(c.indicator.startswith(LIVE_PREFIXES) for c in self.clauses)

    def evaluate(self, indicators: Mapping[str, Any]) -> list[str] | None:
        """The reasons it fires, or None when it does not."""
        results = [c.holds(indicators) for c in self.clauses]
        held = [why for ok, why in results if ok]
        fires = all(ok for ok, _ in results) if self.mode == "all" else bool(held)
        return held if fires else None


@dataclass(frozen=True)
class RuleBase:
    rules: tuple[Rule, ...]
    prompts: dict[str, dict[str, list[str]]]


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _texts(data: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(data, dict) or any(
        not isinstance(data.get(lang), str) or not data[lang].strip() for lang in LANGUAGES
    ):
        problems.append(f"{where}: needs a non-empty text in {' and '.join(LANGUAGES)}")
        return {lang: "" for lang in LANGUAGES}
    return {lang: " ".join(data[lang].split()) for lang in LANGUAGES}


def _clause(raw: Any, where: str, problems: list[str]) -> Clause | None:
    if not (isinstance(raw, list) and len(raw) == 3):
        problems.append(f"{where}: a condition is [indicator, operator, value], not {raw!r}")
        return None
    indicator, op, value = raw
    if not isinstance(indicator, str) or not _INDICATOR_RE.match(indicator):
        problems.append(f"{where}: {indicator!r} is not an indicator name")
    if op not in OPERATORS:
        problems.append(f"{where}: unknown operator {op!r} (use {', '.join(OPERATORS)})")
    if isinstance(value, dict):
        if set(value) != {"ref"} or not isinstance(value["ref"], str):
            problems.append(f"{where}: a reference is written {{ref: indicator.name}}")
            return None
        value = Ref(value["ref"])
    elif op == "in" and not isinstance(value, list):
        problems.append(f"{where}: 'in' needs a list")
    return Clause(str(indicator), str(op), value)


def parse_rules(data: Any, source: str = "<advice>") -> RuleBase:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise AdviceError(f"{source}: expected a mapping with prompts and rules")
    prompts: dict[str, dict[str, list[str]]] = {}
    for key, value in (data.get("prompts") or {}).items():
        if key not in ("generic", *PERSPECTIVES):
            problems.append(f"prompts: unknown group {key!r}")
        prompts[key] = {}
        for lang in LANGUAGES:
            lines = (value or {}).get(lang)
            if (
                not isinstance(lines, list)
                or not lines
                or not all(isinstance(x, str) for x in lines)
            ):
                problems.append(f"prompts.{key}: needs a list of questions in {lang}")
                continue
            for line in lines:
                fields = {f for _, f, _, _ in string.Formatter().parse(line) if f}
                if fields - PROMPT_FIELDS:
                    problems.append(
                        f"prompts.{key}: unknown placeholder(s) {sorted(fields - PROMPT_FIELDS)}"
                    )
            prompts[key][lang] = lines
    rules = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("rules") or [], start=1):
        rid = raw.get("id") if isinstance(raw, dict) else None
        where = f"rule {rid!r}" if rid else f"rules[{n}]"
        if not isinstance(raw, dict) or not isinstance(rid, str):
            problems.append(f"{where}: needs an id")
            continue
        if rid in seen:
            problems.append(f"{where}: id used twice")
        seen.add(rid)
        unknown = set(raw) - {
            "id",
            "perspective",
            "phase",
            "stage",
            "urgency",
            "source",
            "when",
            "text",
        }
        if unknown:
            problems.append(f"{where}: unknown key(s) {sorted(unknown)}")
        for key, allowed in (("perspective", PERSPECTIVES), ("phase", PHASES), ("stage", STAGES)):
            if raw.get(key) is not None and raw[key] not in allowed:
                problems.append(f"{where}: {key} {raw[key]!r} is not one of {', '.join(allowed)}")
        if raw.get("urgency") not in URGENCIES:
            problems.append(f"{where}: urgency must be one of {', '.join(URGENCIES)}")
        when = raw.get("when")
        if not isinstance(when, dict) or len(when) != 1 or next(iter(when)) not in ("all", "any"):
            problems.append(f"{where}: when must be {{all: [...]}} or {{any: [...]}}")
            continue
        mode, raw_clauses = next(iter(when.items()))
        clauses = [_clause(c, where, problems) for c in (raw_clauses or [])]
        if not clauses:
            problems.append(f"{where}: needs at least one condition")
        live = [c for c in clauses if c is not None and c.indicator.startswith(LIVE_PREFIXES)]
        if live and mode != "all":
            # With "any", a live rule could fire at closing on the scan alone.
            problems.append(f"{where}: a rule on registers or today's phase needs all, not any")
        rules.append(
            Rule(
                id=rid,
                perspective=raw.get("perspective"),
                phase=raw.get("phase"),
                stage=raw.get("stage"),
                urgency=str(raw.get("urgency")),
                source=_texts(raw.get("source"), f"{where} source", problems),
                text=_texts(raw.get("text"), f"{where} text", problems),
                mode=mode,
                clauses=tuple(c for c in clauses if c is not None),
            )
        )
    if problems:
        raise AdviceError(
            f"{source}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return RuleBase(rules=tuple(rules), prompts=prompts)


@cache
def load_rules(path: Path = RULES_FILE) -> RuleBase:
    try:
        data = yaml_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AdviceError(f"{path}: cannot be read: {exc}") from exc
    return parse_rules(data, str(path))


def advise(
    indicators: Mapping[str, Any], rules: RuleBase | None = None, *, live: bool = False
) -> list[Advice]:
    """The rules that fire, most urgent first, each with why it fired.

    ``live=False`` (at closing): the rules on the scan alone. ``live=True``
    (when shown): only the live rules, on the stored indicators together with
    today's (``registers.register_indicators``)."""
    base = rules or load_rules()
    fired = []
    for rule in base.rules:
        if rule.live != live:
            continue
        why = rule.evaluate(indicators)
        if why is None:
            continue
        fired.append(
            Advice(
                id=rule.id,
                perspective=rule.perspective,
                phase=rule.phase,
                stage=rule.stage,
                source=rule.source,
                text=rule.text,
                urgency=rule.urgency,
                why=why,
                prompts=base.prompts.get(rule.perspective or "", {}),
            )
        )
    fired.sort(key=lambda a: URGENCIES.index(a.urgency))
    return fired


def prompts_for(divergence: Divergence, rules: RuleBase | None = None) -> dict[str, list[str]]:
    """Questions partners can ask each other about one divergence."""
    base = rules or load_rules()
    out: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        lines = base.prompts.get("generic", {}).get(lang, []) + base.prompts.get(
            divergence.perspective, {}
        ).get(lang, [])
        out[lang] = [line.format(high=divergence.high, low=divergence.low) for line in lines]
    return out
