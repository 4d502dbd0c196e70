# redline-test-heap: 256K
# node.feed runs SensorGuard.step and Interlock.apply's steady Proceed inline (two Python calls
# less per reading on the Pico): here it is held against the plain path -- a separate guard's
# update() and a separate interlock's apply() on the same readings -- field by field, slot by
# slot, after every reading, over warm-up and its end, a redundant pair, range trips, latches and
# resets. Also: the node's folded slot numbers are the kernel's, the result is filled on demand by
# guard.report(), the sample counter's wrap.
from redline.codes import PROCEED
from redline.interlock import Interlock
from redline.node import Node
from redline.sensor import kernel as K
from redline.sensor import view as V
from redline.sensor.config import SensorConfig
from redline.sensor.guard import SensorGuard
from _fakes import Pin


class Dog:
    def __init__(self):
        self.fed = 0

    def feed(self):
        self.fed += 1


class Board:
    name = "test"
    text = False

    def __init__(self, dog):
        self.halt_pin = Pin()
        self.watchdog = dog
        self.sensors = None

    def write(self, data):
        pass


def _config(dal=0):
    return SensorConfig(("a", "b", "c"), baseline=(1000, 2000, 500), scale=(40, 40, 0), warmup=20,
                        pair_a=(0,), pair_b=(1,), pair_tol=(300,), range_min=(0, 0, 300),
                        range_max=(5000, 5000, 700), z_gate=(2048, 2048, 1024), replay_store=256, dal=dal)


def _result(r):
    return (r.code, r.reason, r.surprise, r.entropy, r.bias, r.flags, r.z, r.shift, r.accepted,
            r.confidence, r.warming_up, r.sample, r.channel)


def _lock(il):
    return (il.code, il.reason, il.latched, il.blocked, il.actuator_on, il.warning, il.esc_run, il.good_run,
            il.warn_run, il.calm_run, il.steady, il.dirty, il.watchdog.fed, il.pin.v, len(il.audit),
            il.audit.total)


def _slots(g):
    out = []
    for ch in g._channels:
        out.append((list(ch.cs), list(ch.gs), list(ch.mem), list(ch.sh), list(ch.replay.bufs[0])))
    return out


def test_the_nodes_folded_slot_numbers_are_the_kernels_and_the_guards():
    from redline import node as N
    from redline.fx import READING_LIMIT
    if getattr(N, "_O_REASON", None) is None:        # MicroPython folded them away
        return
    for n in ("K_WARMING", "I_FLAGS", "I_PAIR", "I_PRESSURE", "O_REASON", "O_ACCEPTED"):
        assert getattr(N, "_" + n) == getattr(K, n), n
    assert N._G_CFLAGS == V.G_CFLAGS and N._LIMIT == READING_LIMIT and N._SAMPLE_MASK == 0x3FFFFFFF


def test_node_feed_is_guard_update_and_interlock_apply_field_by_field():
    _compare(_config())


def test_node_feed_keeps_the_reason_of_a_proceed_on_its_inline_steady_path():
    # DAL 4 turns every decision into a Proceed that keeps its reason (redline.ladder.dal_gate)
    reasons = _compare(_config(dal=4))
    assert reasons >= 30, reasons


def _rig(node, cfg):
    """The node's interlock and guard, and a separate guard and interlock to hold them against."""
    il = node.interlock
    ref = SensorGuard(cfg)
    lock = Interlock(Pin(), watchdog=Dog())
    il.dirty = lock.dirty = False
    return il, node.guard, ref, lock


def _rearm(node, ref, lock):
    """Reset both interlocks and re-arm both guards after a latch (the node writes its latch record)."""
    lock.reset()
    ref.rearm()
    node.interlock.reset()
    node.guard.rearm()
    node.sync_latch()
    lock.dirty = node.interlock.dirty = False


def _reading(s, i, c, cfg, step):
    """The next seed and a reading of channel c in row i: noise around the baseline, a level step every
    100 rows, an out-of-range reading every 61st row."""
    s = (s * 75 + 74) % 65537
    x = cfg.baseline[c] + (s % 97) - 48 + (i // 100) * (c + 1) * step
    if i % 61 == 50:
        x += 9000
    return s, x


def _compare(cfg):
    node = Node(Board(Dog()), config=cfg)
    il, g, ref, lock = _rig(node, cfg)
    s = 3
    inline = 0
    reasons = 0
    codes = {}
    for i in range(400):
        for c in range(3):
            s, x = _reading(s, i, c, cfg, 23)   # every 61st row out of range: a halt
            if i % 97 == 70 and c == 1:
                x += 400                        # the pair splits
            if il.steady:
                inline += 1
            fed = node.feed(c, x)
            r = ref.update(c, x)
            eff = lock.apply(r.code, r.reason, r.sample, c)
            if lock.dirty and not il.dirty:
                lock.dirty = False              # what node.feed's sync_latch did (no flash: the record is RAM)
            assert node.guard.report(c) is fed.result
            assert _result(fed.result) == _result(r), (i, c, _result(fed.result), _result(r))
            assert fed.effective == eff and fed.latched == lock.latched, (i, c)
            assert fed.actuator == (1 if lock.actuator_on else 0)
            assert _lock(il) == _lock(lock), (i, c, _lock(il), _lock(lock))
            assert il.audit.entries() == lock.audit.entries()
            codes[r.code] = codes.get(r.code, 0) + 1
            if r.code == PROCEED and r.reason:
                reasons += 1
            if lock.latched:
                _rearm(node, ref, lock)
        if i % 50 == 0:
            assert _slots(g) == _slots(ref), i
    assert g.sample == ref.sample == 1200 and node.counters["readings"] == 1200
    assert inline > 500 and codes.get(PROCEED, 0) > 500, (inline, codes)
    if not cfg.dal:
        # the run went through every path: warm-up (Warn), Proceeds inline, halts, the pair
        assert codes.get(1, 0) >= 20 and sum(v for k, v in codes.items() if k < 0) >= 6, codes
    return reasons


def test_warm_up_end_is_reported_as_warming_and_survives_the_counter_wrap():
    cfg = SensorConfig(("c",), baseline=500, scale=0, warmup=4)
    g = SensorGuard(cfg)
    g.sample = 0x3FFFFFFF - 2               # the warm-up ends on the first number after the wrap
    flags = []
    for k in range(6):
        g.step(0, 500 + k)
        r = g.report(0)
        flags.append((r.sample, r.warming_up))
    assert flags == [(0x3FFFFFFD, True), (0x3FFFFFFE, True), (0x3FFFFFFF, True), (0, True), (1, False),
                     (2, False)], flags
    assert g.warm_end == 0
    g.sample = 0x3FFFFFFF                   # the wrap voids the stamp: reading 0 of the next epoch is not warming
    g.step(0, 500)
    assert g.warm_end == -1 and not g.report(0).warming_up
    g.step(0, 500)
    r = g.report(0)
    assert r.sample == 0 and not r.warming_up


class _Reader:
    def __init__(self, row, c):
        self.row = row
        self.c = c

    def read(self):
        x = self.row[self.c]
        if x is None:
            raise OSError(5)
        return x


def test_node_sample_is_guard_update_and_interlock_apply_field_by_field():
    # the row API: node.sample() reads every channel through the same inline step; held against a
    # separate guard and interlock after every row (a raising reader trips a guard fault)
    assert _compare_rows(_config()) >= 6


def test_node_sample_keeps_the_reason_of_a_proceed_on_its_inline_steady_path():
    assert _compare_rows(_config(dal=4)) >= 1        # DAL 4: only the raising reader trips


def _compare_rows(cfg):
    from redline.codes import HALT_SELF_MEMORY, REASON_FAULT
    row = [0, 0, 0]
    dog = Dog()
    node = Node(Board(dog), config=cfg)
    node.readers = [_Reader(row, c) for c in range(3)]
    node.deadline_ms = 0
    node.rate_hz = 100000                   # no pressure measurement (its gc) inside the run
    il, g, ref, lock = _rig(node, cfg)
    s = 5
    trips = 0
    for i in range(300):
        for c in range(3):
            s, x = _reading(s, i, c, cfg, 23)
            row[c] = None if (i % 89 == 60 and c == 2) else x
        assert node.sample() == 3
        for c in range(3):
            if row[c] is None:
                lock.trip(HALT_SELF_MEMORY, REASON_FAULT, -1, c)
                continue
            r = ref.update(c, row[c])
            lock.apply(r.code, r.reason, r.sample, c)
        if lock.latched:
            lock.watchdog.feed()            # what sample() does while latched: the loop is alive
        if lock.dirty and not il.dirty:
            lock.dirty = False
        assert _result(g.report(2)) == _result(ref.result) or row[2] is None, i
        assert _lock(il) == _lock(lock), (i, _lock(il), _lock(lock))
        assert il.audit.entries() == lock.audit.entries()
        if i % 25 == 0:
            assert _slots(g) == _slots(ref), i
        if lock.latched:
            trips += 1
            _rearm(node, ref, lock)
    assert g.sample == ref.sample and node.counters["samples"] == 900, (trips, g.sample)
    return trips


_NATIVE_ROWS = 300      # rows of the two native-against-twin tests (fewer on the chip: tests/host/test_rp2040_sensor.py)


def _two_nodes(cfg):
    return Node(Board(Dog()), config=cfg), Node(Board(Dog()), config=cfg)


def _wrap_halfway(a, b, i, rows):
    if i == rows // 2:                          # the sample counter wraps (0x3FFFFFFF, then 0)
        a.guard.sample = b.guard.sample = 0x3FFFFFFE


def _rearm_both(a, b):
    for n in (a, b):
        n.interlock.reset()
        n.guard.rearm()
        n.sync_latch()


def test_the_native_feed_is_its_python_twin_field_by_field():
    # redline.node_native (the native build of Node.feed, where the emitter exists: the boards and the
    # unix port) against redline.node.feed_twin (CPython and WebAssembly run the twin on both sides):
    # two nodes on the same readings, over warm-up, the pair, range trips, latches and re-arms
    from redline import node as N
    if N._native is not None:
        assert Node.feed is N._native.feed and Node.feed is not N.feed_twin
    else:
        assert Node.feed is N.feed_twin
    cfg = _config()
    a, b = _two_nodes(cfg)
    s = 11
    latches = 0
    rows = _NATIVE_ROWS
    for i in range(rows):
        _wrap_halfway(a, b, i, rows)
        for c in range(3):
            s, x = _reading(s, i, c, cfg, 29)
            if i % 83 == 40 and c == 1:
                x += 400                        # the pair splits
            fa = a.feed(c, x)
            fb = N.feed_twin(b, c, x)
            assert fa is a.fed and fb is b.fed
            ra = _result(a.guard.report(c))
            rb = _result(b.guard.report(c))
            assert ra == rb, (i, c, ra, rb)
            assert (fa.effective, fa.actuator, fa.latched) == (fb.effective, fb.actuator, fb.latched), (i, c)
            assert _lock(a.interlock) == _lock(b.interlock), (i, c)
            assert a.interlock.audit.entries() == b.interlock.audit.entries()
            if a.interlock.latched:
                latches += 1
                _rearm_both(a, b)
        if i % 50 == 0:
            assert _slots(a.guard) == _slots(b.guard), i
    a.feed(7, 500)                              # no such channel: a guard fault, on both
    N.feed_twin(b, 7, 500)
    assert a.interlock.latched and _lock(a.interlock) == _lock(b.interlock)
    assert a.counters["readings"] == b.counters["readings"] == 3 * rows + 1
    after = 3 * (rows - rows // 2)              # readings after the wrap (the last feed did not step)
    assert a.guard.sample == b.guard.sample == after - 2 and latches >= rows // 75, latches


def test_the_native_sample_is_its_python_twin_field_by_field():
    # redline.node_native.sample (node.sample(), native where the emitter exists) against
    # redline.node.sample_twin: two nodes on the same rows, a raising reader among them, a held node
    from redline import node as N
    if N._native is not None:
        assert Node.sample is N._native.sample
    else:
        assert Node.sample is N.sample_twin
    cfg = _config()
    row = [0, 0, 0]
    a, b = _two_nodes(cfg)
    for n in (a, b):
        n.readers = [_Reader(row, c) for c in range(3)]
        n.deadline_ms = 0
        n.rate_hz = 100000                  # no pressure measurement (its gc) inside the run
    s = 7
    latches = 0
    rows = _NATIVE_ROWS
    for i in range(rows):
        _wrap_halfway(a, b, i, rows)
        for c in range(3):
            s, x = _reading(s, i, c, cfg, 29)
            row[c] = None if (i % 71 == 30 and c == 0) else x
        assert a.sample() == N.sample_twin(b) == 3
        for c in range(3):
            assert _result(a.guard.report(c)) == _result(b.guard.report(c)), (i, c)
        assert _lock(a.interlock) == _lock(b.interlock), (i, _lock(a.interlock), _lock(b.interlock))
        assert a.interlock.audit.entries() == b.interlock.audit.entries()
        assert a._pace.ticks == b._pace.ticks == i + 1
        if i % 50 == 0:
            assert _slots(a.guard) == _slots(b.guard), i
        if a.interlock.latched:
            latches += 1
            _rearm_both(a, b)
    a.readers.append(_Reader(row, 3))           # no such channel: a guard fault, on both
    b.readers.append(_Reader(row, 3))
    row.append(500)
    assert a.sample() == N.sample_twin(b) == 4
    assert a.interlock.latched and _lock(a.interlock) == _lock(b.interlock)
    assert a.guard.sample == b.guard.sample < 3 * rows and latches >= rows // 75, latches
    assert a.counters["samples"] == b.counters["samples"] == 3 * rows + 4
    a.hold = b.hold = True                      # held: nothing sampled, the watchdog fed
    assert a.sample() == N.sample_twin(b) == 0
    assert _lock(a.interlock) == _lock(b.interlock)


def test_the_nodes_private_codes_are_redline_codes():
    from redline import codes as C
    from redline import node as N
    if getattr(N, "_REASON_TEXT", None) is None:        # MicroPython folded them away
        return
    for n in ("HALT_DEADLINE", "HALT_RESOURCE", "HALT_SELF_MEMORY", "REASON_AUTH_REFUSED", "REASON_AUTH_RESET",
              "REASON_BAD_RECORD", "REASON_BUILD", "REASON_CONFIG", "REASON_DEADLINE", "REASON_FAULT",
              "REASON_MAINT", "REASON_MEMORY", "REASON_MODEL", "REASON_NO_RECORD", "REASON_TEXT",
              "REASON_WATCHDOG"):
        assert getattr(N, "_" + n) == getattr(C, n), n
