"""The questionnaire as data: versioned YAML files, validated when loaded.

This package imports no Django, so the analysis engine and command-line tools
can use it on their own. The file format is described in docs/instrument.md.
"""

from .loader import (
    FACETS,
    LEVELS,
    PERSPECTIVES,
    PHASES,
    STAGES,
    ContentError,
    Instrument,
    InstrumentError,
    Item,
    Question,
    available_instruments,
    get_instrument,
    latest_instrument,
    load_instrument,
    localized,
    parse_instrument,
    yaml_file,
    yaml_load,
)

__all__ = [
    "FACETS",
    "LEVELS",
    "PERSPECTIVES",
    "PHASES",
    "STAGES",
    "ContentError",
    "Instrument",
    "InstrumentError",
    "Item",
    "Question",
    "available_instruments",
    "get_instrument",
    "latest_instrument",
    "load_instrument",
    "localized",
    "parse_instrument",
    "yaml_file",
    "yaml_load",
]
