# Two commands for a fresh machine (see README): `make demo` and `make test`.
# Both set up what they need: a virtual environment in .venv with the package installed
# (the report runs its notebook on that same Python; no kernel to register), and Debian's
# Chromium for browser tests/PDF.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_DB ?= build/demo.duckdb
PORT   ?= 8866

.PHONY: setup browser report-tools proxy axe demo demo-db test dashboard report benchmarks example-reports readme-screenshot clean

AXE := tests/a11y/node_modules/axe-core/axe.min.js

setup: $(VENV)/.installed $(AXE)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian's Chromium (never a downloaded browser): browser tests and PDF printing use it.
# poppler-utils (pdftotext): tests read the text of the PDFs the pages offer.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ]; then \
	  echo "Installerer Chromium og poppler-utils fra Debian ..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium poppler-utils; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium poppler-utils; fi; \
	fi

# axe-core (accessibility checks in the browser tests) from the npm registry, at setup and
# pinned by tests/a11y/package-lock.json: the tests inject this file, never a CDN's.
axe: $(AXE)

$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  echo "Installerer npm fra Debian ..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq npm; fi; \
	fi
	cd tests/a11y && npm ci --include=dev --no-audit --no-fund --loglevel=error
	touch $@

# Debian's poppler-utils (pdftotext: page numbers in the report's contents list, PDF checks in the
# tests) and LibreOffice without a display (the .docx test converts the Word edition to PDF).
report-tools:
	@if ! command -v pdftotext >/dev/null || ! command -v soffice >/dev/null; then \
	  echo "Installerer poppler-utils og LibreOffice Writer fra Debian ..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq poppler-utils libreoffice-writer-nogui; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq poppler-utils libreoffice-writer-nogui; fi; \
	fi

# Debian's Caddy: the TLS reverse proxy that tests/server/test_proxy.py puts in front of
# ssp-eval serve, as the README's set-up for IT does (the package's service is not started).
proxy:
	@if [ ! -x /usr/bin/caddy ]; then \
	  echo "Installerer Caddy fra Debian ..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq caddy; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq caddy; fi; \
	  if command -v systemctl >/dev/null; then (systemctl disable --now caddy || sudo systemctl disable --now caddy) \
	    >/dev/null 2>&1 || true; fi; \
	fi

# Built once; delete build/ (make clean) to build it again from fresh synthetic files.
demo-db: setup
	@if [ -f $(DEMO_DB) ]; then echo "Demo-databasen findes allerede: $(DEMO_DB) (make clean bygger den forfra)"; \
	else $(BIN)/ssp-eval demo --db $(DEMO_DB); fi

# The main job on demo data: build the demo database through the real ingest, open the dashboards.
demo: demo-db browser
	$(BIN)/ssp-eval dashboard --db $(DEMO_DB) --port $(PORT)

test: setup browser report-tools proxy
	$(BIN)/pytest

benchmarks: setup
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/plan.py
	$(BIN)/python benchmarks/storage.py
	$(BIN)/python benchmarks/day_of_use.py

# The README's picture of Årsevaluering, taken by the browser test on the demo database.
readme-screenshot: setup browser
	$(BIN)/pytest -q tests/views/test_dashboard_browser.py -k aarsevaluering_loads
	cp artefacts/screenshots/aarsevaluering-readme.png docs/aarsevaluering.png

# The example reports linked from the README: both editions rendered from a fresh demo database.
example-reports: setup browser report-tools
	rm -rf build/eksempel
	$(BIN)/ssp-eval demo --db build/eksempel/demo.duckdb
	$(BIN)/ssp-eval report --db build/eksempel/demo.duckdb --year 2025 --edition team --out docs/eksempel
	$(BIN)/ssp-eval report --db build/eksempel/demo.duckdb --year 2025 --edition kredsraad --out docs/eksempel
	rm -f docs/eksempel/*.ipynb docs/eksempel/*.json docs/eksempel/*.csv

clean:
	rm -rf build reports artefacts .pytest_cache
