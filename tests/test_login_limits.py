"""Login throttling: every attempt is counted before its password is checked,
per account, per client address and for the whole site, through the real
login page."""

from __future__ import annotations

import threading
from datetime import timedelta

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.db import connection, connections
from django.test import Client, TransactionTestCase, override_settings
from django.utils import timezone

from alliancelens.access.privacy import forget_old_throttles
from alliancelens.alliances.models import LoginThrottle, LoginWindow

from .base import PASSWORD, AllianceTestCase

LOGIN = "/accounts/login/"
WRONG = "Voer een juiste gebruikersnaam en wachtwoord in"
ACCOUNT_LOCKED = "Te veel mislukte pogingen voor dit account. Probeer het over 15 minuut/minuten"
ADDRESS_LOCKED = (
    "Te veel mislukte aanmeldpogingen vanaf je netwerkadres. Probeer het over 15 "
    "minuut/minuten opnieuw."
)
SITE_PAUSED = (
    "Aanmelden is even gepauzeerd: er waren veel mislukte pogingen op deze site. "
    "Probeer het over 5 minuut/minuten opnieuw."
)


class PasswordChecks:
    """Counts the password checks that failed: Django's authenticate() sends
    user_login_failed after each one, from whichever thread made it."""

    def __init__(self) -> None:
        self.usernames: list[str] = []
        self._lock = threading.Lock()

    def __enter__(self) -> PasswordChecks:
        user_login_failed.connect(self.record)
        return self

    def __exit__(self, *exc: object) -> None:
        user_login_failed.disconnect(self.record)

    def record(self, sender, credentials, **kwargs) -> None:
        with self._lock:
            self.usernames.append(credentials["username"])


def post_together(posts: list[dict[str, str]]) -> list[str]:
    """POST every login at the same moment, one thread and database
    connection each; return the pages, or the exception a request raised."""
    pages: list[str] = []
    barrier = threading.Barrier(len(posts))

    def worker(data: dict[str, str]) -> None:
        try:
            client = Client()
            barrier.wait()
            response = client.post(LOGIN, data)
            pages.append(f"{response.status_code} {response.content.decode()}")
        except Exception as exc:
            pages.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(data,)) for data in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return pages


class ParallelAttemptTests(TransactionTestCase):
    def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(self):
        """Twelve guesses at once against one account: five passwords are
        checked (LOGIN_MAX_FAILURES), the other seven are refused unchecked."""
        User.objects.create_user("fiona", password=PASSWORD)
        with PasswordChecks() as checks:
            pages = post_together(
                [{"username": "fiona", "password": f"guess {n}"} for n in range(12)]
            )
        assert len(pages) == 12
        assert all(page.startswith("200 ") for page in pages), pages
        assert checks.usernames == ["fiona"] * 5
        assert sum(WRONG in page for page in pages) == 5
        assert sum(ACCOUNT_LOCKED in page for page in pages) == 7
        # The account is locked now, for the right password as well.
        page = Client().post(LOGIN, {"username": "fiona", "password": PASSWORD})
        self.assertContains(page, ACCOUNT_LOCKED)
        if connection.vendor == "sqlite":
            assert not connection.is_in_memory_db()  # threads share a real file


class AccountLimitTests(AllianceTestCase):
    def attempt(self, username: str, password: str, address: str = "127.0.0.1"):
        return self.client.post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_an_account_locks_whichever_addresses_the_guesses_come_from(self):
        for n in range(5):
            self.assertContains(self.attempt("fiona", "wrong", f"203.0.113.{n}"), WRONG)
        self.assertContains(self.attempt("fiona", PASSWORD, "198.51.100.1"), ACCOUNT_LOCKED)
        assert "_auth_user_id" not in self.client.session

    def test_an_account_that_does_not_exist_locks_in_the_same_way(self):
        """The lock says nothing about whether the account exists."""
        for name in ("fiona", "no-such-person"):
            for _ in range(5):
                self.assertContains(self.attempt(name, "wrong"), WRONG)
        fiona, nobody = self.attempt("fiona", "wrong"), self.attempt("no-such-person", "wrong")
        assert (
            fiona.context["form"].non_field_errors() == nobody.context["form"].non_field_errors()
        )
        self.assertContains(nobody, ACCOUNT_LOCKED)

    def test_a_typed_user_name_cannot_block_someone_elses_password_reset(self):
        """Password-reset counters share the table; login counters are kept
        apart from them, whatever is typed as the user name."""
        User.objects.filter(username="fiona").update(email="fiona@example.org")
        for _ in range(6):
            self.attempt("reset:fiona@example.org", "wrong")
        self.client.post("/accounts/password-reset/", {"email": "fiona@example.org"})
        assert [m.to for m in mail.outbox] == [["fiona@example.org"]]


@override_settings(LOGIN_MAX_FAILURES_PER_ADDRESS=3, LOGIN_MAX_FAILURES_SITE=0)
class AddressLimitTests(AllianceTestCase):
    def attempt(self, username: str, password: str, address: str, **headers):
        return self.client.post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
        )

    def test_an_address_that_failed_too_often_is_refused_even_the_right_password(self):
        for name in ("lena", "otto", "sam"):  # one guess per account: none locks
            self.assertContains(self.attempt(name, "wrong", "203.0.113.7"), WRONG)
        with PasswordChecks() as checks:
            refused = self.attempt("fiona", PASSWORD, "203.0.113.7")
            english = self.attempt("fiona", PASSWORD, "203.0.113.7", HTTP_ACCEPT_LANGUAGE="en")
        assert checks.usernames == []
        self.assertContains(refused, ADDRESS_LOCKED)
        self.assertContains(
            english,
            "Too many failed login attempts from your network address. Try again in 15 minute(s).",
        )
        assert "_auth_user_id" not in self.client.session
        # Another address is not affected.
        self.assertRedirects(self.attempt("fiona", PASSWORD, "198.51.100.1"), "/alliances/")

    def test_the_address_may_try_again_once_its_window_has_passed(self):
        for name in ("lena", "otto", "sam"):
            self.attempt(name, "wrong", "203.0.113.7")
        self.assertContains(self.attempt("fiona", PASSWORD, "203.0.113.7"), ADDRESS_LOCKED)
        LoginWindow.objects.filter(key="address:203.0.113.7").update(
            started_at=timezone.now() - timedelta(minutes=15)
        )
        self.assertRedirects(self.attempt("fiona", PASSWORD, "203.0.113.7"), "/alliances/")

    def test_a_success_does_not_wipe_the_failures_of_its_address(self):
        """Logging in to one's own account between guesses gains nothing."""
        self.attempt("lena", "wrong", "203.0.113.7")
        self.attempt("otto", "wrong", "203.0.113.7")
        self.assertRedirects(self.attempt("sam", PASSWORD, "203.0.113.7"), "/alliances/")
        self.client.logout()
        self.assertContains(self.attempt("lena", "wrong", "203.0.113.7"), WRONG)
        self.assertContains(self.attempt("fiona", PASSWORD, "203.0.113.7"), ADDRESS_LOCKED)

    def test_the_purge_forgets_address_counts_after_a_day(self):
        self.attempt("lena", "wrong", "203.0.113.7")
        forget_old_throttles()
        assert LoginWindow.objects.filter(key="address:203.0.113.7").exists()
        forget_old_throttles(timezone.now() + timedelta(days=1, minutes=1))
        assert not LoginWindow.objects.exists()
        assert not LoginThrottle.objects.exists()


@override_settings(
    LOGIN_MAX_FAILURES_SITE=4, LOGIN_SITE_WINDOW_MINUTES=5, LOGIN_MAX_FAILURES_PER_ADDRESS=100
)
class SiteLimitTests(AllianceTestCase):
    def attempt(self, username: str, password: str, address: str):
        return self.client.post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_password_spraying_pauses_logins_alike_for_every_account(self):
        """One common password tried on many accounts from many addresses:
        each account and address stays below its own limit, the site's fills."""
        for n, name in enumerate(["lena", "otto", "sam", "no-such-person"]):
            self.assertContains(self.attempt(name, "Welkom2026!", f"203.0.113.{n}"), WRONG)
        with PasswordChecks() as checks:
            existing = self.attempt("fiona", PASSWORD, "198.51.100.1")
            missing = self.attempt("nobody-at-all", "Welkom2026!", "198.51.100.2")
        assert checks.usernames == []
        self.assertContains(existing, SITE_PAUSED)
        assert (
            existing.context["form"].non_field_errors()
            == missing.context["form"].non_field_errors()
        )
        assert "_auth_user_id" not in self.client.session
        LoginWindow.objects.filter(key="site").update(
            started_at=timezone.now() - timedelta(minutes=5)
        )
        self.assertRedirects(self.attempt("fiona", PASSWORD, "198.51.100.1"), "/alliances/")

    def test_successful_logins_do_not_count_towards_the_pause(self):
        for n in range(6):
            self.assertRedirects(self.attempt("fiona", PASSWORD, f"198.51.100.{n}"), "/alliances/")
            self.client.logout()
        assert LoginWindow.objects.get(key="site").failures == 0
