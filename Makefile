# Two commands set everything up on a fresh machine with Python 3.11+:
#   make demo   generate the banking example through Dagster into data/banking.sqlite
#   make test   run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The bootstrap uv is the one pinned in the lock's dev group, so `uv sync` keeps it.
UV_VERSION := 0.13.9
export DAGSTER_HOME := $(CURDIR)/.dagster

.PHONY: demo test dev lint format bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set, every interpreter (each Dagster
# subprocess, each CLI test) would otherwise compile dagster and pandas from source again.
$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --compile-bytecode --python $(BIN)/python
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/seed-assets demo

dev: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev

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
	rm -rf $(VENV) data .dagster
