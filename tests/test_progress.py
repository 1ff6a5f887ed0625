"""Long commands show their progress on a terminal, and only there: on
standard error, so what they write to standard output (the JSON of an
export) stays byte for byte what it was, and pipes and cron see nothing new."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.db import transaction

from alliancelens.access import backup
from alliancelens.alliances.models import AuditEvent, Round
from alliancelens.alliances.services import round_create
from alliancelens.progress import Progress
from alliancelens.results.models import PublishedResult

from .base import DemoTestCase

SECONDS = r"\(\d+\.\d s\)"
# How many tables a backup has (the lines count them: "3/10 tables").
TABLES = len(backup.TABLES)


class Terminal(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def run(command: str, *args: str, stderr: io.StringIO) -> tuple[str, str]:
    """Standard output and standard error of one run."""
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=stderr)
    return out.getvalue(), stderr.getvalue()


def run_and_undo(command: str, *args: str, stderr: io.StringIO) -> tuple[str, str]:
    """One run whose changes are rolled back, so the next run starts alike."""
    with transaction.atomic():
        result = run(command, *args, stderr=stderr)
        transaction.set_rollback(True)
    return result


def test_a_timed_line_grows_with_its_steps_and_ends_with_the_time_taken() -> None:
    written: list[str] = []
    progress = Progress(written.append)
    with progress.timed("Publishing round 2: "):
        progress.step("computing")
        progress.step("storing")
    with progress.timed("Reading partners (1/9 tables)… "):
        progress.outcome("1,234 rows")
    text = "".join(written)
    assert re.fullmatch(
        rf"Publishing round 2: computing… storing… done {SECONDS}\n"
        rf"Reading partners \(1/9 tables\)… 1,234 rows {SECONDS}\n",
        text,
    ), text


def test_a_line_left_by_an_error_ends_so_the_error_starts_on_a_line_of_its_own() -> None:
    written: list[str] = []
    progress = Progress(written.append)
    with pytest.raises(ValueError), progress.timed("Checking the file… "):
        raise ValueError("bad")
    assert "".join(written) == "Checking the file… stopped\n"


def test_without_a_writer_nothing_is_written_and_the_work_is_the_same():
    progress = Progress()
    assert not progress.shown
    with progress.timed("Reading… ") as same:
        same.step("computing")
        same.outcome("3 rows")
    progress.line("Done")


class ProgressTests(DemoTestCase):
    def export(self, *args: str, stderr: io.StringIO) -> tuple[str, str]:
        # The export notes when it was made: the same moment for every run.
        moment = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        with mock.patch("alliancelens.access.backup.timezone.now", return_value=moment):
            return run("export-alliance", "demo", *args, stderr=stderr)

    def backup_file(self) -> Path:
        path = Path(self.enterContext(_tmpdir())) / "alliance.json"
        out = io.StringIO()
        call_command("export-alliance", "demo", stdout=out, stderr=io.StringIO())
        path.write_text(out.getvalue(), encoding="utf-8")
        return path

    def test_the_export_shows_its_tables_on_a_terminal_and_writes_the_same_json(self):
        quiet_out, quiet_err = self.export(stderr=io.StringIO())
        tty_out, tty_err = self.export(stderr=Terminal())
        assert quiet_err == ""
        assert tty_out == quiet_out
        assert quiet_out.startswith("{")
        assert re.search(rf"Reading partners \(1/{TABLES} tables\)… 5 rows {SECONDS}\n", tty_err)
        assert re.search(
            rf"Reading item answers \(6/{TABLES} tables\)… [\d,]+ rows {SECONDS}\n", tty_err
        )
        assert re.search(rf"Writing JSON… [\d,]+ characters {SECONDS}\n", tty_err)
        assert re.search(r"Exported 'demo' in \d+\.\d s\n$", tty_err)
        assert "{" not in tty_err

    def test_progress_and_no_progress_overrule_what_standard_error_is(self):
        quiet_out, asked = self.export("--progress", stderr=io.StringIO())
        tty_out, silenced = self.export("--no-progress", stderr=Terminal())
        assert "Reading partners" in asked
        assert silenced == ""
        assert tty_out == quiet_out

    def test_progress_on_a_real_terminal_is_not_coloured_as_an_error(self):
        """A command colours what it writes to standard error red on a
        terminal; progress is written as is."""
        stderr = Terminal()
        command = load_command_class("alliancelens.access", "export-alliance")
        type(command).__init__(command, stderr=stderr, force_color=True)
        call_command(command, "demo", stdout=io.StringIO())
        assert "Reading partners" in stderr.getvalue()
        assert "\x1b[" not in stderr.getvalue()

    def test_the_import_shows_its_steps_on_a_terminal_and_reports_the_same(self):
        path = self.backup_file()
        args = (str(path), "--slug", "copy")
        quiet_out, quiet_err = run_and_undo("import-alliance", *args, stderr=io.StringIO())
        tty_out, tty_err = run("import-alliance", *args, stderr=Terminal())
        assert quiet_err == ""
        assert tty_out == quiet_out
        assert "restored 'copy'" in tty_out
        for line in (
            rf"Reading {re.escape(str(path))}… [\d,]+ characters {SECONDS}",
            rf"Checking the file… done {SECONDS}",
            rf"Restoring partners \(1/{TABLES} tables\)… 5 rows {SECONDS}",
            rf"Restoring item answers \(6/{TABLES} tables\)… [\d,]+ rows {SECONDS}",
            rf"Restoring who has access… \d+ accounts {SECONDS}",
            rf"Checking that every round can be analysed… done {SECONDS}",
            r"Restored 'copy' in \d+\.\d s",
        ):
            assert re.search(line + "\n", tty_err), (line, tty_err)

    def test_a_failed_import_ends_its_progress_line_before_the_error(self):
        path = Path(self.enterContext(_tmpdir())) / "alliance.json"
        path.write_text('{"format": ', encoding="utf-8")
        stderr = Terminal()
        with pytest.raises(CommandError, match="not valid JSON"):
            call_command("import-alliance", str(path), stdout=io.StringIO(), stderr=stderr)
        assert re.fullmatch(
            rf"Reading {re.escape(str(path))}… 11 characters {SECONDS}\n"
            r"Checking the file… stopped\n",
            stderr.getvalue(),
        ), stderr.getvalue()

    def test_the_demo_shows_its_rounds_on_a_terminal_and_prints_the_same(self):
        quiet_out, quiet_err = run_and_undo(
            "demo", "--allow-production", "--reset", stderr=io.StringIO()
        )
        tty_out, tty_err = run("demo", "--allow-production", "--reset", stderr=Terminal())
        assert quiet_err == ""
        # Each run sets a fresh password and issues a fresh link.
        assert _without_secrets(tty_out) == _without_secrets(quiet_out)
        assert "Created the demo alliance" in tty_out
        for line in (
            rf"Deleting the demo alliance… done {SECONDS}",
            rf"Creating partners and participants… \d+ participants {SECONDS}",
            r"Creating round 1 \(Nulmeting voorjaar 2026\)… \d+ responses, [\d,]+ answers "
            + SECONDS,
            rf"Publishing round 2: computing… storing… done {SECONDS}",
            r"Done in \d+\.\d s",
        ):
            assert re.search(line + "\n", tty_err), (line, tty_err)

    def test_close_round_closes_and_publishes_showing_its_steps_on_a_terminal(self):
        quiet_out, quiet_err = run_and_undo("close-round", "demo", "3", stderr=io.StringIO())
        tty_out, tty_err = run("close-round", "demo", "3", stderr=Terminal())
        assert quiet_err == ""
        assert tty_out == quiet_out
        assert re.fullmatch(
            r"round 3 of demo is closed; its result is published "
            r"\(\d+ respondents, (k = 3|hidden: fewer than k = 3 respondents)\)\n",
            tty_out,
        ), tty_out
        assert re.fullmatch(
            rf"Closing round 3… done {SECONDS}\n"
            rf"Publishing round 3: computing… storing… done {SECONDS}\n",
            tty_err,
        ), tty_err
        rnd = self.alliance.rounds.get(number=3)
        assert rnd.state == Round.State.CLOSED
        assert PublishedResult.objects.filter(round=rnd).exists()
        assert self.alliance.events.filter(
            action=AuditEvent.Action.ROUND_CLOSED, detail__round=3
        ).exists()

    def test_close_round_on_a_closed_round_says_so_and_keeps_its_result(self):
        stored = PublishedResult.objects.get(round__alliance=self.alliance, round__number=2)
        out, err = run("close-round", "demo", "2", stderr=Terminal())
        assert out.startswith("round 2 of demo was closed already; its result is published")
        assert re.fullmatch(
            rf"Closing round 2… closed already {SECONDS}\n"
            rf"Publishing round 2: published already {SECONDS}\n",
            err,
        ), err
        assert PublishedResult.objects.get(round=stored.round) == stored

    def test_close_round_refuses_a_draft_an_unknown_round_or_alliance(self) -> None:
        round_create(alliance=self.alliance, title="Later")
        cases: list[tuple[tuple[str, ...], str]] = [
            (("demo", "4"), "round 4 of demo was never opened"),
            (("demo", "9"), "demo has no round 9 (rounds: 1, 2, 3, 4)"),
            (("nope", "1"), "no alliance with short name 'nope' (known: demo)"),
        ]
        for args, message in cases:
            with pytest.raises(CommandError, match=re.escape(message)) as raised:
                run("close-round", *args, stderr=Terminal())
            assert raised.value.returncode == 2
        assert self.alliance.rounds.get(number=4).state == Round.State.DRAFT


def _without_secrets(text: str) -> str:
    text = re.sub(r"password: \S+", "password: …", text)
    return re.sub(r"/r/[\w-]+/", "/r/…/", text)


def _tmpdir() -> Any:
    import tempfile

    return tempfile.TemporaryDirectory()
