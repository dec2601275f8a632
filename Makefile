# Vivier — the two commands are `make site` and `make test`; everything else is for editors and CI.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PELICAN := $(BIN)/pelican
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
CONF ?= pelicanconf.py
# Private artefacts (member store, outbox) stay outside output/ and out of git.
export VIVIER_POOL ?= $(CURDIR)/var/pool.sqlite3
export VIVIER_OUTBOX ?= $(CURDIR)/var/outbox

.PHONY: site build serve test check publish bench clean venv deps test-deps browser help

help:
	@echo "make site     set up .venv, load the sample pool, build the site and newsletters"
	@echo "make serve    live preview with autoreload on http://127.0.0.1:8000"
	@echo "make test     set up, then run the whole test suite"
	@echo "make check    validate the built site (links, HTML, feeds, JSON-LD, calendars)"
	@echo "make publish  production build with publishconf.py"
	@echo "make bench    performance benchmarks"

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"

# Re-install only when the pins or the project metadata change.
$(STAMP): $(PY) requirements.lock pyproject.toml
	$(PY) -m pip install --quiet -c requirements.lock -e .
	touch $@

$(TEST_STAMP): $(STAMP) requirements.lock
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $@

venv deps: $(STAMP)
test-deps: $(TEST_STAMP)

# Debian's Chromium for browser tests; installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

build: $(STAMP)
	$(PELICAN) content -s $(CONF) -o output --fatal errors

site: build

serve: $(STAMP)
	$(PELICAN) content -s $(CONF) -o output --autoreload --listen --bind 127.0.0.1 --port 8000

publish: $(STAMP)
	$(PELICAN) content -s publishconf.py -o output --fatal errors

check: $(TEST_STAMP) browser
	$(BIN)/vivier site-check output

test: $(TEST_STAMP) browser
	$(BIN)/pytest

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf output var/outbox cache
