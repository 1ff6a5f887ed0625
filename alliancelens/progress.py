"""Progress lines on the operator's terminal, for commands that take a while.

The lines go to standard error, and only when it is a terminal (or when the
operator asks with ``--progress``): standard output stays exactly what it was
(``export-alliance`` writes its JSON there), and cron jobs, pipes and scripts
see nothing new. ``--no-progress`` silences a terminal.

A timed line is written as its work goes on, so the operator sees what the
command is busy with::

    Publishing round 2: computing… storing… done (1.8 s)

The lines are in English, like everything else the commands print: they are
read by whoever runs the command, in a terminal or a log, not by the people
the alliance is about.

Plain Python: a service that reports progress takes a ``Progress`` (silent
by default), and knows nothing of terminals.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.core.management.base import BaseCommand


def seconds(value: float) -> str:
    return f"{value:.1f} s"


def counted(n: int, noun: str) -> str:
    """A count with its noun, "1 row" or "1,234 rows" (``noun`` is the plural in s)."""
    return f"{n:,} {noun.removesuffix('s') if n == 1 else noun}"


class Progress:
    """Where a long piece of work is; writes nothing unless given a ``write``."""

    def __init__(self, write: Callable[[str], object] | None = None) -> None:
        self._write = write
        self._started = time.monotonic()
        self._outcome = "done"

    @property
    def shown(self) -> bool:
        return self._write is not None

    def elapsed(self) -> str:
        """The time since this progress began, as "3.4 s"."""
        return seconds(time.monotonic() - self._started)

    def line(self, text: str) -> None:
        """A line of its own."""
        self._emit(text + "\n")

    @contextmanager
    def timed(self, text: str) -> Iterator[Progress]:
        """A line that starts with ``text`` and ends, when the block is done,
        with its outcome and the time it took: "done (1.8 s)". A block left
        by an exception ends the line with "stopped", so the error that
        follows starts on a line of its own."""
        started = time.monotonic()
        self._outcome = "done"
        self._emit(text)
        try:
            yield self
        except BaseException:
            self._emit("stopped\n")
            raise
        self._emit(f"{self._outcome} ({seconds(time.monotonic() - started)})\n")

    def step(self, text: str) -> None:
        """A step within a timed line: "computing… "."""
        self._emit(text + "… ")

    def outcome(self, text: str) -> None:
        """What the timed line ends with instead of "done": "1,234 rows"."""
        self._outcome = text

    def _emit(self, text: str) -> None:
        if self._write is not None:
            self._write(text)


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on standard error (default: only when it is a terminal)",
    )


def command_progress(command: BaseCommand, options: Mapping[str, Any]) -> Progress:
    """The progress of a management command, on its standard error: shown
    when that is a terminal, unless ``--progress`` or ``--no-progress`` says
    otherwise."""
    err = command.stderr
    shown = options.get("progress")
    if shown is None:
        shown = err.isatty()
    if not shown:
        return Progress()

    def write(text: str) -> None:
        # As is: not in the colour a command gives its errors, and without
        # the newline it adds, so a timed line grows on one line.
        err.write(text, style_func=_as_is, ending="")
        err.flush()

    return Progress(write)


def _as_is(text: str) -> str:
    return text
