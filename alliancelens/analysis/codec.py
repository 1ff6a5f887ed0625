"""Results to JSON text and back, so a published result can be stored.

The result types are frozen dataclasses of numbers, strings, lists and dicts.
``dumps`` writes them as JSON (NaN is kept, as Python's json module writes
it); ``loads`` rebuilds the same dataclasses from their type hints, so a
stored result reads back equal to the one computed. Dict keys that are
whole numbers (round numbers) come back as ints.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")
PRIMITIVES = (str, int, float, bool)


def plain(value: Any) -> Any:
    """Dataclasses as dicts, recursively; everything else as it is."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"))


def loads(kind: type[T], text: str) -> T:
    return typing.cast(T, build(kind, json.loads(text)))


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def build(kind: Any, data: Any) -> Any:
    """``data`` (from JSON) as an instance of the type ``kind``."""
    if data is None or kind is Any:
        return data
    origin = get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        if all(a in PRIMITIVES for a in options):
            return data  # JSON keeps numbers and strings apart already
        if len(options) != 1:
            raise TypeError(f"cannot rebuild a value of the union {kind}")
        return build(options[0], data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{name: build(hints[name], value) for name, value in data.items()})
    if origin is list:
        (item,) = get_args(kind)
        return [build(item, v) for v in data]
    if origin is dict:
        key, item = get_args(kind)
        return {(int(k) if key is int else k): build(item, v) for k, v in data.items()}
    if kind is float and isinstance(data, int):
        return float(data)
    return data
