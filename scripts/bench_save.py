"""Benchmark saving a scan page against a bare one-insert view on the same server.

Builds a throw-away database (SQLite, or PostgreSQL when DATABASE_URL is set,
as `make loadtest` does), one alliance of 200 participants with an open round
and a link each, and starts gunicorn (2 workers x 8 threads, production
settings) on loopback with the product's URLs plus one bare view that inserts
a single row (scripts/bench_server/). Then 16 client threads, each with its
own link, POST a whole perspective page (every statement answered, as a
browser would send it) for a fixed time, and afterwards POST to the bare view
for the same time; three such pairs in turn, so that both see the same
conditions (autovacuum, a busy neighbour). Prints the median requests per
second of both and the ratio of the medians.

Target: saving a page reaches at least 50 % of the bare view's throughput.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from loadtest import (
    SERVER_ENV,
    build_fixture,
    start_server,
    stop_server,
    throwaway_database,
    wait_until_up,
)

SECONDS = 4.0
PAIRS = 3
CLIENTS = 16
TARGET = 0.5
HERE = Path(__file__).resolve().parent


def hammer(port: int, requests: list[tuple[str, str, bytes]]) -> tuple[float, int, list[str]]:
    """Each client POSTs its own request over and over; (requests/s, count, errors)."""
    stop = time.monotonic() + SECONDS
    done = [0] * len(requests)
    errors: list[str] = []

    def client(index: int) -> None:
        method, path, body = requests[index]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Sec-Fetch-Site": "same-origin",
            "Origin": f"http://127.0.0.1:{port}",
        }
        while time.monotonic() < stop:
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status not in (204, 302):
                    errors.append(f"{path}: {response.status}")
                    return
                done[index] += 1
            except OSError as exc:
                errors.append(f"{path}: {exc}")
                return
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return sum(done) / elapsed, sum(done), errors


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="alliancelens-bench-save-"))
    server = None
    try:
        os.environ.update(SERVER_ENV)
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
        os.environ["STATIC_ROOT"] = str(tmp / "static")
        (tmp / "static").mkdir()
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(HERE / "bench_server"), os.environ.get("PYTHONPATH", "")]
        )
        sys.path.insert(0, str(HERE / "bench_server"))
        with throwaway_database(os.environ.get("DATABASE_URL", ""), tmp) as database:
            import django

            django.setup()
            from django.db import connections

            from alliancelens.alliances.models import Round
            from alliancelens.instrument import latest_instrument

            fixture = build_fixture(200)
            alliance_id = Round.objects.get(pk=fixture.round_id).alliance_id
            connections.close_all()
            items = latest_instrument().items_for("relationship")
            body = urlencode({**{i.id: "4" for i in items}, "nav": "next"}).encode()
            tokens = list(fixture.tokens)[:CLIENTS]
            saves = [("POST", f"/r/{t}/p/relationship/", body) for t in tokens]
            inserts = [("POST", f"/bench/insert/?a={alliance_id}", b"")] * CLIENTS
            with socket.create_server(("127.0.0.1", 0), backlog=1024) as listener:
                port = listener.getsockname()[1]
                server = start_server(listener, 2, 8, tmp / "gunicorn.log")
            wait_until_up(server, port)
            print(f"database: {database}; gunicorn 2 workers x 8 threads; {CLIENTS} clients")
            hammer(port, saves[:2])  # warm both workers
            runs: dict[str, list[float]] = {"save": [], "bare": []}
            save_n = bare_n = 0
            save_errors: list[str] = []
            bare_errors: list[str] = []
            for _ in range(PAIRS):
                rate, count, errors = hammer(port, saves)
                runs["save"].append(rate)
                save_n, save_errors = save_n + count, save_errors + errors
                rate, count, errors = hammer(port, inserts)
                runs["bare"].append(rate)
                bare_n, bare_errors = bare_n + count, bare_errors + errors
            save_rate, bare_rate = (statistics.median(runs[k]) for k in ("save", "bare"))
            stop_server(server)
            for errors in (save_errors, bare_errors):
                if errors:
                    print("errors:", errors[:5])
                    return 1
            ratio = save_rate / bare_rate
            for label, rate, count in (
                (f"save a scan page (POST, {len(items)} statements)", save_rate, save_n),
                ("bare one-insert view (POST)", bare_rate, bare_n),
            ):
                print(
                    f"{label:<48} {rate:7.1f} requests/s, median of {PAIRS} runs "
                    f"({count} in {PAIRS * SECONDS:.0f} s)"
                )
            verdict = "met" if ratio >= TARGET else "MISSED"
            print(f"ratio save / bare: {ratio:.0%}  target >= {TARGET:.0%}: {verdict}")
            return 0
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
