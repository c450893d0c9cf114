# The two commands: `make serve` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
INTEROP := .venv-interop
INTEROP_STAMP := $(INTEROP)/.installed-webknossos-4.3.3
# ARCtrl 3.2 needs Python >= 3.12; lxml makes its openpyxl write namespaces the way
# most installations do (xmlns:r on every <sheet>), which voxhub must read and keep.
ARCTRL := .venv-arctrl
ARCTRL_PINS := arctrl==3.2.3 lxml==6.1.3
ARCTRL_STAMP := $(ARCTRL)/.installed-$(shell echo '$(ARCTRL_PINS)' | sha1sum | cut -c1-12)
# isatools (the ISA reference tools) validates and loads voxhub's ISA-JSON in
# tests/isa/test_interop_isatools.py; its pins clash with voxhub's, so its own venv.
ISATOOLS := .venv-isatools
ISATOOLS_STAMP := $(ISATOOLS)/.installed-isatools-0.14.3
# The first Python >= 3.12 found: python3.12 on the PATH, or one pyenv holds.
PYTHON312 ?= $(firstword $(foreach p,python3.12 python3.13 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3),$(shell $(p) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo $(p))))

WEB := src/voxhub/web/frontend
WEB_BUILT := src/voxhub/web/dist/index.html
WEB_SOURCES := $(shell find $(WEB)/src -type f 2>/dev/null) $(addprefix $(WEB)/,index.html vite.config.ts tsconfig.json package.json)

.PHONY: serve test lint format install interop interop-arc interop-isatools browser nginx bench clean docs web

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

serve: $(STAMP) web
	$(BIN)/voxhub serve

# The browser app: npm packages pinned by package-lock.json, built by Vite into
# src/voxhub/web/dist (not committed); rebuilt only when a source changed.
web: $(WEB_BUILT)

$(WEB)/node_modules/.installed: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_BUILT): $(WEB)/node_modules/.installed $(WEB_SOURCES)
	cd $(WEB) && npm run --silent build

# webknossos-libs pins old typer/rich/httpx, so it lives in its own venv and the
# interop tests call it as a separate process.
interop: $(INTEROP_STAMP)

$(INTEROP_STAMP):
	test -x $(INTEROP)/bin/python || $(PYTHON) -m venv $(INTEROP)
	$(INTEROP)/bin/python -m pip install -q --upgrade pip
	$(INTEROP)/bin/python -m pip install -q webknossos==4.3.3
	touch $(INTEROP_STAMP)

# ARCtrl (the reference ISA/ARC implementation) for tests/isa/test_interop_arctrl.py,
# which calls it as a separate process through tests/isa/arctrl_tool.py.
interop-arc: $(ARCTRL_STAMP)

$(ARCTRL_STAMP):
	@test -n "$(PYTHON312)" || (echo "interop-arc needs Python >= 3.12 (set PYTHON312=...)" && exit 1)
	test -x $(ARCTRL)/bin/python || $(PYTHON312) -m venv $(ARCTRL)
	$(ARCTRL)/bin/python -m pip install -q $(ARCTRL_PINS)
	rm -f $(ARCTRL)/.installed-*
	touch $(ARCTRL_STAMP)

interop-isatools: $(ISATOOLS_STAMP)

$(ISATOOLS_STAMP):
	test -x $(ISATOOLS)/bin/python || $(PYTHON) -m venv $(ISATOOLS)
	$(ISATOOLS)/bin/python -m pip install -q isatools==0.14.3
	touch $(ISATOOLS_STAMP)

# Debian's Chromium for the Playwright browser tests.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Debian's nginx for the "voxhub behind nginx" tests (tests/e2e/test_nginx_front.py).
nginx:
	@test -x /usr/sbin/nginx || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null)

lint: $(STAMP) $(WEB)/node_modules/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	cd $(WEB) && npx tsc --noEmit

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: $(STAMP) interop interop-arc interop-isatools browser nginx lint web
	cd $(WEB) && npx vitest run
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

docs: $(STAMP)
	$(BIN)/python -m voxhub.docs README.md

clean:
	rm -rf $(VENV) $(INTEROP) $(ARCTRL) .pytest_cache .ruff_cache $(WEB)/node_modules src/voxhub/web/dist
