# Shangji — every target builds .venv first from the newest Python >= 3.12 it can find.
SHELL := /bin/bash
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
PYTHON ?= $(shell for p in $$(ls -d $(PYENV_ROOT)/versions/3.1[3-9]*/bin/python3.1[3-9] $(PYENV_ROOT)/versions/3.12*/bin/python3.12 2>/dev/null | sort -rV) $$(command -v python3.13 python3.12 python3 2>/dev/null); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install demo serve worker test test-fast lint format messages bench clean

$(BIN)/shangji: pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 not found (looked in $(PYENV_ROOT)/versions and PATH)"; exit 1; }
	@echo "Using $(PYTHON)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(BIN)/shangji

install: $(BIN)/shangji

demo: install
	$(BIN)/shangji demo --port $(PORT)

serve: install
	$(BIN)/shangji serve --port $(PORT)

worker: install
	$(BIN)/shangji worker

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract strings (needs GNU gettext) and compile catalogs (pure Python, no gettext needed).
messages: install
	cd src/shangji && ../../$(BIN)/shangji manage makemessages -l zh_Hans --no-obsolete --no-location \
		--ignore 'static/*'
	$(BIN)/pybabel compile -d src/shangji/locale -D django --statistics

# Benchmarks (never timed tests): BENCH_ROWS rows into a scratch SQLite home, or DATABASE_URL.
BENCH_ROWS ?= 100000
bench: install
	SHANGJI_HOME=$$(mktemp -d) $(BIN)/python bench/import_opportunities.py --rows $(BENCH_ROWS)

clean:
	rm -rf $(VENV) var build src/*.egg-info
