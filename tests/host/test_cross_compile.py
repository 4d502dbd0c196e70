"""mpy-cross compiles every firmware and model module for the boards' two architectures.

    .venv/bin/python -m pytest -q tests/host/test_cross_compile.py

armv6m is the RP2040 (Cortex-M0+), xtensawin the ESP32-S2/S3 family. Both have
31-bit small ints, which mpy-cross records in the .mpy header; a module holding
native (viper) code also records its architecture there. Sizes are a benchmark:
tools/bench/mpy_sizes.py.
"""
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from redline_host.device.mpy import find_mpy_cross
from redline_host.paths import FIRMWARE, MODELS

ARCHES = {"armv6m": 4, "xtensawin": 10}  # mpy-cross native-arch codes (py/persistentcode.h)
MPY_VERSION = 6
SMALL_INT_BITS = 31


def sources():
    """(source path, name embedded in the .mpy) for every module a board would freeze."""
    found = [(p, p.relative_to(FIRMWARE).as_posix()) for p in sorted((FIRMWARE / "redline").rglob("*.py"))
             if "__pycache__" not in p.parts]
    found += [(p, p.relative_to(MODELS).as_posix()) for p in sorted(MODELS.glob("*/redline_model.py"))]
    return found


def compile_one(march, src, name, out_dir):
    dst = out_dir / (name[:-3].replace("/", "__") + ".mpy")
    proc = subprocess.run(find_mpy_cross() + ["-march=" + march, "-s", name, "-o", str(dst), str(src)],
                          capture_output=True, text=True)
    return name, src, dst, proc


def test_there_is_firmware_to_compile():
    names = [name for _, name in sources()]
    assert "redline/compat.py" in names and "redline/__init__.py" in names


@pytest.mark.parametrize("march", sorted(ARCHES))
def test_every_module_cross_compiles(march, tmp_path):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda item: compile_one(march, item[0], item[1], tmp_path), sources()))
    failures = ["%s: %s" % (name, proc.stderr.strip() or "exit %d" % proc.returncode)
                for name, _, _, proc in results if proc.returncode != 0]
    assert not failures, "mpy-cross -march=%s failed:\n%s" % (march, "\n".join(failures))
    for name, src, dst, _ in results:
        header = dst.read_bytes()[:4]
        assert header[:2] == bytes((ord("M"), MPY_VERSION)), "%s: bad .mpy header %r" % (name, header)
        assert header[3] == SMALL_INT_BITS, "%s: compiled for %d-bit small ints" % (name, header[3])
        native = "@micropython.viper" in src.read_text() or "@micropython.native" in src.read_text()
        if native:
            assert header[2] >> 2 == ARCHES[march], "%s: native code for arch %d, wanted %s" % (
                name, header[2] >> 2, march)
        else:
            assert header[2] == 0, "%s: unexpected native code (flags %#x)" % (name, header[2])
