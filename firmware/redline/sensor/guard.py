"""SensorGuard: one detector bank per channel, one decision per reading.

Everything is preallocated from a ``SensorConfig`` at construction;
``update(channel_index, value)`` allocates nothing and returns the guard's
single ``SensorResult`` (overwritten by the next call -- copy what you keep)::

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
"""
from redline.compat import const
from redline.fx import z_q8, ratio16, READING_LIMIT, SCALE_MAX
from redline.sensor.ring import ChannelRing
from redline.sensor.stuck import StuckDetector
from redline.sensor.ramp import RampDetector
from redline.sensor.cusum import LeakyCusum
from redline.sensor.shift import ShiftWindow
from redline.sensor.replay import ReplayDetector, step as _replay
from redline.sensor.prints import FingerprintStore
from redline.sensor.conf import PairConfidence
from redline.sensor.ladder import SensorLadder
from redline.sensor import kernel as K
from redline.compat import zeros
from redline import codes as R

try:  # the viper build where the emitter exists (the boards, the unix port)
    from redline.sensor.kernel_viper import step_viper as _kernel
except (ImportError, SyntaxError):  # CPython, WebAssembly: the pure-Python twin
    from redline.sensor.kernel import step as _kernel

_SAMPLE_MASK = const(0x3FFFFFFF)
# The kernel's input and output slots (redline.sensor.kernel's I_* and O_*), as private
# constants here so the compiler folds them: ``K.O_Z`` would be two lookups per use on a
# board. tests/firmware/test_sensor_kernel.py checks they match.
_I_FLAGS = const(30)
_I_PAIR = const(31)
_I_PRESSURE = const(32)
_S_LAST = const(33)
_O_REASON = const(58)
_O_Z = const(59)
_O_SHIFT = const(60)
_O_SURPRISE = const(61)
_O_ENTROPY = const(62)
_O_BIAS = const(63)
_O_FLAGS = const(64)
_O_ACCEPTED = const(65)
_WARM_CLAMP = const(1048576)      # 2**20: warm-up deviations are clamped here


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


class _Channel:
    def __init__(self, cfg, i, store):
        self.base0 = cfg.baseline[i]
        self.scale0 = cfg.scale[i]
        self.noise = cfg.noise_q12[i]
        self.lo = cfg.range_min[i]
        self.hi = cfg.range_max[i]
        self.slew = cfg.max_slew[i]
        self.zw = cfg.z_warn[i]
        self.ze = cfg.z_escalate[i]
        self.zh = cfg.z_halt[i]
        self.gate = cfg.z_gate[i]
        self.warmup = cfg.warmup
        self.fill = cfg.memory_fill
        self.memory = ChannelRing(cfg.window)
        self.stuck = StuckDetector(cfg.stuck_run[i], cfg.stuck_noise[i], self.scale0)
        self.drift = RampDetector(cfg.drift_limit[i], cfg.drift_shift)
        self.cusum = LeakyCusum(cfg.cusum_k[i], cfg.cusum_h[i], cfg.cusum_leak)
        self.shift = ShiftWindow(cfg.shift_span) if cfg.shift_span else None
        self.shift_halt = cfg.shift_halt[i]
        self.replay = ReplayDetector(cfg.replay_window[i], cfg.replay_history, cfg.replay_stride,
                                     cfg.replay_min_active, cfg.replay_quant[i], store, i, cfg.replay_levels)
        self.confidence = PairConfidence(cfg.min_confidence, cfg.decay_threshold)
        self.partner = None
        self.tol = 0
        self.judge = False        # the later channel of a pair: it judges the pair
        self.fresh = False        # read since its pair was last judged
        self.pair_cusum = None    # the pair's disagreement CUSUM, held by the judge
        self.pair_slow = None     # its slow twin (small allowance), or None
        self.pair_scale = 0
        self.pair_offset = 0      # the judge's nominal disagreement (later - earlier)
        # The kernel's slots (redline.sensor.kernel): the detectors' numbers live there while
        # the guard runs; the objects above hold them after reset and for inspection
        # (``SensorGuard.channel`` brings them up to date).
        self.sh = self.shift.buf if self.shift is not None else zeros("i", 1)
        cs = zeros("i", K.SIZE)
        self.cs = cs
        cs[K.K_NOISE] = self.noise
        cs[K.K_LO] = self.lo
        cs[K.K_HI] = self.hi
        cs[K.K_SLEW] = self.slew
        cs[K.K_ZW] = self.zw
        cs[K.K_ZE] = self.ze
        cs[K.K_ZH] = self.zh
        cs[K.K_GATE] = self.gate
        cs[K.K_SHALT] = self.shift_halt
        cs[K.K_SRUN] = self.stuck.run_limit
        cs[K.K_SNOISE] = self.stuck.min_noise
        cs[K.K_DLIM] = self.drift.limit
        cs[K.K_DSHIFT] = self.drift.shift
        cs[K.K_CK] = self.cusum.k
        cs[K.K_CH] = self.cusum.h
        cs[K.K_CLEAK] = self.cusum.leak_shift
        cs[K.K_FORECAST] = cfg.forecast
        cs[K.K_FILL] = cfg.memory_fill
        cs[K.K_BESC] = cfg.bias_escalate
        cs[K.K_SPAN] = cfg.shift_span
        cs[K.K_SIZE] = self.memory.size
        cs[K.K_DAL] = cfg.dal
        cs[K.K_EWARN] = cfg.entropy_warn
        cs[K.K_EESC] = cfg.entropy_escalate
        cs[K.K_EHALT] = cfg.entropy_halt
        cs[K.K_BWARN] = cfg.bias_warn
        cs[K.K_BHALT] = cfg.bias_halt
        self.reset()

    def _load_channel(self):
        cs = self.cs
        cs[K.K_BASE] = self.base
        cs[K.K_SCALE] = self.scale
        cs[K.K_WARMING] = 1 if self.warming else 0
        cs[K.S_LAST] = self.last
        cs[K.S_HAS_LAST] = 1 if self.has_last else 0

    def _load_memory(self):
        cs = self.cs
        m = self.memory
        cs[K.M_INDEX] = m.index
        cs[K.M_COUNT] = m.count
        cs[K.M_SUM] = m.sum
        cs[K.M_SUM2] = m.sum2
        cs[K.M_TSUM] = m.tsum

    def _load_detectors(self):
        cs = self.cs
        t = self.stuck
        cs[K.T_LAST] = t.last
        cs[K.T_HAS] = 1 if t.has_last else 0
        cs[K.T_RUN] = t.run
        cs[K.T_ACC] = t.acc
        cs[K.T_SEEN] = t.seen
        cs[K.T_FLAGS] = t.flags
        w = self.shift
        if w is not None:
            cs[K.H_SUM] = w.sum
            cs[K.H_I] = w.i
            cs[K.H_N] = w.n
            cs[K.H_VALUE] = w.value
        c = self.cusum
        cs[K.C_HIGH] = c.high
        cs[K.C_LOW] = c.low
        cs[K.C_SCORE] = c.score
        cs[K.C_FLAGS] = c.flags
        d = self.drift
        cs[K.D_ACC] = d.acc
        cs[K.D_SCORE] = d.score
        cs[K.D_FLAGS] = d.flags

    def sync(self):
        """The kernel's slots back into the detector objects (inspection; allocates nothing)."""
        cs = self.cs
        self.last = cs[K.S_LAST]
        self.has_last = cs[K.S_HAS_LAST] == 1
        t = self.stuck
        t.last = cs[K.T_LAST]
        t.has_last = cs[K.T_HAS] == 1
        t.run = cs[K.T_RUN]
        t.acc = cs[K.T_ACC]
        t.seen = cs[K.T_SEEN]
        t.flags = cs[K.T_FLAGS]
        m = self.memory
        m.index = cs[K.M_INDEX]
        m.count = cs[K.M_COUNT]
        m.sum = cs[K.M_SUM]
        m.sum2 = cs[K.M_SUM2]
        m.tsum = cs[K.M_TSUM]
        w = self.shift
        if w is not None:
            w.sum = cs[K.H_SUM]
            w.i = cs[K.H_I]
            w.n = cs[K.H_N]
            w.value = cs[K.H_VALUE]
        c = self.cusum
        c.high = cs[K.C_HIGH]
        c.low = cs[K.C_LOW]
        c.score = cs[K.C_SCORE]
        c.flags = cs[K.C_FLAGS]
        d = self.drift
        d.acc = cs[K.D_ACC]
        d.score = cs[K.D_SCORE]
        d.flags = cs[K.D_FLAGS]
        self.replay.sync()

    def reset(self):
        self.base = self.base0
        self.scale = self.scale0
        self.warming = self.scale0 == 0
        self.warm = 0
        self.anchor = 0
        self.last = 0
        self.has_last = False
        self.fresh = False
        self.memory.reset()
        if not self.warming and not self.fill:
            self.memory.prefill()
        self.clear_detectors()
        self._load_channel()
        self._load_memory()

    def clear_detectors(self):
        """Every detector back to its start; baseline, scale and memory are kept."""
        self.stuck.reset()
        self.stuck.scale = self.scale
        self.drift.reset()
        self.cusum.reset()
        if self.shift is not None:
            self.shift.reset()
        self.replay.reset()
        self.confidence.reset()
        if self.pair_cusum is not None:
            self.pair_cusum.reset()
        if self.pair_slow is not None:
            self.pair_slow.reset()
        self._load_detectors()

    def learn(self, x):
        """One warm-up reading; at the end, fix baseline and scale and refill memory."""
        buf = self.memory.buf
        n = self.warm
        if n == 0:
            self.anchor = x
        d = x - self.anchor
        if d > _WARM_CLAMP:
            d = _WARM_CLAMP
        elif d < -_WARM_CLAMP:
            d = -_WARM_CLAMP
        buf[n] = d
        n += 1
        self.warm = n
        if n < self.warmup:
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
        self.base = self.anchor + m
        self.scale = scale
        for i in range(n):
            buf[i] = z_q8(buf[i] - m, scale) >> 2
        self.memory.reload(n)
        self.stuck.scale = scale
        self.warming = False
        self._load_channel()
        self._load_memory()


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
            a.tol = b.tol = config.pair_tol[j]
            late = b if config.pair_b[j] > config.pair_a[j] else a
            late.judge = True
            late.pair_offset = config.pair_offset[j]
            if config.pair_scale[j]:
                late.pair_scale = config.pair_scale[j]
                late.pair_cusum = LeakyCusum(config.pair_k[j], config.pair_h[j], config.cusum_leak)
                if config.pair_slow_k[j]:
                    late.pair_slow = LeakyCusum(config.pair_slow_k[j], config.pair_slow_h[j], 0)
        self.ladder = SensorLadder(config)
        self.bias_escalate = config.bias_escalate
        self.forecast = config.forecast
        self.fill = config.memory_fill
        self.result = SensorResult()
        self.pressure = 0
        self.sample = 0

    def channel_index(self, name):
        return self.config.index(name)

    def reset(self):
        for i in range(self.n):
            self._channels[i].reset()
        if self.store is not None:
            self.store.reset()
        self.sample = 0
        self.pressure = 0

    def rearm(self):
        """Clear every detector (after an operator reset of the latch) but keep what the
        channels learned: baseline, scale, the shared fingerprint store, and the working
        memory -- unless MEMORY_FILL is set: then the memory empties and refills from the
        next readings, since the plant has moved on while it was halted."""
        for i in range(self.n):
            ch = self._channels[i]
            if self.fill and not ch.warming:
                ch.memory.reset()
                ch._load_memory()
            ch.clear_detectors()
            ch.cs[K.S_HAS_LAST] = 0
            ch.has_last = False
            ch.fresh = False

    def channel(self, i):
        """The per-channel bank (detectors and memory), for inspection: its detector objects are
        brought up to date from the kernel's slots first (a later ``update`` does not touch them)."""
        ch = self._channels[i]
        ch.sync()
        return ch

    def update(self, channel_index, x):
        r = self.result
        ch = self._channels[channel_index]
        cs = ch.cs
        s = self.sample
        r.sample = s
        self.sample = (s + 1) & _SAMPLE_MASK
        r.channel = channel_index
        xc = x                  # the kernel clamps (and flags) x itself; replay and pair need it clamped
        if x >= READING_LIMIT:
            xc = READING_LIMIT - 1
        elif x <= -READING_LIMIT:
            xc = 1 - READING_LIMIT
        flags = _replay(ch.replay.bufs, xc)     # the replay detector in one call (redline.sensor.rstep)
        p = ch.partner
        pb = 0
        if p is not None:
            pb = self._pair(ch, p, xc)
        conf = ch.confidence
        cs[_I_FLAGS] = flags | conf.flags
        cs[_I_PAIR] = pb
        cs[_I_PRESSURE] = self.pressure
        r.code = _kernel(cs, ch.memory.buf, ch.sh, x)
        r.reason = cs[_O_REASON]
        r.bias = cs[_O_BIAS]
        r.flags = cs[_O_FLAGS]
        r.z = cs[_O_Z]
        r.shift = cs[_O_SHIFT]
        r.surprise = cs[_O_SURPRISE]
        r.entropy = cs[_O_ENTROPY]
        r.confidence = conf.confidence
        accept = cs[_O_ACCEPTED] == 1
        r.accepted = accept
        w = ch.warming
        r.warming_up = w
        if w and accept:
            ch.learn(xc)
        return r

    def _pair(self, ch, p, x):
        """The redundant pair's part of a reading of ``ch`` (see the module doc): the bias of
        its judgement (65535 on a CUSUM hit), 0 when there is none this row."""
        if not ch.judge:
            ch.fresh = True
            return 0
        if not p.fresh:
            return 0
        # the earlier channel has read in this row: both readings are known
        p.fresh = False
        if ch.warming or p.warming:
            return 0
        d = (x - ch.base) - (p.cs[_S_LAST] - p.base) - ch.pair_offset
        b = ratio16(d if d >= 0 else -d, ch.tol)
        ch.confidence.update(65535 - b)
        p.confidence.update(65535 - b)
        pc = ch.pair_cusum
        if pc is not None:
            zd = z_q8(d, ch.pair_scale)
            hit = pc.update(zd)
            pc = ch.pair_slow
            if pc is not None:
                hit |= pc.update(zd)
            if hit:
                b = 65535
        return b
