# redline-test-heap: 256K
# Proof that one full sensor step -- the node's fail-safe, every detector, the ladder, the
# interlock, the audit ring and the resource gauge -- allocates nothing once constructed (heap_lock on MicroPython;
# a no-op on CPython). Never print or raise while the heap is locked.
from redline.compat import heap_lock, heap_unlock
from redline.codes import is_halt
from redline.sensor.guard import SensorGuard
from redline.sensor.config import SensorConfig
from redline.codes import REASON_MEMORY, REASON_FAULT
from redline.interlock import Interlock
from redline.node import Node
from redline.resource import ResourceGauge
from _fakes import Pin


class Board:
    name = "heap"
    text = False            # a sensor-only node

    def write(self, data):
        pass


class Dog:
    def __init__(self):
        self.fed = 0

    def feed(self):
        self.fed += 1


def _config():
    return SensorConfig(("a", "b", "c"), baseline=(1000, 2000, 0), scale=(36, 36, 0),
                       warmup=16, pair_a=(0,), pair_b=(1,), pair_tol=(150,),
                       pair_scale=(51,), pair_h=(1200,), pair_offset=(3,), pair_slow_k=(64,), pair_slow_h=(2600,),
                       max_slew=(400, 400, 0), range_min=(0, 0, -5000), range_max=(5000, 5000, 5000),
                       replay_window=(6, 6, 4), replay_history=16, replay_stride=1, replay_store=256,
                       replay_levels=1, shift_span=4, shift_halt=900)


def _setup():
    node = Node(Board(), config=_config())
    node.interlock = Interlock(Pin(), watchdog=Dog(), release_dwell=2, audit=node.audit)
    gauge = ResourceGauge(period_us=10000)
    return node, gauge


def _stream(node, gauge, seed, n, out):
    # Integer LCG inline: the whole loop body must be allocation-free too.
    s = seed
    errors = 0
    halts = 0
    for t in range(n):
        s = (s * 75 + 74) % 65537
        c = t % 3
        x = (1000, 2000, -300)[c] + (s & 127) - 64
        if t % 97 == 50:
            x += 2000                       # spikes: surprise, slew, halts
        node.guard.pressure = gauge.update(4000)
        code = node.feed(c, x).effective
        if is_halt(code):
            halts += 1
            lock = node.interlock
            if lock.reason == REASON_MEMORY or lock.reason == REASON_FAULT:
                errors += 1
            lock.reset()
            node.guard.reset()
    out[0] = errors
    out[1] = halts
    out[2] = s


def test_one_sensor_step_allocates_nothing():
    node, gauge = _setup()
    out = [0, 0, 0]
    _stream(node, gauge, 1, 600, out)      # warm-up and every code path once
    assert out[0] == 0
    failed = 0
    heap_lock()
    try:
        _stream(node, gauge, 2, 3000, out)
    except Exception:
        failed = 1
    finally:
        heap_unlock()
    assert failed == 0
    assert out[0] == 0                    # no MemoryError caught by the node's fail-safe
    assert out[1] > 10                    # the locked run did go through halts and resets


def test_direct_guard_update_allocates_nothing():
    guard = SensorGuard(_config())
    lock = Interlock(Pin(), watchdog=Dog(), release_dwell=2)
    for t in range(300):
        guard.update(t % 3, 1000 + t % 7)
    res = [0]
    failed = 0
    heap_lock()
    try:
        acc = 0
        for t in range(300):
            r = guard.update(0, 1000 + (t * 7) % 61 - 30)
            acc += r.surprise + r.entropy + r.bias + r.flags
            lock.apply(r.code, r.reason, r.sample, 0)
        res[0] = acc
    except Exception:
        failed = 1
    finally:
        heap_unlock()
    assert failed == 0
    assert res[0] > 0
