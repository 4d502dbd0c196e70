"""The demo of `make demo`: a virtual board halting on a spoofed sensor and an injected command.

    redline demo                    # timeline on stdout, plot in build/demo.png
    redline demo --out demo.png --quick

The work is done by tools/demo.py (see there).
"""
import importlib.util

from .paths import REPO, TOOLS


def add_arguments(p):
    p.add_argument("--out", default=str(REPO / "build" / "demo.png"), help="PNG plot of trace and decisions")
    p.add_argument("--quick", action="store_true", help="a smaller harness run at the end")


def run(args):
    spec = importlib.util.spec_from_file_location("redline_demo", TOOLS / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo.main(["--out", args.out] + (["--quick"] if args.quick else []))
