import os

import pytest

# The browser tests drive Playwright's sync API, which runs an event loop in
# this thread; Django's ORM refuses that unless told it is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test against a file database, as production runs.

    Django's default SQLite test database lives in memory, shared by all
    threads through one cache: its table locks fail at once instead of
    waiting, and it has no WAL. A file in a temporary directory gets the
    product's own settings (WAL, busy timeout, IMMEDIATE transactions), so
    the threaded tests in test_concurrency.py mean the same on SQLite as on
    PostgreSQL. SQLITE_TEST_PATH, when set, still chooses the file.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database["TEST"].get("NAME"):
        database["TEST"]["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def _uses_database(item: pytest.Item) -> bool:
    from django.test import TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return True
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(
        item.get_closest_marker("django_db")
        or fixtures & {"db", "transactional_db", "django_db_setup", "live_server", "client"}
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that touch the database.

    The lens, the instrument loader, the CLI on files, the catalogues and the
    architecture checks do not depend on the database: they run once, in the
    SQLite pass of `make test`, instead of twice.
    """
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    kept = [item for item in items if _uses_database(item)]
    deselected = [item for item in items if not _uses_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
