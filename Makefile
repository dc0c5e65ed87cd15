# The two commands of the README, plus the usual developer targets.
# Works on a fresh machine with Python 3.11: every target installs what it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# `RISKMODEL_SCENARIO=x make run` and `make run SCENARIO=x` both open x.
SCENARIO ?= $(or $(RISKMODEL_SCENARIO),scenarios/demo.yaml)
PORT ?= 8501

.PHONY: run test lint bench browser pdf-libs screenshots monitoring scram fuzz clean

$(VENV)/.runtime-installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## run: install and start the app on the demo scenario (http://localhost:8501)
run: $(VENV)/.runtime-installed pdf-libs
	RISKMODEL_SCENARIO=$(SCENARIO) $(PY) -m streamlit run app.py \
		--server.headless true --server.port $(PORT) --browser.gatherUsageStats false

## test: install everything (Python packages, headless Chromium), lint, and run the whole test suite
test: $(VENV)/.dev-installed browser pdf-libs monitoring scram lint
	$(PY) -m pytest -q --durations=15

## browser: Debian's chromium + chromium-driver for the end-to-end test (root only; else it skips)
browser:
	@sh scripts/install-browser.sh

## pdf-libs: Debian's pango and harfbuzz for WeasyPrint's PDF export (root only; else PDF export says what is missing)
pdf-libs:
	@sh scripts/install-pdf-libs.sh

## screenshots: run the browser test and keep its page screenshots in docs/screens/ (for the README)
screenshots: $(VENV)/.dev-installed browser pdf-libs
	RISKMODEL_SCREENSHOTS=$(CURDIR)/docs/screens $(PY) -m pytest -q tests/test_browser.py

## monitoring: Debian's prometheus + influxdb servers for the sink tests (root only; else they skip)
monitoring:
	@sh scripts/install-monitoring.sh

## scram: Debian's SCRAM fault-tree engine for the fault-tree cross-check test (root only; else it skips)
scram:
	@sh scripts/install-scram.sh

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check riskmodel app.py app_pages tests benchmarks
	$(PY) -m mypy riskmodel

## bench: the speed figures of DESIGN.md, each printed next to its target, with its ratios
bench: $(VENV)/.dev-installed
	@uptime
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

## fuzz: 10,000 hypothesis inputs per loader and source (tests/fuzz/) with a table of counts, then
## import and rank every pair of tests/fixtures/k8s files (minutes)
fuzz: $(VENV)/.dev-installed
	cd tests && RISKMODEL_FUZZ_PROFILE=fuzz PYTHONPATH=.. $(abspath $(PY)) -m fuzz
	RISKMODEL_ALL_COMBINATIONS=1 $(PY) -m pytest -q tests/test_import_combinations.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
