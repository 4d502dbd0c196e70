"""A bad, empty or truncated model always gives a latched node with a stated reason (issue 18, finding 6).

The node's model loader (redline.node.load_text_model) runs on each MicroPython runtime
against model folders made broken on purpose, with a timeout: MicroPython's .mpy loader
never returns on a truncated file (py/persistentcode.c ``read_uint``: past the end the
reader returns MP_READER_EOF, 0xFF as a byte, whose continuation bit never clears), so a
truncated .mpy is caught by its ``redline_model.sha256`` sidecar before any import. The
first test reproduces that hang with a bare import, so the reason stays proven.
"""
import hashlib
import subprocess

import pytest

from redline_host.device.mpy import compile_file
from redline_host.device.runtimes import run_script
from redline_host.paths import DEFAULT_MODEL, FIRMWARE

SCRIPT = '''
from redline.node import Node
from redline.sensor.config import SensorConfig


class B:
    name = "t"

    def write(self, data):
        pass


node = Node(B(), config=SensorConfig(("a",), baseline=100, scale=10))
print("RESULT|%s|%s|%d|%s" % (node.model.ok, node.latched, node.interlock.reason, node.model.error))
'''


def _sha(b):
    return hashlib.sha256(b).hexdigest() + "\n"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    return compile_file(DEFAULT_MODEL / "redline_model.py", d / "redline_model.mpy").read_bytes()


def _folder(tmp_path, mpy=None, side=None, py=None):
    if mpy is not None:
        (tmp_path / "redline_model.mpy").write_bytes(mpy)
    if side is not None:
        (tmp_path / "redline_model.sha256").write_text(side)
    if py is not None:
        (tmp_path / "redline_model.py").write_text(py)
    script = tmp_path / "boot_node.py"
    script.write_text(SCRIPT)
    return script


def _boot(runtime, tmp_path, script):
    try:
        proc = run_script(runtime, script, paths=[FIRMWARE, tmp_path], heapsize="1024K", precompile=False,
                          timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("%s: building the node did not return within 60 s" % runtime)
    out = proc.stdout.decode(errors="replace")
    lines = [line for line in out.splitlines() if line.startswith("RESULT|")]
    assert proc.returncode == 0 and lines, (runtime, out, proc.stderr.decode(errors="replace")[-2000:])
    ok, latched, reason, error = lines[0].split("|")[1:]
    return ok == "True", latched == "True", int(reason), error


def test_a_bare_import_of_a_truncated_mpy_never_returns(tmp_path, compiled):
    (tmp_path / "redline_model.mpy").write_bytes(compiled[:1000])
    script = tmp_path / "bare.py"
    script.write_text("import redline_model\nprint('returned')\n")
    with pytest.raises(subprocess.TimeoutExpired):
        run_script("unix", script, paths=[tmp_path], precompile=False, timeout=3)


CASES = (
    ("truncated, sidecar of the whole file", lambda m: dict(mpy=m[:1000], side=_sha(m)),
     "redline_model.mpy does not match its SHA-256 (truncated or corrupt)"),
    ("truncated, no sidecar", lambda m: dict(mpy=m[:1000]),
     "redline_model.mpy has no redline_model.sha256 beside it (deploy it with redline deploy)"),
    ("empty .mpy", lambda m: dict(mpy=b"", side=_sha(b"")), "model not loadable: ValueError incompatible .mpy file"),
    ("corrupt .mpy header", lambda m: dict(mpy=bytes([m[0], m[1] ^ 0x7F]) + m[2:], side=_sha(bytes([m[0], m[1] ^ 0x7F]) + m[2:])),
     "model not loadable: ValueError incompatible .mpy file"),
    ("empty .py", lambda m: dict(py=""), "model module incomplete: module 'redline_model' has no attribute 'FORMAT'"),
    ("truncated .py", lambda m: dict(py='FORMAT = 1\nKEYS = b"\\x00\\x01'), "model not loadable: SyntaxError"),
)


@pytest.mark.parametrize("runtime", ["unix", "wasm"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_broken_model_latches_with_its_reason(runtime, case, tmp_path, compiled):
    name, files, reason = case
    script = _folder(tmp_path, **files(compiled))
    ok, latched, code, error = _boot(runtime, tmp_path, script)
    assert not ok and latched and code == 37, (name, error)
    assert error.startswith(reason), (name, error)


@pytest.mark.parametrize("runtime", ["unix", "wasm"])
def test_the_checked_mpy_loads(runtime, tmp_path, compiled):
    script = _folder(tmp_path, mpy=compiled, side=_sha(compiled))
    assert _boot(runtime, tmp_path, script) == (True, False, 0, "")


def test_cpython_reference_takes_the_same_path(tmp_path):
    script = _folder(tmp_path, py="")
    ok, latched, code, error = _boot("cpython", tmp_path, script)
    assert not ok and latched and code == 37 and error.startswith("model module incomplete")
