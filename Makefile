# redline — make targets. `make demo` and `make test` are the two a new user needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.redline-setup
NODE_STAMP := tools/node_modules/.redline-setup

.PHONY: setup test bench clean data evaluate

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

$(NODE_STAMP): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: setup
	$(PY) -m pytest -q tests

data: setup
	$(VENV)/bin/redline data

evaluate: setup
	$(VENV)/bin/redline evaluate --out docs/evaluation.md

bench: setup
	$(PY) tools/bench/run_all.py

clean:
	rm -rf $(VENV) tools/node_modules build .pytest_cache
