# The two commands: `make up` runs the whole system with demo data, `make test` runs every test.
# Both install what they need first (Python packages from requirements.lock, Kafka jars from Maven).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
KAFKA_JARS := .local/kafka/libs/.pom-digest

.PHONY: install up down test test-fast lint bench bench-latency bench-intake bench-ledger bench-pairing \
	bench-pairing-service bench-dedup clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(KAFKA_JARS): deploy/kafka/pom.xml | $(STAMP)
	$(BIN)/python -m deploy.local.kafka fetch

install: $(STAMP) $(KAFKA_JARS)

up: install
	$(BIN)/python -m deploy.local.stack up

down:
	$(BIN)/python -m deploy.local.stack down

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q tests/unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy shared services deploy

bench: bench-latency bench-intake bench-ledger bench-pairing bench-pairing-service bench-dedup

bench-latency: install
	$(BIN)/python tests/bench/bench_latency.py

bench-intake: install
	$(BIN)/python tests/bench/bench_intake.py

bench-ledger: install
	$(BIN)/python tests/bench/bench_ledger_rebuild.py

bench-pairing: install
	$(BIN)/python tests/bench/bench_pairing.py

bench-pairing-service: install
	$(BIN)/python tests/bench/bench_pairing_service.py

bench-dedup: install
	$(BIN)/python tests/bench/eval_dedup.py

clean: down
	rm -rf .local
