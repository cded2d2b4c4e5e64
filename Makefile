# One venv, created from nothing; every target that needs Python depends on it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-matrix lint typecheck verifytypes pytest bench docs docs-check fuzz clean conformance test-real

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[discordpy,nextcord,disnake,hikari,redis,docs,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m voltricx demo

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/pyright

# Type completeness of the public API must stay at 100 %. The editable install
# is an import hook pyright cannot follow, so the source tree goes on the
# interpreter's path; types of third-party packages are not ours to score.
verifytypes: $(STAMP)
	@PYTHONPATH=$(CURDIR) PATH=$(CURDIR)/$(BIN):$$PATH VIRTUAL_ENV=$(CURDIR)/$(VENV) \
	  $(BIN)/pyright --verifytypes voltricx --ignoreexternal > $(VENV)/verifytypes.txt 2>&1 \
	  || { grep -B1 -A2 'error:' $(VENV)/verifytypes.txt | head -n 60; grep 'score' $(VENV)/verifytypes.txt; exit 1; }
	@grep 'score' $(VENV)/verifytypes.txt

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

# The strict docs build runs inside the suite (tests/test_docs.py).
test: lint typecheck verifytypes pytest

# The suite on every supported Python, each in its own venv (.venv-3.X). The
# interpreter is python3.X from PATH, else pyenv's newest 3.X.
MATRIX ?= 3.11 3.12 3.13
test-matrix:
	@set -e; for v in $(MATRIX); do \
	  py=; if python$$v -c '' >/dev/null 2>&1; then py=python$$v; fi; \
	  if [ -z "$$py" ]; then py=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V | tail -n1); fi; \
	  if [ -z "$$py" ]; then echo "test-matrix: no Python $$v found (PATH or pyenv)" >&2; exit 1; fi; \
	  venv=.venv-$$v; \
	  if [ ! -f $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
	    $$py -m venv $$venv && $$venv/bin/python -m pip install --quiet --upgrade pip && \
	    $$venv/bin/python -m pip install --quiet -e '.[discordpy,nextcord,disnake,hikari,redis,docs,dev]' && \
	    touch $$venv/.installed; \
	  fi; \
	  echo "== Python $$v ($$($$venv/bin/python -c 'import sys; print(sys.version.split()[0])')) =="; \
	  $$venv/bin/python -m pytest -q -p no:cacheprovider; \
	done

# npm's lavalink-client and Shoukaku (pinned in conformance/package-lock.json) against FakeLavalink.
conformance/node_modules/.installed: conformance/package.json conformance/package-lock.json
	cd conformance && npm ci --no-audit --no-fund --loglevel=error
	touch $@

conformance: $(STAMP) conformance/node_modules/.installed
	$(BIN)/python conformance/run.py

# Only the server-facing tests, against your own node: see docs/testing.md.
test-real: $(STAMP)
	@test -n "$$VOLTRICX_TEST_NODE" || { echo "set VOLTRICX_TEST_NODE=http://host:port (and VOLTRICX_TEST_NODE_PASSWORD)"; exit 2; }
	$(BIN)/python -m pytest -q -m real_server

bench: $(STAMP)
	$(BIN)/python -m bench

# Nightly-size fuzzing (10,000 cases per target); make test runs a small budget.
fuzz: $(STAMP)
	VOLTRICX_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q tests/test_fuzz.py tests/test_hostile_node.py

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The built site in headless Chromium (Debian package "chromium"), page by
# page at 1280 px: no raw roles or snippet markers, no code cut off, every
# image loaded, search finds the right pages. Served on 127.0.0.1 only.
docs-check: docs
	$(BIN)/python tools/docs_check.py site

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info .pytest_cache .ruff_cache site conformance/node_modules
