# AllianceLens — the two commands are `make run` and `make test`.
VENV    := .venv
BIN     := $(VENV)/bin
PYTHON  ?= python3.11
STAMP   := $(VENV)/.installed-stamp
# The suite runs in production mode (DEBUG off) with a throw-away key.
TEST_ENV := DEBUG=0 SECRET_KEY=tests-only-not-secret-0123456789abcdefghijklmnop \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage \
	DB_CONN_MAX_AGE=0 SECURE_SSL_REDIRECT=0

.PHONY: setup run test lint typecheck pytest pytest-postgres messages demo clean bench loadtest faults calibrate screenshots serve slowclients

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || bash scripts/ensure-system-packages.sh
	@cd alliancelens && DEBUG=1 ../$(BIN)/alliancelens compilemessages -v0

# Another port when 8000 is taken: make run PORT=8001
PORT ?= 8000
run: setup
	DEBUG=1 $(BIN)/alliancelens migrate --noinput -v0
	DEBUG=1 SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/alliancelens demo
	@echo "Starting AllianceLens on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	DEBUG=1 SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/alliancelens runserver 127.0.0.1:$(PORT)

# The type check (one core) runs beside the SQLite pass, which leaves a core
# idle now and then; its output is printed when it is done.
test: setup
	bash scripts/ensure-system-packages.sh
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory -j2 --output-sync=target typecheck pytest
	$(MAKE) --no-print-directory pytest-postgres

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck:
	$(TEST_ENV) $(BIN)/mypy alliancelens tests

# Both passes run on every core (pytest-xdist); the SQLite pass also
# measures coverage and fails under 90 %.
PYTEST_PARALLEL ?= -n auto --dist loadscope

pytest:
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_PARALLEL) --cov=alliancelens --cov-report=term:skip-covered --cov-fail-under=90

# The browser test checks layout and keyboard use, not the database; its
# live-server threads outlive the test on PostgreSQL, so it runs on SQLite only.
pytest-postgres:
	$(TEST_ENV) bash scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_PARALLEL) -m "not browser"

messages:
	cd alliancelens && DEBUG=1 ../$(BIN)/alliancelens makemessages -l nl -l en --no-obsolete --no-location -v0
	cd alliancelens && DEBUG=1 ../$(BIN)/alliancelens compilemessages -v0

demo: setup
	DEBUG=1 $(BIN)/alliancelens migrate --noinput -v0
	DEBUG=1 $(BIN)/alliancelens demo

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache

# Every figure and ratio of docs/benchmarks.md, measured in one run: the
# lens against a numpy floor and the CLI against pandas, the report, the
# results page against a plain page, saving a page against a bare insert
# (SQLite, then a throw-away PostgreSQL 15), slow clients with and without
# nginx in front.
bench: setup
	DEBUG=1 $(BIN)/python scripts/bench_analysis.py
	DEBUG=1 $(BIN)/python scripts/bench_report.py
	DEBUG=1 $(BIN)/python scripts/bench_pages.py
	$(BIN)/python scripts/bench_save.py
	bash scripts/with-postgres.sh $(BIN)/python scripts/bench_save.py
	$(MAKE) --no-print-directory slowclients

# The README's pictures: the demo served on a throw-away database and
# photographed with Debian's Chromium into docs/screenshots/.
screenshots: setup
	bash scripts/ensure-system-packages.sh
	bash scripts/screenshots.sh

# How often "partners see it differently" fires when nothing is there, and
# how often a planted difference is found: simulated alliances through the
# whole engine (docs/statistics.md, "Calibration"); exits 1 on a missed target.
calibrate: setup
	DEBUG=1 $(BIN)/python -m alliancelens.analysis.calibration
	$(BIN)/python scripts/calibrate_stage.py

# 200 respondents completing the scan at once against gunicorn on loopback;
# SQLite by default, PostgreSQL when DATABASE_URL is set (docs/benchmarks.md).
loadtest: setup
	$(BIN)/python scripts/loadtest.py $(LOADTEST_ARGS)

# Workers, the whole server and (on PostgreSQL) the database fail while 200
# respondents answer; every acknowledged save must be stored exactly
# (docs/benchmarks.md, "Faults"). SQLite, then a throw-away PostgreSQL 15.
faults: setup
	DATABASE_URL= $(BIN)/python scripts/faults.py $(FAULTS_ARGS)
	bash scripts/with-postgres.sh $(BIN)/python scripts/faults.py $(FAULTS_ARGS)

# The demo behind Debian's nginx with deploy/nginx/alliancelens.conf, as
# production runs it (gunicorn 2 × 8, TLS with a certificate made per run,
# static files from nginx) on https://127.0.0.1:8443/ until Ctrl+C; only
# installing nginx needs root (deploy/README.md).
SERVE_HTTPS_PORT ?= 8443
SERVE_HTTP_PORT ?= 8080
serve: setup
	bash scripts/ensure-system-packages.sh
	$(BIN)/python scripts/proxy_trial.py serve --https-port $(SERVE_HTTPS_PORT) --http-port $(SERVE_HTTP_PORT)

# 32 slow clients against gunicorn with and without nginx in front; exits 1
# when they slow normal requests through nginx more than 3× (about 2.5
# minutes; docs/benchmarks.md, "Slow clients").
slowclients: setup
	bash scripts/ensure-system-packages.sh
	$(BIN)/python scripts/bench_slow_clients.py
