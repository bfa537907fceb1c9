# The verbs people type. Everything installs from pyproject.toml + uv.lock.
SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(PYTHON) -m uv
PYTEST_ARGS ?=

.PHONY: setup run demo test test-unit test-integration test-e2e lint bench clean

setup:  ## install uv (if missing) and every dependency, exactly as locked
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"
	$(UV) sync --frozen

run: setup  ## the whole suite on this machine (RabbitMQ here, SecantusDB, five services)
	$(UV) run --frozen python scripts/run_suite.py

demo: setup  ## drive a real suggestion through the suite and print what happened
	$(UV) run --frozen python scripts/demo.py

test: setup  ## unit, integration and end-to-end tests against real servers
	$(UV) run --frozen python -m pytest $(PYTEST_ARGS)

test-unit: setup
	$(UV) run --frozen python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: setup
	$(UV) run --frozen python -m pytest tests/integration $(PYTEST_ARGS)

test-e2e: setup
	$(UV) run --frozen python -m pytest tests/e2e $(PYTEST_ARGS)

lint: setup  ## ruff and strict mypy
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy shared services scripts bench

bench: setup  ## throughput and latency of the spine on this machine
	$(UV) run --frozen python -m bench

clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
