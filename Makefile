# The two commands a new user needs are `make run` and `make test`; both set up everything first.
# Only python3 (3.11+) is assumed: uv is bootstrapped into .tools/, the locked environment into .venv/.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test test-all lint ui serve docs bench clean

# $(call busy,WHAT,COMMAND,QUIET FLAG): say WHAT, then run COMMAND. On a terminal the command draws its own
# progress; elsewhere (a log file, CI) it runs with QUIET FLAG and a line every 8 s says it is still busy, so
# a first install (a minute or two, silent otherwise) never looks hung.
define busy
	@echo "install: $(1)"
	@if [ -t 1 ]; then $(2); else \
		$(2) $(3) & pid=$$!; waited=0; \
		while kill -0 $$pid 2>/dev/null; do \
			sleep 1; waited=$$((waited + 1)); \
			if [ $$((waited % 8)) -eq 0 ] && kill -0 $$pid 2>/dev/null; then \
				echo "install: still $(1) ($$waited s)"; fi; \
		done; wait $$pid; fi
endef

$(UV):
	$(call busy,setting up uv $(UV_VERSION) in .tools/,python3 -m venv .tools && .tools/bin/pip install \
		--disable-pip-version-check uv==$(UV_VERSION),--quiet)

# Bytecode compiled at install: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every process would
# otherwise compile Dagster, dbt and pandas from source at each start of `itip run` or dbt (benchmarks/RESULTS.md).
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(call busy,installing the locked environment (uv.lock) into .venv/,\
		$(UV) sync --frozen --compile-bytecode,--quiet)
	@touch $@
	@echo "install: .venv/ is ready"

# dbt's parse of the project made at install, as a deployment prepares dagster-dbt's manifest: a first run in
# any data folder then parses only what changed since (itip_pipeline/defs/dbt/parse_state.py), not all of it.
# Best effort: a project that does not parse (a model being edited) fails its build, which says why, and does
# not stop the tests that need no dbt.
# Folders too: removing a file changes only its folder's time.
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests \
	dbt_project/dbt_project.yml dbt_project/profiles.yml 2>/dev/null)
DBT_PARSED := dbt_project/target/partial_parse.msgpack
$(DBT_PARSED): $(DBT_SOURCES) | $(VENV)/.synced
	$(call busy,parsing the dbt project into dbt_project/target/,\
		$(BIN)/python -c 'from itip_pipeline.defs.dbt.project import prepare_dbt_manifest; prepare_dbt_manifest()' \
		>/dev/null 2>&1 || echo "install: dbt could not parse the project; a build will say why",)
	@if [ -f $@ ]; then touch $@; fi

install: $(VENV)/.synced $(DBT_PARSED)

# The JSON-stat JavaScript Toolkit that tests/e2e/test_jsonstat_e2e.py reads the published datasets with, at the
# version tests/js/package-lock.json pins; only the full tier needs node and npm.
JS_TOOLKIT := tests/js/node_modules/.installed
$(JS_TOOLKIT): tests/js/package.json tests/js/package-lock.json
	$(call busy,installing the JSON-stat Toolkit (tests/js/package-lock.json) into tests/js/node_modules/,\
		npm ci --prefix tests/js --no-audit --no-fund,--silent)
	@touch $@

## make run: generate the synthetic deliveries if data/landing/ is empty, load every year, build, publish.
run: install
	@echo "itip run: starting (Python imports the pipeline first: a few seconds)"
	$(BIN)/itip run

# Two pytest-xdist workers, a test module (or the tests sharing the session's pipeline run) to one worker, the
# longest first: the work units and their order are set in tests/conftest.py.
PARALLEL := -n 2 --dist loadscope --no-loadscope-reorder

## make test: the unit and integration tests (tests/unit, tests/integration), the loop while working: under 5 minutes.
test: install
	$(BIN)/python -m pytest $(PARALLEL) tests/unit tests/integration

## make test-all: every test, end to end included (tests/e2e: the whole pipeline, real processes); what .ci/run calls.
test-all: install $(JS_TOOLKIT)
	$(BIN)/python -m pytest $(PARALLEL) --durations=15

## make lint: ruff (style and format), the layer contracts and sqlfluff on the dbt project, as CI checks them.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint --processes 2 dbt_project/models dbt_project/macros dbt_project/tests

## make ui: the Dagster UI on this project (http://127.0.0.1:3000).
ui: install
	$(BIN)/itip ui

## make serve: the Dagster webserver and daemon as separate processes, as in production (deploy/README.md);
## run history in PostgreSQL when ITIP_PG_URL is set, else SQLite in data/dagster_home/.
serve: install
	$(BIN)/itip serve

## make docs: the dbt docs as one file that opens from disk: dbt_project/target/static_index.html.
docs: install
	$(BIN)/itip docs

## make bench: generate at scale 1, 100 and 1000, time the pipeline against its targets and the plain-SQL floor.
bench: install
	$(BIN)/python benchmarks/run_benchmark.py

clean:
	rm -rf data/work data/warehouse data/marts data/reports data/dagster_home dbt_project/target dbt_project/logs
