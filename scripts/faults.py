"""Fault benchmark: workers, the server and the database fail while 200
respondents answer, and no acknowledged save may be lost.

Built on scripts/loadtest.py: the same throw-away database (a SQLite file in
WAL mode, or a new database on the PostgreSQL server of DATABASE_URL), the
same alliance of 200 participants, gunicorn on a free loopback port with
production settings, and respondents walking the scan over real HTTP. Each
fault gets an alliance and open round of its own on that one database and
server:

- ``backup``: no fault but an online backup at 50 % (SQLite: ``alliancelens
  backup-sqlite``; PostgreSQL: ``pg_dump -Fc``), the control: no request may
  fail (and the write-ahead log under plain load);
- ``worker``: SIGKILL to a gunicorn worker, three times, at 20, 45 and 70 %
  of the expected requests; gunicorn's master starts a replacement;
- ``server``: SIGKILL to the master and all its workers at once (35 %), then
  gunicorn is started again on the same port, as a supervisor would;
- ``database`` (PostgreSQL only): ``pg_ctl stop -m fast`` (35 %), and
  ``pg_ctl start`` 10 s later; needs PG_CTL, which scripts/with-postgres.sh
  sets for its throw-away server.

A respondent whose request fails does what a person with a browser does:
waits a moment (0.5 s, doubling to at most 4 s), opens the link again, which
resumes the scan after the last page the server saved, and goes on, giving
the same answers on each page as before. A save or a submit is acknowledged
when the server answered it with its redirect to the next step. Afterwards
every respondent's stored answers are compared with what was acknowledged:
an acknowledged answer that is missing or different, or an acknowledged
submit that is not stored, is lost (target 0). A page stored without its
acknowledgement reaching the respondent is allowed, and counted.

Prints per fault: the requests that failed, the time to recover, the
acknowledged saves checked and those lost; on SQLite also the write-ahead
log's largest size beside the database's. Exits 1 on a lost or differing
answer, a respondent who could not finish, or a fault that was not made.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from loadtest import (
    PERSPECTIVE_COUNT,
    REDIRECTS,
    ROOT,
    SERVER_ENV,
    STEP_GET,
    STEP_SAVE,
    STEP_SUBMIT,
    Browser,
    Failed,
    Fixture,
    FormFields,
    Respondent,
    add_server_arguments,
    build_fixture,
    check_server_arguments,
    fill_in,
    interrupt,
    percentile,
    start_server,
    stop_server,
    stored_answers,
    throwaway_database,
    wait_until_up,
)

# The link (redirect and introduction), the first page, five saves with the
# page each leads to, the submit and the thanks page.
REQUESTS_PER_RESPONDENT = 15
FAULTS = ("backup", "worker", "server", "database")
TITLES = {
    "backup": "no fault, an online backup while respondents answer (control)",
    "worker": "a gunicorn worker killed (SIGKILL)",
    "server": "the whole server killed (SIGKILL) and started again",
    "database": "the database server stopped (pg_ctl stop -m fast) and started again",
}
# When each fault strikes, as a share of the requests a run takes without one.
WHEN = {"backup": (0.5,), "worker": (0.20, 0.45, 0.70), "server": (0.35,), "database": (0.35,)}
# gunicorn calls this in each worker once the application is loaded, so the
# script knows when a replacement worker serves.
READY_HOOK = """\
import os
import time


def post_worker_init(worker):
    with open(os.environ["FAULTS_READY_FILE"], "a") as ready:
        ready.write(f"{worker.pid} {time.monotonic()}\\n")
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=200, help="default: 200")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL server to make a throw-away database on "
        "(default: $DATABASE_URL; empty: a SQLite file in a temporary directory)",
    )
    parser.add_argument(
        "--faults",
        default="",
        help="comma-separated, of: " + ", ".join(FAULTS) + " (default: backup,worker,server, "
        "and database on PostgreSQL)",
    )
    parser.add_argument(
        "--outage", type=float, default=10.0, help="seconds the database is down (default: 10)"
    )
    add_server_arguments(parser, time_limit=120.0, per="all respondents of one fault")
    args = parser.parse_args()
    check_server_arguments(parser, args)
    if not 0 < args.outage <= 60:
        parser.error("--outage must be more than 0 and at most 60 seconds")
    if args.faults:
        args.faults = [f.strip() for f in args.faults.split(",") if f.strip()]
        unknown = [f for f in args.faults if f not in FAULTS]
        if unknown:
            parser.error(f"--faults: unknown {', '.join(unknown)} (known: {', '.join(FAULTS)})")
    else:
        args.faults = ["backup", "worker", "server"] + (["database"] if args.database_url else [])
    if "database" in args.faults:
        if not args.database_url:
            parser.error("--faults database needs PostgreSQL (--database-url or DATABASE_URL)")
        if not os.environ.get("PG_CTL"):
            parser.error(
                "--faults database needs PG_CTL, the pg_ctl command line of the server; "
                "run through scripts/with-postgres.sh, which sets it"
            )
    return args


# -- the server --------------------------------------------------------------


def living_children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, zombies left out (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # The name in brackets may hold spaces; state and parent follow it.
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Server:
    """gunicorn as loadtest.py starts it, that can be killed and started again
    on the same port, and that says when each worker serves."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.workers, self.threads = args.workers, args.threads
        self.log = tmp / "gunicorn.log"
        self.ready_file = tmp / "workers-ready"
        self.hooks = tmp / "gunicorn_hooks.py"
        self.hooks.write_text(READY_HOOK)
        os.environ["FAULTS_READY_FILE"] = str(self.ready_file)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # The same port again after a kill; the old sockets may take a moment.
        deadline = time.monotonic() + 10
        while True:
            try:
                listener = socket.create_server(("127.0.0.1", self.port), backlog=1024)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with listener:
            self.port = listener.getsockname()[1]
            # Faults make the server log (a 503 per request while the
            # database is down): into its log file, not the terminal.
            self.process = start_server(
                listener,
                self.workers,
                self.threads,
                self.log,
                [f"--config={self.hooks}", "--capture-output"],
            )

    def stop(self) -> None:
        if self.process is not None:
            stop_server(self.process)

    @property
    def master(self) -> int:
        assert self.process is not None
        return self.process.pid

    def ready_workers(self) -> dict[int, float]:
        """Workers of the running master that serve, with the moment they began."""
        ready: dict[int, float] = {}
        if self.ready_file.exists():
            for line in self.ready_file.read_text().splitlines():
                pid, at = line.split()
                ready[int(pid)] = float(at)
        children = set(living_children(self.master))
        return {pid: at for pid, at in ready.items() if pid in children}

    def all_ready(self, limit: float = 30.0) -> dict[int, float]:
        """Wait until every worker serves."""
        deadline = time.monotonic() + limit
        while len(ready := self.ready_workers()) < self.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(ready)} of {self.workers} workers serve")
            time.sleep(0.02)
        return ready


def probe(port: int, path: str) -> bool:
    """One page that reads the database answered (a 2xx or 3xx)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        return conn.getresponse().status < 400
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def serving_again(port: int, path: str, limit: float = 60.0) -> float:
    """Probe until the service answers; the moment it did."""
    deadline = time.monotonic() + limit
    while not probe(port, path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the service did not answer within {limit:.0f} s")
        time.sleep(0.05)
    return time.monotonic()


# -- the faults --------------------------------------------------------------


@dataclass
class Injection:
    what: str
    at: float  # time.monotonic() when the fault struck
    progress: int  # requests answered by then
    recovered: float | None = None
    failed: int = 0
    last_failure: float | None = None


def kill_worker(server: Server, probe_path: str) -> tuple[str, float]:
    """SIGKILL the worker that has served longest; wait for its replacement."""
    before = server.all_ready()
    victim = min(before, key=lambda pid: before[pid])
    os.kill(victim, signal.SIGKILL)
    struck = time.monotonic()
    deadline = struck + 30
    while True:
        now = server.ready_workers()
        new = [at for pid, at in now.items() if pid not in before]
        if new and len(now) == server.workers:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("no replacement worker within 30 s")
        time.sleep(0.02)
    serving_again(server.port, probe_path)
    return f"worker {victim} killed", max(max(new), struck)


def kill_server(server: Server, probe_path: str) -> tuple[str, float]:
    """SIGKILL the master and every worker at once, then start gunicorn again."""
    assert server.process is not None
    pids = [server.master, *living_children(server.master)]
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            raise RuntimeError("killed gunicorn processes are still alive after 10 s")
        time.sleep(0.01)
    server.start()
    return f"master and {len(pids) - 1} workers killed", serving_again(server.port, probe_path)


def take_backup(tmp: Path, postgres: bool) -> Callable[[Server, str], tuple[str, float]]:
    """An online backup of the database as an operator takes it; its size and time."""

    def backup(server: Server, probe_path: str) -> tuple[str, float]:
        target = tmp / f"backup-{secrets.token_hex(4)}"
        if postgres:
            pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
            command = [pg_dump, "-Fc", "-f", str(target), os.environ["DATABASE_URL"]]
        else:
            command = [sys.executable, "-m", "alliancelens", "backup-sqlite", str(target)]
        begun = time.monotonic()
        ran = subprocess.run(command, check=True, capture_output=True, cwd=ROOT, timeout=120)  # noqa: S603
        done = time.monotonic()
        size = target.stat().st_size
        target.unlink()
        if postgres:
            return f"online backup with pg_dump -Fc: {mb(size)} in {done - begun:.2f} s", done
        # The command's own time, and the time with starting Python and Django.
        own = re.search(r" in ([0-9.]+ s)", ran.stdout.decode())
        return (
            f"online backup with alliancelens backup-sqlite: {mb(size)} in "
            f"{own.group(1) if own else '?'} ({done - begun:.2f} s with starting the command)",
            done,
        )

    return backup


def stop_database(outage: float) -> Callable[[Server, str], tuple[str, float]]:
    def fault(server: Server, probe_path: str) -> tuple[str, float]:
        pg_ctl = shlex.split(os.environ["PG_CTL"])  # with-postgres.sh's server
        begun = time.monotonic()
        subprocess.run([*pg_ctl, "stop", "-m", "fast"], check=True, capture_output=True)  # noqa: S603
        stopped = time.monotonic()
        time.sleep(max(0.0, stopped + outage - time.monotonic()))
        subprocess.run([*pg_ctl, "start"], check=True, capture_output=True)  # noqa: S603
        started = time.monotonic()
        what = (
            f"database stopped in {stopped - begun:.2f} s, down {started - stopped:.1f} s, "
            "started again"
        )
        return what, serving_again(server.port, probe_path)

    return fault


# -- the respondents ---------------------------------------------------------


class Page(FormFields):
    """A page's form as loadtest.py reads it, with its hidden fields, which a
    browser sends back (the version a page was drawn from)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value", "")


@dataclass(frozen=True)
class PageAnswers:
    fields: tuple[str, ...]  # every answer field on the page
    values: dict[str, str]  # the fields answered, with their value


@dataclass
class Walker:
    """One respondent and what the server acknowledged to them."""

    respondent: Respondent
    sent: dict[str, PageAnswers] = field(default_factory=dict)  # perspective -> answers
    acknowledged: set[str] = field(default_factory=set)  # perspectives
    submit_acknowledged: bool = False
    reopened: int = 0  # times the link was opened again after a failure
    failures: list[float] = field(default_factory=list)  # time.monotonic() of each
    finished: bool = False


class FaultBrowser(Browser):
    """loadtest.py's browser, noting when each request failed."""

    def __init__(self, port: int, walker: Walker, timeout: float, stop: threading.Event) -> None:
        super().__init__(port, walker.respondent, timeout, stop)
        self.walker = walker

    def fail(self, method: str, path: str, what: str) -> Failed:
        self.walker.failures.append(time.monotonic())
        return super().fail(method, path, what)


def next_step(path: str, perspectives: list[str]) -> str:
    """The path a save or submit on ``path`` redirects to when it is stored."""
    base, step = path.rstrip("/").rsplit("/", 1)
    if step == "review":
        return f"{base}/thanks/"
    at = perspectives.index(step)
    if at + 1 < len(perspectives):
        return f"{base}/{perspectives[at + 1]}/"
    return f"{base.removesuffix('/p')}/review/"


def walk(browser: FaultBrowser, perspectives: list[str], seed: int) -> None:
    """From the link to the thanks page; Failed at the first failure."""
    w = browser.walker
    r = w.respondent
    path, body = browser.visit("GET", f"/r/{r.token}/", STEP_GET)
    for _ in range(3 * (PERSPECTIVE_COUNT + 3)):
        if path.endswith("/thanks/"):
            w.finished = True
            return
        page = Page()
        page.feed(body.decode())
        if path.endswith("/intro/"):
            if not page.primary_links:
                raise browser.fail("GET", path, "no start button on the introduction")
            path, body = browser.visit("GET", page.primary_links[0], STEP_GET)
            continue
        if "/p/" in path:
            perspective = path.rstrip("/").rsplit("/", 1)[1]
            # The same answers each time this page is shown.
            rng = random.Random(f"{seed}/{r.number}/{perspective}")  # noqa: S311
            scratch = Respondent(token=r.token, number=r.number)
            data = {**page.hidden, **fill_in(page, rng, scratch)}
            w.sent[perspective] = PageAnswers(
                fields=(*page.radios, *page.textareas),
                values={**scratch.items, **scratch.questions},
            )
            step = STEP_SAVE
        elif path.endswith("/review/"):
            perspective, data, step = "", dict(page.hidden), STEP_SUBMIT
        else:
            raise browser.fail("GET", path, "a page that is not a step of the scan")
        status, location, _ = browser.send("POST", path, step, data)
        target = urlsplit(location).path
        if status not in REDIRECTS or target != next_step(path, perspectives):
            raise browser.fail("POST", path, f"HTTP {status} {target}".strip())
        if perspective:
            w.acknowledged.add(perspective)
        else:
            w.submit_acknowledged = True
        path, body = browser.visit("GET", target, STEP_GET)
    raise browser.fail("GET", path, "no thanks page after every step")


def respond(
    w: Walker, port: int, args: argparse.Namespace, perspectives: list[str], stop: threading.Event
) -> None:
    """Walk the scan; after a failure wait, open the link again and go on."""
    pause = random.Random(w.respondent.number)  # noqa: S311 - spreading retries
    for attempt in range(40):
        with suppress(Failed):
            walk(FaultBrowser(port, w, args.timeout, stop), perspectives, args.seed)
            return
        if stop.wait(min(4.0, 0.5 * 2**attempt) * pause.uniform(0.5, 1.0)):
            return
        w.reopened += 1


# -- one fault ---------------------------------------------------------------


@dataclass
class Check:
    saves: int = 0  # acknowledged saves checked
    submits: int = 0  # acknowledged submits checked
    answers: int = 0  # answers in the acknowledged saves
    lost: int = 0  # acknowledged answers or submits missing or different
    stale: int = 0  # answers stored that an acknowledged save left out
    unsent: int = 0  # answers stored that no one sent
    unacknowledged: int = 0  # pages stored whose acknowledgement never arrived
    examples: list[str] = field(default_factory=list)


def check_stored(fixture: Fixture, walkers: list[Walker]) -> Check:
    """Compare what the database holds with what each respondent was told."""
    responses, stored, questions = stored_answers(fixture.round_id)
    for inv, answers in questions.items():
        stored.setdefault(inv, {}).update(answers)
    submitted = set(
        responses.filter(submitted_at__isnull=False).values_list("invitation_id", flat=True)
    )
    c = Check()

    def note(n: int, what: str) -> None:
        if len(c.examples) < 10:
            c.examples.append(f"respondent {n}: {what}")

    for w in walkers:
        n = w.respondent.number
        inv = fixture.tokens[w.respondent.token]
        held = stored.get(inv, {})
        for perspective, page in w.sent.items():
            if perspective in w.acknowledged:
                c.saves += 1
                for f in page.fields:
                    if f in page.values:
                        c.answers += 1
                        if held.get(f) != page.values[f]:
                            c.lost += 1
                            note(n, f"{f} sent {page.values[f]!r}, stored {held.get(f)!r}")
                    elif f in held:
                        c.stale += 1
                        note(n, f"{f} left unanswered, stored {held[f]!r}")
            elif page.values and all(held.get(f) == v for f, v in page.values.items()):
                c.unacknowledged += 1
        sent = {f: v for page in w.sent.values() for f, v in page.values.items()}
        for f, value in held.items():
            if sent.get(f) != value:
                c.unsent += 1
                note(n, f"{f} stored {value!r}, never sent")
        if w.submit_acknowledged:
            c.submits += 1
            if inv not in submitted:
                c.lost += 1
                note(n, "submit acknowledged, not stored")
    return c


@dataclass
class Outcome:
    fault: str
    injections: list[Injection]
    walkers: list[Walker]
    seconds: float
    check: Check
    wal: tuple[int, int] | None  # largest write-ahead log, database size (bytes)

    @property
    def finished(self) -> int:
        return sum(w.finished for w in self.walkers)

    @property
    def failed(self) -> int:
        return sum(len(w.failures) for w in self.walkers)

    @property
    def ok(self) -> bool:
        c = self.check
        return (
            self.finished == len(self.walkers)
            and c.lost == c.stale == c.unsent == 0
            and len(self.injections) == len(WHEN[self.fault])
            and all(i.recovered is not None for i in self.injections)
            and (self.fault != "backup" or self.failed == 0)
        )


class WalWatch:
    """The largest size of a SQLite database's write-ahead log, sampled every 20 ms."""

    def __init__(self, database: Path) -> None:
        self.database, self.wal = database, Path(f"{database}-wal")
        self.largest = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, name="wal-watch", daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(0.02):
            with suppress(OSError):
                self.largest = max(self.largest, self.wal.stat().st_size)

    def stop(self) -> tuple[int, int]:
        self.done.set()
        self.thread.join()
        return self.largest, self.database.stat().st_size


def run_fault(
    fault: str, server: Server, args: argparse.Namespace, perspectives: list[str], tmp: Path
) -> Outcome:
    from django.db import connections

    fixture = build_fixture(args.respondents + 1, label=f"Faults {fault}")
    connections.close_all()
    tokens = list(fixture.tokens)
    # One more participant than respondents, whose link only probes.
    probe_path = f"/r/{tokens.pop()}/intro/"
    walkers = [Walker(Respondent(token=t, number=n + 1)) for n, t in enumerate(tokens)]
    watch = WalWatch(Path(os.environ["SQLITE_PATH"])) if not args.database_url else None
    inject = {
        "backup": take_backup(tmp, postgres=bool(args.database_url)),
        "worker": kill_worker,
        "server": kill_server,
        "database": stop_database(args.outage),
    }.get(fault)
    injections: list[Injection] = []
    problems: list[BaseException] = []
    stop, done = threading.Event(), threading.Event()
    expected = args.respondents * REQUESTS_PER_RESPONDENT

    def injector() -> None:
        try:
            for share in WHEN[fault]:
                while (progress := sum(len(w.respondent.samples) for w in walkers)) < (
                    share * expected
                ):
                    if done.wait(0.02):
                        return
                assert inject is not None
                injection = Injection(what="", at=time.monotonic(), progress=progress)
                injections.append(injection)
                injection.what, injection.recovered = inject(server, probe_path)
        except BaseException as exc:  # reported after the respondents stop
            problems.append(exc)
            stop.set()

    start_together = threading.Barrier(len(walkers))

    def one(w: Walker) -> None:
        with suppress(threading.BrokenBarrierError):
            start_together.wait(30)
        try:
            respond(w, server.port, args, perspectives, stop)
        except Exception as exc:  # a bug in this script: shown, and the run fails
            w.respondent.errors.append(("the respondent's thread", repr(exc)))

    thread = threading.Thread(target=injector, name="injector")
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(walkers), thread_name_prefix="respondent")
    try:
        thread.start()
        _, pending = wait([pool.submit(one, w) for w in walkers], timeout=args.time_limit)
        if pending:
            print(f"time limit of {args.time_limit:.0f} s reached; stopping", file=sys.stderr)
    finally:
        stop.set()
        done.set()
        start_together.abort()
        pool.shutdown(wait=True, cancel_futures=True)
        thread.join()
    seconds = time.perf_counter() - started
    if problems:
        raise RuntimeError(f"making the fault failed: {problems[0]!r}") from problems[0]
    for t in sorted(t for w in walkers for t in w.failures):
        struck = [i for i in injections if i.at <= t]
        if struck:
            struck[-1].failed += 1
            struck[-1].last_failure = t
    return Outcome(
        fault=fault,
        injections=injections,
        walkers=walkers,
        seconds=seconds,
        check=check_stored(fixture, walkers),
        wal=watch.stop() if watch else None,
    )


# -- the report --------------------------------------------------------------


def mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def report(o: Outcome, expected: int) -> None:
    c = o.check
    print(f"fault: {TITLES[o.fault]}")
    for n, i in enumerate(o.injections, start=1):
        recovered = f"{i.recovered - i.at:.2f} s" if i.recovered else "never"
        last = f", the last {i.last_failure - i.at:.2f} s after it" if i.last_failure else ""
        after = "" if o.fault == "backup" else f"serving again after {recovered}; "
        print(
            f"  {n}. at {i.progress:,} of about {expected:,} requests: {i.what}; "
            f"{after}{i.failed} requests failed{last}"
        )
    before = o.failed - sum(i.failed for i in o.injections)
    reopened = sum(w.reopened for w in o.walkers)
    samples = sorted(s.seconds for w in o.walkers for s in w.respondent.samples)
    p50, p99 = (percentile(samples, p) * 1000 for p in (50, 99)) if samples else (0.0, 0.0)
    print(
        f"  respondents: {o.finished} of {len(o.walkers)} completed the scan in "
        f"{o.seconds:.1f} s; {len(samples):,} requests answered (p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms), {o.failed} failed ({before} before any fault); "
        f"{sum(w.reopened > 0 for w in o.walkers)} respondents opened their link again "
        f"({reopened} times)"
    )
    print(
        f"  acknowledged saves checked: {c.saves:,} pages ({c.answers:,} answers) and "
        f"{c.submits} submits; lost: {c.lost} (target 0); stored although an "
        f"acknowledged save left them out: {c.stale}; stored but never sent: {c.unsent}"
    )
    print(f"  pages stored whose acknowledgement never reached the respondent: {c.unacknowledged}")
    reasons = Counter(e for w in o.walkers for e in w.respondent.errors)
    for (where, what), n in reasons.most_common(5):
        print(f"    {n:>4} × {where}: {what}")
    for example in c.examples:
        print(f"    {example}")
    if o.wal:
        print(
            f"  SQLite write-ahead log at its largest: {mb(o.wal[0])} beside a "
            f"{mb(o.wal[1])} database"
        )
    print(f"  result: {'PASS' if o.ok else 'FAIL'}")


def summary(outcomes: list[Outcome]) -> None:
    print("fault      requests failed  time to recover          acknowledged saves  lost")
    for o in outcomes:
        recover = ", ".join(
            f"{i.recovered - i.at:.2f} s" if i.recovered else "never"
            for i in o.injections
            if o.fault != "backup"
        )
        print(
            f"{o.fault:<10} {o.failed:>15}  {recover or '-':<24} "
            f"{o.check.saves + o.check.submits:>18,}  {o.check.lost:>4}"
        )


# -- main --------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="alliancelens-faults-"))
    server: Server | None = None
    try:
        # Django reads these at set-up, in this process and in the server.
        os.environ.update(SERVER_ENV)
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
        os.environ["STATIC_ROOT"] = str(tmp / "static")
        (tmp / "static").mkdir()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliancelens.settings")
        with throwaway_database(args.database_url, tmp) as database:
            import django

            django.setup()
            from django.core.management import call_command

            from alliancelens.instrument import PERSPECTIVES

            call_command("migrate", verbosity=0)
            perspectives = list(PERSPECTIVES)  # the scan's order of pages
            server = Server(args, tmp)
            server.start()
            assert server.process is not None
            try:
                wait_until_up(server.process, server.port)
                print(
                    f"database: {database}; server: gunicorn, {args.workers} workers × "
                    f"{args.threads} threads on http://127.0.0.1:{server.port}; "
                    f"{args.respondents} respondents per fault"
                )
                outcomes = []
                for fault in args.faults:
                    outcome = run_fault(fault, server, args, perspectives, tmp)
                    report(outcome, args.respondents * REQUESTS_PER_RESPONDENT)
                    outcomes.append(outcome)
            finally:
                # Before the database goes: the workers hold connections.
                server.stop()
        summary(outcomes)
        ok = all(o.ok for o in outcomes)
        if not ok and server.log.exists() and server.log.stat().st_size:
            print("last lines of the server log:")
            for line in server.log.read_text(errors="replace").splitlines()[-20:]:
                print(f"  {line}")
        print("result: " + ("PASS" if ok else "FAIL"))
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
