# Two commands set everything up on a fresh machine with Python 3.11+:
#   make demo   generate the banking example through Dagster into data/banking.sqlite
#   make test   run the whole test suite
# Dagster's own state (runs, event logs) goes to SQLite files in the repo (DAGSTER_HOME, git-ignored)
# unless STORAGE=postgres:
#   make dev STORAGE=postgres      deploy/dagster-postgres.yaml in .dagster-postgres/, which reads
#                                  DAGSTER_PG_HOST/PORT/DB/USERNAME/PASSWORD (docs/deploy.md)
#   make worker STORAGE=postgres   a dagster-celery worker for materialize_all_celery, or for
#                                  every job with SEED_ASSETS_EXECUTOR=celery
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The bootstrap uv is the one pinned in the lock's dev group, so `uv sync` keeps it.
UV_VERSION := 0.13.9
STORAGE ?= sqlite
ifeq ($(STORAGE),postgres)
DAGSTER_CONFIG := deploy/dagster-postgres.yaml
export DAGSTER_HOME := $(CURDIR)/.dagster-postgres
else ifeq ($(STORAGE),sqlite)
# DAGSTER_HOME is the repo itself: its dagster.yaml is the instance's, so `dg dev` (which runs
# from the project root) finds it in DAGSTER_HOME and does not warn that it is ignored.
DAGSTER_CONFIG := dagster.yaml
export DAGSTER_HOME := $(CURDIR)
else
$(error STORAGE=$(STORAGE): use sqlite (the default) or postgres)
endif

.PHONY: demo test dev check-defs worker lint format bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set, every interpreter (each Dagster
# subprocess, each CLI test) would otherwise compile dagster and pandas from source again; the
# editable seed_assets too (compileall: ~0.2 s off every launch, benchmarks/bench_import.py).
$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --compile-bytecode --python $(BIN)/python
	$(BIN)/python -m compileall -q seed_assets
	touch $@

ifneq ($(DAGSTER_CONFIG),dagster.yaml)
$(DAGSTER_HOME)/dagster.yaml: $(DAGSTER_CONFIG)
	mkdir -p $(DAGSTER_HOME)
	cp $(DAGSTER_CONFIG) $@
endif

demo: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/seed-assets demo

# `dg dev` (what `dagster dev` now points to) loads the code location named in pyproject.toml's
# [tool.dg.project]. VIRTUAL_ENV: dg compares it with the project's .venv. Calls to the code server
# get 3 minutes (default 60 s): a loaded 2-core machine otherwise shows gRPC timeouts in the UI.
dev: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml
	VIRTUAL_ENV=$(CURDIR)/$(VENV) DAGSTER_GRPC_TIMEOUT_SECONDS=$${DAGSTER_GRPC_TIMEOUT_SECONDS:-180} \
		$(BIN)/dg dev

# Loads every defs.yaml and the definitions, as `dg dev` would, and says what is wrong.
check-defs: $(VENV)/.synced
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg check defs

# Imports the definitions and Great Expectations once, before the pool forks, not in every step.
worker: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster-celery worker start -A dagster_celery.app \
		-y deploy/celery-worker.yaml -i seed_assets.definitions -i great_expectations

test: $(VENV)/.synced
	$(BIN)/ruff check seed_assets seed_assets_tests benchmarks
	$(BIN)/ruff format --check seed_assets seed_assets_tests benchmarks
	$(BIN)/python -m pytest

lint: $(VENV)/.synced
	$(BIN)/ruff check --fix seed_assets seed_assets_tests benchmarks
	$(BIN)/ruff format seed_assets seed_assets_tests benchmarks

bench: $(VENV)/.synced
	$(BIN)/python benchmarks/bench_banking.py

clean:
	rm -rf $(VENV) data .dagster .dagster-postgres history logs schedules storage .logs_queue .nux .telemetry
