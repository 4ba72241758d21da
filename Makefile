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

# Benchmarks (never timed tests). `make bench SCALE=10k|100k|1m`: a fresh database (a scratch
# SQLite home, or the PostgreSQL database of DATABASE_URL, emptied first!) filled by the generator,
# served by `shangji serve --workers 2` and measured over HTTP, with an import of BENCH_ROWS rows;
# results in bench/results/<db>-<scale>.json and .md. `make bench-import`: the importer alone.
SCALE ?= 10k
BENCH_ROWS ?= 100000
BENCH_REQUESTS ?= 200
bench: install
	SHANGJI_HOME=$$(mktemp -d) $(BIN)/python bench/http_bench.py --fresh --remove-home \
		--scale $(SCALE) --requests $(BENCH_REQUESTS) --import-rows $(BENCH_ROWS)

.PHONY: bench-import
bench-import: install
	SHANGJI_HOME=$$(mktemp -d) $(BIN)/python bench/import_opportunities.py --rows $(BENCH_ROWS)

# The load test: LOAD_USERS simulated salespeople for LOAD_TIME against `shangji serve`, then
# the check that every acknowledged write is in the database (SQLite, or DATABASE_URL's server).
LOAD_USERS ?= 50
LOAD_TIME ?= 5m
.PHONY: loadtest
loadtest: install
	$(BIN)/python bench/loadtest/run.py --users $(LOAD_USERS) --time $(LOAD_TIME) \
		--report bench/results/loadtest-$$( [ -n "$$DATABASE_URL" ] && echo postgresql || echo sqlite ).md

clean:
	rm -rf $(VENV) var build src/*.egg-info
