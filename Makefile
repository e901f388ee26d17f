# govsim — two commands on a fresh machine:
#   make results   runs the comparison of every built-in structure (results/compare/), the
#                  same comparison over its contested assumptions (results/contested/) and the
#                  shipped design search (results/design_week/), and writes the report
#   make test      installs what the tests need and runs lint + the test suite (both cores)
# (either builds .venv with the package, the test tools and the notebooks' tools: JupyterLab,
#  nbconvert)
# (make check: the quick tier for everyday work, about a minute)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

RESIDENTS ?= 25000
DAYS ?= 365
REPLICATES ?= 5
SEED ?= 0

.PHONY: results test check lint bench bench-covasim clean-venv cjk-font

$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(tools/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,teach]"
	@touch $(STAMP)

# the Chinese font of charts and reports (Noto Sans CJK SC, SIL Open Font License; found by
# govsim.presentation.fonts through matplotlib): Debian's fonts-noto-cjk, installed here when
# missing and we are root (otherwise govsim says which font to install)
cjk-font:
	@if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing fonts-noto-cjk for Chinese in charts and reports"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null \
	    || echo "could not install fonts-noto-cjk: charts and reports will say the font is missing"; \
	fi

results: $(STAMP) cjk-font
	$(VENV)/bin/govsim compare --residents $(RESIDENTS) --days $(DAYS) --replicates $(REPLICATES) --seed $(SEED) --out results/compare
	$(VENV)/bin/govsim batch contested --out results/contested
	$(VENV)/bin/govsim robustness results/contested
	$(VENV)/bin/govsim design design_week --out results/design_week
	$(VENV)/bin/govsim report results/compare --robustness results/contested --design results/design_week --lang zh --out results/compare/report_zh.html
	$(VENV)/bin/govsim report results/compare --robustness results/contested --design results/design_week --lang en --out results/compare/report_en.html

# the browser test (tests/test_app.py) drives Debian's chromium with Playwright: installed here
# when missing and we are root (otherwise that test skips and says why), and solara's page
# files fetched from the npm registry into the venv (tools/solara_assets.py)
test: $(STAMP) cjk-font
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	    || echo "could not install chromium: the browser test will skip"; \
	fi
	$(PY) tools/solara_assets.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q -n auto --dist loadfile

# the quick tier for everyday work (about a minute): lint and the tests not marked slow, without
# the notebooks, the browser and the batch tests; the full suite (make test) is what CI runs
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q -n auto --dist loadfile -m "not slow" tests

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) benchmarks/fullscale.py

# govsim's full-scale Chengdong year against covasim's default sim of the same size, back to
# back (covasim is not a dependency: it is installed in a venv of its own, outside the project's)
COVASIM_VENV := benchmarks/.covasim-venv
bench-covasim: $(STAMP)
	@test -x $(COVASIM_VENV)/bin/python || "$$(tools/find-python.sh)" -m venv $(COVASIM_VENV)
	@$(COVASIM_VENV)/bin/python -c "import covasim" 2>/dev/null || $(COVASIM_VENV)/bin/pip install --quiet covasim==4.0.1
	$(PY) benchmarks/covasim_ratio.py --covasim-python $(COVASIM_VENV)/bin/python

clean-venv:
	rm -rf $(VENV)
