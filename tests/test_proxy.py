"""nginx in front of gunicorn, as deploy/nginx/alliancelens.conf ships it.

The tests that need nginx start Debian's nginx (/usr/sbin/nginx) with the
shipped server block on loopback (scripts/proxy_trial.py swaps only
addresses, ports, certificate and static path) in front of gunicorn on a
throw-away SQLite database. gunicorn runs one worker of 4 threads, fewer
than the 8 slow clients, so that a proxy which passed bodies on as they come
would let the slow clients hold every thread. Without nginx they are
skipped on a developer machine but fail under CI, where `make test` installs
it. scripts/bench_slow_clients.py measures the same at full size.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import shutil
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from alliancelens.forwarded import ForwardedForMiddleware

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import proxy_trial  # type: ignore[import-not-found]

SLOW_CLIENTS = 8
SLOW_BODY = 10  # bytes, one a second
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def stack() -> Iterator[proxy_trial.Stack]:
    if not proxy_trial.NGINX.exists():
        if os.environ.get("CI"):
            raise RuntimeError(
                f"{proxy_trial.NGINX} is missing: run scripts/ensure-system-packages.sh"
            )
        pytest.skip("Debian's nginx is not installed (apt-get install nginx)")
    # Not pytest's tmp_path: nginx's workers (www-data when the tests run as
    # root) must be able to reach their run directory.
    tmp = Path(tempfile.mkdtemp(prefix="alliancelens-test-proxy-"))
    try:
        with proxy_trial.proxied_stack(tmp, workers=1, threads=4, participants=12) as running:
            yield running
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def https(stack, source: str = "127.0.0.1") -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection(
        "127.0.0.1",
        stack.https_port,
        timeout=30,
        context=stack.context,
        source_address=(source, 0),
    )


def fetch(conn: http.client.HTTPConnection, method: str, path: str, **kwargs):
    try:
        conn.request(method, path, **kwargs)
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_normal_requests_answer_while_slow_clients_dribble_their_bodies(stack):
    slow = [
        proxy_trial.SlowClient(
            stack.https_port,
            proxy_trial.scan_path(token, "process"),
            proxy_trial.slow_body(SLOW_BODY),
            1.0,
            stack.context,
        )
        for token in stack.tokens[1 : 1 + SLOW_CLIENTS]
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(stop,), daemon=True) for client in slow]
    respondent = proxy_trial.Respondent(stack.https_port, stack.tokens[0], stack.context, 30)
    outcomes = []
    try:
        for thread in threads:
            thread.start()
        for client in slow:
            assert client.ready.wait(30), "a slow client could not connect"
            assert not client.error, client.error
        # Normal requests for the first 6 of the slow clients' 9 seconds.
        until = min(client.started for client in slow) + 6
        method = "GET"
        while time.monotonic() < until:
            outcomes.append(respondent.request(method))
            method = "POST" if method == "GET" else "GET"
        for thread in threads:
            thread.join(60)
    finally:
        stop.set()

    statuses = {(o.method, o.status) for o in outcomes}
    assert statuses == {("GET", 200), ("POST", 302)}, outcomes
    last_byte = min(client.last_byte for client in slow)
    assert all(o.at < last_byte for o in outcomes), "slow clients ended too early"
    seconds = [o.seconds for o in outcomes]
    # Had nginx passed the slow bodies on, every thread would wait for them
    # and these requests for the slow clients' remaining seconds.
    assert statistics.median(seconds) < 0.5, seconds
    assert max(seconds) < 2, seconds
    # Once complete, each slow request reached the application.
    assert [client.status for client in slow] == [302] * SLOW_CLIENTS, [c.error for c in slow]


def test_a_body_over_the_limit_gets_413_from_nginx(stack):
    raw = socket.create_connection(("127.0.0.1", stack.https_port), timeout=30)
    with stack.context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
        sock.sendall(
            (
                f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1:{stack.https_port}\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {7 * MIB}\r\n\r\n"
            ).encode()
        )
        answer = sock.makefile("rb")
        head = b""
        while (line := answer.readline(8192)) not in (b"\r\n", b""):
            head += line
    assert head.startswith(b"HTTP/1.1 413 "), head[:200]
    assert b"Content-Security-Policy" not in head  # nginx's answer, not Django's


def test_a_body_within_the_limit_reaches_the_application(stack):
    response, _ = fetch(
        https(stack),
        "POST",
        proxy_trial.scan_path(stack.tokens[-1]),
        body=b"x" * (5 * MIB + 512 * 1024),
        headers={"Content-Type": "application/octet-stream", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status != 413
    assert response.getheader("Content-Security-Policy")  # Django answered


def test_pages_are_https_to_django_and_carry_each_security_header_once(stack):
    response, _ = fetch(https(stack), "GET", "/accounts/login/")
    assert response.status == 200
    assert len(response.msg.get_all("Strict-Transport-Security") or []) == 1
    assert len(response.msg.get_all("Content-Security-Policy") or []) == 1
    assert "Secure" in response.getheader("Set-Cookie", "")


def test_plain_http_is_sent_to_https(stack):
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=30)
    response, _ = fetch(conn, "GET", "/privacy/?lang=en")
    assert response.status == 301
    assert (
        response.getheader("Location") == f"https://127.0.0.1:{stack.https_port}/privacy/?lang=en"
    )


def test_static_files_come_from_nginx_hashed_names_cached_for_a_year(stack):
    static = stack.nginx.loopback.static_root / "alliancelens"
    static.mkdir(exist_ok=True)
    (static / "app.0123456789ab.css").write_text("body { color: black }\n")
    (static / "plain.css").write_text("body { color: black }\n")

    response, body = fetch(https(stack), "GET", "/static/alliancelens/app.0123456789ab.css")
    assert (response.status, body) == (200, b"body { color: black }\n")
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.msg.get_all("Strict-Transport-Security") == ["max-age=31536000"]
    assert response.getheader("X-Content-Type-Options") == "nosniff"

    response, _ = fetch(https(stack), "GET", "/static/alliancelens/plain.css")
    assert response.getheader("Cache-Control") == "public, max-age=3600"


def test_the_access_log_keeps_no_respondent_link_or_join_code(stack):
    token = stack.tokens[-2]
    response, _ = fetch(https(stack), "GET", proxy_trial.scan_path(token))
    assert response.status == 200
    fetch(https(stack), "GET", "/j/joincode1234/?x=1")
    log = stack.nginx.loopback.access_log
    deadline = time.monotonic() + 10  # nginx logs just after it has answered
    while '"GET /j/-/"' not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = log.read_text()
    assert '"GET /r/-/p/ambition/"' in text
    assert '"GET /j/-/"' in text
    assert token not in text
    assert "joincode1234" not in text


def failed_login(connect: Callable[[], http.client.HTTPConnection], origin: str, spoofed: str):
    """A wrong password, sent with a made-up X-Forwarded-For."""
    response, page = fetch(connect(), "GET", "/accounts/login/")
    cookie = re.search(r"csrftoken=[^;]+", response.getheader("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode())
    assert cookie and token, "no CSRF cookie or token on the login page"
    response, _ = fetch(
        connect(),
        "POST",
        "/accounts/login/",
        body=urlencode({"csrfmiddlewaretoken": token[1], "username": "nobody", "password": "x"}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie[0],
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
            "X-Forwarded-For": spoofed,
        },
    )
    assert response.status == 200  # the form again, with its error


def counted_addresses(stack) -> set[str]:
    with sqlite3.connect(f"file:{stack.database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT key FROM alliances_loginwindow WHERE key LIKE 'address:%'")
        return {key.removeprefix("address:") for (key,) in rows}


def test_login_throttling_counts_the_address_nginx_saw_not_the_clients_word(stack):
    origin = f"https://127.0.0.1:{stack.https_port}"
    failed_login(lambda: https(stack, source="127.0.0.2"), origin, spoofed="203.0.113.9")
    # Straight to gunicorn, from an address that is no trusted proxy.
    port = stack.gunicorn_port
    failed_login(
        lambda: http.client.HTTPConnection(
            "127.0.0.1", port, timeout=30, source_address=("127.0.0.3", 0)
        ),
        f"http://127.0.0.1:{port}",
        spoofed="203.0.113.10",
    )

    assert counted_addresses(stack) == {"127.0.0.2", "127.0.0.3"}


# -- the middleware itself ------------------------------------------------------


def remote_addr_seen(remote: str, forwarded: str | None = None) -> str:
    seen = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    ForwardedForMiddleware(view)(request)
    return seen["address"]


def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    assert remote_addr_seen("127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert remote_addr_seen("::1", "2001:db8::7") == "2001:db8::7"
    assert remote_addr_seen("198.51.100.8", "198.51.100.7") == "198.51.100.8"
    assert remote_addr_seen("127.0.0.1") == "127.0.0.1"


def test_an_appending_proxy_is_read_from_its_own_last_entry(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert remote_addr_seen("127.0.0.1", "10.9.9.9, 198.51.100.7") == "198.51.100.7"


def test_a_forwarded_value_that_is_no_address_is_ignored_and_logged(settings, caplog):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    with caplog.at_level(logging.WARNING, logger="alliancelens.forwarded"):
        assert remote_addr_seen("127.0.0.1", "<script>") == "127.0.0.1"
    assert "not an address" in caplog.text


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert remote_addr_seen("127.0.0.1", "198.51.100.7") == "127.0.0.1"


def test_a_trusted_proxy_that_is_no_address_stops_the_start(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "proxy.internal"]
    with pytest.raises(ImproperlyConfigured, match=r"'proxy\.internal', which is not an IP"):
        ForwardedForMiddleware(lambda request: HttpResponse())
