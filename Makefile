# haochaping: two commands on a fresh machine — `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ARGS ?=
# Test processes: the machines have 2 cores; `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= 2

.PHONY: demo test lint format messages install clean-db help bench soak

help:
	@echo "make demo   set up, migrate, load Lhasa demo data, serve http://127.0.0.1:8000 with a worker"
	@echo "make test   set up and run the whole test suite (ARGS='-k name' to select)"
	@echo "make lint   ruff (lint + format check) and mypy"
	@echo "make bench  every benchmark in bench/ on PostgreSQL and SQLite (BENCH_SCALE=small|full)"
	@echo "make soak   bounded fault run: own PostgreSQL restarted, worker killed, platform down"

$(INSTALLED): pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]'
	@touch $@

install: $(INSTALLED)

messages: $(INSTALLED)
	@cd haochaping && ../$(BIN)/haochaping compilemessages -v0 --ignore '.venv'

demo: messages
	$(BIN)/haochaping demo

test: messages
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy haochaping

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean-db:
	rm -f var/haochaping.sqlite3 var/haochaping.sqlite3-wal var/haochaping.sqlite3-shm

# Benchmarks: JSON lines under bench/results/<UTC time>/ (BENCH_SCALE=full: the goals' sizes).
BENCH_SCALE ?= small
bench: messages
	BENCH_SCALE=$(BENCH_SCALE) $(BIN)/python bench/run.py

# Soak: SOAK_SECONDS (default 300) of signed ratings through faults; exit 1 on loss or duplicate.
soak: messages
	$(BIN)/python bench/soak.py
