"""The route's content as data: each phase's theme, working form and result
document, the checklists from practice, and what you see in each development
stage with what to do about it.

The content lives in ``data/route.yaml`` (format: docs/route.md) and is
validated when loaded: every problem in the file is listed at once, each with
where it is. This module imports no Django, so tools and tests can read the
content on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from alliancelens.instrument import PHASES, STAGES, ContentError, yaml_file

ROUTE_FILE = Path(__file__).resolve().parent / "data" / "route.yaml"
LANGUAGES: tuple[str, ...] = ("nl", "en")
# Identifiers stored by the app (ticked items, recognised observations, the
# result of each phase); never rename them.
RESULT_IDS: dict[str, str] = {
    "explore": "starting_note",
    "share": "letter_of_intent",
    "agree": "agreements_note",
    "design": "project_plan",
    "execute": "results",
}
GROUPS: tuple[str, ...] = ("dos", "donts", "ingredients", "tips")
TASKS: tuple[str, ...] = (
    "learning_agenda",
    "external_profiling",
    "harvest_log",
    "organised_dissent",
    "none",
)
MIN_OBSERVATIONS = 4
# The app stores item and observation ids in columns of this width.
MAX_ID_LENGTH = 60
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")

Text = dict[str, str]
# Texts are dicts: they take part in ==, not in hash(), so the content's
# dataclasses still go into sets and dict keys (hashed by their other fields).


class RouteError(ContentError):
    """The route file is unusable; ``problems`` lists every reason."""

    kind = "route"


@dataclass(frozen=True)
class PhaseInfo:
    """One phase of the process: what it is about, how you work in it, and
    the document it delivers."""

    id: str
    theme: Text = field(hash=False)
    working_form: Text = field(hash=False)
    result_id: str
    result: Text = field(hash=False)
    done: Text = field(hash=False)


@dataclass(frozen=True)
class CheckItem:
    """A point from practice worded as something an alliance can tick.

    It belongs to exactly one phase or one development stage; the other is
    None.
    """

    id: str
    group: str
    text: Text = field(hash=False)
    source: Text = field(hash=False)
    phase: str | None
    stage: str | None


@dataclass(frozen=True)
class Observation:
    """What a member may recognise in an alliance at a development stage."""

    id: str
    stage: str
    text: Text = field(hash=False)


@dataclass(frozen=True)
class StageAction:
    """What to do at a development stage; ``task`` names the kind of task it
    becomes (``none``: a conversation, not a register entry)."""

    id: str
    stage: str
    text: Text = field(hash=False)
    task: str


@dataclass(frozen=True)
class Route:
    phases: tuple[PhaseInfo, ...]
    checklist: tuple[CheckItem, ...]
    observations: tuple[Observation, ...]
    actions: tuple[StageAction, ...]

    def phase(self, phase_id: str) -> PhaseInfo:
        for info in self.phases:
            if info.id == phase_id:
                return info
        raise KeyError(phase_id)

    def item(self, item_id: str) -> CheckItem:
        for item in self.checklist:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def items_for_phase(self, phase_id: str) -> tuple[CheckItem, ...]:
        _known(phase_id, PHASES)
        return tuple(i for i in self.checklist if i.phase == phase_id)

    def items_up_to(self, phase_id: str) -> tuple[CheckItem, ...]:
        """The items of this phase and of every earlier one, in route order."""
        _known(phase_id, PHASES)
        return tuple(
            item
            for earlier in PHASES[: PHASES.index(phase_id) + 1]
            for item in self.items_for_phase(earlier)
        )

    def items_for_stage(self, stage: str) -> tuple[CheckItem, ...]:
        _known(stage, STAGES)
        return tuple(i for i in self.checklist if i.stage == stage)

    def observations_for(self, stage: str) -> tuple[Observation, ...]:
        _known(stage, STAGES)
        return tuple(o for o in self.observations if o.stage == stage)

    def actions_for(self, stage: str) -> tuple[StageAction, ...]:
        _known(stage, STAGES)
        return tuple(a for a in self.actions if a.stage == stage)


def _known(value: str, options: tuple[str, ...]) -> None:
    # A mistyped phase or stage must fail, not look like an empty list.
    if value not in options:
        raise KeyError(value)


class _Checker:
    """Collects problems while the parsed YAML is turned into dataclasses."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.ids: dict[str, str] = {}

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, found {type(value).__name__}")
            return {}
        return value

    def entries(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.fail(where, "expected a non-empty list")
            return []
        return value

    def unknown_keys(self, data: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in sorted(set(data) - set(allowed), key=str):
            self.fail(where, f"unknown key {key!r} (allowed: {', '.join(allowed)})")

    def text(self, value: Any, where: str) -> Text:
        if not isinstance(value, dict):
            self.fail(where, "expected a text per language, e.g. {nl: ..., en: ...}")
            return {lang: "" for lang in LANGUAGES}
        out: Text = {}
        for lang in LANGUAGES:
            t = value.get(lang)
            if not isinstance(t, str) or not t.strip():
                self.fail(where, f"the {lang!r} text is missing or empty")
                out[lang] = ""
            else:
                out[lang] = " ".join(t.split())
        for lang in sorted(set(value) - set(LANGUAGES), key=str):
            self.fail(where, f"text in language {lang!r}; only {', '.join(LANGUAGES)}")
        return out

    def choice(self, value: Any, options: tuple[str, ...], where: str, name: str) -> str:
        if value not in options:
            self.fail(where, f"{name} {value!r} is not one of {', '.join(options)}")
        return str(value)

    def new_id(self, value: Any, where: str) -> str:
        """An id of an item, observation or action: unique in the whole file,
        since the app stores them side by side."""
        if not isinstance(value, str) or not _ID_RE.match(value):
            self.fail(where, f"id {value!r} must be lowercase letters, digits and _")
            return str(value)
        if len(value) > MAX_ID_LENGTH:
            self.fail(where, f"id {value!r} is longer than {MAX_ID_LENGTH} characters")
        if value in self.ids:
            self.fail(where, f"id {value!r} is used twice (first in {self.ids[value]})")
        else:
            self.ids[value] = where
        return value


def parse_route(data: Any, source: str = "<route>") -> Route:
    """Validate parsed YAML and build a :class:`Route`.

    Raises :class:`RouteError` listing every problem found.
    """
    c = _Checker()
    root = c.mapping(data, "file")
    c.unknown_keys(root, ("phases", "checklist", "observations", "actions"), "file")
    phases = tuple(_parse_phases(c, root.get("phases")))
    checklist = tuple(_parse_checklist(c, root.get("checklist")))
    observations = tuple(_parse_observations(c, root.get("observations")))
    actions = tuple(_parse_actions(c, root.get("actions")))

    for group in GROUPS:
        if checklist and not any(i.group == group for i in checklist):
            c.fail("checklist", f"group {group!r} has no items")
    for stage in STAGES:
        seen = sum(o.stage == stage for o in observations)
        if observations and seen < MIN_OBSERVATIONS:
            c.fail(
                "observations",
                f"stage {stage!r} has {seen} observation(s); it needs at least {MIN_OBSERVATIONS}",
            )
        if actions and not any(a.stage == stage for a in actions):
            c.fail("actions", f"stage {stage!r} has no action")

    if c.problems:
        raise RouteError(source, c.problems)
    return Route(phases=phases, checklist=checklist, observations=observations, actions=actions)


def _parse_phases(c: _Checker, value: Any) -> Iterator[PhaseInfo]:
    keys = ("id", "theme", "working_form", "result_id", "result", "done")
    found: list[str] = []
    for n, raw in enumerate(c.entries(value, "phases"), start=1):
        data = c.mapping(raw, f"phases[{n}]")
        phase_id = data.get("id")
        if phase_id not in PHASES:
            c.fail(f"phases[{n}]", f"id {phase_id!r} is not one of {', '.join(PHASES)}")
            continue
        where = f"phase {phase_id!r}"
        if phase_id in found:
            c.fail(where, "appears twice")
            continue
        found.append(phase_id)
        c.unknown_keys(data, keys, where)
        result_id = data.get("result_id")
        if result_id != RESULT_IDS[phase_id]:
            c.fail(where, f"result_id {result_id!r} must be {RESULT_IDS[phase_id]!r}")
        yield PhaseInfo(
            id=phase_id,
            theme=c.text(data.get("theme"), where + " theme"),
            working_form=c.text(data.get("working_form"), where + " working_form"),
            result_id=RESULT_IDS[phase_id],
            result=c.text(data.get("result"), where + " result"),
            done=c.text(data.get("done"), where + " done"),
        )
    if not found:
        return
    for phase_id in PHASES:
        if phase_id not in found:
            c.fail("phases", f"phase {phase_id!r} is missing")
    in_order = [p for p in PHASES if p in found]
    if found != in_order:
        c.fail(
            "phases",
            f"must be in route order ({', '.join(in_order)}); found {', '.join(found)}",
        )


def _parse_checklist(c: _Checker, value: Any) -> Iterator[CheckItem]:
    keys = ("id", "group", "phase", "stage", "text", "source")
    for n, raw in enumerate(c.entries(value, "checklist"), start=1):
        data = c.mapping(raw, f"checklist[{n}]")
        item_id = c.new_id(data.get("id"), f"checklist[{n}]")
        where = f"checklist item {item_id!r}"
        c.unknown_keys(data, keys, where)
        group = c.choice(data.get("group"), GROUPS, where, "group")
        phase, stage = data.get("phase"), data.get("stage")
        if phase is not None and stage is not None:
            c.fail(where, "has both a phase and a stage; give exactly one")
        elif phase is None and stage is None:
            c.fail(where, "has neither a phase nor a stage; give exactly one")
        if phase is not None:
            c.choice(phase, PHASES, where, "phase")
        if stage is not None:
            c.choice(stage, STAGES, where, "stage")
        yield CheckItem(
            id=item_id,
            group=group,
            text=c.text(data.get("text"), where + " text"),
            source=c.text(data.get("source"), where + " source"),
            phase=None if phase is None else str(phase),
            stage=None if stage is None else str(stage),
        )


def _parse_observations(c: _Checker, value: Any) -> Iterator[Observation]:
    for n, raw in enumerate(c.entries(value, "observations"), start=1):
        data = c.mapping(raw, f"observations[{n}]")
        obs_id = c.new_id(data.get("id"), f"observations[{n}]")
        where = f"observation {obs_id!r}"
        c.unknown_keys(data, ("id", "stage", "text"), where)
        yield Observation(
            id=obs_id,
            stage=c.choice(data.get("stage"), STAGES, where, "stage"),
            text=c.text(data.get("text"), where + " text"),
        )


def _parse_actions(c: _Checker, value: Any) -> Iterator[StageAction]:
    for n, raw in enumerate(c.entries(value, "actions"), start=1):
        data = c.mapping(raw, f"actions[{n}]")
        action_id = c.new_id(data.get("id"), f"actions[{n}]")
        where = f"action {action_id!r}"
        c.unknown_keys(data, ("id", "stage", "task", "text"), where)
        yield StageAction(
            id=action_id,
            stage=c.choice(data.get("stage"), STAGES, where, "stage"),
            text=c.text(data.get("text"), where + " text"),
            task=c.choice(data.get("task"), TASKS, where, "task"),
        )


@cache
def load_route(path: Path = ROUTE_FILE) -> Route:
    """Read and validate the route file (cached: shipped files never change
    in place)."""
    data = yaml_file(path, RouteError)
    return parse_route(data, source=str(path))
