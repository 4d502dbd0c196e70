"""Throughput of the serial protocol over the virtual boards: vectors per second and latency.

For each board (unix, wasm) and request kind (sift, msg, feed batches of 1 and
120 readings) it sends the same seeded vectors through the harness path
(pyserial on the pty, one request in flight) and prints requests/s,
readings/s and latency percentiles, with the unix/wasm ratio side by side::

    python tools/bench/bench_vboard.py            # about a minute
    python tools/bench/bench_vboard.py --n 200
"""
import argparse
import json
import statistics
import sys
import time

import serial

from redline_host.device.harness_vectors import text_vectors
from redline_host.device.vboard import VirtualBoard
from redline_host.device.vboard_sim import make_trace


def pct(xs, q):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def measure(port, lines):
    lat = []
    for line in lines:
        t0 = time.perf_counter()
        port.write(line)
        reply = port.readline()
        lat.append(time.perf_counter() - t0)
        if not reply.startswith(b'{"') or b'"ok": true' not in reply:
            raise SystemExit("bench: bad reply %r" % reply[:200])
    return lat


def workloads(n):
    texts = [v for v in text_vectors(n, seed=11) if v.get("op")]
    sift = [(json.dumps(v) + "\n").encode() for v in texts if v["op"] == "sift"]
    msg = [(json.dumps(v) + "\n").encode() for v in texts if v["op"] == "msg"]
    rows = make_trace(40 * n, seed=12)
    one = [(json.dumps({"op": "feed", "b": [i % 3, rows[i // 3][i % 3]]}) + "\n").encode() for i in range(n)]
    batch = []
    for k in range(n // 4 or 1):
        b = []
        for row in rows[40 * k:40 * k + 40]:
            for c in range(3):
                b += [c, row[c]]
        batch.append((json.dumps({"op": "feed", "b": b}) + "\n").encode())
    return {"sift": (sift, 1), "msg": (msg, 1), "feed x1": (one, 1), "feed x120": (batch, 120)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400, help="requests per kind")
    args = ap.parse_args(argv)
    loads = workloads(args.n)
    results = {}
    for kind in ("unix", "wasm"):
        with VirtualBoard(kind) as vb:
            vb.wait_ready()
            with serial.serial_for_url(vb.path, timeout=30) as port:
                for name, (lines, per) in loads.items():
                    measure(port, lines[:10])                      # warm-up
                    t0 = time.perf_counter()
                    lat = measure(port, lines)
                    dt = time.perf_counter() - t0
                    results[(kind, name)] = (len(lines) / dt, len(lines) * per / dt, statistics.median(lat),
                                             pct(lat, 0.95), pct(lat, 0.99))
    print("%-10s %-6s %10s %12s %9s %9s %9s" % ("request", "board", "req/s", "readings/s", "p50 ms", "p95 ms", "p99 ms"))
    for name in loads:
        for kind in ("unix", "wasm"):
            rps, vps, p50, p95, p99 = results[(kind, name)]
            print("%-10s %-6s %10.0f %12.0f %9.3f %9.3f %9.3f" % (name, kind, rps, vps, p50 * 1e3, p95 * 1e3, p99 * 1e3))
        print("%-10s wasm/unix median latency ratio %.2f" % (name, results[("wasm", name)][2] / results[("unix", name)][2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
