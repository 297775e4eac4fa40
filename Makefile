# cityportal: `make run` starts the portal with demo data; `make test` runs every test.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
INI    ?= etc/development.ini

.PHONY: run test install seed evolve reindex locale bench clean distclean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q 'pip>=25' 'setuptools==80.10.2' wheel

$(VENV)/.installed: $(BIN)/python setup.py constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

var:
	mkdir -p var

seed: install var
	$(BIN)/cityportal-seed $(INI) --demo --catalog

run: seed
	@echo "cityportal on http://127.0.0.1:6543  (demo accounts: see README.md)"
	$(BIN)/python -m integrations.launcher $(INI)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

evolve: install
	$(BIN)/cityportal-evolve $(INI)

reindex: install
	$(BIN)/cityportal-reindex $(INI)

locale: install
	$(BIN)/python -m cityportal.locale_tools compile

bench: install
	$(BIN)/python bench/bench_inprocess.py
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_search.py

clean:
	rm -rf build dist src/*.egg-info .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var/Data.fs* var/blobs var/*.log var/secret.txt
