import copy
import os
from collections.abc import Iterator
from typing import Any

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
    """On PostgreSQL, run only the tests whose outcome can depend on the database.

    The lens, the instrument loader, the CLI on files, the catalogues and the
    architecture checks do not touch it, and the tests marked ``renders``
    only turn a stored publication into a PDF, workbook or text (the store
    itself is tested on both): they run once, in the SQLite pass of
    `make test`, instead of twice.
    """
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return

    def on_postgres(item: pytest.Item) -> bool:
        return _uses_database(item) and item.get_closest_marker("renders") is None

    kept = [item for item in items if on_postgres(item)]
    deselected = [item for item in items if not on_postgres(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def _charts_drawn_once_per_worker() -> Iterator[None]:
    """Each distinct set of charts is drawn once per test process.

    Drawing a round's charts takes seconds (matplotlib), and the demo's
    round is published and drawn afresh in every test class that uses it:
    every class gets an empty database again. Charts are a pure function of
    the instrument, the published result as the reader sees it, the round
    series, the language and the charts asked for; drawn once, the same SVGs
    are handed out again for the same inputs. Everything around them (the
    store, the scopes, the pages) runs for real in every test, and the
    chart functions themselves are tested on their own.
    """
    from django.utils import translation

    from alliancelens.analysis.codec import dumps
    from alliancelens.results import publish

    real = publish.round_charts
    drawn: dict[tuple[Any, ...], Any] = {}

    def round_charts(rnd: Any, result: Any, lang: str, published: Any, only: Any = None) -> Any:
        only = publish.ALL_CHARTS if only is None else only
        key = (
            rnd.instrument.key,
            lang,
            translation.get_language(),
            only,
            dumps(result),
            repr(published.series()),
        )
        if key not in drawn:
            drawn[key] = real(rnd, result, lang, published, only=only)
        return copy.deepcopy(drawn[key])

    publish.round_charts = round_charts
    yield
    publish.round_charts = real
