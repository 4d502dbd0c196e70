"""Hardware tests: `pytest tests/hardware --port PORT [--key-file K]` runs them on a real board.

PORT is a serial device (or pyserial URL), or `vboard` / `wasm` for a virtual board started
here. Without --port every test in this folder is skipped, not failed. The board must run the
repository's model (the harness refuses another) and, for the latch tests, have the key given
with --key-file (virtual boards make their own).
"""
import pytest


# --port and --key-file are declared in tests/conftest.py, so `pytest tests --port X` works too.


@pytest.fixture(scope="session")
def board_port(request):
    port = request.config.getoption("--port", default=None)
    if not port:
        pytest.skip("hardware tests need --port PORT (a board, or vboard / wasm)")
    return port


@pytest.fixture(scope="session")
def board(board_port, request):
    """(serial path, key or None, VirtualBoard or None) for the session."""
    key_file = request.config.getoption("--key-file", default=None)
    if board_port in ("vboard", "wasm"):
        from redline_host.vboard import VirtualBoard
        vb = VirtualBoard("wasm" if board_port == "wasm" else "unix")
        vb.start()
        vb.wait_ready()
        yield vb.path, vb.key
        vb.stop()
        return
    key = bytes.fromhex(open(key_file).read().strip()) if key_file else None
    yield board_port, key
