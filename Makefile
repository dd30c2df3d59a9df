# Two entry points: `make run` (index the sample corpus, serve the site) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup browser clean

$(BIN)/arabic-search: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/arabic-search

# Headless Chromium for the browser test, from Debian's packages (needs root; the
# browser test is skipped, saying why, where it cannot be installed).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium not installed: the browser test will be skipped"; fi; \
	fi

run: setup
	$(BIN)/arabic-search index index_data
	$(BIN)/arabic-search serve --host $(HOST) --port $(PORT)

test: setup browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) instance .pytest_cache
