"""Error pages: a database outage answers 503 and says that answers are
safe, in the reader's language; personal links stay private on every error
page; and no log line, traceback or admin e-mail holds a working token."""

from __future__ import annotations

import http.client
import io
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from django.core import mail
from django.db import connections
from django.test import Client, override_settings

from alliancelens.logmask import MaskTokens
from alliancelens.workshop.services import join_link_set

from .base import AllianceTestCase

SAFE_EN = "Your answers so far are safe"
SAFE_NL = "Je antwoorden tot nu toe zijn veilig"


@contextmanager
def database_down(error: str = "OperationalError", message: str = "") -> Iterator[None]:
    """Every new cursor fails with the driver's own ``error``, as when the
    server is gone; Django wraps it into django.db's exception of that name
    on its way up, as it does in an outage."""
    connection = connections["default"]
    driver = connection.Database  # type: ignore[attr-defined]  # sqlite3 or psycopg
    failure = getattr(driver, error)(message or "server closed the connection unexpectedly")
    with patch.object(connection, "create_cursor", side_effect=failure):
        yield


@contextmanager
def console_output() -> Iterator[io.StringIO]:
    """What the console handler of settings.LOGGING writes, as it writes it."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler)
        and any(isinstance(f, MaskTokens) for f in h.filters)
    ]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


class ErrorPageTestCase(AllianceTestCase):
    def setUp(self) -> None:
        # The real handler500 and handler404 answer, not a re-raised exception.
        self.client = Client(raise_request_exception=False)
        self.round = self.open_round()
        self.token = self.token_for(self.round, self.participants[0])

    def assert_private(self, response) -> None:
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["X-Robots-Tag"] == "noindex"


class OutageTests(ErrorPageTestCase):
    def respondent_urls(self) -> list[str]:
        join_link_set(rnd=self.round, is_open=True)
        self.round.refresh_from_db()
        t = self.token
        return [
            f"/r/{t}/",
            f"/r/{t}/intro/",
            f"/r/{t}/p/ambition/",
            f"/r/{t}/review/",
            f"/r/{t}/thanks/",
            f"/r/{t}/outcome/",
            f"/r/{t}/my-data.json",
            f"/j/{self.round.join_code}/",
        ]

    def test_every_respondent_link_answers_503_with_retry_after_and_private_headers(self):
        for url in self.respondent_urls():
            with database_down():
                response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 503, url
            assert response["Retry-After"] == "30"
            self.assert_private(response)
            self.assertContains(response, SAFE_EN, status_code=503)

    def test_a_scan_page_sent_during_an_outage_gets_the_same_honest_answer(self):
        with database_down():
            response = self.client.post(
                f"/r/{self.token}/p/ambition/", {"nav": "next"}, HTTP_ACCEPT_LANGUAGE="en"
            )
        self.assertContains(response, SAFE_EN, status_code=503)
        self.assertContains(response, "If you had just sent a page, check it", status_code=503)
        self.assert_private(response)

    def test_the_page_is_dutch_for_a_dutch_browser_or_cookie_and_english_otherwise(self):
        url = f"/r/{self.token}/intro/"
        with database_down():
            dutch = self.client.get(url, HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9")
            english = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
            self.client.cookies["django_language"] = "nl"
            by_cookie = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(dutch, SAFE_NL, status_code=503)
        self.assertContains(dutch, '<html lang="nl">', status_code=503)
        self.assertContains(dutch, "Probeer het over een paar minuten opnieuw", status_code=503)
        self.assertContains(english, SAFE_EN, status_code=503)
        self.assertContains(english, '<html lang="en">', status_code=503)
        self.assertContains(english, "try again in a few minutes", status_code=503)
        self.assertContains(by_cookie, SAFE_NL, status_code=503)

    def test_the_page_shows_no_technical_detail(self):
        with database_down(message="could not connect to server at 10.0.0.5"):
            response = self.client.get(f"/r/{self.token}/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 503
        for detail in (b"OperationalError", b"10.0.0.5", b"connect", b"Traceback"):
            assert detail not in response.content

    def test_a_lost_connection_is_an_outage_too(self):
        with database_down("InterfaceError", "connection already closed"):
            response = self.client.get(f"/r/{self.token}/intro/")
        assert response.status_code == 503
        assert response["Retry-After"] == "30"

    def test_integrity_data_and_programming_errors_stay_500(self):
        for error in ("IntegrityError", "DataError", "ProgrammingError"):
            with database_down(error, "a bug, not an outage"):
                response = self.client.get(f"/r/{self.token}/intro/", HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 500, error
            assert "Retry-After" not in response
            self.assertContains(response, "Something went wrong", status_code=500)
            self.assert_private(response)

    def test_a_facilitator_page_answers_503_without_the_respondents_text(self):
        self.login()
        with database_down():
            response = self.client.get(
                f"/alliances/{self.alliance.slug}/", HTTP_ACCEPT_LANGUAGE="en"
            )
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        self.assertContains(response, "Everything saved before is kept", status_code=503)
        self.assertNotContains(response, SAFE_EN, status_code=503)
        assert response["Referrer-Policy"] == "same-origin"

    def test_an_outage_outside_any_view_answers_503_through_handler500(self):
        """No URL matches, so Django's 404 page reads the session to show the
        user, which fails; handler500 then sees the outage."""
        self.login()
        with database_down():
            response = self.client.get("/alliances/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        self.assertContains(response, "try again in a few minutes", status_code=503)

    def test_the_link_works_again_once_the_database_is_back(self):
        with database_down():
            assert self.client.get(f"/r/{self.token}/intro/").status_code == 503
        assert self.client.get(f"/r/{self.token}/intro/").status_code == 200


class UnexpectedErrorTests(ErrorPageTestCase):
    def test_a_bug_on_a_scan_page_gives_the_500_page_with_private_headers(self):
        self.client.cookies["django_language"] = "en"
        with patch("alliancelens.scan.views._context", side_effect=RuntimeError("a bug")):
            response = self.client.get(f"/r/{self.token}/intro/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 500
        assert "Retry-After" not in response
        self.assert_private(response)
        self.assertContains(response, "Something went wrong", status_code=500)
        self.assertContains(response, SAFE_EN, status_code=500)
        self.assertContains(response, "Your link stays valid", status_code=500)
        self.assertNotContains(response, "a bug", status_code=500)

    def test_the_500_page_is_in_the_participants_language_once_the_link_is_known(self):
        """participants[3] answers in English; no cookie, a Dutch browser."""
        token = self.token_for(self.round, self.participants[3])
        with patch("alliancelens.scan.views._context", side_effect=RuntimeError("a bug")):
            response = self.client.get(f"/r/{token}/intro/", HTTP_ACCEPT_LANGUAGE="nl")
        self.assertContains(response, '<html lang="en">', status_code=500)
        self.assertContains(response, SAFE_EN, status_code=500)

    def test_a_bug_on_a_facilitator_page_gives_the_500_page(self):
        self.login()
        with patch(
            "alliancelens.alliances.views.alliance.access_for", side_effect=RuntimeError("a bug")
        ):
            english = self.client.get(
                f"/alliances/{self.alliance.slug}/", HTTP_ACCEPT_LANGUAGE="en"
            )
            dutch = self.client.get(f"/alliances/{self.alliance.slug}/", HTTP_ACCEPT_LANGUAGE="nl")
        self.assertContains(english, "Something went wrong", status_code=500)
        self.assertContains(english, "tell the administrator of this site", status_code=500)
        self.assertNotContains(english, SAFE_EN, status_code=500)
        self.assertContains(dutch, "Er ging iets mis", status_code=500)
        assert english["Referrer-Policy"] == "same-origin"
        assert "Content-Security-Policy" in english

    def test_a_link_that_is_not_found_gets_a_private_404_without_a_language_form(self):
        """A form posted from a no-referrer page carries ``Origin: null``,
        which Django's CSRF check refuses: the 404 of a link has none."""
        self.client.cookies["django_language"] = "en"
        for url in (f"/r/{'A' * len(self.token)}/", f"/r/{self.token}/p/nothing/", "/j/nocode/"):
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 404, url
            self.assert_private(response)
            self.assertContains(response, "this link is not (or no longer) valid", status_code=404)
            self.assertNotContains(response, "<form", status_code=404)

    def test_the_join_page_keeps_its_referrer_for_the_csrf_check_but_is_not_stored(self):
        join_link_set(rnd=self.round, is_open=True)
        self.round.refresh_from_db()
        response = self.client.get(f"/j/{self.round.join_code}/")
        assert response.status_code == 200
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cache-Control"] == "no-store"
        assert response["X-Robots-Tag"] == "noindex"


@override_settings(ADMINS=[("Ops", "ops@example.org")])
class LogTests(ErrorPageTestCase):
    """What the handlers of settings.LOGGING write (the console, the admins'
    e-mail), and what a handler without the filter gets from Django's
    ``django.request`` logger (assertLogs puts one in place of the others)."""

    def assert_masked(self, texts: list[str]) -> None:
        joined = "\n".join(texts)
        assert joined.strip()
        assert self.token not in joined
        assert self.token[:4] + "…" in joined

    def test_a_500_on_a_link_logs_no_token_in_message_traceback_or_mail(self):
        """The bug's own message names the token, as Django's do (NoReverseMatch
        lists its arguments): it is masked in the traceback as well."""
        bug = RuntimeError(f"no page for link {self.token!r}")
        url = f"/r/{self.token}/intro/?next=%2Fr%2F{self.token}%2F"
        with patch("alliancelens.scan.views._context", side_effect=bug):
            with console_output() as console:
                assert self.client.get(url).status_code == 500
            with self.assertLogs("django.request", "ERROR") as captured:
                assert self.client.get(url).status_code == 500
        assert "Traceback" in console.getvalue()
        assert "RuntimeError: no page for link" in console.getvalue()
        self.assert_masked([console.getvalue()])
        (record,) = captured.records
        assert record.exc_text and "RuntimeError: no page for link" in record.exc_text
        self.assert_masked(captured.output)
        report = mail.outbox[0]
        assert "Traceback" in report.body and "QUERY_STRING" in report.body
        self.assert_masked([report.subject, report.body])

    def test_an_outage_logs_its_cause_once_per_request_without_the_token(self):
        with database_down(message="the database system is shutting down"):
            with console_output() as console:
                self.client.get(f"/r/{self.token}/intro/")
                self.client.get(f"/r/{self.token}/p/ambition/")
            with self.assertLogs("django.request", "ERROR") as captured:
                self.client.get(f"/r/{self.token}/intro/")
        lines = console.getvalue().splitlines()
        assert lines == [
            "Service Unavailable (OperationalError: the database system is shutting down): "
            f"/r/{self.token[:4]}…/intro/",
            "Service Unavailable (OperationalError: the database system is shutting down): "
            f"/r/{self.token[:4]}…/p/ambition/",
        ]
        self.assert_masked(captured.output)
        self.assert_masked([m.subject + m.body for m in mail.outbox])

    def test_a_404_on_a_link_logs_the_masked_path(self):
        unknown = "Zz" + self.token[2:]
        with console_output() as console:
            self.client.get(f"/r/{unknown}/")
            self.client.get(f"/j/{unknown}/")
        assert unknown not in console.getvalue()
        assert f"Not Found: /r/{unknown[:4]}…/" in console.getvalue()
        assert f"Not Found: /j/{unknown[:4]}…/" in console.getvalue()

    def test_other_paths_are_logged_as_they_are(self):
        with console_output() as console:
            self.client.get("/no-such-page-at-all/")
        assert "Not Found: /no-such-page-at-all/" in console.getvalue()


def test_gunicorn_with_its_database_gone_answers_503_and_logs_no_token(tmp_path: Path):
    """A real server whose SQLite file cannot be opened: the respondent gets
    the 503 page, and neither Django's log nor gunicorn's access log (with
    the logger class of docs/deployment.md) holds the token."""
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-xy"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DEBUG": "0",
        "SECRET_KEY": "tests-only-not-secret-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "SQLITE_PATH": str(tmp_path / "no-such-directory" / "db.sqlite3"),
    }
    access, errors = tmp_path / "access.log", tmp_path / "errors.log"
    with errors.open("wb") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "alliancelens.wsgi:application",
                f"--bind=fd://{listener.fileno()}",
                "--workers=1",
                "--no-control-socket",
                f"--access-logfile={access}",
                "--logger-class=alliancelens.accesslog.MaskedLogger",
            ],
            env=env,
            pass_fds=(listener.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        # The socket listens already: the request waits for the worker.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", f"/r/{token}/intro/", headers={"Accept-Language": "en"})
        response = conn.getresponse()
        body = response.read().decode()
        assert response.status == 503
        assert response.getheader("Retry-After") == "30"
        assert response.getheader("Cache-Control") == "no-store"
        assert response.getheader("Referrer-Policy") == "no-referrer"
        assert SAFE_EN in body
    finally:
        server.terminate()
        server.wait(timeout=30)
        listener.close()
    logs = access.read_text() + errors.read_text()
    assert f'"GET /r/{token[:4]}…/intro/ HTTP/1.1" 503' in logs
    assert "Service Unavailable (OperationalError: unable to open database file)" in logs
    assert token not in logs
