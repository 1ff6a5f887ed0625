"""Settings come from the environment and refuse unsafe production setups."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

SNIPPET = "import alliancelens.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'])"


def run_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", SNIPPET],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_a_missing_secret_key():
    result = run_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or a placeholder" in result.stderr


def test_production_refuses_placeholder_and_short_keys():
    for key in ("changeme", "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789", "short"):
        result = run_settings(DEBUG="false", SECRET_KEY=key)
        assert result.returncode != 0, key


def test_debug_runs_without_a_key_and_reads_variables():
    result = run_settings(DEBUG="true", ALLOWED_HOSTS="a.example, b.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"
    assert "'a.example', 'b.example'" in result.stdout


def test_debug_is_off_unless_one_or_true():
    result = run_settings(DEBUG="yes please", SECRET_KEY="x" * 40)
    assert result.stdout.startswith("False"), result.stderr


def test_database_url_selects_postgresql():
    result = run_settings(DEBUG="1", DATABASE_URL="postgres://u:p@127.0.0.1:5432/db")
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    """A file database opened with the project's settings is in WAL mode and
    waits for a busy writer instead of failing at once."""
    config = {**settings.DATABASES["default"], "NAME": str(tmp_path / "wal.sqlite3")}
    wrapper = SQLiteWrapper(config, alias="wal-check")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
    finally:
        wrapper.close()


def test_dutch_is_the_default_language():
    assert settings.LANGUAGE_CODE == "nl"
    assert [code for code, _ in settings.LANGUAGES] == ["nl", "en"]


@pytest.mark.django_db
def test_the_suite_uses_postgresql_when_database_url_is_set():
    """Guards the PostgreSQL pass of `make test` against a silent fallback."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            assert cursor.fetchone()[0].startswith("15")
    else:
        assert connection.vendor == "sqlite"
