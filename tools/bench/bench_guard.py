"""Benchmark: µs per sensor step and RAM per channel, redline's integer guard against a float one.

    .venv/bin/python tools/bench/bench_guard.py [--steps 3000] [--reps 5] [--runtimes cpython,unix,wasm]

On the host this script runs itself (``--inner``) on every runtime and prints a
table; the inner part is MicroPython code and prints ``RESULT impl us_per_step
ram_per_channel_bytes`` lines. Both implementations see the same seeded
4-channel stream (two channels form a redundant pair) and do the same job:
range/slew, stuck, replay, two-sided CUSUM, EWMA drift, windowed mean/variance
and a z-score per reading. The float one is what a user might write first:
lists with append/pop(0), sums recomputed per sample, float math, a dict of
window tuples for replay. A third row, ``checks``, is the integer guard with
the checks the calibrator adds on top (an 8-reading shift window per
channel, the pair's fast and slow disagreement CUSUMs), and its cost is
printed as a ratio to the plain integer guard. RAM is measured with gc.mem_alloc around
construction plus one window of readings (CPython: tracemalloc). Timings are
medians over ``--reps`` runs, both implementations measured side by side in
the same process.
"""
import gc
import sys

from array import array

from redline.compat import IS_MICROPYTHON, mem_alloc, ticks_diff, ticks_us
from redline.sensor.guard import SensorGuard
from redline.sensor.config import SensorConfig

CHANNELS = ("a", "b", "c", "d")
WINDOW = 32


class FloatGuard:
    """Straightforward float guard with the same detectors (not allocation-free)."""

    def __init__(self, n, base, scale, pair):
        self.n = n
        self.base = [float(b) for b in base]
        self.scale = [float(s) for s in scale]
        self.pair = pair
        self.win = [[] for _ in range(n)]
        self.hi = [0.0] * n
        self.lo = [0.0] * n
        self.ewma = [0.0] * n
        self.last = [None] * n
        self.run = [0] * n
        self.deltas = [[] for _ in range(n)]
        self.seen = [{} for _ in range(n)]
        self.t = 0

    def update(self, c, x):
        self.t += 1
        z0 = (x - self.base[c]) / self.scale[c]
        w = self.win[c]
        mean = sum(w) / len(w) if w else 0.0
        var = sum((v - mean) ** 2 for v in w) / len(w) if w else 1.0
        z = z0 - mean
        if abs(z) < 4.0:
            w.append(z0)
            if len(w) > WINDOW:
                w.pop(0)
        self.hi[c] = max(0.0, self.hi[c] + z0 - 0.75) * (1 - 1 / 64)
        self.lo[c] = max(0.0, self.lo[c] - z0 - 0.75) * (1 - 1 / 64)
        self.ewma[c] += (z0 - self.ewma[c]) / 16
        last = self.last[c]
        self.run[c] = self.run[c] + 1 if x == last else 1
        replay = False
        if last is not None:
            d = self.deltas[c]
            d.append(x - last)
            if len(d) > 8:
                d.pop(0)
                key = tuple(d)
                replay = key in self.seen[c]
                self.seen[c][key] = self.t
                if len(self.seen[c]) > 64:     # the integer guard keeps 64 prints
                    self.seen[c] = {}
        self.last[c] = x
        p = self.pair.get(c)
        bias = 0.0
        if p is not None and self.last[p] is not None:
            bias = abs((x - self.base[c]) - (self.last[p] - self.base[p])) / 150.0
        halt = (abs(z) >= 6 or self.hi[c] >= 8 or self.lo[c] >= 8 or self.run[c] >= 8 or replay
                or bias >= 1.5 or var / 1.0 >= 3.05)
        return -3 if halt else (2 if abs(self.ewma[c]) >= 2 else 0)


def make_int():
    cfg = SensorConfig(CHANNELS, baseline=(1000, 1000, 5000, -200), scale=36, window=WINDOW,
                       warmup=WINDOW, pair_a=(0,), pair_b=(1,), pair_tol=(150,))
    return SensorGuard(cfg)


def make_checks():
    # the checks the calibrator adds on top (config format 3): an 8-reading shift window per channel,
    # and the pair's fast and slow disagreement CUSUMs
    cfg = SensorConfig(CHANNELS, baseline=(1000, 1000, 5000, -200), scale=36, window=WINDOW,
                       warmup=WINDOW, pair_a=(0,), pair_b=(1,), pair_tol=(150,), pair_scale=(51,),
                       pair_slow_k=(64,), pair_slow_h=(9000,), shift_span=8, shift_halt=4000)
    return SensorGuard(cfg)


def make_float():
    return FloatGuard(4, (1000, 1000, 5000, -200), (36, 36, 36, 36), {0: 1, 1: 0})


def stream(n, seed):
    s = seed
    cs = array("i")
    xs = array("i")
    bases = (1000, 1000, 5000, -200)
    for t in range(n):
        s = (s * 75 + 74) % 65537
        c = t % 4
        cs.append(c)
        xs.append(bases[c] + (s & 63) - 32)
    return cs, xs


def run_steps(g, cs, xs):
    upd = g.update
    t0 = ticks_us()
    for i in range(len(cs)):
        upd(cs[i], xs[i])
    return ticks_diff(ticks_us(), t0)


def ram(make, cs, xs):
    if IS_MICROPYTHON:
        gc.collect()
        a = mem_alloc()
        g = make()
        for i in range(WINDOW * 4):
            g.update(cs[i], xs[i])
        gc.collect()
        b = mem_alloc()
        return (b - a) // len(CHANNELS), g
    import tracemalloc
    tracemalloc.start()
    g = make()
    for i in range(WINDOW * 4):
        g.update(cs[i], xs[i])
    cur, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return cur // len(CHANNELS), g


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def inner(steps, reps):
    cs, xs = stream(steps, 7)
    rows = []
    for name, make in (("integer", make_int), ("checks", make_checks), ("float", make_float)):
        r, g = ram(make, cs, xs)
        rows.append([name, r, g, []])
    for _ in range(reps):
        for row in rows:
            row[3].append(run_steps(row[2], cs, xs))
    for name, r, g, times in rows:
        # us per step, 3 decimals as an integer count of nanoseconds
        ns = median(times) * 1000 // steps
        print("RESULT %s %d.%03d %d" % (name, ns // 1000, ns % 1000, r))


def host(argv):
    import argparse
    from pathlib import Path
    here = Path(__file__).resolve()
    sys.path.insert(0, str(here.parents[2] / "host"))
    from redline_host.paths import FIRMWARE
    from redline_host.device.runtimes import run_script
    p = argparse.ArgumentParser(description="µs per sensor step and RAM per channel, integer vs float")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--runtimes", default="cpython,unix,wasm")
    a = p.parse_args(argv)
    print("%-8s %-8s %12s %16s" % ("runtime", "impl", "us/step", "RAM/channel B"))
    for rt in a.runtimes.split(","):
        # 512K: the float implementation's lists and tuples need more than a board heap.
        proc = run_script(rt, here, args=["--inner", str(a.steps), str(a.reps)], stdin=b"", paths=(FIRMWARE,),
                          heapsize="512K", timeout=600)
        if proc.returncode != 0:
            print("%-8s failed: %s" % (rt, (proc.stdout + proc.stderr).decode(errors="replace")[-500:]))
            continue
        res = {}
        for line in proc.stdout.decode().splitlines():
            if line.startswith("RESULT "):
                _, name, us, rb = line.split()
                res[name] = (float(us), int(rb))
                print("%-8s %-8s %12.3f %16d" % (rt, name, float(us), int(rb)))
        if "integer" in res and "float" in res:
            ri, rf = res["integer"], res["float"]
            ram_ratio = ("%.2f" % (rf[1] / ri[1])) if ri[1] else "n/a"
            print("%-8s ratio float/integer: time %.2f  RAM %s" % (rt, rf[0] / ri[0], ram_ratio))
        if "integer" in res and "checks" in res:
            ri, rc = res["integer"], res["checks"]
            print("%-8s ratio checks/integer (shift window, fast and slow pair CUSUMs on): time %.2f  RAM %.2f"
                  % (rt, rc[0] / ri[0], rc[1] / ri[1] if ri[1] else float("nan")))


if len(sys.argv) > 1 and sys.argv[1] == "--inner":
    inner(int(sys.argv[2]), int(sys.argv[3]))
elif __name__ == "__main__":
    host(sys.argv[1:])
