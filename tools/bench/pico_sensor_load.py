"""An 8-channel sensor load for the emulated Pico: a configuration with a calibrated plant's
magnitudes and its readings, plus the board-side script that feeds them through the node.

The configuration is tests/firmware/_plant.py's (a calibrated plant's magnitudes, 8 channels),
so whatever grows with them on a 32-bit port shows up. Used by
tests/host/test_rp2040_sensor.py (allocation) and tools/bench/bench_pico_sensor.py (cycles)::

    from pico_sensor_load import plant_config, plant_rows, BOARD_SCRIPT
    cfg = plant_config()
    rows = plant_rows(cfg, 700)          # [[8 ints], ...], seeded
"""
import struct
import sys
import tempfile
from pathlib import Path

# the configuration lives with the firmware tests, which run it on every runtime
_TESTS = Path(__file__).resolve().parents[2] / "tests" / "firmware"
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))
from _plant import BASELINE, SCALE, plant_config  # noqa: E402  (re-exported)


def plant_rows(cfg, n, seed=12345):
    """n rows of readings: each channel its baseline plus seeded noise of about one scale."""
    s = seed
    rows = []
    for _ in range(n):
        row = []
        for c in range(len(cfg.channels)):
            s = (s * 1103515245 + 12345) & 0x7FFFFFFF
            u = ((s >> 8) & 1023) - 512            # -512..511
            row.append(cfg.baseline[c] + (u * cfg.scale[c]) // 320)
        rows.append(row)
    return rows


def rows_file(rows):
    """The rows as the board script reads them: little-endian int32, 8 per row."""
    flat = [int(v) for r in rows for v in r]
    return struct.pack("<%di" % len(flat), *flat)


def boot_board(cfg, rows, uf2=None, speed="realtime"):
    """An RP2040Board with ``cfg`` on its flash, ``/data.bin`` holding ``rows``, no node marker
    (the board script drives GPIO 22 itself), started and answering."""
    from redline_host.device.rp2040 import RP2040Board
    d = Path(tempfile.mkdtemp(prefix="redline-load-"))
    trace = d / "trace.csv"           # the board's own ADC/I2C sensors: a flat nominal trace
    trace.write_text("temp_a,temp_b,pressure\n" + "".join(
        "%d,%d,%d\n" % (32768 + (i * 37) % 200, 32768 + (i * 53) % 200, 1000 + i % 7) for i in range(100)))
    vb = RP2040Board(config=cfg, uf2=uf2, files={"data.bin": rows_file(rows)}, marker=False, trace=trace,
                     speed=speed)
    vb.start()
    try:
        vb.wait_ready(timeout=180)
    except Exception:
        vb.stop()
        raise
    return vb


# Runs in the node's maintenance window (exec env: ``node``). Defines:
#   feed_rows(t0, t1, locked, pulse) -> readings that failed (MemoryError or any error) under
#       heap_lock; every reading goes through node.feed (guard, interlock, latch record);
#       with pulse, GPIO 22 is high around each node.feed.
#   sample_rows(t0, n, locked) -> failures of node.sample() with 8 readers serving rows t0..
#   alloc_rows(t0, t1) -> bytes allocated by node.feed over rows t0..t1 (gc.mem_alloc delta)
# The watchdog is fed between rows (outside the lock): the script holds the main loop.
BOARD_SCRIPT = r'''
import gc, machine, micropython, sys
from array import array
from redline.codes import REASON_MEMORY as _RM, REASON_FAULT as _RF
_F = open('data.bin', 'rb')
_ROW = array('i', [0] * 8)
_P = machine.Pin(22, machine.Pin.OUT, value=0)
node.deadline_ms = 0
node.hold = True
_DOG = node.interlock.watchdog
def _row(t):
    _F.seek(t * 32)
    _F.readinto(_ROW)
def _clear():
    il = node.interlock
    if il.latched:
        il.reset()
    node.guard.rearm()
# the board's own readers may have sampled before the hold: start from a fresh guard, latch released
node.guard.reset()
_clear()
node.sync_latch()
def feed_rows(t0, t1, locked, pulse):
    fails = 0
    feed = node.feed
    row = _ROW
    P = _P
    for t in range(t0, t1):
        _row(t)
        if _DOG is not None:
            _DOG.feed()
        for c in range(8):
            v = row[c]
            if locked:
                micropython.heap_lock()
            try:
                if pulse:
                    P.value(1)
                    feed(c, v)
                    P.value(0)
                else:
                    feed(c, v)
            except Exception as e:
                fails += 1
            if locked:
                micropython.heap_unlock()
        if node.interlock.latched:
            r = node.interlock.reason
            if r == _RM or r == _RF:
                fails += 1
            _clear()
    return fails
def alloc_rows(t0, t1):
    feed = node.feed
    row = _ROW
    tot = 0
    for t in range(t0, t1):
        _row(t)
        if _DOG is not None:
            _DOG.feed()
        gc.collect()
        a0 = gc.mem_alloc()
        for c in range(8):
            feed(c, row[c])
        tot += gc.mem_alloc() - a0
        if node.interlock.latched:
            _clear()
    return tot
class _Reader:
    def __init__(self, c):
        self.c = c
    def read(self):
        return _ROW[self.c]
def sample_rows(t0, n, locked):
    node.readers = [_Reader(c) for c in range(8)]
    node.hold = False
    fails = 0
    for k in range(n):
        _row(t0 + k)
        if locked:
            micropython.heap_lock()
        try:
            node.sample()
        except Exception:
            fails += 1
        if locked:
            micropython.heap_unlock()
        il = node.interlock
        if il.latched:
            if il.reason == _RM or il.reason == _RF:
                fails += 1
            _clear()
    node.hold = True
    return fails
'''
