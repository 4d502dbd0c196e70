# redline-test-heap: 512K
# The allocation proof of test_sensor_heap.py with a calibrated plant's magnitudes: 8 channels,
# baselines up to ~290,000 counts, a window of 128, replay levels and a 4,096-print store,
# CUSUM levels up to ~10**6, plus readings at the edge of the accepted range (+-(2**29 - 1)).
# The older tests fed readings of ~1,000 to three channels, where no intermediate comes near
# 2**30; on the 32-bit WebAssembly port (31-bit small ints) a product or difference that passes
# it becomes a heap-allocated big int, so this file is the one that would see it there (the
# same configuration runs on the emulated Pico in tests/host/test_rp2040_sensor.py).
# Never print or raise while the heap is locked.
from redline.compat import heap_lock, heap_unlock
from redline.codes import REASON_MEMORY, REASON_FAULT, FLAG_ADVERSARIAL
from redline.interlock import Interlock
from redline.node import Node
from _fakes import Pin
from _plant import BASELINE as _BASE, SCALE as _SCALE, plant_config as _config

_EDGE = 536870911            # 2**29 - 1: the largest reading in range


class Board:
    name = "heap"
    text = False

    def write(self, data):
        pass


def _stream(node, seed, t0, n, out):
    """n rows of 8 readings: baseline plus noise of about one scale, with edge-of-range readings,
    spikes of 9 sigma; a halt is reset at once. Allocation-free (inline LCG)."""
    s = seed
    errors = 0
    halts = 0
    lock = node.interlock
    for t in range(t0, t0 + n):
        for c in range(8):
            s = (s * 75 + 74) % 65537          # small-int LCG (a wide one would allocate here)
            u = (s & 1023) - 512
            x = _BASE[c] + (u * _SCALE[c]) // 320
            if t % 97 == 50:
                x = _EDGE if c & 1 else -_EDGE
            elif t % 89 == 7:
                x += 9 * _SCALE[c]
            code = node.feed(c, x).effective
        if lock.latched:
            halts += 1
            if lock.reason == REASON_MEMORY or lock.reason == REASON_FAULT:
                errors += 1
            lock.reset()              # the guard keeps its rings and store (they must wrap)
    out[0] = errors
    out[1] = halts
    out[2] = s


def test_plant_magnitudes_allocate_nothing_through_the_node():
    node = Node(Board(), config=_config())
    node.interlock = Interlock(Pin(), release_dwell=2, audit=node.audit)
    out = [0, 0, 0]
    _stream(node, 1, 0, 700, out)        # the rings and the 4,096-print store fill and wrap
    assert out[0] == 0
    failed = 0
    heap_lock()
    try:
        _stream(node, 2, 700, 700, out)
    except Exception:
        failed = 1
    finally:
        heap_unlock()
    assert failed == 0
    assert out[0] == 0                   # no MemoryError or fault caught by the node's fail-safe
    assert out[1] > 10                   # the locked run went through halts and resets
    assert node.guard.store.count == 4096


def test_plant_replay_is_caught_at_these_magnitudes():
    # the same rows again after the store has wrapped: the replay detector must flag them
    node = Node(Board(), config=_config())
    node.interlock = Interlock(Pin(), release_dwell=2, audit=node.audit)
    g = node.guard
    rows = []
    s = 7
    for t in range(40):
        row = []
        for c in range(8):
            s = (s * 75 + 74) % 65537
            row.append(_BASE[c] + (((s & 1023) - 512) * _SCALE[c]) // 320)
        rows.append(row)
    for t in range(40):
        for c in range(8):
            g.update(c, rows[t][c])
    hits = 0
    for t in range(40):
        for c in range(8):
            if g.update(c, rows[t][c]).flags & FLAG_ADVERSARIAL:
                hits += 1
    assert hits > 100
