# The two commands of the README, plus the usual developer targets.
# Works on a fresh machine with Python 3.11: every target installs what it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SCENARIO ?= scenarios/demo.yaml
PORT ?= 8501

.PHONY: run test lint bench browser clean

$(VENV)/.runtime-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## run: install and start the app on the demo scenario (http://localhost:8501)
run: $(VENV)/.runtime-installed
	RISKMODEL_SCENARIO=$(SCENARIO) $(PY) -m streamlit run app.py \
		--server.headless true --server.port $(PORT) --browser.gatherUsageStats false

## test: install everything (Python packages, headless Chromium), lint, and run the whole test suite
test: $(VENV)/.dev-installed browser lint
	$(PY) -m pytest -q

## browser: Debian's chromium + chromium-driver for the end-to-end test (root only; else it skips)
browser:
	@sh scripts/install-browser.sh

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check riskmodel app.py app_pages tests benchmarks
	$(PY) -m mypy riskmodel

## bench: the speed figures of DESIGN.md, each printed next to its target, with its ratios
bench: $(VENV)/.dev-installed
	@uptime
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
