"""ChannelView: one guard channel as detector objects, built on demand from its arrays.

A running node keeps each channel as int arrays (the kernel's ``cs``, the memory ring, the
shift window, the guard's own slots ``gs``) and its replay detector; the detector objects
(``ChannelRing``, ``StuckDetector``, ``RampDetector``, ``LeakyCusum``, ``ShiftWindow``,
``PairConfidence``) exist only here, for inspection: the calibrator, the trace mode, tests
and host tools. ``SensorGuard.channel(i)`` returns one; it is a snapshot (built now, a
later ``update`` does not change it) and allocates, so the hot paths never build one.
The node does not import this module unless something inspects a channel::

    >>> from redline.sensor.guard import SensorGuard
    >>> from redline.sensor.config import SensorConfig
    >>> g = SensorGuard(SensorConfig(("flow",), baseline=500, scale=10, stuck_run=3))
    >>> for x in (503, 503, 503):
    ...     r = g.update(0, x)
    >>> ch = g.channel(0)
    >>> ch.base, ch.last, ch.stuck.run, ch.stuck.flags, ch.memory.count
    (500, 503, 3, 1, 32)

The view's ``memory.buf`` and ``shift.buf`` are the channel's own arrays (``mem``, ``sh``), as
are ``cs`` and ``gs`` (the kernel's tests drive them directly): only the numbers copied into
the detector objects are a snapshot.
"""
from redline.compat import const
from redline.sensor import kernel as K
from redline.sensor.ring import ChannelRing
from redline.sensor.stuck import StuckDetector
from redline.sensor.ramp import RampDetector
from redline.sensor.cusum import LeakyCusum
from redline.sensor.shift import ShiftWindow
from redline.sensor.conf import PairConfidence

# The guard's per-channel slots (redline.sensor.guard's private _G_* constants, same numbers).
G_BASE0 = const(0)
G_SCALE0 = const(1)
G_WARM = const(2)
G_ANCHOR = const(3)
G_FRESH = const(4)
G_JUDGE = const(5)
G_TOL = const(6)
G_POFF = const(7)
G_PSCALE = const(8)
G_CACC = const(9)
G_CONF = const(10)
G_CDROPS = const(11)
G_CFLAGS = const(12)
G_PK = const(13)
G_PH = const(14)
G_PHIGH = const(15)
G_PLOW = const(16)
G_PSCORE = const(17)
G_PFLAGS = const(18)
G_SLOW = const(19)
G_SK = const(20)
G_SH = const(21)
G_SHIGH = const(22)
G_SLOWV = const(23)
G_SSCORE = const(24)
G_SFLAGS = const(25)
G_WARMUP = const(26)
G_SIZE = const(27)


def _cusum_object(gs, o, leak):
    c = LeakyCusum(gs[o], gs[o + 1], leak)
    c.high = gs[o + 2]
    c.low = gs[o + 3]
    c.score = gs[o + 4]
    c.flags = gs[o + 5]
    return c


class ChannelView:
    """Channel ``i`` of ``guard`` (see the module doc). Attribute names are those of the
    detector-object channel it replaces, so inspection code and traces read the same fields."""

    def __init__(self, guard, i):
        cfg = guard.config
        ch = guard._channels[i]
        cs = ch.cs
        gs = ch.gs
        self.cs = cs
        self.gs = gs
        self.mem = ch.mem
        self.sh = ch.sh
        self.replay = ch.replay
        ch.replay.sync()
        # configuration
        self.base0 = gs[G_BASE0]
        self.scale0 = gs[G_SCALE0]
        self.noise = cs[K.K_NOISE]
        self.lo = cs[K.K_LO]
        self.hi = cs[K.K_HI]
        self.slew = cs[K.K_SLEW]
        self.zw = cs[K.K_ZW]
        self.ze = cs[K.K_ZE]
        self.zh = cs[K.K_ZH]
        self.gate = cs[K.K_GATE]
        self.warmup = gs[G_WARMUP]
        self.fill = cs[K.K_FILL]
        self.shift_halt = cs[K.K_SHALT]
        # the channel
        self.base = cs[K.K_BASE]
        self.scale = cs[K.K_SCALE]
        self.warming = cs[K.K_WARMING] == 1
        self.warm = gs[G_WARM]
        self.anchor = gs[G_ANCHOR]
        self.last = cs[K.S_LAST]
        self.has_last = cs[K.S_HAS_LAST] == 1
        # the pair
        self.partner = ch.partner
        self.tol = gs[G_TOL]
        self.judge = gs[G_JUDGE] == 1
        self.fresh = gs[G_FRESH] == 1
        self.pair_scale = gs[G_PSCALE]
        self.pair_offset = gs[G_POFF]
        self.pair_cusum = _cusum_object(gs, G_PK, cfg.cusum_leak) if gs[G_PSCALE] else None
        self.pair_slow = _cusum_object(gs, G_SK, 0) if gs[G_PSCALE] and gs[G_SLOW] else None
        c = PairConfidence(cfg.min_confidence, cfg.decay_threshold)
        c.acc = gs[G_CACC]
        c.confidence = gs[G_CONF]
        c.drops = gs[G_CDROPS]
        c.flags = gs[G_CFLAGS]
        self.confidence = c
        # the kernel's detectors
        m = ChannelRing(cs[K.K_SIZE])
        m.buf = ch.mem
        m.index = cs[K.M_INDEX]
        m.count = cs[K.M_COUNT]
        m.sum = cs[K.M_SUM]
        m.sum2 = cs[K.M_SUM2]
        m.tsum = cs[K.M_TSUM]
        self.memory = m
        t = StuckDetector(cs[K.K_SRUN], cs[K.K_SNOISE], self.scale)
        t.last = cs[K.T_LAST]
        t.has_last = cs[K.T_HAS] == 1
        t.run = cs[K.T_RUN]
        t.acc = cs[K.T_ACC]
        t.seen = cs[K.T_SEEN]
        t.flags = cs[K.T_FLAGS]
        self.stuck = t
        d = RampDetector(cs[K.K_DLIM], cs[K.K_DSHIFT])
        d.acc = cs[K.D_ACC]
        d.score = cs[K.D_SCORE]
        d.flags = cs[K.D_FLAGS]
        self.drift = d
        c = LeakyCusum(cs[K.K_CK], cs[K.K_CH], cs[K.K_CLEAK])
        c.high = cs[K.C_HIGH]
        c.low = cs[K.C_LOW]
        c.score = cs[K.C_SCORE]
        c.flags = cs[K.C_FLAGS]
        self.cusum = c
        w = None
        span = cs[K.K_SPAN]
        if span:
            w = ShiftWindow(span)
            w.buf = ch.sh
            w.sum = cs[K.H_SUM]
            w.i = cs[K.H_I]
            w.n = cs[K.H_N]
            w.value = cs[K.H_VALUE]
        self.shift = w
