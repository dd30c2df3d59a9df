# Two entry points: `make run` (index the sample corpus, serve the site) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup browser axe wheel-smoke clean security load crash fuzz

$(BIN)/arabic-search: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,cluster]'
	touch $@

setup: $(BIN)/arabic-search

# Headless Chromium for the browser test, from Debian's packages (needs root; the
# browser test is skipped, saying why, where it cannot be installed). apt waits up to ten
# minutes for another process holding the package manager's lock instead of failing.
APT := apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium not installed: the browser test will be skipped"; fi; \
	fi

# axe-core (accessibility rules, MPL-2.0) for the browser test, from npm into the
# git-ignored .axe/; the accessibility test is skipped, saying why, without it.
AXE_VERSION ?= 4.14.1
axe:
	@if [ ! -f .axe/node_modules/axe-core/axe.min.js ]; then \
	  if command -v npm >/dev/null; then \
	    npm install --silent --no-save --no-audit --no-fund --prefix .axe axe-core@$(AXE_VERSION) >/dev/null; \
	  else echo "npm not installed: the accessibility test will be skipped"; fi; \
	fi

# Build the wheel, install it in a fresh virtual environment outside .venv and try it.
wheel-smoke:
	$(PYTHON) .ci/wheel_smoke.py

run: setup
	$(BIN)/arabic-search index index_data
	$(BIN)/arabic-search serve --host $(HOST) --port $(PORT)

test: setup browser axe
	$(BIN)/python -m pytest -q

# Static security lint (bandit) and dependency audit (pip-audit; reports, but does not fail,
# when no vulnerability service can be reached).
security: setup
	$(BIN)/pip install --quiet bandit pip-audit
	$(BIN)/bandit -q -r search web
	$(BIN)/python .ci/audit.py

# Long campaigns, never part of `make test` (numbers in the commit messages and reports).
load: setup
	$(BIN)/python bench/load.py --corpus index_data --clients 1,20 --seconds 20

crash: setup
	$(BIN)/python bench/crash.py kill --kills 50 --seed 1
	$(BIN)/python bench/crash.py race
	$(BIN)/python bench/crash.py swap --rounds 10 --clients 8
	$(BIN)/python bench/crash.py orphans --kills 30 --files 600

# Coverage-guided fuzzing with atheris, if it installs (CI does not depend on it).
FUZZ_RUNS ?= 20000
fuzz: setup
	$(BIN)/pip install --quiet atheris
	$(BIN)/python fuzz/fuzz_passages.py -runs=$(FUZZ_RUNS)
	$(BIN)/python fuzz/fuzz_query.py -runs=$(FUZZ_RUNS)

clean:
	rm -rf $(VENV) instance .pytest_cache .axe dist build
