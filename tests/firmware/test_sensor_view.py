# The guard's channels are int arrays on a running node; redline.sensor.view builds the detector
# objects from them for inspection. Field by field: the pair (confidence, both pair CUSUMs),
# warm-up and channel fields the view reads from the arrays equal those of detector objects
# stepped on their own beside the guard; the view's field names are those of the channel it
# replaced; a view is a snapshot and building one is the only allocation.
from redline.sensor.guard import SensorGuard
from redline.sensor.config import SensorConfig
from redline.sensor.conf import PairConfidence
from redline.sensor.cusum import LeakyCusum
from redline.sensor import view as V
from redline.fx import z_q8, ratio16

from _lcg import Lcg  # noqa: E402


def _pair_cfg():
    return SensorConfig(("a", "b", "c"), baseline=(1000, 1000, 500), scale=(40, 40, 0), warmup=8,
                        window=16, pair_a=(1,), pair_b=(0,), pair_tol=(90,), pair_scale=(30,),
                        pair_k=(100,), pair_h=(900,), pair_offset=(5,), pair_slow_k=(20,),
                        pair_slow_h=(4000,), cusum_leak=5, min_confidence=40000, decay_threshold=2)


def test_pair_fields_match_detector_objects_stepped_beside_the_guard():
    cfg = _pair_cfg()
    g = SensorGuard(cfg)
    # channel 1 has the higher index: it judges the pair when it reads, after channel 0
    conf = [PairConfidence(40000, 2), PairConfidence(40000, 2)]
    fast = LeakyCusum(100, 900, 5)
    slow = LeakyCusum(20, 4000, 0)
    gen = Lcg(5)
    last0 = 0
    judged = 0
    hits = 0
    for t in range(300):
        split = 0 if t < 120 else (t - 120) * 2        # channel 1 walks away after row 120
        x0 = 1000 + (gen.next() & 63) - 32
        x1 = 1000 + (gen.next() & 63) - 32 + split
        x2 = 500 + (gen.next() & 31)
        r0 = g.update(0, x0)
        assert (r0.confidence, r0.flags & 12) == (conf[0].confidence, conf[0].flags), t   # before this row's judgement
        last0 = x0
        r1 = g.update(1, x1)
        # the reference: the judge (1) reads after channel 0 in this row
        d = (x1 - 1000) - (last0 - 1000) - 5
        b = ratio16(d if d >= 0 else -d, 90)
        conf[0].update(65535 - b)
        conf[1].update(65535 - b)
        zd = z_q8(d, 30)
        hit = fast.update(zd) | slow.update(zd)
        judged += 1
        hits += 1 if hit else 0
        assert r1.confidence == conf[1].confidence, t       # the feed reply's confidence field
        assert g.update(2, x2).confidence == 65535          # no pair: full confidence
        v0 = g.channel(0)
        v1 = g.channel(1)
        for v, c in ((v0, conf[0]), (v1, conf[1])):
            got = (v.confidence.acc, v.confidence.confidence, v.confidence.drops, v.confidence.flags)
            assert got == (c.acc, c.confidence, c.drops, c.flags), (t, got)
        assert v1.judge and not v0.judge and v0.pair_cusum is None and v0.pair_slow is None
        for a, e in ((v1.pair_cusum, fast), (v1.pair_slow, slow)):
            assert (a.k, a.h, a.leak_shift, a.high, a.low, a.score, a.flags) == (
                e.k, e.h, e.leak_shift, e.high, e.low, e.score, e.flags), t
        assert (v1.tol, v0.tol, v1.pair_scale, v1.pair_offset, v0.pair_offset) == (90, 90, 30, 5, 0)
        assert (v0.last, v1.last, v0.has_last, v1.fresh, v0.fresh) == (x0, x1, True, False, False)
        assert v0.partner is g._channels[1] and v1.partner is g._channels[0]
    assert judged == 300 and hits > 0 and conf[1].flags != 0


def test_warm_up_fields_and_memory_read_from_the_arrays():
    cfg = _pair_cfg()
    g = SensorGuard(cfg)
    gen = Lcg(9)
    xs = [500 + (gen.next() & 31) for _ in range(12)]
    for i in range(8):
        g.update(2, xs[i])
        v = g.channel(2)
        assert v.warming == (i < 7) and v.warm == i + 1 and v.anchor == xs[0]
    v = g.channel(2)
    # warm-up over: the baseline is the mean, the memory holds the 8 readings in sigma units
    m = 0
    for i in range(8):
        m += xs[i] - xs[0]
    m //= 8
    assert (v.base, v.base0, v.scale0, v.warmup) == (xs[0] + m, 500, 0, 8) and v.scale > 0
    mem = v.memory
    assert (mem.count, mem.index, mem.size) == (8, 8, 16)
    s = 0
    s2 = 0
    t = 0
    for i in range(8):
        u = mem.buf[i]
        s += u
        s2 += u * u
        t += i * u
    assert (mem.sum, mem.sum2, mem.tsum) == (s, s2, t)
    assert v.stuck.scale == v.scale
    g.rearm()
    v = g.channel(2)
    assert not v.warming and not v.has_last and v.memory.count == 8 and v.cusum.score == 0
    g.reset()
    v = g.channel(2)
    assert v.warming and (v.warm, v.scale, v.base, v.memory.count) == (0, 0, 500, 0)


def test_view_names_the_fields_of_the_channel_it_replaced():
    from redline.link.trace import int_state
    g = SensorGuard(_pair_cfg())
    g.update(0, 1000)
    keys = sorted(int_state(g.channel(1)).keys())
    assert keys == ["anchor", "base", "base0", "fill", "fresh", "gate", "has_last", "hi", "judge", "last",
                    "lo", "noise", "pair_offset", "pair_scale", "scale", "scale0", "shift_halt", "slew",
                    "tol", "warm", "warming", "warmup", "ze", "zh", "zw"], keys


def test_view_slot_numbers_match_the_guard():
    import redline.sensor.guard as G
    names = [n for n in dir(V) if n.startswith("G_")]
    assert len(names) == 28
    private = getattr(G, "_G_SIZE", None)
    if private is None:         # MicroPython folds private consts away: the fields above check them
        return
    for n in names:
        assert getattr(G, "_" + n) == getattr(V, n), n


def test_view_is_a_snapshot():
    g = SensorGuard(SensorConfig(("a",), baseline=1000, scale=40, stuck_run=3))
    for i in range(3):
        g.update(0, 1000)
    v = g.channel(0)
    assert (v.stuck.run, v.stuck.flags) == (3, 1)
    g.update(0, 1001)
    assert (v.stuck.run, v.stuck.flags) == (3, 1)
    w = g.channel(0)
    assert (w.stuck.run, w.stuck.flags, w.last) == (1, 0, 1001)


def test_guard_kernel_slot_copies_match_the_kernel():
    # the guard folds the kernel's slot numbers as private constants (no kernel module on a board
    # with the viper build); visible on CPython only, where the names stay in the module
    import redline.sensor.guard as G
    from redline.sensor import kernel as K
    if getattr(G, "_SIZE", None) is None:
        return
    seen = 0
    for n in dir(G):
        if n[:1] == "_" and n[1:] in dir(K) and n[1:2] in "KISOTMHCD" and n[1:].upper() == n[1:]:
            assert getattr(G, n) == getattr(K, n[1:]), n
            seen += 1
    assert seen >= 45, seen
