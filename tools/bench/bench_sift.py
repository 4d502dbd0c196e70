"""Benchmark: µs per sift on each runtime, redline against a straightforward implementation.

    .venv/bin/python tools/bench/bench_sift.py [--model DIR] [--reps N] [--heap 512K]

Runs tools/bench/sift_bench_mp.py on CPython, unix MicroPython and WebAssembly
MicroPython (31-bit small ints, like ESP32/RP2040) with the same model, for
64- and 256-byte messages, and prints medians, bytes allocated per call and the
ratio measured side by side in the same process. The heap is the same for both
implementations on a runtime; the straightforward version needs more than a
board's 128 KB (its dict of 2000 boxed weights) and does not fit in 256K beside
redline's lookup tables on the unix port, hence the default 512K. Also prints the
model's bytes per vocabulary entry and the RAM a Sifter takes once built.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))

from redline_host.text.modelfile import load_model_dir  # noqa: E402
from redline_host.paths import DEFAULT_MODEL, FIRMWARE  # noqa: E402

TOOLS = Path(__file__).resolve().parents[1]
from redline_host.device.runtimes import run_script  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (default: models/default)")
    ap.add_argument("--reps", type=int, default=9, help="batches of 20 calls per measurement (default 9)")
    ap.add_argument("--heap", default="512K", help="MicroPython heap for both implementations (default 512K)")
    args = ap.parse_args()
    model = load_model_dir(args.model)
    if getattr(model, "format", 1) == 2:
        size = len(model.weights) + len(model.fold) + len(model.pages) + len(model.ascii) + len(model.patterns)
        print("model %s: format 2, %d int8 buckets, %d payload bytes (weights, folding table, patterns), ok=%s"
              % (args.model, len(model.weights), size, model.ok))
        print("(the straightforward baselines re-implement the format-1 sift: run with --model models/bytes-v1)")
    else:
        size = len(model.keys) + len(model.weights) + len(model.patterns)
        print("model %s: %d entries, %d payload bytes, %.2f bytes/entry, ok=%s"
              % (args.model, model.vocab, size, size / max(1, model.vocab), model.ok))
    print("%-8s %5s %12s %10s %16s %10s %7s %11s %8s" % ("runtime", "bytes", "redline_us", "alloc_B",
                                                       "straightfwd_us", "alloc_B", "ratio", "partial_us",
                                                       "ratio"))
    ram = {}
    for runtime in ("cpython", "unix", "wasm"):
        proc = run_script(runtime, TOOLS / "bench" / "sift_bench_mp.py", args=[str(args.reps)],
                          paths=(FIRMWARE, Path(args.model)), heapsize=args.heap, timeout=600)
        if proc.returncode != 0:
            out = (proc.stderr + proc.stdout).decode(errors="replace")
            print("%-8s failed (exit %d): %s" % (runtime, proc.returncode, out[-500:]))
            continue
        rows = {}
        for line in proc.stdout.decode().splitlines():
            if line.startswith("RAM "):
                ram[runtime] = int(line.split()[1])
            if line.startswith("MODEL_RAM "):
                ram[runtime + "_model"] = int(line.split()[1])
            if line.startswith("RESULT "):
                _, name, n, us, alloc = line.split()
                rows[(name, int(n))] = (int(us), int(alloc))
        for n in (64, 256):
            r_us, r_alloc = rows[("redline", n)]
            if ("straightforward", n) not in rows:
                print("%-8s %5d %12d %10d" % (runtime, n, r_us, r_alloc))
                continue
            s_us, s_alloc = rows[("straightforward", n)]
            p_us = rows[("partial", n)][0]
            print("%-8s %5d %12d %10d %16d %10d %6.2fx %11d %7.2fx" % (runtime, n, r_us, r_alloc, s_us, s_alloc,
                                                                     s_us / max(1, r_us), p_us,
                                                                     p_us / max(1, r_us)))
    print("ratio = straightforward time / redline time (higher is better for redline); straightforward gives")
    print("the same fields by the same rules (tests/host/test_bench_baseline.py); partial is the earlier")
    print("baseline (no phrase rules, 15 of the 68 keywords, four fields), shown for comparison")
    for runtime in ("unix", "wasm"):
        if runtime in ram:
            print("%s: a built Sifter (its tables, scanner, result; the model already loaded) holds %d bytes "
                  "of heap; loading the model module from a file took %d (frozen on a board: flash)"
                  % (runtime, ram[runtime], ram.get(runtime + "_model", -1)))


if __name__ == "__main__":
    main()
