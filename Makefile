# riec-plan: `make run` for a local server with the 2024 plan, `make test` for the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test test-fast lint format bench bench-quick setup debian axe migrate load demo-users check clean

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is nodig ($(PYTHON) niet gevonden)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet --no-compile -e ".[dev]"
	@touch $@

setup: $(VENV)/.installed

debian:
	@bash scripts/debian-packages.sh

# axe-core for the accessibility browser tests (tests/e2e/test_accessibility.py), from the npm registry
# into .cache/axe (git-ignored); nothing of it is committed.
AXE := .cache/axe/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4.14.1
axe: $(AXE)

migrate: setup
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput

load: migrate
	DJANGO_DEBUG=true $(PY) manage.py load_plan

demo-users: load
	DJANGO_DEBUG=true $(PY) manage.py create_demo_users

# The web server and, beside it, the worker that renders the PDFs in the background; stopping
# runserver (Ctrl-C) stops the worker too. (A worker whose loop fails stops with code 1; the admin's
# start page then says "PDF-worker draait niet sinds ...".)
run: demo-users
	-@bash scripts/debian-packages.sh
	DJANGO_DEBUG=true $(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: setup
	DJANGO_SETTINGS_MODULE=riec_plan.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=riec_plan.settings.test $(PY) manage.py check

# One test process per core (pytest-xdist), each taking whole modules: a module loads the 2024 plan once.
# `make test TEST_WORKERS=0` runs the suite in one process.
TEST_WORKERS ?= auto
test: debian axe setup lint check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# The suite without the slow kinds (markers given by rule in tests/conftest.py): no browser, no PDF
# rendering, no processes started. For in between; `make test` stays the full check.
test-fast: setup
	$(BIN)/pytest -n auto --dist loadfile -m "not browser and not pdf and not subprocess"

bench: setup
	# Every page for one user of each role (target 300 ms), then the jaarplan as HTML and PDF: the tagged
	# render against an untagged one (ratio, target <= 1.35) and the time from an edit to a downloadable PDF.
	DJANGO_SETTINGS_MODULE=riec_plan.settings.test $(PY) manage.py bench
	# Load on gunicorn with two workers and the PDF worker beside it (wrk; a throw-away PostgreSQL database, or
	# SQLite without one): pages, 20 PDF requests at once, and an edit to a downloadable PDF under load.
	DJANGO_SETTINGS_MODULE=riec_plan.settings.test $(PY) manage.py bench_load
	# Importing 10,000 cost lines through the admin (upload with preview, then confirm; target 15 s).
	DJANGO_SETTINGS_MODULE=riec_plan.settings.test $(PY) manage.py bench_import

# The short form (15-30 s on a quiet machine; in CI): every page once per role and the PDF path once;
# fails on an error, never on slowness.
bench-quick: setup
	DJANGO_SETTINGS_MODULE=riec_plan.settings.test $(PY) manage.py bench --quick

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
