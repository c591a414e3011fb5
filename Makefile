# The two commands a newcomer needs: `make demo` (the whole pipeline on embedded defaults) and
# `make test` (every test); `make lint` is what CI checks besides. All install what they need on
# first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MAICRO := $(VENV)/bin/maicro
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup demo stop test test-unit lint lock clean help

help:
	@echo "make demo   - run the pipeline on the embedded defaults (Ctrl-C or 'make stop' to stop)"
	@echo "make test   - run every test"
	@echo "make lint   - ruff (lint + format check) over the repo, mypy over include/maicro"
	@echo "make setup  - create .venv from requirements.lock and write .env (done by demo/test)"
	@echo "make stop   - stop everything 'make demo' started"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml"

MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := dbt_project/dbt_project.yml $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f 2>/dev/null)

setup: $(STAMP) $(MANIFEST)

# The dbt manifest the transform_analytics DAG renders from (cosmos LoadMode.DBT_MANIFEST); rebuilt
# whenever a model, macro or test changes. Needs no database.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	@echo "setup: building the dbt manifest"
	@$(PY) -c "from maicro.transform.runner import build_manifest; build_manifest()"

$(STAMP): requirements.lock pyproject.toml scripts/setup.sh
	@bash scripts/setup.sh
	@touch $(STAMP)

demo: setup
	@$(MAICRO) demo

stop: setup
	@$(MAICRO) stop

test: setup
	@$(PY) -m pytest tests $(PYTEST_ARGS)

test-unit: setup
	@$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# Config in pyproject.toml ([tool.ruff], [tool.mypy]); `ruff format .` fixes what the check reports.
lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

lock:
	@uv pip compile pyproject.toml --all-extras -p 3.11 -o requirements.lock

clean: stop
	rm -rf .maicro
