"""pytest set-up shared by tests/firmware (run here on CPython) and tests/host.

    .venv/bin/python -m pytest -q tests                          # everything
    .venv/bin/python -m pytest -q tests --runtime wasm           # MicroPython runs on wasm only

On CPython the firmware tests import ``redline`` from firmware/ and the model
from models/default (when it exists), exactly as the MicroPython runner sees
them through MICROPYPATH or ``--path``. ``--runtime`` (repeatable or comma
separated) chooses which MicroPython runtimes tests/host/test_firmware_runtimes.py
drives; the default is all of them.
"""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRMWARE = REPO / "firmware"
DEFAULT_MODEL = REPO / "models" / "default"
HOST = REPO / "host"

# Ahead of any installed copy, so the tests always exercise this checkout.
for _path in (DEFAULT_MODEL, FIRMWARE, HOST):
    if _path.is_dir() and str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

MICROPYTHON_RUNTIMES = ("unix", "wasm")


def pytest_addoption(parser):
    parser.addoption(
        "--runtime",
        action="append",
        default=[],
        metavar="NAME",
        help="MicroPython runtime(s) for the firmware suite: unix, wasm (default: both; repeatable or comma separated)",
    )
    # hardware tests (tests/hardware): a real board's serial port, or vboard / wasm; skipped without it
    parser.addoption("--port", default=None, help="board serial port, pyserial URL, 'vboard', 'wasm' or 'rp2040'")
    parser.addoption("--key-file", default=None, help="hex reset key provisioned on the board")


def pytest_configure(config):
    # Read by tests/host/test_firmware_runtimes.py when it parametrizes.
    config.redline_runtimes = selected_runtimes(config)


def selected_runtimes(config):
    """The MicroPython runtimes chosen with --runtime, in a fixed order."""
    chosen = []
    for value in config.getoption("--runtime"):
        chosen.extend(name.strip() for name in value.split(",") if name.strip())
    if not chosen:
        return MICROPYTHON_RUNTIMES
    unknown = [name for name in chosen if name not in MICROPYTHON_RUNTIMES]
    if unknown:
        import pytest

        raise pytest.UsageError("--runtime: unknown %s (choose from %s)" % (", ".join(unknown), ", ".join(MICROPYTHON_RUNTIMES)))
    return tuple(name for name in MICROPYTHON_RUNTIMES if name in chosen)
