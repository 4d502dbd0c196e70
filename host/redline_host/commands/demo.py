"""The demo of `make demo`: a virtual board halting on a spoofed sensor and an injected command.

    redline demo                    # timeline on stdout, plot in build/demo.png
    redline demo --out demo.png --quick
    redline demo --board rp2040     # on the RPI_PICO image in the emulated RP2040 (make firmware BOARD=RPI_PICO)

The work is done by redline_host.device.demo (see there).
"""
from redline_host.device.demo import run_demo
from redline_host.paths import REPO
from redline_host.argtypes import int_range


def add_arguments(p):
    p.add_argument("--out", default=str(REPO / "build" / "demo.png"), help="PNG plot of trace and decisions")
    p.add_argument("--rows", type=int_range(100, 100000), default=600, help="rows of the sensor trace")
    p.add_argument("--quick", action="store_true", help="a smaller harness run at the end")
    p.add_argument("--board", choices=("unix", "wasm", "rp2040"), default="unix",
                   help="the virtual board: unix or wasm MicroPython, or rp2040 (the emulated Pico)")


def run(args):
    return run_demo(args.out, rows=args.rows, quick=args.quick, board=args.board)
