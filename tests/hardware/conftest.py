"""Hardware tests: `pytest tests/hardware --port PORT [--key-file K]` runs them on a real board.

PORT is a serial device (or pyserial URL), or `vboard` / `wasm` / `rp2040` for a virtual board started
here. Without --port every test in this folder is skipped, not failed. The board must run the
repository's model (the harness refuses another) and, for the latch tests, have the key given
with --key-file (virtual boards make their own).

Fixtures: ``harness`` is the serial harness itself (redline_host.device.harness.Harness: the
board against the host reference), ``board`` the harness's own board object (its
``SerialBoard``: ``ask(request dict)`` and ``request(line bytes)``).
"""
import pytest

from redline_host.device.harness import Harness, read_key_file

# --port and --key-file are declared in tests/conftest.py, so `pytest tests --port X` works too.


@pytest.fixture(scope="session")
def board_port(request):
    port = request.config.getoption("--port", default=None)
    if not port:
        pytest.skip("hardware tests need --port PORT (a board, or vboard / wasm / rp2040)")
    return port


@pytest.fixture(scope="session")
def harness(board_port, request):
    """The harness on the board (a virtual board is started for `vboard` / `wasm`)."""
    key_file = request.config.getoption("--key-file", default=None)
    h = Harness(board_port, key=read_key_file(key_file) if key_file else None)
    yield h
    h.close()


@pytest.fixture(scope="session")
def board(harness):
    """The harness's own board object (SerialBoard), input buffer cleared."""
    harness.board.port.reset_input_buffer()
    return harness.board
