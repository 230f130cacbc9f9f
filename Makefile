# Throughcare — two commands on a fresh machine: `make demo` and `make test`.
# Each installs what is missing (Debian packages), builds, and runs.

SWIFT        ?= swift
APT_PACKAGES := libpq-dev postgresql zlib1g-dev libssl-dev pkg-config
# The run notebook is executed with Debian's /usr/bin/python3 (the python3 on PATH may be another
# interpreter without these); the notebook tests need them, and fail without them under CI.
NOTEBOOK_PACKAGES := python3 python3-nbformat python3-nbclient python3-ipykernel python3-psycopg2 python3-pandas python3-matplotlib
# The peer baseline (benchmarks/peer, not part of the product) runs on DuckDB from PyPI, in a venv:
# Debian's python refuses system-wide pip installs (PEP 668).
PEER_VENV    := .build/peer-venv
RELEASE_BIN  := .build/release/throughcare
DEBUG_BIN    := .build/debug/throughcare

.PHONY: all deps peer-venv build release demo test report-check bench bench-ingest bench-warehouse bench-scaling clean

all: build

# Installs the system packages the build and the embedded PostgreSQL need, when absent.
deps:
	@missing=""; for p in $(APT_PACKAGES) $(NOTEBOOK_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 toolchain not found (https://swift.org/install)"; exit 1; }

# A venv with DuckDB for the peer baseline; installs python3-venv when absent. Idempotent.
peer-venv:
	@dpkg -s python3-venv >/dev/null 2>&1 || { \
	  echo "installing: python3-venv"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv; \
	}
	@$(PEER_VENV)/bin/python -c "import duckdb" 2>/dev/null || { \
	  echo "creating $(PEER_VENV) with duckdb"; \
	  /usr/bin/python3 -m venv $(PEER_VENV) && $(PEER_VENV)/bin/pip install -q duckdb; \
	}

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	$(RELEASE_BIN) demo

test: deps peer-venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# Opens every report page of a fixture's exported run in headless Chromium: fails on a console
# message or a broken link, screenshots each kind of page to notebooks-export/screenshots/ and
# prints the board pages to PDF. Not part of `make test` (it needs a browser).
report-check: build
	@missing=""; for p in chromium python3-psycopg2; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	THROUGHCARE_BIN=$(DEBUG_BIN) /usr/bin/python3 scripts/report-check.py

# The benchmarks time whole commands with bc and GNU time; installed when absent.
define BENCH_TOOLS
@missing=""; for p in bc time; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
fi
endef

# The ingest benchmark, then the warehouse benchmark (one after the other, even under -j).
bench: bench-ingest
	$(MAKE) bench-warehouse

bench-ingest: release
	$(BENCH_TOOLS)
	scripts/bench-ingest.sh

# Throughcare against the DuckDB peer baseline on the national extract (scripts/bench-warehouse.sh).
bench-warehouse: release peer-venv
	$(BENCH_TOOLS)
	scripts/bench-warehouse.sh

# The whole national year at 1x, 2x and 4x the national extract (BENCH_FACTORS), for the scaling
# table of docs/scaling.md. Not part of `make bench`: the 4x extract is 3 GiB of CSV.
bench-scaling: release
	$(BENCH_TOOLS)
	scripts/bench-scaling.sh

clean:
	rm -rf .build .throughcare
