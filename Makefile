# Procure: `make run` serves the demo, `make test` runs the whole suite.
# Both create the virtualenv and install everything first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# Tests run on the PostgreSQL and Redis at their local default addresses.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The suite runs in one process per core (pytest-xdist), a test file to a process: each has a
# test database and a Redis database of its own (tests/conftest.py). 1 runs it in one process.
TEST_WORKERS ?= auto

.PHONY: install run serve up test screenshots lint migrate demo worker beat bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# Development server on http://127.0.0.1:8000 with the demo data; SQLite and eager tasks
# unless DATABASE_URL / REDIS_URL say otherwise.
run: export DEBUG ?= true
# Tasks run eagerly here (no beat to poll the carrier later), so the simulated carrier ships at once.
run: export SIMULATED_CARRIER_SHIP_DELAY ?= 0
run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Production server (gunicorn). Needs SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL.
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn portal.wsgi -c gunicorn.conf.py

# Production, kept running: gunicorn, a Celery worker and exactly one beat under supervisord
# (portal/deploy/supervisord.conf), each started again if it dies. Needs what `make serve` needs,
# plus REDIS_URL. In the foreground, every log on stdout; Ctrl-C stops them all (warm shutdown).
up: export PROCURE_RUN_DIR ?= $(CURDIR)/tmp/run
up: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	mkdir -p $(PROCURE_RUN_DIR)
	$(BIN)/supervisord -c portal/deploy/supervisord.conf

worker: install
	$(BIN)/celery -A portal worker --loglevel INFO

beat: install
	$(BIN)/celery -A portal beat --loglevel INFO

test: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Refresh the README's screenshots (docs/screenshots/) from the browser tests.
screenshots: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) SAVE_SCREENSHOTS=1 \
		$(BIN)/pytest tests/browser $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Every benchmark, then their figures against the speed goals (bench/results/summary.json and
# chart.png; bench/README.md says what each measures). Run it on an otherwise idle machine: it
# takes about 30 minutes, most of them loading a million orders (BENCH_SIZES to change that) and
# placing the orders bench/api.py decides.
BENCH_SIZES ?= --orders 1000 --orders 1000000
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	rm -f $(VENV)/.bench-installed-*
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python bench/cpu.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/notifications.py --count 1000 --rounds 5
	$(BIN)/python bench/impact.py
	$(BIN)/python bench/scale.py $(BENCH_SIZES)
	$(BIN)/python bench/report.py
