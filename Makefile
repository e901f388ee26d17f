# govsim — two commands on a fresh machine:
#   make results   runs the comparison of every built-in structure and writes results/compare/
#   make test      installs what the tests need and runs lint + the test suite
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

RESIDENTS ?= 25000
DAYS ?= 365
REPLICATES ?= 5
SEED ?= 0

.PHONY: results test lint bench clean-venv

$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(tools/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

results: $(STAMP)
	$(VENV)/bin/govsim compare --residents $(RESIDENTS) --days $(DAYS) --replicates $(REPLICATES) --seed $(SEED) --out results/compare
	$(VENV)/bin/govsim report results/compare --lang zh --out results/compare/report_zh.html
	$(VENV)/bin/govsim report results/compare --lang en --out results/compare/report_en.html

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) benchmarks/fullscale.py

clean-venv:
	rm -rf $(VENV)
