"""Run every benchmark in tools/bench in turn and show its output: ``make bench``.

    .venv/bin/python tools/bench/run_all.py [--only NAME]...

A benchmark is a tools/bench/*.py script with a ``main`` guard. Scripts that a
benchmark runs on MicroPython are skipped: they are named ``*_mp.py`` (like
sift_bench_mp.py) or have no ``if __name__ == "__main__"`` guard. Each runs with this interpreter, in
name order; the exit status is 1 if any of them failed.
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
MAIN_GUARD = 'if __name__ == "__main__"'


def benchmarks():
    me = Path(__file__).resolve()
    return [p for p in sorted(BENCH.glob("*.py"))
            if p.resolve() != me and not p.name.endswith("_mp.py") and MAIN_GUARD in p.read_text(encoding="utf-8", errors="replace")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only benchmarks whose file name contains NAME (repeatable)")
    args = ap.parse_args()
    chosen = [p for p in benchmarks() if not args.only or any(n in p.name for n in args.only)]
    failed = []
    for path in chosen:
        print("=== %s" % path.name, flush=True)
        start = time.monotonic()
        proc = subprocess.run([sys.executable, str(path)], cwd=str(BENCH.parents[1]))
        took = time.monotonic() - start
        if proc.returncode != 0:
            failed.append(path.name)
            print("=== %s FAILED (exit %d) after %.1f s" % (path.name, proc.returncode, took), flush=True)
        else:
            print("=== %s done in %.1f s" % (path.name, took), flush=True)
        print(flush=True)
    print("%d benchmarks run, %d failed%s" % (len(chosen), len(failed), (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
