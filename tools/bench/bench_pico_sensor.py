"""Cycles and allocation per sensor reading on the emulated Pico (real RPI_PICO UF2, rp2040js).

Boots the image with an 8-channel configuration of a calibrated plant's magnitudes
(tools/bench/pico_sensor_load.py), then, in the node's maintenance window, feeds seeded
readings through ``node.feed`` (guard, interlock, latch record) and reads the cycles
between the edges of GPIO 22 around each call. Prints one JSON object::

    cycles_per_reading_early     median over rows 20..83 (one channel value, one node.feed)
    cycles_per_reading_late      median over rows 620..683 (after 600+ rows: the replay
                                 rings and the 4,096-print store are full and wrapping)
    cycles_per_sample_early/late median over the same rows of the 8 readings of a row summed
    cycles_per_reading_max_late  the largest single reading late
    bytes_per_reading_early/late gc.mem_alloc() delta over 20 rows of node.feed, per reading
    heap_lock_failures           readings of rows 700..799 that raised (or tripped a memory/fault
                                 halt) under micropython.heap_lock()
    cpu_8ch_100hz_percent        cycles_per_sample_late * 100 / 125e6 * 100
    row_cycles                   median over rows 800..863 of one ``node.sample()`` (the row API:
                                 the 8 readings in one loop, per-row lookups once) with 8 readers
                                 serving the rows (a Python ``read()`` each), no pressure
                                 measurement inside (its garbage collection runs once a second)
    row_reads_cycles             median of the 8 ``read()`` calls alone (the readers' share)
    row_cycles_per_reading       (row_cycles - row_reads_cycles) / 8
    row_cpu_8ch_100hz_percent    row_cycles * 100 / 125e6 * 100 (readers included)

    python tools/bench/bench_pico_sensor.py [--uf2 build/pico/RPI_PICO.uf2] [--speed realtime]   # ~2-4 min

Cycle counts are the emulator's deterministic counter; rp2040js models memory as zero-wait,
so a real Pico's flash cache misses make them a lower bound. Prints a skip line and exits 0
when the image or the toolchains are absent.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "host"), str(REPO / "firmware"), str(Path(__file__).resolve().parent)]

from pico_sensor_load import BOARD_SCRIPT, boot_board, plant_config, plant_rows  # noqa: E402

_HZ = 125000000

# Runs after BOARD_SCRIPT (rows 800.. : after the heap-locked rows). row_pulses(t0, t1): GPIO 22
# high around each node.sample() with 8 readers serving the rows, then around the 8 reads alone.
ROW_SCRIPT = r'''
class _RowReader:
    def __init__(self, c):
        self.c = c
    def read(self):
        return _ROW[self.c]
def row_pulses(t0, t1):
    rd = [_RowReader(c) for c in range(8)]
    node.readers = rd
    node.hold = False
    P = _P
    for t in range(t0, t1):
        _row(t)
        if _DOG is not None:
            _DOG.feed()
        node._pace.ticks = 0            # no pressure measurement (gc) inside the pulse
        P.value(1)
        node.sample()
        P.value(0)
        if node.interlock.latched:
            _clear()
    for t in range(t0, t1):
        P.value(1)
        for c in range(8):
            rd[c].read()
        P.value(0)
    node.hold = True
    return 0
'''


def measure(uf2=None, speed="max"):
    cfg = plant_config()
    rows = plant_rows(cfg, 864)
    vb = boot_board(cfg, rows, uf2=uf2, speed=speed)
    try:
        vb.exec_raw(BOARD_SCRIPT, timeout=60)
        out = {}
        out["bytes_early"] = int(vb.exec_raw("print(alloc_rows(0, 20))", timeout=300))
        n0 = vb.edge_count()
        vb.exec_raw("print(feed_rows(20, 84, False, True))", timeout=600)
        early = vb.pulses(64 * 8, since=n0, timeout=60)
        vb.exec_raw("print(feed_rows(84, 620, False, False))", timeout=1800)
        n0 = vb.edge_count()
        vb.exec_raw("print(feed_rows(620, 684, False, True))", timeout=600)
        late = vb.pulses(64 * 8, since=n0, timeout=60)
        out["bytes_late"] = int(vb.exec_raw("print(alloc_rows(684, 700))", timeout=300))
        out["locked_fails"] = int(vb.exec_raw("print(feed_rows(700, 800, True, False))", timeout=600))
        vb.exec_raw(ROW_SCRIPT, timeout=60)
        n0 = vb.edge_count()
        vb.exec_raw("print(row_pulses(800, 864))", timeout=600)
        both = vb.pulses(2 * 64, since=n0, timeout=60)
        rows_p, reads_p = both[:64], both[64:]
    finally:
        vb.stop()

    def per_row(p):
        return [sum(p[i:i + 8]) for i in range(0, len(p), 8)]
    late_row = statistics.median(per_row(late))
    return {
        "readings_per_sample": 8,
        "cycles_per_reading_early": statistics.median(early),
        "cycles_per_reading_late": statistics.median(late),
        "cycles_per_reading_max_late": max(late),
        "cycles_per_sample_early": statistics.median(per_row(early)),
        "cycles_per_sample_late": late_row,
        "bytes_per_reading_early": out["bytes_early"] / (20 * 8),
        "bytes_per_reading_late": out["bytes_late"] / (16 * 8),
        "heap_lock_failures": out["locked_fails"],
        "cpu_8ch_100hz_percent": round(late_row * 100 * 100 / _HZ, 2),
        "row_cycles": statistics.median(rows_p),
        "row_reads_cycles": statistics.median(reads_p),
        "row_cycles_per_reading": (statistics.median(rows_p) - statistics.median(reads_p)) / 8,
        "row_cycles_max": max(rows_p),
        "row_cpu_8ch_100hz_percent": round(statistics.median(rows_p) * 100 * 100 / _HZ, 2),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uf2", default=None, help="the image (default: build/pico/RPI_PICO.uf2)")
    ap.add_argument("--speed", default="max", choices=("realtime", "max"),
                    help="the emulator's clock (default max: idle time is skipped and the late figure "
                         "repeats from run to run; realtime lets timer work land inside readings, see "
                         "docs/performance.md, branch hotpath)")
    args = ap.parse_args(argv)
    try:
        from redline_host.device.rp2040 import DEFAULT_UF2, default_bootrom
    except ImportError as exc:
        print("bench_pico_sensor: skipped (%s)" % exc)
        return 0
    uf2 = Path(args.uf2) if args.uf2 else DEFAULT_UF2
    if not uf2.is_file() or default_bootrom() is None:
        print("bench_pico_sensor: skipped (no UF2 at %s or no RP2040 bootrom in ../shared/toolchains)" % uf2)
        return 0
    print(json.dumps(measure(uf2, args.speed), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
