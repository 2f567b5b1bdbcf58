# innoledger developer tasks.  `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
VENV_PY     := $(VENV)/bin/python
# Each command installs what it needs, once per change of pyproject.toml: `make run` the runtime
# dependencies only; test, lint and bench their extra (pyproject.toml); `make install` all (dev).
STAMP_run   := $(VENV)/.installed-run
STAMP_test  := $(VENV)/.installed-test
STAMP_lint  := $(VENV)/.installed-lint
STAMP_bench := $(VENV)/.installed-bench
STAMP_dev   := $(VENV)/.installed-dev
# Interpreter that creates the venv; empty = python3.11, else python3 (must be >= 3.11).
PYTHON      ?=
PYTEST_ARGS ?= -q -n 2
# The packages ruff and mypy check.
SRC_DIRS    := $(wildcard domain eventstore service projections bench)

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv install test test-hosts run bench lint clean

help:
	@echo "make install   create $(VENV) (python3.11) and pip install -e '.[dev]' (only when pyproject.toml changed)"
	@echo "               (run installs the runtime dependencies only; test, lint, bench their extra)"
	@echo "make test      run pytest against a throwaway PostgreSQL (PYTEST_ARGS='$(PYTEST_ARGS)')"
	@echo "make test-hosts  (root) app hosts, PostgreSQL primary and standby in network namespaces, faults under load"
	@echo "make run       start the API locally (scripts/run-local)"
	@echo "make bench     run the benchmarks (python -m bench)"
	@echo "make lint      ruff check + mypy over $(or $(SRC_DIRS),domain service projections); import layers (import-linter)"
	@echo "make clean     remove var/ (the demo store, its tokens and ledger key) and test/lint caches (keeps $(VENV))"

venv install: $(STAMP_dev)

$(VENV_PY):
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then \
	    for c in python3.11 python3; do \
	        if command -v "$$c" >/dev/null 2>&1 && "$$c" -c 'import sys' >/dev/null 2>&1; then py=$$c; break; fi; \
	    done; \
	fi; \
	if [ -z "$$py" ]; then echo "error: neither python3.11 nor python3 found" >&2; exit 1; fi; \
	"$$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	    { echo "error: $$py is Python $$("$$py" -c 'import platform; print(platform.python_version())'); innoledger needs >= 3.11" >&2; exit 1; }; \
	echo "$$py -m venv $(VENV)"; \
	"$$py" -m venv $(VENV)

$(STAMP_run): pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install -e .
	@touch $@

$(STAMP_test) $(STAMP_lint) $(STAMP_bench) $(STAMP_dev): $(VENV)/.installed-%: pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install -e '.[$*]'
	@touch $@

# The web app's sign-in tests run a real OpenID provider on Node.js (tests/oidc, from its lockfile).
OIDC_PROVIDER := tests/oidc/node_modules/.package-lock.json
$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund
	@touch $@

# The contracts of the event store seam run first (tests/contracts: a library change fails there,
# named). Tests marked `exclusive` stop the shared test PostgreSQL, so they run alone, last.
test: $(STAMP_test) $(OIDC_PROVIDER)
	@scripts/ensure-chromium
	@scripts/ensure-pdf-libraries $(VENV_PY)
	@scripts/with-test-postgres bash -c '$(VENV)/bin/pytest -q tests/contracts \
	    && $(VENV)/bin/pytest $(PYTEST_ARGS) --ignore=tests/contracts -m "not exclusive and not hosts" \
	    && $(VENV)/bin/pytest -q -m exclusive' || { \
	    rc=$$?; \
	    if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5) - treated as a failure" >&2; fi; \
	    exit $$rc; }

# Several hosts (tests/hosts): builds its own network namespaces and PostgreSQL pair, so it needs
# root and no test cluster; it fails (never skips) when it cannot build them.
test-hosts: $(STAMP_test)
	$(VENV)/bin/pytest -q -m hosts --timeout=600 tests/hosts

run: $(STAMP_run)
	@scripts/ensure-pdf-libraries $(VENV_PY)
	scripts/run-local

bench: $(STAMP_bench)
	$(VENV_PY) -m bench

lint: $(STAMP_lint)
	$(VENV)/bin/ruff check $(SRC_DIRS) $(wildcard tests)
	$(VENV)/bin/mypy $(SRC_DIRS)
	$(VENV)/bin/lint-imports

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
	find . \( -path ./$(VENV) -o -path ./.git \) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
