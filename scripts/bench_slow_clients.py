"""Slow clients against gunicorn, with and without nginx in front.

gunicorn (2 workers × 8 threads, as docs/deployment.md runs it) hands a
connection to a thread once its headers are in, and the thread then waits
for the body as long as the client takes. This benchmark builds a throw-away
SQLite database with an open round, starts gunicorn and, in front of it, the
real nginx with the shipped deploy/nginx/alliancelens.conf
(scripts/proxy_trial.py), and measures normal respondents' requests (a GET
of a perspective page, then a POST saving it, alternately; 10 a second, a new
connection each, 10 s timeout):

  (a)  through nginx, no slow clients;
  (a') straight to gunicorn, no slow clients;
  (b)  through nginx, while 32 slow clients each send a 20-byte form body
       one byte every 3 s (57 s);
  (c)  straight to gunicorn, with the same 32 slow clients there too: a
       deployment without the proxy.

Prints each phase's latency (p50, p95, max; a request without an answer
counts as its 10 s timeout, marked ≥) and the ratios. Exits 1 when (b)'s p95
is more than 3 × (a)'s, or when a request in (a), (a') or (b) failed or
went unsent, or a slow client through nginx got no answer. About 2.5
minutes; traffic goes only to 127.0.0.1, and everything started is stopped
and removed afterwards, also on Ctrl+C.
"""

from __future__ import annotations

import math
import shutil
import signal
import ssl
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from loadtest import percentile
from proxy_trial import Outcome, Respondent, SlowClient, Stack, proxied_stack, scan_path, slow_body

WORKERS, THREADS = 2, 8
NORMAL_CLIENTS = 8  # respondents sending the normal requests, each its own link
RATE = 10.0  # normal requests a second, over all of them
BASELINE_REQUESTS = 200
DIRECT_BASELINE = 100  # the same requests straight to gunicorn
TIMEOUT = 10.0  # seconds a normal request may take
SLOW_CLIENTS = 32
SLOW_BODY = 20  # bytes
SLOW_INTERVAL = 3.0  # seconds between two of its bytes
THRESHOLD = 3.0  # (b) p95 may be at most this many times (a) p95


@dataclass
class Phase:
    label: str
    outcomes: list[Outcome]
    unsent: int  # due in the phase, but every respondent was still waiting
    slow: list[SlowClient] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is None or o.status >= 400]

    def seconds(self) -> list[float]:
        return sorted(TIMEOUT if o.status is None else o.seconds for o in self.outcomes)

    def p(self, q: float) -> float:
        return percentile(self.seconds(), q)

    def sent_while_slow(self) -> int:
        """Normal requests sent while every slow client was still sending."""
        ends = [c.last_byte or math.inf for c in self.slow]
        return sum(1 for o in self.outcomes if o.at < min(ends))


def normal_requests(
    port: int,
    context: ssl.SSLContext | None,
    tokens: Sequence[str],
    *,
    count: int | None,
    until: float | None,
) -> tuple[list[Outcome], int]:
    """Requests at RATE a second: ``count`` of them, or those due before
    ``until`` (time.monotonic()), of which none is sent later. Each
    respondent waits for its answer before its next request, so a stuck
    server leaves requests unsent; returns the outcomes and how many that
    were due went unsent."""
    lock = threading.Lock()
    outcomes: list[Outcome] = []
    state = {"next": 0}
    start = time.monotonic() + 0.05

    def respondent(token: str) -> None:
        browser = Respondent(port, token, context, TIMEOUT)
        method = "POST" if browser.answers else "GET"
        while True:
            with lock:
                k = state["next"]
                due = start + k / RATE
                if (count is not None and k >= count) or (
                    until is not None and max(due, time.monotonic()) >= until
                ):
                    return
                state["next"] = k + 1
            time.sleep(max(0.0, due - time.monotonic()))
            outcome = browser.request(method)
            with lock:
                outcomes.append(outcome)
            # The answers come from the first GET; POST them, then GET again.
            method = "POST" if method == "GET" and browser.answers else "GET"

    threads = [threading.Thread(target=respondent, args=(t,), daemon=True) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    due = count if count is not None else math.ceil(((until or start) - start) * RATE)
    return outcomes, max(0, due - len(outcomes))


def with_slow_clients(
    label: str, port: int, context: ssl.SSLContext | None, stack: Stack
) -> Phase:
    normal_tokens = stack.tokens[:NORMAL_CLIENTS]
    slow_tokens = stack.tokens[NORMAL_CLIENTS : NORMAL_CLIENTS + SLOW_CLIENTS]
    stop = threading.Event()
    body = slow_body(SLOW_BODY)
    slow = [
        SlowClient(port, scan_path(token, "process"), body, SLOW_INTERVAL, context)
        for token in slow_tokens
    ]
    threads = [threading.Thread(target=c, args=(stop,), daemon=True) for c in slow]
    try:
        for t in threads:
            t.start()
        for c in slow:
            if not c.ready.wait(30):
                raise RuntimeError("a slow client could not connect within 30 s")
        errors = [c.error for c in slow if c.error]
        if errors:
            raise RuntimeError(f"a slow client failed: {errors[0]}")
        # Normal requests while every slow client is still sending.
        until = min(c.started for c in slow) + (SLOW_BODY - 1) * SLOW_INTERVAL - 2.0
        outcomes, unsent = normal_requests(port, context, normal_tokens, count=None, until=until)
        for t in threads:
            t.join(SLOW_BODY * SLOW_INTERVAL + 60)
    finally:
        stop.set()
    return Phase(label, outcomes, unsent, slow)


def ms(seconds: float) -> str:
    return f"≥{TIMEOUT * 1000:.0f}" if seconds >= TIMEOUT else f"{seconds * 1000:.0f}"


def report(phases: list[Phase]) -> None:
    print(
        f"normal requests: {NORMAL_CLIENTS} respondents, {RATE:.0f} a second in all, "
        f"a new connection each, timeout {TIMEOUT:.0f} s"
    )
    print(
        f"slow clients: {SLOW_CLIENTS}, each a {SLOW_BODY}-byte body, one byte every "
        f"{SLOW_INTERVAL:.0f} s ({(SLOW_BODY - 1) * SLOW_INTERVAL:.0f} s)"
    )
    print(f"{'':<42}{'sent':>6}{'failed':>7}{'unsent':>7}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for phase in phases:
        values = phase.seconds()
        print(
            f"{phase.label:<42}{len(values):>6}{len(phase.failed):>7}{phase.unsent:>7}"
            f"{ms(phase.p(50)):>8}{ms(phase.p(95)):>8}{ms(values[-1]):>8}"
        )
    for phase in phases:
        if not phase.slow:
            continue
        answered = [c for c in phase.slow if c.status is not None]
        waits = sorted(c.answered - c.last_byte for c in answered)
        print(
            f"{phase.label.split(',')[0]}: {phase.sent_while_slow()}/{len(phase.outcomes)} normal "
            f"requests sent while every slow client was still sending; slow clients answered "
            f"{len(answered)}/{len(phase.slow)}"
            + (f", at most {waits[-1] * 1000:.0f} ms after their last byte" if waits else "")
            + "".join(
                f", HTTP {status} × {n}"
                for status, n in sorted(Counter(c.status for c in answered).items())
            )
        )


def run(tmp: Path) -> int:
    started = time.monotonic()
    with proxied_stack(
        tmp, workers=WORKERS, threads=THREADS, participants=NORMAL_CLIENTS + SLOW_CLIENTS
    ) as stack:
        print(
            f"gunicorn {WORKERS} workers × {THREADS} threads on 127.0.0.1:{stack.gunicorn_port}, "
            f"nginx (deploy/nginx/alliancelens.conf) on https://127.0.0.1:{stack.https_port}; "
            f"ready in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        tokens = stack.tokens[:NORMAL_CLIENTS]
        nginx, direct = stack.https_port, stack.gunicorn_port
        # Warm-up, not counted: both of gunicorn's workers load their pages.
        normal_requests(nginx, stack.context, tokens, count=4 * NORMAL_CLIENTS, until=None)
        phases = [
            Phase(
                "(a)  through nginx, no slow clients",
                *normal_requests(
                    nginx, stack.context, tokens, count=BASELINE_REQUESTS, until=None
                ),
            ),
            Phase(
                "(a') straight to gunicorn, no slow clients",
                *normal_requests(direct, None, tokens, count=DIRECT_BASELINE, until=None),
            ),
        ]
        print("baselines done; now with slow clients, about a minute each", flush=True)
        phases.append(
            with_slow_clients(
                f"(b)  through nginx, {SLOW_CLIENTS} slow clients", nginx, stack.context, stack
            )
        )
        phases.append(
            with_slow_clients(
                f"(c)  straight to gunicorn, {SLOW_CLIENTS} slow", direct, None, stack
            )
        )
    report(phases)
    base, plain_base, proxied, plain = phases
    ratio = proxied.p(95) / base.p(95)
    print(
        f"p95 with slow clients ÷ without: through nginx {ratio:.2f}× "
        f"(threshold {THRESHOLD:.0f}×), straight to gunicorn "
        f"{'≥' if plain.p(95) >= TIMEOUT else ''}{plain.p(95) / plain_base.p(95):.0f}×"
    )
    print(f"whole run: {time.monotonic() - started:.0f} s")
    problems = []
    if ratio > THRESHOLD:
        problems.append(f"through nginx, p95 grew {ratio:.2f}× with slow clients")
    for phase in (base, plain_base, proxied):
        if phase.failed or phase.unsent:
            first = phase.failed[0] if phase.failed else None
            problems.append(
                f"{phase.label}: {len(phase.failed)} failed, {phase.unsent} unsent"
                + (f", e.g. {first.method} {first.status or first.error}" if first else "")
            )
    unanswered = [c for c in proxied.slow if c.status is None]
    if unanswered:
        problems.append(f"{len(unanswered)} slow clients got no answer through nginx")
    if proxied.sent_while_slow() < len(proxied.outcomes):
        problems.append("slow clients finished before the normal requests did")
    for problem in problems:
        print(f"FAIL: {problem}")
    print("result: " + ("FAIL" if problems else "PASS"))
    return 1 if problems else 0


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="alliancelens-slowclients-"))
    try:
        return run(tmp)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
