"""Benchmark: the floor of a byte-visiting sift on each runtime, next to redline and the straightforward one.

    .venv/bin/python tools/bench/bench_sift_floor.py [--model DIR] [--reps N] [--heap 512K]

Issue 2 asks for redline's sift to be 3x faster than the straightforward version on
the 32-bit (wasm) runtime. Any exact design must read every byte and compute the
low 32 bits of each token's FNV-1a hash (the model's keys); without a native
emitter that happens in bytecode. This prints, per runtime and message size, the
µs of three loops that do only that (see sift_floor_mp.py), redline's sift, the
straightforward sift, and straightforward / time: a floor whose ratio is below 3
leaves the rest of the work (per-token map tests and lookups, keyword words,
gauges) less than the difference.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))

from redline_host.paths import DEFAULT_MODEL, FIRMWARE  # noqa: E402

TOOLS = Path(__file__).resolve().parents[1]
from redline_host.device.runtimes import run_script  # noqa: E402

NAMES = ("range_loop", "class_loop", "hash_loop", "redline", "straightforward")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (default: models/default)")
    ap.add_argument("--reps", type=int, default=9, help="batches (of at least 20 ms) per measurement (default 9)")
    ap.add_argument("--heap", default="512K", help="MicroPython heap (default 512K)")
    ap.add_argument("--runtime", action="append", choices=("cpython", "unix", "wasm"),
                    help="runtime to measure (repeatable; default: all three)")
    args = ap.parse_args()
    print("%-8s %5s %-16s %8s %14s" % ("runtime", "bytes", "design", "us", "straightfwd/us"))
    for runtime in args.runtime or ("cpython", "unix", "wasm"):
        proc = run_script(runtime, TOOLS / "bench" / "sift_floor_mp.py", args=[str(args.reps)],
                          paths=(FIRMWARE, Path(args.model), TOOLS / "bench"), heapsize=args.heap, timeout=900)
        if proc.returncode != 0:
            print("%-8s failed: %s" % (runtime, proc.stderr.decode(errors="replace")[-500:]))
            continue
        rows = {}
        for line in proc.stdout.decode().splitlines():
            if line.startswith("FLOOR "):
                _, name, n, us = line.split()
                rows[(name, int(n))] = int(us)
        for n in (64, 256):
            base = rows[("straightforward", n)]
            for name in NAMES:
                us = rows[(name, n)]
                print("%-8s %5d %-16s %8d %13.2fx" % (runtime, n, name, us, base / max(1, us)))
    print("straightfwd/us = straightforward time / this design's time; issue 2's target is 3x on wasm")


if __name__ == "__main__":
    main()
