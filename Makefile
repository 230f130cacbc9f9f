# Throughcare — two commands on a fresh machine: `make demo` and `make test`.
# Each installs what is missing (Debian packages), builds, and runs.

SWIFT        ?= swift
APT_PACKAGES := libpq-dev postgresql zlib1g-dev libssl-dev pkg-config
RELEASE_BIN  := .build/release/throughcare
DEBUG_BIN    := .build/debug/throughcare

.PHONY: all deps build release demo test bench bench-ingest clean

all: build

# Installs the system packages the build and the embedded PostgreSQL need, when absent.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 toolchain not found (https://swift.org/install)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	$(RELEASE_BIN) demo

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

bench: bench-ingest

bench-ingest: release
	@missing=""; for p in bc time; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	scripts/bench-ingest.sh

clean:
	rm -rf .build .throughcare
