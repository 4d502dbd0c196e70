"""redline_host.device.runtimes and host/redline_host/device/mp/mp_io.py: the same line-by-line conversation on every runtime.

    .venv/bin/python -m pytest -q tests/host/test_runtimes_stdio.py

A reply must arrive while stdin is still open (a virtual board over a pty relies
on it), bytes must pass through unchanged, and exit statuses must follow
SystemExit and uncaught exceptions the same way everywhere.
"""
import select
import shutil
import textwrap
import time

import pytest

from redline_host.errors import UserError
from redline_host.paths import MP_SCRIPTS
from redline_host.device.runtimes import RUNTIMES, command, run_script, start_script

ECHO = textwrap.dedent('''\
    import mp_io

    while True:
        line = mp_io.read_line()
        if not line:
            break
        mp_io.write(b"got ")
        mp_io.write_line(line.rstrip(b"\\n"))
    mp_io.write_line("bye")
    ''')


@pytest.fixture
def echo_script(tmp_path):
    shutil.copy(MP_SCRIPTS / "mp_io.py", tmp_path / "mp_io.py")
    path = tmp_path / "echo.py"
    path.write_text(ECHO)
    return path


def read_line(stream, timeout=20.0):
    """One line from a raw pipe, failing instead of hanging."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([stream], [], [], max(0.0, left))
        if not ready:
            raise AssertionError("no complete line within %.0f s (got %r)" % (timeout, data))
        chunk = stream.read(1)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_replies_arrive_while_stdin_is_open(runtime, echo_script):
    proc = start_script(runtime, echo_script, paths=())
    try:
        proc.stdin.write(b"one\n")
        proc.stdin.flush()
        assert read_line(proc.stdout) == b"got one\n", runtime
        proc.stdin.write(b"\xff\x00 raw bytes\n")
        proc.stdin.flush()
        assert read_line(proc.stdout) == b"got \xff\x00 raw bytes\n", runtime
        proc.stdin.close()
        assert read_line(proc.stdout) == b"bye\n", runtime
        assert proc.wait(timeout=20) == 0, (runtime, proc.stderr.read())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            stream.close()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_run_script_feeds_stdin_and_passes_argv(runtime, tmp_path):
    script = tmp_path / "argv.py"
    script.write_text("import sys\nprint(sys.argv[1:])\nprint(sys.stdin.read().upper())\n")
    proc = run_script(runtime, script, args=["a b", "c"], stdin=b"hello\nworld\n", paths=())
    assert proc.returncode == 0, (runtime, proc.stderr)
    assert proc.stdout == b"['a b', 'c']\nHELLO\nWORLD\n\n", runtime


def traceback_stream(runtime, proc):
    # The unix port prints an uncaught exception's traceback on stdout; CPython and
    # wasm_run.mjs print it on stderr.
    return proc.stdout if runtime == "unix" else proc.stderr


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("body, status, stderr_tail", [
    ("import sys\nsys.exit(3)\n", 3, b""),
    ("raise SystemExit\n", 0, b""),
    ("import sys\nsys.exit('stopped: bad input')\n", 1, b"stopped: bad input\n"),
    ("raise ValueError('boom')\n", 1, b"ValueError: boom\n"),
])
def test_exit_status(runtime, tmp_path, body, status, stderr_tail):
    script = tmp_path / "ends.py"
    script.write_text(body)
    proc = run_script(runtime, script, paths=())
    assert proc.returncode == status, (runtime, proc.stderr)
    report = traceback_stream(runtime, proc) if stderr_tail.startswith(b"ValueError") else proc.stderr
    assert report.endswith(stderr_tail), (runtime, proc.stdout, proc.stderr)
    if stderr_tail.startswith(b"ValueError"):
        assert b"Traceback (most recent call last):" in report, runtime


@pytest.mark.parametrize("runtime", ("unix", "wasm"))
def test_exception_escaping_a_locked_heap_does_not_hang(runtime, tmp_path):
    # The wasm port spins forever if an exception reaches JavaScript while the heap
    # is locked; wasm_run.mjs unlocks first. The unix port must behave the same.
    script = tmp_path / "locked.py"
    script.write_text("import micropython\nerr = ValueError('while locked')\n"
                      "micropython.heap_lock()\nmicropython.heap_lock()\nraise err\n")
    proc = run_script(runtime, script, paths=(), timeout=30)
    assert proc.returncode == 1, (runtime, proc.stderr)
    assert traceback_stream(runtime, proc).endswith(b"ValueError: while locked\n"), (runtime, proc.stderr)


def test_paths_are_searched_in_order(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / "which.py").write_text("NAME = %r\n" % folder.name)
    (second / "only_second.py").write_text("NAME = 'only_second'\n")
    script = tmp_path / "main.py"
    script.write_text("import which, only_second\nprint(which.NAME, only_second.NAME)\n")
    for runtime in RUNTIMES:
        proc = run_script(runtime, script, paths=(first, second))
        assert proc.returncode == 0, (runtime, proc.stderr)
        assert proc.stdout == b"first only_second\n", runtime


def test_unknown_runtime_and_missing_path_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="unknown runtime 'pypy'"):
        command("pypy", tmp_path / "x.py")
    with pytest.raises(UserError, match="is not a directory"):
        command("cpython", tmp_path / "x.py", paths=(tmp_path / "missing",))


def test_heapsize_is_a_hard_limit_on_unix(tmp_path):
    script = tmp_path / "big.py"
    script.write_text("try:\n    b = bytearray(200000)\n    print('fits')\nexcept MemoryError:\n    print('MemoryError')\n")
    small = run_script("unix", script, paths=(), heapsize="128K")
    large = run_script("unix", script, paths=(), heapsize="512K")
    assert (small.stdout, large.stdout) == (b"MemoryError\n", b"fits\n")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_conversation_over_a_pty(runtime, echo_script):
    # The virtual board: the script's stdin and stdout are one raw pty.
    pty = pytest.importorskip("pty")
    tty = pytest.importorskip("tty")
    import os

    master, slave = pty.openpty()
    tty.setraw(slave)
    proc = start_script(runtime, echo_script, paths=(), stdin=slave, stdout=slave)
    os.close(slave)
    reader = os.fdopen(master, "rb", buffering=0)
    try:
        os.write(master, b"ping\n")
        assert read_line(reader) == b"got ping\n", runtime
        os.write(master, b"pong\n")
        assert read_line(reader) == b"got pong\n", runtime
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
        reader.close()
