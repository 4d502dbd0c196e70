"""Benchmark: µs per text message through the CognitivePipeline on CPython, unix and wasm MicroPython.

    python tools/bench/bench_pipeline.py [--model DIR]

Runs tools/bench/pipeline_bench_mp.py on each runtime and prints, per text, the
median µs of the sifter alone, of the pipeline at DAL A (stops at the first blocking
stage) and at DAL E (every stage runs), and the ratio pipeline / sifter measured
side by side in the same process. The model is models/default, or llmosafe's model
imported from ../shared when that is absent.
"""
import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "firmware"))

from redline_host.paths import DEFAULT_MODEL, FIRMWARE, shared_dir  # noqa: E402

TOOLS = Path(__file__).resolve().parents[1]
from redline_host.device.runtimes import run_script  # noqa: E402


def model_dir(arg, tmp):
    if arg:
        return Path(arg)
    if (DEFAULT_MODEL / "redline_model.py").is_file():
        return DEFAULT_MODEL
    shared = shared_dir()
    if shared is None:
        sys.exit("bench_pipeline: no models/default and no ../shared to import llmosafe's model from")
    from redline_host.text.llmosafe_import import convert, read_vocab_model

    convert(read_vocab_model(shared / "reference" / "vocab_model.bin"), tmp)
    return Path(tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="", help="model directory (default: models/default or llmosafe's)")
    ap.add_argument("--heapsize", default="256K", help="MicroPython heap")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        md = model_dir(args.model, tmp)
        print("model: %s" % md)
        print("%-8s %-26s %6s %10s %9s" % ("runtime", "measurement", "bytes", "median_us", "x sift"))
        for rt in ("cpython", "unix", "wasm"):
            proc = run_script(rt, TOOLS / "bench" / "pipeline_bench_mp.py", paths=(FIRMWARE, md),
                              heapsize=args.heapsize)
            if proc.returncode != 0:
                print("%-8s failed: %s" % (rt, proc.stderr.decode(errors="replace")[-400:]))
                continue
            sift = {}
            for line in proc.stdout.decode().splitlines():
                if not line.startswith("RESULT "):
                    continue
                _, name, size, us = line.split()
                kind, label = name.split("/")
                us = int(us)
                if kind == "sift":
                    sift[label] = us
                ratio = us / sift[label] if sift.get(label) else float("nan")
                print("%-8s %-26s %6s %10d %9.2f" % (rt, name, size, us, ratio))


if __name__ == "__main__":
    main()
