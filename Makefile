# The two commands users need: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test serve install install-dev messages catalogue lint format check e2e bench worker lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@ $(VENV)/.base

install: $(VENV)/.base
install-dev: $(VENV)/.dev

# Compile every zh_Hans catalogue with polib (no GNU gettext needed to run the platform).
catalogue: $(VENV)/.base
	mkdir -p var/static var/media
	$(PY) manage.py compile_catalogues

demo: install catalogue
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_accounts
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install catalogue
	$(PY) manage.py migrate --no-input
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev catalogue
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

e2e: install-dev catalogue
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

# Regenerate the zh_Hans catalogues from the source strings (needs GNU gettext: apt-get install gettext).
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans --no-location --no-obsolete --ignore='.venv/*' --ignore='static/*' --ignore='var/*'

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install-dev catalogue
	$(PY) -m bench

# With REDIS_URL set: one Celery worker with the beat scheduler embedded.
worker: install
	$(BIN)/celery -A dangjian worker --beat --loglevel=info --concurrency=2

# Recompile the hashed lock files from pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --no-header -q -o requirements/base.txt
	uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 --no-header -q -o requirements/dev.txt
	uv pip compile pyproject.toml --extra s3 --generate-hashes --python-version 3.11 --no-header -q -o requirements/s3.txt

clean:
	rm -rf var/dangjian.sqlite3* var/static
