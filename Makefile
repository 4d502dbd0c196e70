# redline — make targets. `make demo` and `make test` are the two a new user needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.redline-setup
NODE_STAMP := tools/node_modules/.redline-setup

BOARD ?= ESP32_GENERIC

.PHONY: setup test bench clean data evaluate scenarios demo firmware fuzz-long

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

demo: setup
	$(VENV)/bin/redline demo

# RPI_PICO: the manifest check, then the UF2 built (cached) by tools/pico_image.py from
# ../shared/toolchains or MICROPY_DIR -> build/pico/RPI_PICO.uf2
firmware: setup
ifeq ($(BOARD),RPI_PICO)
	$(PY) tools/firmware.py --board $(BOARD) --check-only $(if $(MICROPY_DIR),--micropy-dir $(MICROPY_DIR))
	$(PY) tools/pico_image.py --board $(BOARD) $(if $(MICROPY_DIR),--micropy-dir $(MICROPY_DIR))
else
	$(PY) tools/firmware.py --board $(BOARD) $(if $(MICROPY_DIR),--micropy-dir $(MICROPY_DIR))
endif

fuzz-long: setup
	$(PY) -m redline_host.device.fuzz --lines 1000000

data: setup
	$(VENV)/bin/redline data

evaluate: setup
	$(VENV)/bin/redline evaluate --out docs/evaluation.md

scenarios: setup
	$(VENV)/bin/redline scenarios --out docs/scenarios.md

bench: setup
	$(PY) tools/bench/run_all.py

clean:
	rm -rf $(VENV) tools/node_modules build .pytest_cache
