"""Benchmark: size of every firmware and model module as .mpy for the boards' architectures.

    .venv/bin/python tools/bench/mpy_sizes.py [--march armv6m,xtensawin]

Compiles each firmware/redline module and each models/*/redline_model.py with
mpy-cross (names embedded relative to the repository, as when frozen, so sizes
do not depend on where the checkout lives) and prints source and .mpy bytes per
module and architecture, with totals for the firmware, each model, and all.
"""
import argparse
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))

from redline_host.paths import FIRMWARE, MODELS  # noqa: E402
from redline_host.device.mpy import find_mpy_cross  # noqa: E402

DEFAULT_ARCHES = ("armv6m", "xtensawin")


def modules():
    """(group, embedded name, source path): the firmware package, then one group per model."""
    found = [("firmware", p.relative_to(FIRMWARE).as_posix(), p)
             for p in sorted((FIRMWARE / "redline").rglob("*.py")) if "__pycache__" not in p.parts]
    for p in sorted(MODELS.glob("*/redline_model.py")):
        found.append(("model " + p.parent.name, p.relative_to(MODELS).as_posix(), p))
    return found


def mpy_size(mpy_cross, march, name, src, out_dir):
    dst = Path(out_dir) / march / (name[:-3].replace("/", "__") + ".mpy")
    dst.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(mpy_cross + ["-march=" + march, "-s", name, "-o", str(dst), str(src)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("mpy-cross -march=%s failed on %s:\n%s" % (march, name, proc.stderr.strip()))
    return dst.stat().st_size


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--march", default=",".join(DEFAULT_ARCHES),
                    help="comma-separated mpy-cross architectures (default: %(default)s)")
    args = ap.parse_args()
    arches = [a for a in args.march.split(",") if a]
    mpy_cross = find_mpy_cross()
    mods = modules()
    with tempfile.TemporaryDirectory() as out, ThreadPoolExecutor(max_workers=8) as pool:
        jobs = {(march, name): pool.submit(mpy_size, mpy_cross, march, name, src, out)
                for march in arches for _, name, src in mods}
        sizes = {key: job.result() for key, job in jobs.items()}

    version = subprocess.run(mpy_cross + ["--version"], capture_output=True, text=True).stdout.strip()
    print("mpy sizes in bytes (%s)" % version)
    width = max(len(name) for _, name, _ in mods + [("", "total all", None)])
    header = "%-*s %8s" % (width, "module", "source") + "".join(" %10s" % a for a in arches)
    print(header)
    print("-" * len(header))
    totals = {}
    group = None
    for g, name, src in mods:
        if g != group and group is not None:
            print()
        group = g
        src_size = src.stat().st_size
        row = [sizes[(a, name)] for a in arches]
        for key in (g, "all"):
            t = totals.setdefault(key, [0, [0] * len(arches)])
            t[0] += src_size
            t[1] = [x + y for x, y in zip(t[1], row)]
        print("%-*s %8d" % (width, name, src_size) + "".join(" %10d" % s for s in row))
    print("-" * len(header))
    for key in [k for k in totals if k != "all"] + ["all"]:
        src_total, row = totals[key]
        print("%-*s %8d" % (width, "total " + key, src_total) + "".join(" %10d" % s for s in row))


if __name__ == "__main__":
    main()
