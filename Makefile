# The project's vocabulary. Every target creates what it needs (venv, npm packages) first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAGE ?= dev
PORT ?= 8000
CDK := node_modules/.bin/cdk
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: help install web dev test fuzz synth lint format bench scale load deploy diff clean

help:
	@echo "make dev     run the whole platform locally (the local cloud) with demo data"
	@echo "make test    install everything, lint, synthesize and run every test"
	@echo "make web     build the two web apps (frontends/dist)"
	@echo "make synth   cdk synth (STAGE=dev|staging|prod)"
	@echo "make lint    ruff + mypy"
	@echo "make bench   benchmarks through the local cloud (table + JSON)"
	@echo "make scale   synth time, resources per stack, template sizes for TENANTS=\"2 1000 10000\" tenants"
	@echo "make load    rush hour through the local cloud over HTTP (ORDERS=500), checked exactly once"
	@echo "make fuzz    the API fuzzer at length (FUZZ_EXAMPLES=100 per operation; make test runs a few)"
	@echo "make diff    cdk diff --all against the deployed stage (STAGE=dev|staging|prod; needs AWS credentials)"
	@echo "make deploy  cdk deploy --all (STAGE=dev|staging|prod; needs AWS credentials)"

$(VENV)/.installed: requirements.txt requirements-dev.txt services/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

# The web apps' build (Vite): what FrontendStack deploys and the local cloud serves.
WEB_SOURCES := $(shell find frontends -path frontends/dist -prune -o -type f -print)
frontends/dist/.built: node_modules/.installed $(WEB_SOURCES)
	npm run --silent web:build
	touch $@

web: frontends/dist/.built

synth: install web
	$(CDK) synth --quiet -c stage=$(STAGE) --app "$(PY) app.py"

# One mypy run over everything: the shared code has one name (core.*, services/ on mypy's path).
lint: install
	npm run --silent web:check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app.py stacks constructs workflow localcloud scripts services

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Lint and synth run side by side (each mostly one core). Then three pytest workers on the two cores: the
# local cloud's end-to-end tests then the fuzzer in one, the browser tests then the access matrix in another,
# each on its worker's local cloud, and the unit and infra tests in the third, while the others wait on
# their clouds (tests/conftest.py).
test: install
	$(MAKE) --no-print-directory -j2 -Otarget lint synth
	npm run --silent web:test
	$(PY) -m pytest -n 3 --dist loadgroup

# The fuzzer of make test (tests/e2e/test_fuzz.py), with many more examples per operation and phase.
FUZZ_EXAMPLES ?= 100
fuzz: install web
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_ALL_CALLERS=1 FUZZ_PHASES=examples,coverage,fuzzing,stateful $(PY) -m pytest -q -s tests/e2e/test_fuzz.py

dev: install web
	$(PY) -m localcloud --port $(PORT)

bench: install web
	$(PY) -m scripts.bench

# Tenants at scale (scripts/synth_scale.py): synth time, resources per stack and template sizes for N tenants.
TENANTS ?= 2 1000 10000
scale: install web
	$(PY) -m scripts.synth_scale $(TENANTS)

# Rush hour (scripts/load.py): customers order and pay, two people per stage and tenant work the boards.
ORDERS ?= 500
load: install web
	$(PY) -m scripts.load --orders $(ORDERS)

deploy: install web
	$(PY) -m scripts.predeploy --stage $(STAGE)
	$(CDK) deploy --all -c stage=$(STAGE) --app "$(PY) app.py" --require-approval broadening

diff: install web
	$(CDK) diff --all -c stage=$(STAGE) --app "$(PY) app.py"

clean:
	rm -rf cdk.out .localcloud .cache .mypy_cache .ruff_cache frontends/dist
