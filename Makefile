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
AXE := tools/node_modules/axe-core/axe.min.js
# Decap CMS and decap-server for the editor at /admin/, pinned by editor/package-lock.json.
EDITOR_DEPS := editor/node_modules/.installed
EDIT_PORT ?= 8000
EDIT_BACKEND_PORT ?= 8081
# Private artefacts (member store, outbox) stay outside output/ and out of git.
# `make site` builds from the fictional sample store only; a real store is chosen
# explicitly with VIVIER_POOL and is never written by `make site` (docs/talent-pool.md).
export VIVIER_SAMPLE_POOL ?= $(CURDIR)/var/sample-pool.sqlite3
export VIVIER_OUTBOX ?= $(CURDIR)/var/outbox
OUTPUT ?= output

.PHONY: site build serve edit test check publish bench clean venv deps bytecode test-deps editor-deps browser java-runtime node-tools postgres-server help

help:
	@echo "make site     set up .venv, load the sample pool, build the site and newsletters"
	@echo "make serve    live preview with autoreload on http://127.0.0.1:8000"
	@echo "make edit     the browser editor on http://127.0.0.1:8000/admin/, saving into content/"
	@echo "make test     set up, then run the whole test suite"
	@echo "make check    check the built output/ (links, images, feeds, JSON-LD, calendars, HTML, accessibility)"
	@echo "make publish  production build with publishconf.py (then make check before deploying)"
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

# Our own code's bytecode, written ahead as pip writes it for installed packages. The editable
# install leaves plugins/ to be compiled on import, and where PYTHONDONTWRITEBYTECODE is set (CI
# runners, containers) every command compiled it again: about 0.1 s of each build. Cheap when
# nothing changed; a stale file is still noticed by Python and compiled in memory.
bytecode: $(STAMP)
	@$(PY) -m compileall -q plugins
# Everything the tests and `make check` need besides Chromium: Python test
# dependencies, Java for the Nu HTML Checker, axe-core from the npm lock file.
test-deps: $(TEST_STAMP) java-runtime $(AXE) $(EDITOR_DEPS)

# Debian's packages for a tool, installed only when its command is missing.
APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq

java-runtime:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing Debian's Java runtime for the Nu HTML Checker"; $(APT_INSTALL) default-jre-headless >/dev/null; }

node-tools:
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Debian's npm for axe-core"; $(APT_INSTALL) npm >/dev/null; }

# axe-core, pinned by tools/package-lock.json, into the git-ignored tools/node_modules/.
$(AXE): tools/package.json tools/package-lock.json | node-tools
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Decap CMS (its prebuilt bundle, copied into output/admin/ by the build) and
# decap-server, into the git-ignored editor/node_modules/; scripts are not run.
editor-deps: $(EDITOR_DEPS)
$(EDITOR_DEPS): editor/package.json editor/package-lock.json | node-tools
	cd editor && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for browser tests; installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL server for the store tests; installed only when missing.
# The tests start their own throwaway cluster on 127.0.0.1 (tests/postgres.py),
# whatever default cluster the package may have set up.
postgres-server:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql for the PostgreSQL store tests"; $(APT_INSTALL) postgresql >/dev/null; }

# `vivier build` is the Pelican build (same settings, same plugins) that lists
# content problems as one table instead of a traceback. `vivier pool site-env`
# picks the store: VIVIER_POOL when it is marked as a sample store, else
# VIVIER_SAMPLE_POOL (then a real VIVIER_POOL and its outbox are left alone).
build: bytecode $(EDITOR_DEPS)
	@exports="$$($(BIN)/vivier -s $(CONF) pool site-env)" && eval "$$exports" && \
	  $(BIN)/vivier -s $(CONF) pool load-sample && \
	  $(BIN)/vivier -s $(CONF) build -o $(OUTPUT)

site: build

serve: bytecode
	$(PELICAN) content -s $(CONF) -o output --autoreload --listen --bind 127.0.0.1 --port 8000

# The editor on this machine: decap-server writes what editors save into
# content/ (this working copy), the preview server rebuilds the site as they
# save. Both listen on 127.0.0.1 only and stop together (Ctrl-C). See docs/editors.md.
edit: bytecode $(EDITOR_DEPS)
	@echo "Editor: http://127.0.0.1:$(EDIT_PORT)/admin/ — saves go to content/ (review them with git diff)"
	@trap 'kill $$backend 2>/dev/null' EXIT INT TERM; \
	PORT=$(EDIT_BACKEND_PORT) BIND_HOST=127.0.0.1 MODE=fs GIT_REPO_DIRECTORY="$(CURDIR)" \
	  node editor/node_modules/decap-server/dist/index.js & backend=$$!; \
	$(PELICAN) content -s $(CONF) -o output --autoreload --listen --bind 127.0.0.1 --port $(EDIT_PORT) \
	  -e 'EDITOR_LOCAL_BACKEND="http://127.0.0.1:$(EDIT_BACKEND_PORT)/api/v1"'

publish: bytecode $(EDITOR_DEPS)
	$(BIN)/vivier build --publish -o output

# Checks whatever output/ holds (a preview or a production build); exits non-zero
# on any problem. Production settings: links may be absolute with PUBLIC_URL.
check: test-deps browser
	$(BIN)/vivier -s publishconf.py site-check output

# The whole suite, then the published site itself: a fresh production build
# of the sample site must pass every check, as CI's deploy would require.
# (A production build signs unsubscribe links with VIVIER_SECRET; this one is
# never deployed, so a throwaway secret stands in when none is set.)
test: test-deps bytecode browser postgres-server
	$(BIN)/pytest -n auto --dist loadfile
	VIVIER_SECRET="$${VIVIER_SECRET:-make-test-only-never-deployed}" $(MAKE) --no-print-directory publish
	$(MAKE) --no-print-directory check

bench: bytecode
	$(PY) bench/run.py

clean:
	rm -rf output var/outbox cache
