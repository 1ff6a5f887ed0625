"""Load test: many respondents completing the scan at once, over real HTTP.

Builds a throw-away database (a SQLite file in WAL mode in a temporary
directory, or a new database on the PostgreSQL server of DATABASE_URL), one
alliance with 200 participants and an open round with a fresh link each,
starts gunicorn on a free loopback port with production settings, and lets
every respondent walk the scan as a browser would: the link, the intro, five
perspective pages (GET, then POST the answers), review and submit, thanks.

Prints errors (target 0), responses submitted against stored, item answers
sent against stored, and latency percentiles. Exits 1 when an error occurred
or a stored figure differs from what the respondents sent. Traffic goes only
to 127.0.0.1, every request has a timeout and the whole run a time limit; the
server and the temporary database are removed afterwards, also on Ctrl+C.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PERSPECTIVE_COUNT = 5
STEP_GET, STEP_SAVE, STEP_SUBMIT = "page GET", "save POST", "submit POST"
REDIRECTS = {301, 302, 303, 307, 308}
# The production settings the server runs with; the key is made per run.
SERVER_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "LOG_LEVEL": "WARNING",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=200, help="default: 200")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL server to make a throw-away database on "
        "(default: $DATABASE_URL; empty: a SQLite file in a temporary directory)",
    )
    add_server_arguments(parser, time_limit=240.0, per="all respondents together")
    args = parser.parse_args()
    check_server_arguments(parser, args)
    return args


def add_server_arguments(parser: argparse.ArgumentParser, *, time_limit: float, per: str) -> None:
    """The server's size, the time limits and the seed (also scripts/faults.py)."""
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: 2)")
    parser.add_argument(
        "--threads", type=int, default=8, help="threads per gunicorn worker (default: 8)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (default: 30)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=time_limit,
        help=f"seconds for {per}; the rest are stopped (default: {time_limit:g})",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the answers (default: 1)")


def check_server_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.respondents < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--respondents, --workers and --threads must be at least 1")


# -- the database ------------------------------------------------------------


@contextmanager
def throwaway_database(database_url: str, tmp: Path) -> Iterator[str]:
    """Point this process's settings at a new, empty database; yield its description."""
    if not database_url:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(tmp / "loadtest.sqlite3")
        yield "SQLite (WAL) in a temporary file"
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = f"alliancelens_loadtest_{secrets.token_hex(4)}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        yield f"PostgreSQL {version[0] if version else '?'}, database {name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass(frozen=True)
class Fixture:
    round_id: int
    tokens: dict[str, int]  # token -> invitation id


def build_fixture(respondents: int, label: str = "Load test") -> Fixture:
    """One alliance of five partners, its participants and an open round with links.

    ``label`` names the alliance, its round and its facilitator, so that one
    database can hold several (scripts/faults.py builds one per fault).
    """
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from alliancelens.alliances.models import Language, Level, Participant, Partner
    from alliancelens.alliances.services import (
        alliance_create,
        invitations_issue,
        round_create,
        round_open,
    )

    call_command("migrate", verbosity=0)
    alliance = alliance_create(
        facilitator=User.objects.create_user(label.lower().replace(" ", "")),
        name=f"{label} alliance",
        ambition="Everyone answers at once.",
    )
    partners = [
        Partner.objects.create(alliance=alliance, name=name)
        for name in ("Gemeente", "Woningcorporatie", "Zorg", "Welzijn", "Zorgverzekeraar")
    ]
    levels = list(Level)
    Participant.objects.bulk_create(
        Participant(
            partner=partners[n % len(partners)],
            name=f"Respondent {n + 1}",
            level=levels[n % len(levels)],
            # Every fourth respondent reads the scan in English.
            language=Language.EN if n % 4 == 3 else Language.NL,
        )
        for n in range(respondents)
    )
    rnd = round_open(rnd=round_create(alliance=alliance, title=label))
    links = invitations_issue(invitations=rnd.invitations.all())
    return Fixture(round_id=rnd.pk, tokens={link.token: link.invitation.pk for link in links})


# -- the server ----------------------------------------------------------------


def start_server(
    listener: socket.socket,
    workers: int,
    threads: int,
    log: Path,
    extra_args: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """gunicorn with threaded workers on the already bound socket (no port race);
    ``extra_args`` go to gunicorn as well (scripts/faults.py adds a hook)."""
    env = {**os.environ, **SERVER_ENV, "SECRET_KEY": secrets.token_urlsafe(50)}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "alliancelens.wsgi:application",
        f"--bind=fd://{listener.fileno()}",
        "--worker-class=gthread",
        f"--workers={workers}",
        f"--threads={threads}",
        "--timeout=60",
        "--graceful-timeout=5",
        f"--error-logfile={log}",
        "--log-level=warning",
        *extra_args,
    ]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, pass_fds=(listener.fileno(),), stdin=subprocess.DEVNULL
    )


def wait_until_up(server: subprocess.Popen[bytes], port: int, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/privacy/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {limit:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- the respondents ---------------------------------------------------------


class FormFields(HTMLParser):
    """Radio groups (name -> values), text areas and links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.radios: dict[str, list[str]] = {}
        self.textareas: list[str] = []
        self.primary_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("type") == "radio" and a.get("name"):
            self.radios.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.textareas.append(a["name"])
        elif tag == "a" and "primary" in a.get("class", "").split() and a.get("href"):
            self.primary_links.append(a["href"])


@dataclass
class Sample:
    step: str
    seconds: float


@dataclass
class Respondent:
    token: str
    number: int
    samples: list[Sample] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, what)
    items: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    submitted: bool = False


class Failed(Exception):
    """A respondent cannot go on; the reason is already recorded."""


class Browser:
    """One respondent's browser: same-origin headers, follows redirects with GET."""

    def __init__(
        self, port: int, respondent: Respondent, timeout: float, stop: threading.Event
    ) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.r = respondent
        self.timeout = timeout
        self.stop = stop

    def where(self, method: str, path: str) -> str:
        return f"{method} {path.replace(self.r.token, '…')}"

    def fail(self, method: str, path: str, what: str) -> Failed:
        self.r.errors.append((self.where(method, path), what))
        return Failed(what)

    def send(
        self, method: str, path: str, step: str, data: dict[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        if self.stop.is_set():
            raise self.fail(method, path, "not sent: time limit reached")
        headers = {
            "User-Agent": "alliancelens-loadtest",
            "Accept": "text/html",
            "Accept-Language": "nl,en;q=0.8",
            "Connection": "close",
        }
        body = None
        if method == "POST":
            # What a browser sends with a same-origin form.
            headers["Sec-Fetch-Site"] = "same-origin"
            headers["Origin"] = self.origin
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(data or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except TimeoutError:
            raise self.fail(method, path, f"timeout after {self.timeout:.0f} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise self.fail(method, path, f"connection error: {type(exc).__name__}") from None
        finally:
            conn.close()
        self.r.samples.append(Sample(step, time.perf_counter() - started))
        return response.status, response.getheader("Location", ""), content

    def visit(
        self, method: str, path: str, step: str, data: dict[str, str] | None = None
    ) -> tuple[str, bytes]:
        """Request a page and follow redirects; return the final path and body."""
        for _ in range(6):
            status, location, content = self.send(method, path, step, data)
            if status not in REDIRECTS:
                if not 200 <= status < 300:
                    raise self.fail(method, path, f"HTTP {status}")
                return path, content
            target = urlsplit(location)
            if target.netloc and target.netloc != f"127.0.0.1:{self.port}":
                raise self.fail(method, path, f"redirect off the site to {target.netloc}")
            path = target.path + (f"?{target.query}" if target.query else "")
            method, step, data = "GET", STEP_GET, None
        raise self.fail(method, path, "too many redirects")


def fill_in(page: FormFields, rng: random.Random, respondent: Respondent) -> dict[str, str]:
    """Answer a perspective page as a person might: mostly answers, some skips."""
    data: dict[str, str] = {}
    for name, values in page.radios.items():
        scale = [v for v in values if v.isdigit()]
        if scale:
            roll = rng.random()
            if roll < 0.03:
                continue  # skipped statement
            value = "dk" if roll < 0.08 and "dk" in values else rng.choice(scale)
            respondent.items[name] = value
        else:
            value = rng.choice(values)
            respondent.questions[name] = value
        data[name] = value
    for name in page.textareas:
        if rng.random() < 0.3:
            text = f"Antwoord {respondent.number}: we leren samen — één stap tegelijk."
            respondent.questions[name] = text
            data[name] = text
        else:
            data[name] = ""
    data["nav"] = "next"
    return data


def walk_the_scan(browser: Browser, rng: random.Random) -> None:
    r = browser.r
    path, body = browser.visit("GET", f"/r/{r.token}/", STEP_GET)
    if not path.endswith("/intro/"):
        raise browser.fail("GET", path, "the link did not lead to the introduction")
    intro = FormFields()
    intro.feed(body.decode())
    if not intro.primary_links:
        raise browser.fail("GET", path, "no start button on the introduction")
    path, body = browser.visit("GET", intro.primary_links[0], STEP_GET)
    pages = 0
    while "/p/" in path and pages <= PERSPECTIVE_COUNT:
        page = FormFields()
        page.feed(body.decode())
        if not page.radios:
            raise browser.fail("GET", path, "no statements on a perspective page")
        path, body = browser.visit("POST", path, STEP_SAVE, fill_in(page, rng, r))
        pages += 1
    if pages != PERSPECTIVE_COUNT or not path.endswith("/review/"):
        raise browser.fail("GET", path, f"reached this after {pages} perspective pages")
    path, body = browser.visit("POST", path, STEP_SUBMIT, {})
    if not path.endswith("/thanks/"):
        raise browser.fail("POST", path, "submitting did not lead to the thanks page")
    r.submitted = True


def run_respondents(
    port: int, tokens: list[str], args: argparse.Namespace
) -> tuple[list[Respondent], float]:
    stop = threading.Event()
    respondents = [Respondent(token=t, number=n + 1) for n, t in enumerate(tokens)]
    start_together = threading.Barrier(len(respondents))

    def one(r: Respondent) -> None:
        rng = random.Random(args.seed * 100_003 + r.number)  # noqa: S311 - test answers
        with suppress(threading.BrokenBarrierError):
            start_together.wait(30)
        with suppress(Failed):
            walk_the_scan(Browser(port, r, args.timeout, stop), rng)

    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(respondents), thread_name_prefix="respondent")
    try:
        futures = [pool.submit(one, r) for r in respondents]
        _, pending = wait(futures, timeout=args.time_limit)
        if pending:
            print(f"time limit of {args.time_limit:.0f} s reached; stopping", file=sys.stderr)
    finally:
        # On the time limit or Ctrl+C, let in-flight requests end (each has
        # a timeout) and send no new ones.
        stop.set()
        start_together.abort()
        pool.shutdown(wait=True, cancel_futures=True)
    return respondents, time.perf_counter() - started


# -- the report --------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_table(respondents: list[Respondent]) -> list[str]:
    rows = ["latency (ms)        n     p50     p90     p95     p99     max"]
    groups: list[tuple[str, list[float]]] = [
        ("all requests", [s.seconds for r in respondents for s in r.samples])
    ]
    for step in (STEP_GET, STEP_SAVE, STEP_SUBMIT):
        groups.append(
            (step, [s.seconds for r in respondents for s in r.samples if s.step == step])
        )
    for label, values in groups:
        if not values:
            rows.append(f"{label:<14}{0:>7}")
            continue
        values.sort()
        cells = [percentile(values, p) for p in (50, 90, 95, 99)] + [values[-1]]
        rows.append(f"{label:<14}{len(values):>7}" + "".join(f"{c * 1000:>8.0f}" for c in cells))
    return rows


@dataclass(frozen=True)
class Stored:
    submitted: int
    responses: int
    items: int
    questions: int
    differing_respondents: int


def stored_answers(
    round_id: int,
) -> tuple[Any, dict[int, dict[str, str]], dict[int, dict[str, str]]]:
    """The round's responses, and per invitation its stored item answers (as
    form values, "dk" for don't know) and question answers; read on a fresh
    connection, which sees every commit (also scripts/faults.py)."""
    from django.db import connections

    from alliancelens.alliances.models import ItemAnswer, QuestionAnswer, ScanResponse

    connections.close_all()
    responses = ScanResponse.objects.filter(round_id=round_id)
    items: dict[int, dict[str, str]] = {}
    for inv, item, value in ItemAnswer.objects.filter(response__in=responses).values_list(
        "response__invitation_id", "item_id", "value"
    ):
        items.setdefault(inv, {})[item] = "dk" if value is None else str(value)
    questions: dict[int, dict[str, str]] = {}
    for inv, question, text in QuestionAnswer.objects.filter(response__in=responses).values_list(
        "response__invitation_id", "question_id", "value"
    ):
        questions.setdefault(inv, {})[question] = text
    return responses, items, questions


def read_back(fixture: Fixture, respondents: list[Respondent]) -> Stored:
    """Compare what each respondent sent with what the database holds."""
    responses, items, questions = stored_answers(fixture.round_id)
    differing = sum(
        1
        for r in respondents
        if items.get(fixture.tokens[r.token], {}) != r.items
        or questions.get(fixture.tokens[r.token], {}) != r.questions
    )
    return Stored(
        submitted=responses.filter(submitted_at__isnull=False).count(),
        responses=responses.count(),
        items=sum(len(v) for v in items.values()),
        questions=sum(len(v) for v in questions.values()),
        differing_respondents=differing,
    )


def report(respondents: list[Respondent], stored: Stored, seconds: float, log: Path) -> bool:
    """Print the figures; True when every target is met."""
    requests = sum(len(r.samples) for r in respondents)
    errors = Counter(e for r in respondents for e in r.errors)
    submitted = sum(r.submitted for r in respondents)
    items_sent = sum(len(r.items) for r in respondents)
    questions_sent = sum(len(r.questions) for r in respondents)
    completed = sum(r.submitted for r in respondents)
    print(f"respondents: {len(respondents)}, completed the scan: {completed}")
    print(
        f"requests: {requests:,} in {seconds:.1f} s = {requests / seconds:.1f} requests/s, "
        f"{completed / seconds:.1f} completed scans/s"
    )
    print(f"errors: {sum(errors.values())} (target 0)")
    for (where, what), n in errors.most_common(10):
        print(f"  {n:>4} × {where}: {what}")
    print(
        f"responses: submitted {submitted} (confirmed by the client), "
        f"stored with submitted_at {stored.submitted}, stored in all {stored.responses} "
        "(target equal)"
    )
    print(
        f"item answers: sent {items_sent:,}, stored {stored.items:,}; "
        f"question answers: sent {questions_sent:,}, stored {stored.questions:,}; "
        f"respondents whose stored answers differ from what they sent: "
        f"{stored.differing_respondents} (target 0)"
    )
    for line in latency_table(respondents):
        print(line)
    ok = (
        not errors
        and submitted == stored.submitted == stored.responses == len(respondents)
        and items_sent == stored.items
        and questions_sent == stored.questions
        and stored.differing_respondents == 0
    )
    if not ok and log.exists() and log.stat().st_size:
        print("last lines of the server log:")
        for line in log.read_text(errors="replace").splitlines()[-20:]:
            print(f"  {line}")
    print("result: " + ("PASS" if ok else "FAIL"))
    return ok


# -- main --------------------------------------------------------------------


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="alliancelens-loadtest-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        # Django reads these at set-up, in this process and in the server.
        os.environ.update(SERVER_ENV)
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
        # An empty static root: respondents fetch pages only, not assets.
        os.environ["STATIC_ROOT"] = str(tmp / "static")
        (tmp / "static").mkdir()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliancelens.settings")
        with throwaway_database(args.database_url, tmp) as database:
            import django

            django.setup()
            from django.db import connections

            started = time.perf_counter()
            fixture = build_fixture(args.respondents)
            connections.close_all()
            print(
                f"database: {database}; {args.respondents} participants and links "
                f"in {time.perf_counter() - started:.1f} s"
            )
            with socket.create_server(("127.0.0.1", 0), backlog=1024) as listener:
                port = listener.getsockname()[1]
                log = tmp / "gunicorn.log"
                server = start_server(listener, args.workers, args.threads, log)
            try:
                wait_until_up(server, port)
                print(
                    f"server: gunicorn, {args.workers} workers × {args.threads} threads "
                    f"on http://127.0.0.1:{port}"
                )
                respondents, seconds = run_respondents(port, list(fixture.tokens), args)
            finally:
                # Before the database goes: the workers hold connections.
                stop_server(server)
            ok = report(respondents, read_back(fixture, respondents), seconds, log)
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
