"""`alliancelens export-alliance SLUG --output alliance.json`: a complete,
consistent backup of one alliance.

Every table is read in one snapshot, and the backup is checked as a restore
would check it before it counts as made. With ``--output`` the file is
written beside the old one and renamed over it only once checked, so a
failed, interrupted or incomplete export leaves the previous backup as it
was. Without it the JSON goes to standard output (for a pipe), once checked.

Exit codes: 0 made and checked; 1 the export failed (database, disk);
2 no such alliance, an unusable --output, or a backup that did not pass its
check; 130/143/129 stopped by Ctrl-C, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from alliancelens.alliances.models import Alliance
from alliancelens.progress import add_progress_argument, command_progress, counted

from ...backup import BackupError, Counts, checked_json, write_backup

# Problems listed in full before the rest are only counted.
SHOWN_PROBLEMS = 20


class Stopped(BaseException):
    """A signal that asks the command to stop. A BaseException, as Ctrl-C's
    KeyboardInterrupt is, so it unwinds through everything that catches
    errors, and the partial file is removed on the way."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_stop() -> Iterator[None]:
    """SIGTERM and SIGHUP raise Stopped while the block runs (their default
    ends the process at once, leaving the partial file behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread can handle signals
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _problems(exc: BackupError) -> str:
    lines = str(exc).splitlines()
    if len(lines) > SHOWN_PROBLEMS:
        lines[SHOWN_PROBLEMS:] = [f"… and {len(lines) - SHOWN_PROBLEMS:,} more"]
    return "\n".join(lines)


def _summary(counts: Counts) -> str:
    return ", ".join(
        counted(counts[key], noun)
        for key, noun in (
            ("partners", "partners"),
            ("participants", "participants"),
            ("rounds", "rounds"),
            ("responses", "responses"),
            ("item_answers", "answers"),
            ("events", "history events"),
        )
    )


class Command(BaseCommand):
    help = (
        "Back up one alliance (structure, rounds, answers, access and history) as JSON, "
        "read at one moment and checked to restore, for import-alliance on this or "
        "another instance. Use --output FILE: the previous FILE stays as it was unless "
        "the new backup is complete. Without --output the JSON goes to standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("alliance", help="the alliance's short name (slug)")
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="write the backup to FILE (gzip-compressed if it ends in .gz), replacing "
            "it only once the new backup is written and checked",
        )
        add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        alliance = Alliance.objects.filter(slug=options["alliance"]).first()
        if alliance is None:
            known = ", ".join(Alliance.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(
                f"no alliance with short name {options['alliance']!r} (known: {known})",
                returncode=2,
            )
        progress = command_progress(self, options)
        if options["output"] is None:
            try:
                text = checked_json(alliance, progress=progress)
            except BackupError as exc:
                raise CommandError(
                    "the backup is incomplete, so nothing was written:\n" + _problems(exc),
                    returncode=2,
                ) from None
            self.stdout.write(text)
            progress.line(f"Exported {alliance.slug!r} in {progress.elapsed()}")
            return
        name = options["output"]
        path = self.target(name)
        kept = f"{name} is as it was" if path.exists() else f"{name} was not made"
        try:
            with _signals_stop():
                counts = write_backup(alliance, path, progress=progress)
        except BackupError as exc:
            raise CommandError(
                f"{name}: the backup is incomplete, so it was not written; {kept}:\n"
                + _problems(exc),
                returncode=2,
            ) from None
        except (DatabaseError, OSError) as exc:
            raise CommandError(f"{name}: the export failed ({exc}); {kept}") from None
        except KeyboardInterrupt:
            raise CommandError(f"{name}: interrupted; {kept}", returncode=130) from None
        except Stopped as exc:
            what = signal.Signals(exc.signum).name
            raise CommandError(
                f"{name}: stopped by {what}; {kept}", returncode=128 + exc.signum
            ) from None
        progress.line(f"Exported {alliance.slug!r} in {progress.elapsed()}")
        self.stdout.write(f"{name}: backup of {alliance.slug!r} checked: {_summary(counts)}")

    def target(self, name: str) -> Path:
        """Where the file goes: through a symbolic link (as ``>`` would
        write), into a directory that exists, onto a regular file or none."""
        path = Path(name).resolve()
        if path.exists() and not path.is_file():
            raise CommandError(
                f"{name}: not a regular file; to write to standard output or a pipe, "
                "leave out --output",
                returncode=2,
            )
        if not path.parent.is_dir():
            raise CommandError(f"{name}: the directory {path.parent} does not exist", returncode=2)
        return path
