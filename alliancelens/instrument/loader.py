"""Load and validate instrument files.

Validation collects every problem in a file before failing, so whoever edits
an instrument sees all mistakes at once, each with the item it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

# Identifiers other tools rely on; never rename them.
PERSPECTIVES: tuple[str, ...] = (
    "ambition",
    "interests",
    "relationship",
    "organisation",
    "process",
)
PHASES: tuple[str, ...] = ("explore", "share", "agree", "design", "execute")
# The development stages of an alliance and the levels people work at; the
# web's choices (alliances.models) are tied to these by a test.
STAGES: tuple[str, ...] = ("designing", "discovering", "productive")
LEVELS: tuple[str, ...] = ("board", "management", "professional")
FACETS: tuple[str, ...] = ("promise", "commitment", "action")
EXCHANGES: tuple[str, ...] = ("gets", "brings")
QUESTION_KINDS: tuple[str, ...] = ("phase", "open")
REQUIRED_LANGUAGES: tuple[str, ...] = ("nl", "en")

# A reverse-worded statement without a paraphrase, read as meant.
NOT = {"nl": "Niet zo: {}", "en": "Not so: {}"}

# A number, or an array or column of numbers.
Turned = TypeVar("Turned")

DATA_DIR = Path(__file__).resolve().parent / "data"
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")
_INSTRUMENT_ID_RE = re.compile(r"^[a-z][a-z0-9-]*\Z")
_FILE_RE = re.compile(r"^v(\d+)\.yaml$")


class ContentError(ValueError):
    """A content file (instrument, route) is unusable; ``problems`` lists every reason."""

    kind = "file"  # what the message calls the file

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the {self.kind}:\n{lines}")


class InstrumentError(ContentError):
    """An instrument file is unusable; ``problems`` lists every reason."""

    kind = "instrument"


Text = Mapping[str, str]


@dataclass(frozen=True)
class Perspective:
    id: str
    label: Text
    description: Text


@dataclass(frozen=True)
class Item:
    """A scale statement."""

    id: str
    perspective: str
    theme: str
    text: Text
    reverse: bool = False
    facet: str | None = None
    exchange: str | None = None
    # Reverse-worded statements: what a high score (after turning) means,
    # in positive words, for showing results "as meant".
    meant: Text | None = None

    def reads(self, lang: str) -> str:
        """The statement as a result reads it: a reverse-worded one by what
        its score means (its ``meant`` text, else "Not: …")."""
        if not self.reverse:
            return localized(self.text, lang)
        if self.meant is not None:
            return localized(self.meant, lang)
        return NOT.get(lang, NOT["en"]).format(localized(self.text, lang))


@dataclass(frozen=True)
class Question:
    """Anything that is not a scale statement: the phase, open questions."""

    id: str
    kind: str
    text: Text
    perspective: str = "process"


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    dont_know: bool
    labels: Mapping[str, tuple[str, ...]]
    dont_know_label: Text

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1))

    def reverse(self, value: Turned) -> Turned:
        """A reverse-worded answer turned around: min + max − value (numbers or arrays)."""
        return self.min + self.max - value  # type: ignore[operator,return-value]


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    languages: tuple[str, ...]
    title: Text
    intro: Text
    scale: Scale
    perspectives: tuple[Perspective, ...]
    items: tuple[Item, ...]
    questions: tuple[Question, ...]
    # Gets and brings statements are worded on the same footing, so their
    # difference (the balance of give and take) means something.
    exchange_comparable: bool = False
    _by_id: dict[str, Item | Question] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({i.id: i for i in self.items})
        self._by_id.update({q.id: q for q in self.questions})

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def item(self, item_id: str) -> Item:
        found = self._by_id.get(item_id)
        if not isinstance(found, Item):
            raise KeyError(item_id)
        return found

    def question(self, question_id: str) -> Question:
        found = self._by_id.get(question_id)
        if not isinstance(found, Question):
            raise KeyError(question_id)
        return found

    def has_item(self, item_id: str) -> bool:
        return isinstance(self._by_id.get(item_id), Item)

    def has_question(self, question_id: str) -> bool:
        return isinstance(self._by_id.get(question_id), Question)

    def perspective(self, perspective_id: str) -> Perspective:
        for p in self.perspectives:
            if p.id == perspective_id:
                return p
        raise KeyError(perspective_id)

    def column_label(self, kind: str, column_id: str, lang: str) -> str:
        """The label of a perspective, or a statement as results read it (a
        reverse-worded one by what its score means: Item.reads), in ``lang``."""
        if kind == "perspective":
            return localized(self.perspective(column_id).label, lang)
        return self.item(column_id).reads(lang)

    def items_for(self, perspective_id: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.perspective == perspective_id)

    def questions_for(self, perspective_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.perspective == perspective_id)


def localized(text: Text, lang: str) -> str:
    """The text in ``lang``, falling back to Dutch."""
    return text.get(lang) or text["nl"]


class _Checker:
    """Collects problems while the parsed YAML is turned into dataclasses."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.problems: list[str] = []
        self.languages = languages

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, found {type(value).__name__}")
            return {}
        return value

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            self.fail(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")

    def text(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict):
            self.fail(where, "expected a text per language, e.g. {nl: ..., en: ...}")
            return {lang: "" for lang in self.languages}
        out: dict[str, str] = {}
        for lang in self.languages:
            t = value.get(lang)
            if not isinstance(t, str) or not t.strip():
                self.fail(where, f"the {lang!r} text is missing or empty")
                out[lang] = ""
            else:
                out[lang] = " ".join(t.split())
        for lang in value:
            if lang not in self.languages:
                self.fail(where, f"text in language {lang!r}, which is not in languages")
        return out

    def choice(self, value: Any, options: tuple[str, ...], where: str, name: str) -> str:
        if value not in options:
            self.fail(where, f"{name} is {value!r}; it must be one of {', '.join(options)}")
        return str(value)

    def boolean(self, value: Any, where: str, name: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"{name} must be true or false, not {value!r}")
            return False
        return value


def parse_instrument(data: Any, source: str = "<instrument>") -> Instrument:
    """Validate parsed YAML and build an :class:`Instrument`.

    Raises :class:`InstrumentError` listing every problem found.
    """
    pre = _Checker(REQUIRED_LANGUAGES)
    root = pre.mapping(data, "file")
    if pre.problems:
        raise InstrumentError(source, pre.problems)

    raw_languages = root.get("languages")
    if not isinstance(raw_languages, list) or not all(isinstance(x, str) for x in raw_languages):
        pre.fail("languages", "expected a list of language codes, e.g. [nl, en]")
        languages = REQUIRED_LANGUAGES
    else:
        languages = tuple(raw_languages)
        for lang in REQUIRED_LANGUAGES:
            if lang not in languages:
                pre.fail("languages", f"{lang!r} is required")
    c = _Checker(languages)
    c.problems = pre.problems
    c.unknown_keys(
        root,
        {
            "id",
            "version",
            "languages",
            "title",
            "intro",
            "scale",
            "perspectives",
            "items",
            "questions",
            "exchange_comparable",
        },
        "file",
    )

    inst_id = root.get("id")
    if not isinstance(inst_id, str) or not _INSTRUMENT_ID_RE.match(inst_id):
        c.fail("id", f"{inst_id!r} is not a valid instrument id (lowercase letters, digits, -)")
        inst_id = str(inst_id)
    version = root.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        c.fail("version", f"{version!r} is not a whole number of at least 1")
        version = 0

    title = c.text(root.get("title", {lang: inst_id for lang in languages}), "title")
    intro = c.text(root.get("intro", {lang: "-" for lang in languages}), "intro")
    scale = _parse_scale(c, root.get("scale"))
    perspectives = _parse_perspectives(c, root.get("perspectives"))
    seen: set[str] = set()
    items = tuple(_parse_items(c, root.get("items"), seen))
    questions = tuple(_parse_questions(c, root.get("questions", []), seen))
    for pid in PERSPECTIVES:
        if not any(i.perspective == pid for i in items):
            c.fail("items", f"perspective {pid!r} has no statements")
    comparable = c.boolean(root.get("exchange_comparable", False), "file", "exchange_comparable")
    if comparable and not set(EXCHANGES) <= {i.exchange for i in items}:
        c.fail("exchange_comparable", "needs statements with exchange: gets and exchange: brings")

    if c.problems:
        raise InstrumentError(source, c.problems)
    return Instrument(
        id=inst_id,
        version=version,
        languages=languages,
        title=title,
        intro=intro,
        scale=scale,
        perspectives=perspectives,
        items=items,
        questions=questions,
        exchange_comparable=comparable,
    )


def _parse_scale(c: _Checker, value: Any) -> Scale:
    data = c.mapping(value, "scale")
    c.unknown_keys(data, {"min", "max", "dont_know", "labels", "dont_know_label"}, "scale")
    lo, hi = data.get("min"), data.get("max")
    if (
        not (isinstance(lo, int) and isinstance(hi, int))
        or isinstance(lo, bool)
        or isinstance(hi, bool)
        or lo >= hi
    ):
        c.fail("scale", f"min ({lo!r}) and max ({hi!r}) must be whole numbers with min < max")
        lo, hi = 1, 5
    dont_know = c.boolean(data.get("dont_know", False), "scale", "dont_know")
    labels: dict[str, tuple[str, ...]] = {}
    raw_labels = c.mapping(data.get("labels"), "scale.labels")
    for lang in c.languages:
        row = raw_labels.get(lang)
        if not isinstance(row, list) or not all(isinstance(x, str) and x for x in row):
            c.fail("scale.labels", f"the {lang!r} labels must be a list of texts")
            row = []
        elif len(row) != hi - lo + 1:
            c.fail(
                "scale.labels",
                f"{len(row)} {lang!r} labels for a {hi - lo + 1}-point scale ({lo}..{hi})",
            )
        labels[lang] = tuple(row)
    default_dk = {"nl": "Weet ik niet", "en": "Don't know"}
    dk_label = c.text(data.get("dont_know_label", default_dk), "scale.dont_know_label")
    return Scale(min=lo, max=hi, dont_know=dont_know, labels=labels, dont_know_label=dk_label)


def _parse_perspectives(c: _Checker, value: Any) -> tuple[Perspective, ...]:
    if not isinstance(value, list):
        c.fail("perspectives", "expected a list of the five perspectives")
        return ()
    out = []
    for n, raw in enumerate(value, start=1):
        where = f"perspectives[{n}]"
        data = c.mapping(raw, where)
        c.unknown_keys(data, {"id", "label", "description"}, where)
        pid = data.get("id")
        if pid not in PERSPECTIVES:
            c.fail(where, f"id {pid!r} is not one of {', '.join(PERSPECTIVES)}")
        where = f"perspective {pid!r}"
        label = c.text(data.get("label"), where + " label")
        description = c.text(data.get("description", data.get("label")), where + " description")
        out.append(Perspective(id=str(pid), label=label, description=description))
    ids = [p.id for p in out]
    if sorted(ids) != sorted(PERSPECTIVES):
        c.fail("perspectives", f"must be exactly {', '.join(PERSPECTIVES)}; found {ids}")
    # Keep the model's order whatever the file's order.
    return tuple(
        sorted(out, key=lambda p: PERSPECTIVES.index(p.id) if p.id in PERSPECTIVES else 9)
    )


def _check_id(c: _Checker, raw_id: Any, where: str, seen: set[str]) -> str:
    if not isinstance(raw_id, str) or not _ID_RE.match(raw_id):
        c.fail(where, f"id {raw_id!r} must be lowercase letters, digits and _")
        return str(raw_id)
    if raw_id in seen:
        c.fail(where, f"id {raw_id!r} is used twice")
    seen.add(raw_id)
    return raw_id


def _parse_items(c: _Checker, value: Any, seen: set[str]) -> Iterator[Item]:
    if not isinstance(value, list) or not value:
        c.fail("items", "expected a non-empty list of statements")
        return
    allowed = {"id", "perspective", "theme", "facet", "exchange", "reverse", "text", "meant"}
    for n, raw in enumerate(value, start=1):
        data = c.mapping(raw, f"items[{n}]")
        item_id = _check_id(c, data.get("id"), f"items[{n}]", seen)
        where = f"item {item_id!r}"
        c.unknown_keys(data, allowed, where)
        perspective = c.choice(data.get("perspective"), PERSPECTIVES, where, "perspective")
        theme = data.get("theme")
        if not isinstance(theme, str) or not _ID_RE.match(theme):
            c.fail(where, f"theme {theme!r} must be lowercase letters, digits and _")
        facet = data.get("facet")
        if perspective == "ambition":
            c.choice(facet, FACETS, where, "facet (required for ambition statements)")
        elif facet is not None:
            c.fail(where, "facet is only allowed on ambition statements")
        exchange = data.get("exchange")
        if exchange is not None:
            c.choice(exchange, EXCHANGES, where, "exchange")
        reverse = c.boolean(data.get("reverse", False), where, "reverse")
        text = c.text(data.get("text"), where + " text")
        meant = c.text(data["meant"], where + " meant") if "meant" in data else None
        if meant is not None and not reverse:
            c.fail(where, "meant (what a high score means) is only for reverse-worded statements")
        yield Item(
            id=item_id,
            perspective=perspective,
            theme=str(theme),
            text=text,
            reverse=reverse,
            facet=facet,
            exchange=exchange,
            meant=meant,
        )


def _parse_questions(c: _Checker, value: Any, seen: set[str]) -> Iterator[Question]:
    if not isinstance(value, list):
        c.fail("questions", "expected a list")
        return
    for n, raw in enumerate(value, start=1):
        data = c.mapping(raw, f"questions[{n}]")
        qid = _check_id(c, data.get("id"), f"questions[{n}]", seen)
        where = f"question {qid!r}"
        c.unknown_keys(data, {"id", "kind", "perspective", "text"}, where)
        kind = c.choice(data.get("kind"), QUESTION_KINDS, where, "kind")
        perspective = c.choice(
            data.get("perspective", "process"), PERSPECTIVES, where, "perspective"
        )
        text = c.text(data.get("text"), where + " text")
        yield Question(id=qid, kind=kind, text=text, perspective=perspective)


# libyaml's parser where PyYAML was built with it (ten times faster: the CLI
# reads two YAML files on every start); the same safe constructor either way.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A safe YAML loader that reports an unreadable tagged value with its line.

    PyYAML lets the conversion of values such as ``!!bool maybe`` or
    ``!!timestamp 2024-13-01`` fail with a bare ValueError, KeyError,
    IndexError or AttributeError; this turns those into an ordinary YAML
    error. A key written twice in one mapping is refused too (YAML would
    silently keep the last one, so a translation could vanish unseen).
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        # Only a real mapping has key/value pairs; a tag such as ``!!set 0`` on a
        # scalar is left to PyYAML, which reports it as an ordinary YAML error.
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        for key_node, _ in pairs:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag.endswith(":str"):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key {key_node.value!r} appears twice",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, LookupError, AttributeError) as exc:
            shown = repr(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} is not a valid {tag}", node.start_mark
            ) from exc


def yaml_load(text: str | bytes) -> Any:
    """YAML text with the safe loader above; yaml.YAMLError on bad YAML."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader


def yaml_file(path: Path, error: type[ContentError]) -> Any:
    """A content file's YAML, read safely; ``error(source, problems)`` is
    raised with what is wrong and where (unreadable, not UTF-8, bad YAML)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(str(path), [f"cannot be read: {exc.strerror}"]) from exc
    except UnicodeDecodeError as exc:
        raise error(str(path), [f"is not UTF-8 text: {exc.reason}"]) from exc
    try:
        return yaml_load(raw)
    except RecursionError as exc:
        raise error(str(path), ["file: not valid YAML (nested too deeply)"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(str(path), [f"{where}: not valid YAML ({problem})"]) from exc


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate one instrument file."""
    path = Path(path)
    data = yaml_file(path, InstrumentError)
    instrument = parse_instrument(data, source=str(path))
    expected = _FILE_RE.match(path.name)
    if path.parent.parent == DATA_DIR and (
        path.parent.name != instrument.id or not expected or int(expected[1]) != instrument.version
    ):
        raise InstrumentError(
            str(path),
            [
                f"file name must be {instrument.id}/v{instrument.version}.yaml "
                "to match id and version"
            ],
        )
    return instrument


def available_instruments() -> list[tuple[str, int]]:
    """(id, version) of every instrument shipped with the package, sorted."""
    found = []
    for folder in sorted(p for p in DATA_DIR.iterdir() if p.is_dir()):
        for f in folder.iterdir():
            m = _FILE_RE.match(f.name)
            if m:
                found.append((folder.name, int(m[1])))
    return sorted(found)


@cache
def get_instrument(instrument_id: str, version: int) -> Instrument:
    """A shipped instrument by id and version (cached: files never change in place)."""
    path = DATA_DIR / instrument_id / f"v{version}.yaml"
    if not _INSTRUMENT_ID_RE.match(instrument_id) or not path.is_file():
        raise LookupError(f"no instrument {instrument_id!r} version {version}")
    return load_instrument(path)


def latest_instrument(instrument_id: str = "reflection-core") -> Instrument:
    versions = [v for i, v in available_instruments() if i == instrument_id]
    if not versions:
        raise LookupError(f"no instrument {instrument_id!r}")
    return get_instrument(instrument_id, max(versions))
