# The two commands: `make serve` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
INTEROP := .venv-interop
INTEROP_STAMP := $(INTEROP)/.installed-webknossos-4.3.3

.PHONY: serve test lint format install interop browser bench clean docs

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/voxhub serve

# webknossos-libs pins old typer/rich/httpx, so it lives in its own venv and the
# interop tests call it as a separate process.
interop: $(INTEROP_STAMP)

$(INTEROP_STAMP):
	test -x $(INTEROP)/bin/python || $(PYTHON) -m venv $(INTEROP)
	$(INTEROP)/bin/python -m pip install -q --upgrade pip
	$(INTEROP)/bin/python -m pip install -q webknossos==4.3.3
	touch $(INTEROP_STAMP)

# Debian's Chromium for the Playwright browser tests.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: $(STAMP) interop browser lint
	$(BIN)/pytest -q -p no:cacheprovider

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

docs: $(STAMP)
	$(BIN)/python -m voxhub.docs README.md

clean:
	rm -rf $(VENV) $(INTEROP) .pytest_cache .ruff_cache
