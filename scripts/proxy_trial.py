"""gunicorn behind the shipped nginx configuration, on loopback.

deploy/nginx/alliancelens.conf is what a production host installs. This
module runs that file for a local trial: the same buffering, timeouts, size
limit, TLS settings, forwarded headers and static files, with only the
production host's addresses swapped for loopback ones (ports above 1024), a
self-signed certificate made per run, and nginx's pid, logs and temporary
files under a run directory of its own, so that nginx needs no root. TLS
rather than plain HTTP: the application then runs exactly as in production
(BEHIND_HTTPS_PROXY=1, secure cookies, HSTS), which a plain-HTTP variant
would have to switch off.

Used by `make serve` (below), scripts/bench_slow_clients.py and
tests/test_proxy.py:

    python scripts/proxy_trial.py serve [--https-port 8443] [--http-port 8080]
    python scripts/proxy_trial.py fixture SQLITE_PATH PARTICIPANTS

`serve` migrates the database of the environment (the local SQLite file, or
DATABASE_URL), loads the demo alliance, collects the static files with the
production storage and serves everything on https://127.0.0.1:8443/ until
Ctrl+C. `fixture` makes a throw-away SQLite database with one alliance and
an open round and prints the links' tokens as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "alliancelens.conf"
NGINX = Path("/usr/sbin/nginx")
HOST = "127.0.0.1"
# The production values in the template, and how often each occurs outside
# comments; a trial swaps exactly these and keeps every other line.
PRODUCTION_HOST = "alliancelens.example.org"
PRODUCTION_CERT = "/etc/letsencrypt/live/alliancelens.example.org/fullchain.pem"
PRODUCTION_KEY = "/etc/letsencrypt/live/alliancelens.example.org/privkey.pem"
PRODUCTION_STATIC = "/srv/alliancelens/staticfiles/"
PRODUCTION_UPSTREAM = "http://127.0.0.1:8000;"
PRODUCTION_LOG = "/var/log/nginx/alliancelens.access.log "


class TemplateChanged(RuntimeError):
    """The template no longer says what the trial swaps."""


@dataclass(frozen=True)
class Loopback:
    """Where a trial's nginx listens and finds things."""

    https_port: int
    http_port: int
    upstream_port: int
    static_root: Path
    certificate: Path
    key: Path
    access_log: Path


def server_blocks(template: str, loopback: Loopback) -> str:
    """The template's directives with the production host swapped for loopback.

    Every swapped text must occur as often as stated, outside comments, or
    TemplateChanged says which one did not: a trial never runs a
    configuration that silently differs from the shipped one.
    """
    https = loopback.https_port
    swaps: list[tuple[str, str, int]] = [
        ("listen 80;", f"listen {HOST}:{loopback.http_port};", 1),
        ("listen [::]:80;", "", 1),
        ("listen 443 ssl http2;", f"listen {HOST}:{https} ssl http2;", 1),
        ("listen [::]:443 ssl http2;", "", 1),
        (f"server_name {PRODUCTION_HOST};", f"server_name {HOST};", 2),
        # The trial's port is not the default one: redirects and the Host
        # header Django checks (ALLOWED_HOSTS, the CSRF origin) must name it.
        (
            "return 301 https://$host$request_uri;",
            f"return 301 https://$host:{https}$request_uri;",
            1,
        ),
        ("proxy_set_header Host $host;", f"proxy_set_header Host $host:{https};", 1),
        (PRODUCTION_CERT, str(loopback.certificate), 1),
        (PRODUCTION_KEY, str(loopback.key), 1),
        (PRODUCTION_STATIC, f"{loopback.static_root}/", 1),
        (PRODUCTION_UPSTREAM, f"http://{HOST}:{loopback.upstream_port};", 1),
        (PRODUCTION_LOG, f"{loopback.access_log} ", 1),
    ]
    counts = [0] * len(swaps)
    lines = []
    for line in template.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for n, (old, new, _) in enumerate(swaps):
            if old in line:
                counts[n] += line.count(old)
                line = line.replace(old, new)
        if line.strip():
            lines.append(line)
    for (old, _, expected), seen in zip(swaps, counts, strict=True):
        if seen != expected:
            raise TemplateChanged(
                f"{TEMPLATE.relative_to(ROOT)}: expected {old!r} {expected} time(s) outside "
                f"comments, found it {seen} time(s); update scripts/proxy_trial.py with it"
            )
    return "\n".join(lines) + "\n"


def nginx_conf(blocks: str, run: Path) -> str:
    """A whole nginx.conf around the server blocks, as Debian's nginx.conf
    has it, with every path nginx writes under ``run``."""
    # As root the master process hands its workers to www-data, as Debian's
    # own configuration does; otherwise nginx runs as whoever started it.
    user = "user www-data www-data;\n" if os.geteuid() == 0 else ""
    return f"""# Generated by scripts/proxy_trial.py from {TEMPLATE.relative_to(ROOT)}
{user}worker_processes 2;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
daemon off;
events {{
    worker_connections 768;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {run}/access.log;
    gzip on;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
{blocks}}}
"""


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid a week."""
    cert, key = directory / "loopback.crt", directory / "loopback.key"
    command = [
        *("openssl", "req", "-x509", "-nodes", "-days", "7"),
        *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
        *("-subj", "/CN=AllianceLens loopback trial"),
        *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        *("-keyout", str(key), "-out", str(cert)),
    ]
    # Debian's openssl from the PATH, with our own arguments.
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603
    return cert, key


def client_context(certificate: Path) -> ssl.SSLContext:
    """TLS that trusts the trial's certificate and nothing else."""
    return ssl.create_default_context(cafile=str(certificate))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for_port(process: subprocess.Popen[bytes], port: int, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with status {process.returncode}")
        with suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on port {port} within {limit:.0f} s")


@dataclass
class Nginx:
    """A running nginx of a trial."""

    process: subprocess.Popen[bytes]
    run: Path
    loopback: Loopback

    @property
    def error_log(self) -> str:
        path = self.run / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # nginx's fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_nginx(run: Path, *, upstream_port: int, static_root: Path, **ports: int) -> Nginx:
    """nginx from the shipped template on loopback, its files under ``run``.

    Ports are taken free ones unless given (``https_port``, ``http_port``);
    a free port taken by someone else before nginx binds it is tried again
    with others.
    """
    if not NGINX.exists():
        raise RuntimeError(f"{NGINX} is missing: run scripts/ensure-system-packages.sh as root")
    # nginx's workers (www-data when started as root) read the static
    # files and write their temporary files here.
    run.mkdir(parents=True, exist_ok=True)
    run.chmod(0o755)
    cert, key = make_certificate(run)
    for attempt in range(3):
        loopback = Loopback(
            https_port=ports.get("https_port") or free_port(),
            http_port=ports.get("http_port") or free_port(),
            upstream_port=upstream_port,
            static_root=static_root,
            certificate=cert,
            key=key,
            access_log=run / "alliancelens.access.log",
        )
        conf = run / "nginx.conf"
        conf.write_text(nginx_conf(server_blocks(TEMPLATE.read_text(), loopback), run))
        (run / "error.log").write_text("")
        process = subprocess.Popen(  # noqa: S603 - Debian's nginx, our own configuration
            [str(NGINX), "-p", f"{run}/", "-c", str(conf), "-e", str(run / "error.log")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        nginx = Nginx(process, run, loopback)
        try:
            wait_for_port(process, loopback.https_port)
            return nginx
        except RuntimeError:
            nginx.stop()
            log = nginx.error_log
            if "Address already in use" in log and attempt < 2 and not ports:
                continue
            raise RuntimeError(f"nginx did not start:\n{log}") from None
    raise AssertionError("unreachable")


def wait_for_page(nginx: Nginx, path: str, limit: float = 60.0) -> None:
    """Until a page comes through nginx from the application (200)."""
    context = client_context(nginx.loopback.certificate)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            raise RuntimeError(f"nginx exited with status {nginx.process.returncode}")
        conn = http.client.HTTPSConnection(
            HOST, nginx.loopback.https_port, timeout=5, context=context
        )
        try:
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"{path} did not answer through nginx within {limit:.0f} s")


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables for a while."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- a stack for measurements: throw-away database, gunicorn, nginx ------------


@dataclass
class Stack:
    nginx: Nginx
    gunicorn_port: int
    tokens: list[str]
    database: Path
    context: ssl.SSLContext

    @property
    def https_port(self) -> int:
        return self.nginx.loopback.https_port

    @property
    def http_port(self) -> int:
        return self.nginx.loopback.http_port


def build_database(database: Path, participants: int) -> list[str]:
    """A throw-away SQLite database with an open round; its links' tokens.

    Built by `python scripts/proxy_trial.py fixture` in a process of its own,
    so that the caller's Django (a test run's, say) is left alone.
    """
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(HERE / "proxy_trial.py"),
            "fixture",
            str(database),
            str(participants),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"building the database failed:\n{done.stderr[-3000:]}")
    tokens: list[str] = json.loads(done.stdout)["tokens"]
    return tokens


@contextmanager
def proxied_stack(tmp: Path, *, workers: int, threads: int, participants: int) -> Iterator[Stack]:
    """gunicorn (loadtest.start_server) on a throw-away database, and nginx in front.

    gunicorn runs with the production settings of scripts/loadtest.py plus
    what the proxy needs (BEHIND_HTTPS_PROXY=1, TRUSTED_PROXIES=127.0.0.1).
    SECURE_SSL_REDIRECT stays off so that a measurement can also talk to
    gunicorn directly, as a deployment without the proxy would.
    """
    from loadtest import start_server, stop_server, wait_until_up

    tmp.chmod(0o711)  # nginx's workers reach their run directory inside
    database = tmp / "db.sqlite3"
    run = tmp / "nginx"
    static = run / "static"
    static.mkdir(parents=True)
    (tmp / "app-static").mkdir()
    server_env: dict[str, str | None] = {
        "SQLITE_PATH": str(database),
        "DATABASE_URL": None,
        "STATIC_ROOT": str(tmp / "app-static"),
        "BEHIND_HTTPS_PROXY": "1",
        "TRUSTED_PROXIES": HOST,
    }
    with socket.create_server((HOST, 0), backlog=1024) as listener:
        port = int(listener.getsockname()[1])
        with environment(server_env):
            server = start_server(listener, workers, threads, tmp / "gunicorn.log")
    nginx: Nginx | None = None
    try:
        # gunicorn's workers boot while the database is built; the first
        # request waits for both.
        tokens = build_database(database, participants)
        wait_until_up(server, port)
        nginx = start_nginx(run, upstream_port=port, static_root=static)
        context = client_context(nginx.loopback.certificate)
        yield Stack(nginx, port, tokens, database, context)
    finally:
        if nginx is not None:
            nginx.stop()
        stop_server(server)


# -- clients: slow ones and normal ones ------------------------------------------


def scan_path(token: str, step: str = "ambition") -> str:
    return f"/r/{token}/p/{step}/"


@dataclass
class SlowClient:
    """A client that sends its request body a byte at a time."""

    port: int
    path: str
    body: bytes
    interval: float
    context: ssl.SSLContext | None
    timeout: float = 60.0
    ready: threading.Event = field(default_factory=threading.Event)
    started: float = 0.0
    last_byte: float = 0.0  # when the body's last byte went out
    answered: float = 0.0
    status: int | None = None
    error: str = ""

    def __call__(self, stop: threading.Event) -> None:
        try:
            self._run(stop)
        except (OSError, ValueError) as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.ready.set()

    def _run(self, stop: threading.Event) -> None:
        self.started = time.monotonic()
        raw = socket.create_connection((HOST, self.port), timeout=self.timeout)
        sock = self.context.wrap_socket(raw, server_hostname=HOST) if self.context else raw
        with sock:
            head = (
                f"POST {self.path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(self.body)}\r\nSec-Fetch-Site: same-origin\r\n"
                "Connection: close\r\n\r\n"
            )
            sock.sendall(head.encode() + self.body[:1])
            self.ready.set()
            for n in range(1, len(self.body)):
                if stop.wait(self.interval):
                    self.error = "stopped before the body was sent"
                    return
                sock.sendall(self.body[n : n + 1])
            self.last_byte = time.monotonic()
            status_line = sock.makefile("rb").readline(200)
            self.answered = time.monotonic()
            parts = status_line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                raise ValueError(f"no HTTP answer: {status_line[:80]!r}")
            self.status = int(parts[1])


def slow_body(size: int) -> bytes:
    """A form body of ``size`` bytes (at least 8) that a perspective page
    accepts: "nav=next", padded with a field of no meaning."""
    if size < 8:
        raise ValueError(f"a slow body needs at least 8 bytes, not {size}")
    return (b"nav=next&p=" + b"x" * size)[:size]


@dataclass
class Outcome:
    method: str
    at: float  # time.monotonic() when it was sent
    seconds: float
    status: int | None  # None: no answer within the timeout, or an error
    error: str = ""


class Respondent:
    """A respondent's browser that opens a perspective page and saves it."""

    def __init__(
        self, port: int, token: str, context: ssl.SSLContext | None, timeout: float
    ) -> None:
        self.port = port
        self.path = scan_path(token)
        self.context = context
        self.timeout = timeout
        self.answers: dict[str, str] = {}

    def request(self, method: str) -> Outcome:
        headers = {"Accept": "text/html", "Accept-Language": "nl", "Connection": "close"}
        body = None
        if method == "POST":
            headers["Sec-Fetch-Site"] = "same-origin"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode({**self.answers, "nav": "next"})
        conn: http.client.HTTPConnection = (
            http.client.HTTPSConnection(
                HOST, self.port, timeout=self.timeout, context=self.context
            )
            if self.context
            else http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        )
        at, started = time.monotonic(), time.perf_counter()
        try:
            conn.request(method, self.path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except TimeoutError:
            return Outcome(method, at, time.perf_counter() - started, None, "timeout")
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(method, at, time.perf_counter() - started, None, type(exc).__name__)
        finally:
            conn.close()
        seconds = time.perf_counter() - started
        if method == "GET" and response.status == 200 and not self.answers:
            self.answers = first_answers(content.decode())
        return Outcome(method, at, seconds, response.status)


def first_answers(page: str) -> dict[str, str]:
    """An answer to every statement of a perspective page: its first scale point."""
    from loadtest import FormFields

    fields = FormFields()
    fields.feed(page)
    answers = {}
    for name, values in fields.radios.items():
        scale = [v for v in values if v.isdigit()]
        if scale:
            answers[name] = scale[0]
    return answers


# -- make serve ---------------------------------------------------------------


def serve(args: argparse.Namespace) -> int:
    """The demo alliance behind nginx as production runs it, until Ctrl+C."""
    from loadtest import stop_server

    tmp = Path(tempfile.mkdtemp(prefix="alliancelens-serve-"))
    tmp.chmod(0o711)  # nginx's workers reach their run directory inside
    origin = f"https://{HOST}:{args.https_port}"
    env = {
        **os.environ,
        "DEBUG": "0",
        # A key per run: sessions end with the trial.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": origin,
        "BEHIND_HTTPS_PROXY": "1",
        "TRUSTED_PROXIES": HOST,
        "STATIC_ROOT": str(tmp / "nginx" / "static"),
    }
    alliancelens = str(Path(sys.executable).parent / "alliancelens")
    server: subprocess.Popen[bytes] | None = None
    nginx: Nginx | None = None
    try:
        # The demo alliance with its published passwords, as `make run` has
        # it (the command refuses that in production mode): only this
        # machine reaches the trial.
        for command, debug in (
            (["migrate", "--noinput", "-v0"], "0"),
            (["collectstatic", "--noinput", "-v0"], "0"),
            (["demo"], "1"),
        ):
            subprocess.run(  # noqa: S603 - our own console script
                [alliancelens, *command], cwd=ROOT, env={**env, "DEBUG": debug}, check=True
            )
        port = free_port()
        # As deploy/systemd/alliancelens.service runs it.
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "alliancelens.wsgi:application",
                f"--bind={HOST}:{port}",
                "--worker-class=gthread",
                "--workers=2",
                "--threads=8",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        nginx = start_nginx(
            tmp / "nginx",
            upstream_port=port,
            static_root=tmp / "nginx" / "static",
            https_port=args.https_port,
            http_port=args.http_port,
        )
        wait_for_page(nginx, "/privacy/")
        print(
            f"\nAllianceLens behind nginx ({TEMPLATE.relative_to(ROOT)}): {origin}/\n"
            f"  http://{HOST}:{args.http_port}/ redirects there; the certificate is "
            "self-signed, so the browser warns once.\n"
            f"  gunicorn (2 workers × 8 threads) on {HOST}:{port}; nginx's logs in "
            f"{tmp / 'nginx'}\n  Ctrl+C stops both.",
            flush=True,
        )
        while server.poll() is None and nginx.process.poll() is None:
            time.sleep(0.5)
        print("gunicorn or nginx stopped; see the output above", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        if nginx is not None:
            nginx.stop()
        if server is not None:
            stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)


def fixture(args: argparse.Namespace) -> int:
    """Print the tokens of a new SQLite database's open round as JSON."""
    from loadtest import build_fixture

    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliancelens.settings")
    import django

    django.setup()
    made = build_fixture(args.participants, label="Proxy trial")
    print(json.dumps({"tokens": list(made.tokens)}))
    return 0


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="the demo behind nginx until Ctrl+C")
    run.add_argument("--https-port", type=int, default=8443, help="default: 8443")
    run.add_argument("--http-port", type=int, default=8080, help="default: 8080")
    made = commands.add_parser("fixture", help="a throw-away database; prints its tokens")
    made.add_argument("database", help="the SQLite file to create")
    made.add_argument("participants", type=int)
    args = parser.parse_args()
    if args.command == "serve":
        if not (1024 < args.https_port < 65536 and 1024 < args.http_port < 65536):
            parser.error("--https-port and --http-port must be above 1024 (no root needed)")
        signal.signal(signal.SIGTERM, interrupt)
        signal.signal(signal.SIGINT, interrupt)  # also when started in the background
        return serve(args)
    return fixture(args)


if __name__ == "__main__":
    sys.exit(main())
