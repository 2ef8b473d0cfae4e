# PolkaMesh web. The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
VAR_DIR := $(or $(PM_VAR_DIR),var)

# Python 3.12+ (Django 6): the first of python3.13/python3.12/python3 that is new
# enough, else a pyenv-installed one.
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit; }; \
	done; ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V | tail -n 1)

# The test suite's services (started or installed by tests/ensure-services.sh).
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/polkamesh
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: help venv dev run test lint check assets frontend services localnet bench

help:
	@echo "make run    - set up and start PolkaMesh (web + worker + beat) on http://$(HOST):$(PORT)/"
	@echo "make test   - the whole test suite on PostgreSQL + Redis, browser tests included"
	@echo "make lint   - ruff, import contracts (layers) and mypy;  make check - migrations + ledger invariants"
	@echo "make assets - rebuild static/js bundles from npm (needs Node)"
	@echo "make bench  - run the benchmarks in bench/ (PostgreSQL)"

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12+ is needed (python3.12 not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

# Test and lint tools on top of the runtime (`make run` needs only the runtime).
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

dev: $(VENV)/.installed-dev

# Demo timings for `make run` only (production keeps the defaults, docs/OPERATIONS.md): a
# batch every 30 s, bids taken after 10 s, results auto-released after 2 minutes, sweeps
# every 5 s. Each can be overridden: `make run PM_BID_WINDOW_SECONDS=60`.
run: export PM_BATCH_INTERVAL_SECONDS ?= 30
run: export PM_BID_WINDOW_SECONDS ?= 10
run: export PM_REVIEW_WINDOW_SECONDS ?= 120
run: export PM_SWEEP_INTERVAL_SECONDS ?= 5
# The demo hands out test funds (the faucet is off unless a deployment turns it on).
run: export PM_FAUCET_ENABLED ?= true
# The agents reach the web server by this URL.
run: export PM_SERVER_URL ?= http://$(HOST):$(PORT)
# The local chain (docs/CHAIN.md): deposits and withdrawals are transfers on it, and the
# demo wallets' money arrives as deposits (chain_demo, on the chain started just for it).
run: export PM_CHAIN_PORT ?= 9944
run: export PM_CHAIN_URL ?= ws://127.0.0.1:$(PM_CHAIN_PORT)
run: export PM_CHAIN_HOT_WALLET_URI ?= //PolkaMeshHot
# A quiet console: the market's events, one line each, and warnings (PM_LOG_LEVEL=INFO
# brings back the access log and Celery's task lines).
run: export PM_LOG_LEVEL ?= WARNING
run: venv localnet
	$(PY) manage.py migrate --noinput
	@node marketplace/chain/localnet/start.mjs --port $(PM_CHAIN_PORT) --dir $(VAR_DIR)/chain & \
	  chain=$$!; $(PY) manage.py chain_demo; status=$$?; kill $$chain; wait $$chain; exit $$status
	$(PY) manage.py load_demo
	@echo
	@echo "PolkaMesh is starting at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Ctrl-C stops them all: web server, Celery worker and beat, the batch closer, the provider and TEE"
	@echo "worker agents, and the demo market, each with wallets of their own: //Alice … //Ferdie are yours."
	@echo "A process that crashes restarts on its own (supervisord runs the Procfile)."
	@echo
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" exec $(PY) manage.py supervise --procfile Procfile

services:
	tests/ensure-services.sh all

# Node and the local chain's pinned packages (marketplace/chain/localnet).
localnet:
	tests/ensure-services.sh chain

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

check: venv
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py migrate --noinput -v0 && $(PY) manage.py ledger_check

test: dev services lint frontend
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest

assets:
	npm ci
	npm run build

# The browser code's own tests, and the committed bundles (static/, the test wallet)
# checked against a fresh build of frontend/: a change to frontend/src without
# `make assets` fails here.
BUNDLES := static/js static/css tests/e2e/fake-wallet.js

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

frontend: node_modules/.package-lock.json
	npm test
	npm run build
	@git diff --quiet -- $(BUNDLES) || { git --no-pager diff --stat -- $(BUNDLES); \
	  echo "the bundles differ from a fresh build of frontend/: run make assets and commit them"; exit 1; }

bench: dev services
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/ledger_transfer.py
