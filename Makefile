# One venv, created from nothing; every target that needs Python depends on it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench docs docs-check fuzz clean

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

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

# The strict docs build runs inside the suite (tests/test_docs.py).
test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench

# Nightly-size fuzzing (10,000 cases per target); make test runs a small budget.
fuzz: $(STAMP)
	VOLTRICX_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q tests/test_fuzz.py

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The built site in headless Chromium (Debian package "chromium"), page by
# page at 1280 px: no raw roles or snippet markers, no code cut off, every
# image loaded, search finds the right pages. Served on 127.0.0.1 only.
docs-check: docs
	$(BIN)/python tools/docs_check.py site

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache site
