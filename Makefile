# haiti-access: `make run` serves on the embedded default, `make test` runs every test.
# Both create the virtual environment in .venv/ when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
I18N   := geoapp/i18n
export HOST PORT

.PHONY: run test test-fast lint typecheck validate bench bench-peers fuzz load lock messages clean

run: $(VENV)/.installed
	$(BIN)/geoapp serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	bash scripts/test-system-deps.sh
	$(BIN)/ruff check geoapp tests bench wsgi.py
	$(BIN)/mypy
	GEOAPP_TEST_DATABASE_URL=$$(bash scripts/test-postgres.sh) $(BIN)/python -m pytest $(PYTEST_ARGS)

# the inner loop: no browser, no server processes, no slow tests, no database needed (those tests skip)
test-fast: $(VENV)/.installed-test
	$(BIN)/ruff check geoapp tests bench wsgi.py
	$(BIN)/python -m pytest -q -m "not slow and not browser and not server" $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check geoapp tests wsgi.py

# mypy on the domain packages (network, answers, data, store, io); what it checks is [tool.mypy] in pyproject.toml
typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/page_weight.py $(PAGE_BENCH_ARGS)
	$(BIN)/python bench/feeds.py $(FEEDS_BENCH_ARGS)
	$(BIN)/python bench/memory.py $(MEMORY_BENCH_ARGS)

$(VENV)/.installed-bench: requirements/test.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/pybabel -q compile -d $(I18N)/translations
	touch $@ $(VENV)/.installed

# Us vs Valhalla vs OSRM on one network, pairs and zones (bench/peers.py; PEERS_ARGS="--nodes 50000 --pairs 200"
# for a quick run).  The peers ship Python 3.12 wheels only: they get their own environment, .venv-peers, from
# requirements/peers.txt (PEERS_PYTHON: a Python 3.12 or newer; found on PATH or among pyenv's versions).
PEERS_VENV   := .venv-peers
PEERS_PYTHON ?= $(shell python3.12 -c '' >/dev/null 2>&1 && echo python3.12 || \
	ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12 2>/dev/null | tail -1)
bench-peers: $(VENV)/.installed-bench $(PEERS_VENV)/.installed
	$(BIN)/python bench/peers.py --peers-python $(PEERS_VENV)/bin/python $(PEERS_ARGS)

$(PEERS_VENV)/.installed: requirements/peers.txt
	@$(PEERS_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 || { \
		echo "make bench-peers needs Python 3.12 or newer (pyvalhalla and osrm-bindings ship cp312 wheels only):"; \
		echo "install python3.12, or give its path: make bench-peers PEERS_PYTHON=/path/to/python3.12"; exit 1; }
	test -x $(PEERS_VENV)/bin/python || $(PEERS_PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements/peers.txt
	touch $@

load: $(VENV)/.installed
	bash scripts/load.sh 60

fuzz: $(VENV)/.installed-test
	bash scripts/fuzz.sh 170

validate: $(VENV)/.installed
	$(BIN)/geoapp validate

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock files (exact versions, checked against their hashes); the project itself
# goes in editable without its dependencies.  Every extra (postgis, osm, xlsx, brotli, zopfli) is in both locks.
$(VENV)/.installed: requirements/run.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/run.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/pybabel -q compile -d $(I18N)/translations
	touch $@

$(VENV)/.installed-test: requirements/test.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/pybabel -q compile -d $(I18N)/translations
	touch $@ $(VENV)/.installed

# Regenerates the lock files from pyproject.toml's ranges (newest versions that fit; commit the result).
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	--extra postgis --extra osm --extra xlsx --extra brotli --extra zopfli
lock: | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet 'pip-tools>=7.4'
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade -o requirements/run.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade --extra test -o requirements/test.txt pyproject.toml

# Sentences in English, French and Haitian Creole: collect every wrapped string (Python, templates,
# page scripts) into the template, add the new ones to each catalog, compile them (tests/test_i18n.py
# fails while a string is missing or untranslated).
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k NP_:1c,2 --no-location --sort-output --project haiti-access \
		-o $(I18N)/messages.pot geoapp
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i $(I18N)/messages.pot -d $(I18N)/translations
	$(BIN)/pybabel compile --statistics -d $(I18N)/translations

clean:
	rm -rf $(VENV) $(PEERS_VENV) bench/cache instance .pytest_cache .mypy_cache
