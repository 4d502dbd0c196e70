"""SensorGuard: one detector bank per channel, one decision per reading.

Everything is preallocated from a ``SensorConfig`` at construction;
``update(channel_index, value)`` allocates nothing and returns the guard's
single ``SensorResult`` (overwritten by the next call -- copy what you keep).
``step(channel_index, value)`` is ``update`` without filling the result (the code; the
outputs stay in the channel's slots) and ``report(channel_index)`` fills it afterwards: a
node runs ``step`` inline per reading and fills the result only when something reports it::

    >>> from redline.sensor.guard import SensorGuard
    >>> from redline.sensor.config import SensorConfig
    >>> g = SensorGuard(SensorConfig(("flow",), baseline=500, scale=10))
    >>> r = g.update(g.channel_index("flow"), 503)
    >>> r.code, r.surprise, r.warming_up
    (0, 1216, False)
    >>> r = g.update(0, 700)          # 20 sigma: surprise saturates, halt
    >>> r.code, r.reason, r.surprise
    (-4, 6, 65535)

Per reading, in order: range and slew checks on the raw value, the stuck and
replay detectors on the raw value, the redundant pair (if any), then, once the
channel has a baseline, the z-score against the calibrated baseline (Q8)
feeds drift and (FORECAST 0) CUSUM; the z-score against the working memory --
its mean, or with FORECAST 1 its least-squares line one sample ahead, which
then feeds CUSUM too -- gives the surprise gauge and (SHIFT_SPAN > 0) the
short-window shift, the mean of the channel's last SHIFT_SPAN such z; the
reading enters memory only if |z| < Z_GATE and its bias is under
BIAS_ESCALATE, and the memory's variance against NOISE_Q12 gives the
entropy gauge. ``redline.sensor.ladder``
turns gauges and flags into the decision.

Redundant pair: feed order assumption -- readings come row by row, each row
in channel order (every caller here does: the CSV runner, the interlock
loop). A pair is judged once per row, when its later channel (the higher
index, whichever of PAIR_A and PAIR_B that is) reads, and only if the
earlier channel has read since the pair was last judged: both readings are
then of the same row. (The earlier channel cannot judge: its partner's
reading is from the previous row, so a pair moving together by big steps
would look split.) A row missing the earlier channel's reading is skipped.
The judgement -- the disagreement of the two readings (the later channel's
minus the earlier's, each against its own baseline, less PAIR_OFFSET) over
PAIR_TOL -- is the later channel's bias gauge, reason "disagreement", and
feeds both channels' confidence trackers; with PAIR_SCALE > 0 it also
advances a CUSUM on the disagreement in its own sigma units (held by the
later channel), which at PAIR_H sets the bias to 65535, and with
PAIR_SLOW_K > 0 a slow one (small allowance, no leak: a leak of
2**-CUSUM_LEAK would cap its sum below the level a small split must reach)
that does so at PAIR_SLOW_H.

Warm-up: a channel whose SCALE is 0 learns its baseline from its first
WARMUP accepted readings (mean, and scale from the mean absolute deviation
times 321/256, i.e. about sqrt(pi/2), exact for Gaussian noise) and answers
Warn "warming up" meanwhile; range, slew, stuck, replay and redundancy checks
still apply. A calibrated channel starts with its memory full of baseline
readings, or (MEMORY_FILL N) empty, taking its first N readings ungated with
surprise 0 meanwhile: a plant that wanders far from the calibrated baseline
is then judged against where it is, not where it was on the calibration day.

Pressure: set ``guard.pressure`` to a ``redline.resource`` level (0..3);
Critical escalates every decision, Emergency halts.

Memory: a channel is int arrays -- the kernel's slots (``cs``, 66 x 4 B), the working memory
(4 B x WINDOW), the shift window (4 B x SHIFT_SPAN), the guard's own slots (``gs``, 27 x 4 B:
warm-up, the pair, its confidence and CUSUMs) -- and its replay detector (its rings, 6 B x
REPLAY_HISTORY per kind, and a counting filter of 4 B x REPLAY_HISTORY: redline.sensor.replay),
plus the shared fingerprint store (7 B x REPLAY_STORE: redline.sensor.prints; with
REPLAY_STORE_STRIDE K it reaches as far back as K x REPLAY_STORE prints would at stride 1). No detector
object lives on a running node: ``channel(i)`` builds them from the arrays for inspection
(redline.sensor.view), and the node never imports the detector modules.
"""
from redline.compat import const
from redline.fx import z_q8, ratio16, READING_LIMIT, SCALE_MAX
from redline.sensor.replay import ReplayDetector
from redline.sensor.prints import FingerprintStore
from redline.compat import zeros

try:  # the viper build where the emitter exists (the boards, the unix port)
    from redline.sensor.kernel_viper import reading_viper as _reading
except (ImportError, SyntaxError):  # CPython, WebAssembly: the pure-Python twin
    from redline.sensor.kernel import reading as _reading

_SAMPLE_MASK = const(0x3FFFFFFF)
# The kernel's input and output slots (redline.sensor.kernel's I_* and O_*), as private
# constants here so the compiler folds them: ``K.O_Z`` would be two lookups per use on a
# board. tests/firmware/test_sensor_view.py checks every private slot number here against the kernel's.
_K_BASE = const(0)
_K_SCALE = const(1)
_K_WARMING = const(29)
_S_LAST = const(33)
_O_CODE = const(57)
_O_REASON = const(58)
_O_Z = const(59)
_O_SHIFT = const(60)
_O_SURPRISE = const(61)
_O_ENTROPY = const(62)
_O_BIAS = const(63)
_O_FLAGS = const(64)
_O_ACCEPTED = const(65)
# The kernel's configuration and state slots the guard fills and clears (construction, reset):
# private copies too, so a running node does not keep the twin module's constants in RAM.
_K_NOISE = const(2)
_K_LO = const(3)
_K_HI = const(4)
_K_SLEW = const(5)
_K_ZW = const(6)
_K_ZE = const(7)
_K_ZH = const(8)
_K_GATE = const(9)
_K_SHALT = const(10)
_K_SRUN = const(11)
_K_SNOISE = const(12)
_K_DLIM = const(13)
_K_DSHIFT = const(14)
_K_CK = const(15)
_K_CH = const(16)
_K_CLEAK = const(17)
_K_FORECAST = const(18)
_K_FILL = const(19)
_K_BESC = const(20)
_K_SPAN = const(21)
_K_SIZE = const(22)
_K_DAL = const(23)
_K_EWARN = const(24)
_K_EESC = const(25)
_K_EHALT = const(26)
_K_BWARN = const(27)
_K_BHALT = const(28)
_S_HAS_LAST = const(34)
_T_LAST = const(35)
_T_FLAGS = const(40)
_M_INDEX = const(41)
_M_COUNT = const(42)
_M_SUM = const(43)
_M_SUM2 = const(44)
_M_TSUM = const(45)
_H_SUM = const(46)
_H_VALUE = const(49)
_C_HIGH = const(50)
_D_FLAGS = const(56)
_SIZE = const(66)
_WARM_CLAMP = const(1048576)      # 2**20: warm-up deviations are clamped here

# The guard's own per-channel slots (``_Channel.gs``, beside the kernel's ``cs``): what the
# kernel does not hold. redline.sensor.view names them publicly (G_*, same numbers; a test
# checks the two lists match).
_G_BASE0 = const(0)        # the configured baseline and scale (reset restores them)
_G_SCALE0 = const(1)
_G_WARM = const(2)         # warm-up readings taken so far
_G_ANCHOR = const(3)       # the first warm-up reading
_G_FRESH = const(4)        # read since its pair was last judged
_G_JUDGE = const(5)        # the later channel of a pair: it judges the pair
_G_TOL = const(6)          # the pair's tolerance
_G_POFF = const(7)         # the judge's nominal disagreement (later - earlier)
_G_PSCALE = const(8)       # the pair CUSUM's scale (0: no pair CUSUM)
_G_CACC = const(9)         # pair confidence (redline.sensor.conf): acc, confidence, drops, flags
_G_CONF = const(10)
_G_CDROPS = const(11)
_G_CFLAGS = const(12)
_G_PK = const(13)          # the pair CUSUM (redline.sensor.cusum, leak CUSUM_LEAK): k, h, high, low, score, flags
_G_PH = const(14)
_G_PHIGH = const(15)
_G_PLOW = const(16)
_G_PSCORE = const(17)
_G_PFLAGS = const(18)
_G_SLOW = const(19)        # 1: the slow pair CUSUM (no leak) exists
_G_SK = const(20)          # the slow pair CUSUM: k, h, high, low, score, flags
_G_SH = const(21)
_G_SHIGH = const(22)
_G_SLOWV = const(23)
_G_SSCORE = const(24)
_G_SFLAGS = const(25)
_G_WARMUP = const(26)       # WARMUP
_G_SIZE = const(27)

_CAP = const(16777216)            # 2**24: CUSUM sums saturate here (redline.sensor.cusum)
_ANOMALY = const(0x10)            # codes.FLAG_ANOMALY
_LOW_CONFIDENCE = const(0x04)     # codes.FLAG_LOW_CONFIDENCE
_DECAYING = const(0x08)           # codes.FLAG_DECAYING
_DECAY_BELOW = const(49152)       # redline.sensor.conf


class SensorResult:
    """The decision for one reading. ``code`` is a redline.codes code."""

    def __init__(self):
        self.code = 0
        self.reason = 0
        self.surprise = 0
        self.entropy = 0
        self.bias = 0
        self.flags = 0
        self.warming_up = False
        self.sample = 0
        self.channel = 0
        self.z = 0              # z vs working memory, Q8
        self.shift = 0          # |mean of the last SHIFT_SPAN z|, Q8 (0 without the check)
        self.accepted = False   # entered working memory
        self.confidence = 65535


def _pair_cusum(gs, o, z, leak):
    """One step of the leaky CUSUM in slots gs[o..o+5] (k, h, high, low, score, flags): the
    arithmetic of ``redline.sensor.cusum.LeakyCusum.update``; returns its flags."""
    k = gs[o]
    hi = gs[o + 2] + z - k
    lo = gs[o + 3] - z - k
    if hi < 0:
        hi = 0
    elif leak:
        hi -= hi >> leak
    if lo < 0:
        lo = 0
    elif leak:
        lo -= lo >> leak
    if hi > _CAP:
        hi = _CAP
    if lo > _CAP:
        lo = _CAP
    gs[o + 2] = hi
    gs[o + 3] = lo
    sc = hi if hi > lo else lo
    gs[o + 4] = sc
    f = _ANOMALY if sc >= gs[o + 1] else 0
    gs[o + 5] = f
    return f


def _confide(gs, c, min_confidence, decay_threshold):
    """One agreement value into the channel's pair confidence (slots _G_CACC.._G_CFLAGS): the
    arithmetic of ``redline.sensor.conf.PairConfidence.update``."""
    acc = gs[_G_CACC]
    acc += c - (acc >> 2)
    gs[_G_CACC] = acc
    cur = acc >> 2
    if cur < gs[_G_CONF] and cur < _DECAY_BELOW:
        gs[_G_CDROPS] += 1
    else:
        gs[_G_CDROPS] = 0
    gs[_G_CONF] = cur
    f = _LOW_CONFIDENCE if cur < min_confidence else 0
    if gs[_G_CDROPS] >= decay_threshold:
        f |= _DECAYING
    gs[_G_CFLAGS] = f


class _Channel:
    """One channel on a running node: int arrays and its replay detector, no detector objects.

    ``cs`` is the kernel's slot array (redline.sensor.kernel: configuration, the stuck, memory,
    shift, CUSUM and drift state), ``mem`` the working-memory ring's readings, ``sh`` the shift
    window's, ``gs`` the guard's own slots (G_*: warm-up, the pair, its confidence and CUSUMs).
    ``SensorGuard.channel(i)`` builds the detector objects from these for inspection
    (redline.sensor.view)."""

    def __init__(self, cfg, i, store):
        self.mem = zeros("i", cfg.window)
        self.sh = zeros("i", cfg.shift_span if cfg.shift_span else 1)
        self.replay = ReplayDetector(cfg.replay_window[i], cfg.replay_history, cfg.replay_stride,
                                     cfg.replay_min_active, cfg.replay_quant[i], store, i, cfg.replay_levels,
                                     cfg.replay_store_stride)
        self.partner = None
        gs = zeros("i", _G_SIZE)
        self.gs = gs
        gs[_G_BASE0] = cfg.baseline[i]
        gs[_G_SCALE0] = cfg.scale[i]
        gs[_G_WARMUP] = cfg.warmup
        cs = zeros("i", _SIZE)
        self.cs = cs
        cs[_K_NOISE] = cfg.noise_q12[i]
        cs[_K_LO] = cfg.range_min[i]
        cs[_K_HI] = cfg.range_max[i]
        cs[_K_SLEW] = cfg.max_slew[i]
        cs[_K_ZW] = cfg.z_warn[i]
        cs[_K_ZE] = cfg.z_escalate[i]
        cs[_K_ZH] = cfg.z_halt[i]
        cs[_K_GATE] = cfg.z_gate[i]
        cs[_K_SHALT] = cfg.shift_halt[i]
        cs[_K_SRUN] = cfg.stuck_run[i]
        cs[_K_SNOISE] = cfg.stuck_noise[i]
        cs[_K_DLIM] = cfg.drift_limit[i]
        cs[_K_DSHIFT] = cfg.drift_shift
        cs[_K_CK] = cfg.cusum_k[i]
        cs[_K_CH] = cfg.cusum_h[i]
        cs[_K_CLEAK] = cfg.cusum_leak
        cs[_K_FORECAST] = cfg.forecast
        cs[_K_FILL] = cfg.memory_fill
        cs[_K_BESC] = cfg.bias_escalate
        cs[_K_SPAN] = cfg.shift_span
        cs[_K_SIZE] = cfg.window
        cs[_K_DAL] = cfg.dal
        cs[_K_EWARN] = cfg.entropy_warn
        cs[_K_EESC] = cfg.entropy_escalate
        cs[_K_EHALT] = cfg.entropy_halt
        cs[_K_BWARN] = cfg.bias_warn
        cs[_K_BHALT] = cfg.bias_halt
        self.reset()

    def clear_memory(self):
        """The working memory empty (no reading written)."""
        mem = self.mem
        for i in range(len(mem)):
            mem[i] = 0
        cs = self.cs
        cs[_M_INDEX] = 0
        cs[_M_COUNT] = 0
        cs[_M_SUM] = 0
        cs[_M_SUM2] = 0
        cs[_M_TSUM] = 0

    def reset(self):
        cs = self.cs
        gs = self.gs
        scale = gs[_G_SCALE0]
        cs[_K_BASE] = gs[_G_BASE0]
        cs[_K_SCALE] = scale
        cs[_K_WARMING] = 1 if scale == 0 else 0
        gs[_G_WARM] = 0
        gs[_G_ANCHOR] = 0
        gs[_G_FRESH] = 0
        self.clear_memory()
        if scale and not cs[_K_FILL]:
            cs[_M_COUNT] = cs[_K_SIZE]        # full of baseline readings (u = 0)
        self.clear_detectors()
        cs[_S_LAST] = 0
        cs[_S_HAS_LAST] = 0

    def clear_detectors(self):
        """Every detector back to its start; baseline, scale and memory are kept."""
        cs = self.cs
        for i in range(_T_LAST, _T_FLAGS + 1):        # stuck
            cs[i] = 0
        for i in range(_H_SUM, _H_VALUE + 1):         # shift window
            cs[i] = 0
        for i in range(_C_HIGH, _D_FLAGS + 1):        # CUSUM, drift
            cs[i] = 0
        sh = self.sh
        for i in range(len(sh)):
            sh[i] = 0
        self.replay.reset()
        gs = self.gs
        gs[_G_CACC] = 65535 << 2
        gs[_G_CONF] = 65535
        gs[_G_CDROPS] = 0
        gs[_G_CFLAGS] = 0
        for i in range(4):                  # the pair CUSUMs' high, low, score, flags
            gs[_G_PHIGH + i] = 0
            gs[_G_SHIGH + i] = 0

    def learn(self, x):
        """One warm-up reading; at the end, fix baseline and scale and refill memory."""
        buf = self.mem
        gs = self.gs
        cs = self.cs
        n = gs[_G_WARM]
        if n == 0:
            gs[_G_ANCHOR] = x
        anchor = gs[_G_ANCHOR]
        d = x - anchor
        if d > _WARM_CLAMP:
            d = _WARM_CLAMP
        elif d < -_WARM_CLAMP:
            d = -_WARM_CLAMP
        buf[n] = d
        n += 1
        gs[_G_WARM] = n
        if n < gs[_G_WARMUP]:
            return
        s = 0
        for i in range(n):
            s += buf[i]
        m = s // n
        s = 0
        for i in range(n):
            d = buf[i] - m
            s += d if d >= 0 else -d
        scale = ((s // n) * 321 + ((s % n) * 321) // n) >> 8
        if scale < 1:
            scale = 1
        elif scale > SCALE_MAX:
            scale = SCALE_MAX
        cs[_K_BASE] = anchor + m
        cs[_K_SCALE] = scale
        for i in range(n):
            buf[i] = z_q8(buf[i] - m, scale) >> 2
        # the ring's sums over its first n slots, oldest first (redline.sensor.ring: n <= size)
        t = 0
        s1 = 0
        s2 = 0
        for i in range(n):
            u = buf[i]
            t += i * u
            s1 += u
            s2 += u * u
        cs[_M_COUNT] = n
        cs[_M_INDEX] = n if n < cs[_K_SIZE] else 0
        cs[_M_SUM] = s1
        cs[_M_SUM2] = s2
        cs[_M_TSUM] = t
        cs[_K_WARMING] = 0


class SensorGuard:
    def __init__(self, config):
        self.config = config
        n = len(config.channels)
        self.n = n
        # One fingerprint store for every channel: replays of stretches older than the rings.
        self.store = FingerprintStore(config.replay_store) if config.replay_store else None
        self._channels = [_Channel(config, i, self.store) for i in range(n)]
        for j in range(len(config.pair_a)):
            a = self._channels[config.pair_a[j]]
            b = self._channels[config.pair_b[j]]
            a.partner = b
            b.partner = a
            a.gs[_G_TOL] = b.gs[_G_TOL] = config.pair_tol[j]
            late = b if config.pair_b[j] > config.pair_a[j] else a
            gs = late.gs
            gs[_G_JUDGE] = 1
            gs[_G_POFF] = config.pair_offset[j]
            if config.pair_scale[j]:
                gs[_G_PSCALE] = config.pair_scale[j]
                gs[_G_PK] = config.pair_k[j]
                gs[_G_PH] = config.pair_h[j]
                if config.pair_slow_k[j]:
                    gs[_G_SLOW] = 1
                    gs[_G_SK] = config.pair_slow_k[j]
                    gs[_G_SH] = config.pair_slow_h[j]
        self.leak = config.cusum_leak
        self.min_confidence = config.min_confidence
        self.decay_threshold = config.decay_threshold
        # per channel, what redline.sensor.kernel.reading takes (``step``, redline.node's inline step):
        # (cs, mem, sh, replay buffers, pair), pair None for an unpaired channel, (gs,) for the
        # earlier channel of a pair (it only marks itself read), else -- the judge -- (gs, the
        # partner's gs, the partner's cs, min_confidence, decay_threshold, leak): the pair is
        # judged inside the same call. Heap: a 5-tuple costs what a 4-tuple does (two 16 B
        # blocks); a pair adds 16 + 32 B. Held here, not by the node: dropping the guard frees it.
        kb = []
        for c in self._channels:
            p = c.partner
            if p is None:
                pair = None
            elif c.gs[_G_JUDGE]:
                pair = (c.gs, p.gs, p.cs, self.min_confidence, self.decay_threshold, self.leak)
            else:
                pair = (c.gs,)
            kb.append((c.cs, c.mem, c.sh, c.replay.bufs, pair))
        self.kb = kb
        self.fill = config.memory_fill
        self.result = SensorResult()
        self.pressure = 0
        self.sample = 0
        self.warm_end = -1      # the sample number of the reading that ended a warm-up (see report)

    def channel_index(self, name):
        return self.config.index(name)

    def reset(self):
        for i in range(self.n):
            self._channels[i].reset()
        if self.store is not None:
            self.store.reset()
        self.sample = 0
        self.warm_end = -1
        self.pressure = 0

    def rearm(self):
        """Clear every detector (after an operator reset of the latch) but keep what the
        channels learned: baseline, scale, the shared fingerprint store, and the working
        memory -- unless MEMORY_FILL is set: then the memory empties and refills from the
        next readings, since the plant has moved on while it was halted."""
        for i in range(self.n):
            ch = self._channels[i]
            if self.fill and not ch.cs[_K_WARMING]:
                ch.clear_memory()
            ch.clear_detectors()
            ch.cs[_S_HAS_LAST] = 0
            ch.gs[_G_FRESH] = 0

    def channel(self, i):
        """Channel ``i`` for inspection: a ``redline.sensor.view.ChannelView``, its detector objects
        built from the channel's arrays now (allocates; a later ``update`` does not change it)."""
        from redline.sensor.view import ChannelView
        return ChannelView(self, i)

    def update(self, channel_index, x):
        """One reading through the channel's detectors; the guard's ``result``, filled."""
        self.step(channel_index, x)
        return self.report(channel_index)

    def step(self, channel_index, x):
        """``update`` without filling ``result``: the decision's code. The outputs stay in the
        channel's slots until its next reading; ``report(channel_index)`` right after (before any
        other reading) copies them into ``result``. The replay step, the pair and the kernel are
        one call, ``redline.sensor.kernel.reading`` on the channel's ``kb`` entry (its viper build
        where the emitter exists), the call ``redline.node.Node.feed`` makes inline: keep the two
        alike (tests/firmware/test_node_feed.py checks them field by field;
        tests/firmware/test_sensor_kernel.py holds this against ``_pair`` and the twin kernel)."""
        s = self.sample
        if s == _SAMPLE_MASK:   # the counter wraps: a warm-up end stamped an epoch ago is void
            self.sample = 0
            self.warm_end = -1
        else:
            self.sample = s + 1
        b = self.kb[channel_index]
        code = _reading(b, x, self.pressure)
        cs = b[0]
        if cs[_K_WARMING] == 1 and cs[_O_ACCEPTED] == 1:
            xc = x              # the warm-up takes the reading clamped, as the replay step and pair did
            if x >= READING_LIMIT:
                xc = READING_LIMIT - 1
            elif x <= -READING_LIMIT:
                xc = 1 - READING_LIMIT
            self.learn(self._channels[channel_index], xc, s)
        return code

    def learn(self, ch, xc, s):
        """A warming channel's accepted reading ``xc`` (sample number ``s``) into its warm-up; when
        that ends the warm-up, ``s`` is kept so ``report`` still says the reading as warming."""
        ch.learn(xc)
        if not ch.cs[_K_WARMING]:
            self.warm_end = s

    def report(self, channel_index):
        """``result`` filled from the outputs of the last reading, which was of ``channel_index``
        (see ``step``); returns it. Allocates nothing."""
        r = self.result
        ch = self._channels[channel_index]
        cs = ch.cs
        s = (self.sample - 1) & _SAMPLE_MASK
        r.sample = s
        r.channel = channel_index
        r.code = cs[_O_CODE]
        r.reason = cs[_O_REASON]
        r.bias = cs[_O_BIAS]
        r.flags = cs[_O_FLAGS]
        r.z = cs[_O_Z]
        r.shift = cs[_O_SHIFT]
        r.surprise = cs[_O_SURPRISE]
        r.entropy = cs[_O_ENTROPY]
        r.confidence = 65535 if ch.partner is None else ch.gs[_G_CONF]
        r.accepted = cs[_O_ACCEPTED] == 1
        r.warming_up = cs[_K_WARMING] == 1 or self.warm_end == s
        return r

    def _pair(self, ch, p, x):
        """The redundant pair's part of a reading of ``ch`` (see the module doc): the bias of
        its judgement (65535 on a CUSUM hit), 0 when there is none this row. No reading calls it
        (``step`` judges the pair inside the one-call reading, ``redline.sensor.kernel.pair``):
        it is the reference tests/firmware/test_sensor_kernel.py holds the one call against."""
        gs = ch.gs
        if not gs[_G_JUDGE]:
            gs[_G_FRESH] = 1
            return 0
        pg = p.gs
        if not pg[_G_FRESH]:
            return 0
        # the earlier channel has read in this row: both readings are known
        pg[_G_FRESH] = 0
        cs = ch.cs
        pcs = p.cs
        if cs[_K_WARMING] or pcs[_K_WARMING]:
            return 0
        d = (x - cs[_K_BASE]) - (pcs[_S_LAST] - pcs[_K_BASE]) - gs[_G_POFF]
        b = ratio16(d if d >= 0 else -d, gs[_G_TOL])
        mc = self.min_confidence
        dt = self.decay_threshold
        _confide(gs, 65535 - b, mc, dt)
        _confide(pg, 65535 - b, mc, dt)
        ps = gs[_G_PSCALE]
        if ps:
            zd = z_q8(d, ps)
            hit = _pair_cusum(gs, _G_PK, zd, self.leak)
            if gs[_G_SLOW]:
                hit |= _pair_cusum(gs, _G_SK, zd, 0)
            if hit:
                b = 65535
        return b
