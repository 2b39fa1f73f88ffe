# The two commands that matter: `make dev` (whole platform locally, with demo data) and `make test`.
# Both work on a fresh machine with only Python 3.11+ and make: uv is bootstrapped if missing.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_PREFERENCE := only-system
export UV_COMPILE_BYTECODE := 1
# Trust the system's certificate store (where a proxy's or a company's CA is installed), not only uv's own.
export UV_SYSTEM_CERTS := 1
export UV_NATIVE_TLS := 1

.PHONY: help install chromium dev test test-unit lint typecheck schemas bench bench-table clean

help:
	@echo "make dev       start the whole platform locally with demo data (Ctrl-C stops it)"
	@echo "make test      install everything and run every test (lint, types, unit, integration, e2e)"
	@echo "make test-unit only the fast unit tests"
	@echo "make schemas   regenerate the event JSON Schema snapshots and AsyncAPI documents"
	@echo "make bench     run the benchmarks in bench/, collect their figures, regenerate the README's table"

.tools/bin/uv:
	@echo "uv not found: installing it into .tools/ (from PyPI)"
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.5"

install: $(UV)
	$(UV) sync --all-packages --frozen

# The browser tests drive Debian's chromium (Playwright's own browser download does not work on our machines).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "chromium not found: installing Debian's package for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "cannot install chromium: run as root or with sudo, or install it yourself (apt-get install chromium)"; exit 1; fi; \
	fi

dev: install
	$(UV) run --frozen python -m gymloop_devstack.dev

# One pytest worker per core (pytest-xdist); a test file stays on one worker, so its module fixtures start once.
test: install chromium lint typecheck
	$(UV) run --frozen pytest -n auto --dist loadfile

test-unit: install
	$(UV) run --frozen pytest -m unit

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: install
	$(UV) run --frozen mypy libs/*/src services/*/src

schemas: install
	$(UV) run --frozen python -m gymloop_contracts.export

# Every bench/*.py, each one's last JSON line into $(BENCH_RESULTS), then the README's table regenerated from it.
# BENCH_ONLY="import.py relay.py" runs only those (their entries replace the ones in the file).
BENCH_RESULTS ?= bench/results.json
BENCH_ONLY ?=
bench: install
	$(UV) run --frozen python bench/report/run_all.py --results $(BENCH_RESULTS) $(if $(BENCH_ONLY),--only $(BENCH_ONLY)); \
	status=$$?; $(UV) run --frozen python bench/report/readme_table.py --results $(BENCH_RESULTS) --readme README.md; \
	exit $$status

bench-table: install
	$(UV) run --frozen python bench/report/readme_table.py --results $(BENCH_RESULTS) --readme README.md

clean:
	rm -rf .venv .tools .dev-data .pytest_cache .mypy_cache .ruff_cache
