"""Security headers, password hashing and Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys

from django.contrib.auth.hashers import identify_hasher

from .base import PASSWORD, AllianceTestCase


class HeaderTests(AllianceTestCase):
    def test_pages_send_a_strict_content_security_policy_and_deny_framing(self):
        self.login()
        for url in (
            "/accounts/login/",
            "/alliances/",
            f"/alliances/{self.alliance.slug}/",
            "/privacy/",
        ):
            response = self.client.get(url)
            csp = response["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert response["X-Frame-Options"] == "DENY"
            assert response["X-Content-Type-Options"] == "nosniff"

    def test_token_pages_keep_their_own_no_referrer_policy(self):
        rnd = self.open_round()
        token = self.token_for(rnd, self.participants[0])
        page = self.client.get(f"/r/{token}/intro/")
        assert page["Referrer-Policy"] == "no-referrer"
        assert "Content-Security-Policy" in page

    def test_passwords_are_hashed_with_argon2(self):
        assert identify_hasher(self.facilitator.password).algorithm == "argon2"


def test_check_deploy_reports_no_issues_in_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "scan.example.org",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_COOKIES": "1",
    }
    env.pop("SECURE_HSTS_SECONDS", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "-m", "alliancelens", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


class LoginThrottleTests(AllianceTestCase):
    def attempt(self, password: str):
        return self.client.post("/accounts/login/", {"username": "fiona", "password": password})

    def test_an_account_locks_after_repeated_failures_with_a_clear_message(self):
        for _ in range(5):
            page = self.attempt("wrong")
            assert page.status_code == 200
        locked = self.attempt(PASSWORD)
        assert locked.status_code == 200
        self.assertContains(locked, "Te veel mislukte pogingen")
        assert "_auth_user_id" not in self.client.session
        # After the lock expires the right password works and resets the count.
        from django.utils import timezone

        from alliancelens.alliances.models import LoginThrottle

        LoginThrottle.objects.update(locked_until=timezone.now())
        ok = self.attempt(PASSWORD)
        self.assertRedirects(ok, "/alliances/")
        assert not LoginThrottle.objects.exists()

    def test_a_success_resets_the_failures(self):
        for _ in range(4):
            self.attempt("wrong")
        self.assertRedirects(self.attempt(PASSWORD), "/alliances/")
        self.client.logout()
        for _ in range(4):
            self.attempt("wrong")
        self.assertRedirects(self.attempt(PASSWORD), "/alliances/")
