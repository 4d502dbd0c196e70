# redline — make targets. `make demo` and `make test` are the two a new user needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.redline-setup
NODE_STAMP := tools/node_modules/.redline-setup

BOARD ?= ESP32_GENERIC

.PHONY: setup test bench clean data evaluate scenarios demo firmware fuzz-long pico-image board-test

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

$(NODE_STAMP): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: setup pico-image
	$(PY) -m pytest -q tests

# The RPI_PICO UF2 the emulated-Pico tests boot (tests/host/test_rp2040_*.py): built from
# ../shared/toolchains into build/pico, cached by a hash of every input; without the toolchains
# it says so and the tests skip.
pico-image: setup
	$(PY) tools/pico_image.py --if-available

# The full harness on the emulated Pico (>= 5,000 text vectors, 108,000 sensor readings; ~20 min),
# redline deploy to it across a restart (~4 min), then the hardware tests against it.
board-test: setup
	$(PY) tools/pico_image.py
	$(VENV)/bin/redline harness --port rp2040
	REDLINE_BOARD_TEST=1 $(PY) -m pytest -q tests/host/test_rp2040_deploy.py
	$(PY) -m pytest -q tests/hardware --port rp2040

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
	$(PY) -m redline_host.device.fuzz --lines 1100000

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
