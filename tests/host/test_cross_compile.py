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


def _pc_relative_words(code):
    """(offset, kind, word) of the armv6m emitter's two PC-relative forms in ``code``: a 32-bit
    constant (``ldr rN, [pc, #0]; b 1f; .word x``) and a jump beyond 2 KB (``ldr r1, [pc, #0];
    add pc, r1; .word rel``)."""
    out = []
    for i in range(len(code) - 7):
        if code[i] == 0 and 0x48 <= code[i + 1] <= 0x4F:
            word = int.from_bytes(code[i + 4:i + 8], "little")
            if code[i + 2:i + 4] == b"\x01\xe0":
                out.append((i, "constant", word))
            elif code[i + 2:i + 4] == b"\x8f\x44":
                out.append((i, "long jump", word))
    return out


def test_frozen_armv6m_native_code_has_no_pc_relative_words(tmp_path):
    # Frozen into the RP2040 image, a function's native code is only 2-byte aligned (mpy-tool of
    # MicroPython v1.27.0: every viper function of the image sits at an address = 2 mod 4), while
    # the armv6m emitter places its PC-relative words as if the code were 4-aligned: a wide
    # constant then loads (low half << 16) | 0xe001 and a long jump goes astray (a 5 KB viper
    # kernel hung the emulated Pico at boot). The one such word allowed is a function's argument
    # signature, (n << 17) | (n << 1): misread it still admits exactly the calls with >= n arguments.
    sigs = {(n << 17) | (n << 1) for n in range(1, 9)}
    bad = []
    for src, name in sources():
        text = src.read_text()
        if "@micropython.viper" not in text and "@micropython.native" not in text:
            continue
        _, _, dst, proc = compile_one("armv6m", src, name, tmp_path)
        assert proc.returncode == 0, proc.stderr
        for off, kind, word in _pc_relative_words(dst.read_bytes()):
            if kind != "constant" or word not in sigs:
                bad.append("%s @%d: %s %#x" % (name, off, kind, word))
    assert not bad, "PC-relative words in frozen armv6m code:\n" + "\n".join(bad)
