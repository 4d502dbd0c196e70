"""The sensor guard's channel kernel: its pure-Python twin against the detector objects it
replaces, and the one-call reading's viper build (``kernel_viper.reading_viper``, the kernel's
only viper build) against the twin (``kernel.reading``), slot by slot, on seeded readings with
negatives, readings beyond the reading limit, negative baselines, every DAL, pressure,
replay and confidence flags and pair biases handed in; the pair judged in the one call against
``SensorGuard._pair``."""
from array import array
from redline.sensor import kernel as K
from redline.sensor.config import SensorConfig
from redline.sensor.guard import SensorGuard, SensorResult
from redline.sensor.ladder import SensorLadder
from redline.fx import z_q8, variance_ratio16

_LIM = 536870912
_READINGS = 700         # per variant (tests/host/test_rp2040_sensor.py runs fewer on the emulated chip)
_PAIR_ROWS = 260        # per pair case (likewise)



def _viper():
    try:
        from redline.sensor.kernel_viper import reading_viper
        return reading_viper
    except (ImportError, SyntaxError):      # no viper emitter here: the twin is what runs
        return None


def _cfg(v):
    # replay off (quant 0, no store): the kernel does not run it, and its rings would crowd
    # the unix runner's board-sized heap
    forecast, fill, span, leak, dal, base = v
    return SensorConfig(("a",), baseline=base, scale=37, window=16, warmup=16, forecast=forecast, memory_fill=fill,
                        shift_span=span, cusum_leak=leak, dal=dal, noise_q12=70000 if leak else 3000,
                        range_min=base - 6000, range_max=base + 6000, max_slew=2500,
                        stuck_run=5, stuck_noise=20, drift_limit=300, cusum_k=100, cusum_h=3000,
                        z_gate=900, shift_halt=700, replay_quant=0, replay_history=1)


_VARIANTS = (
    (0, 0, 0, 6, 0, 1000),
    (1, 0, 5, 6, 0, -4000),
    (0, 8, 5, 0, 1, -300000),
    (1, 8, 1, 3, 2, 250000),
    (0, 0, 7, 6, 3, 0),
    (1, 0, 0, 6, 4, 77),
)


class _Stream:
    """Seeded readings around ``base``: noise, readings beyond the limit, frozen stretches, a
    ramp and a step, out of range (no list: the unix runner's heap is board-sized)."""

    def __init__(self, seed, base):
        self.s = seed
        self.base = base
        self.last = base

    def at(self, i):
        s = self.s = (self.s * 75 + 74) % 65537
        base = self.base
        k = i % 97
        if k == 13:
            x = _LIM + s                         # beyond the reading limit
        elif k == 14:
            x = -_LIM - s
        elif k == 30:
            x = _LIM - 1
        elif 40 <= k < 47:
            x = self.last                        # a frozen stretch: stuck
        elif 60 <= k < 75:
            x = base + (k - 60) * 200 + s % 31   # a ramp and a step: CUSUM, drift, shift
        elif k == 80:
            x = base - 9000                      # out of range
        else:
            x = base + (s % 301) - 150
        self.last = x
        return x


def _inputs(i, s):
    flags = (0, 0, 0, 4, 8, 12, 32, 36)[s % 8] if i % 5 == 0 else 0
    pair = (0, 0, 0, s % 65536, 65535, 20000)[(s >> 3) % 6] if i % 3 == 0 else 0
    pressure = (s >> 5) % 4 if i % 23 == 0 else 0
    return flags, pair, pressure


def _ref_step(g, ch, x, fin, pb, pressure):
    """main 7d971b5's SensorGuard.update (calibrated channel, pair and replay handed in),
    on the detector objects."""
    cfg = g.config
    bias = 0
    br = 0
    if x >= _LIM:
        x = _LIM - 1
        bias = 65535
        br = 2
    elif x <= -_LIM:
        x = 1 - _LIM
        bias = 65535
        br = 2
    if x < ch.lo or x > ch.hi:
        bias = 65535
        br = 2
    if ch.has_last and ch.slew and not bias:
        d = x - ch.last
        if d > ch.slew or -d > ch.slew:
            bias = 65535
            br = 3
    ch.last = x
    ch.has_last = True
    flags = ch.stuck.update(x) | fin
    if flags & 32 and not bias:
        bias = 65535
        br = 4
    if pb > bias:
        bias = pb
        br = 5
    r = SensorResult()
    r.warming_up = False
    zb = z_q8(x - ch.base, ch.scale)
    mem = ch.memory
    if mem.count < cfg.memory_fill:
        z = 0
        accept = bias < cfg.bias_escalate
    else:
        z = zb - (mem.forecast_q8() if cfg.forecast else mem.mean_q6() * 4)
        accept = (z if z >= 0 else -z) < ch.gate and bias < cfg.bias_escalate
    az = z if z >= 0 else -z
    r.z = z
    shift = False
    if ch.shift is not None:
        r.shift = ch.shift.update(z)
        shift = r.shift >= ch.shift_halt
    else:
        r.shift = 0
    r.surprise = min(az * 16, 65535)
    r.accepted = accept
    if accept:
        mem.update(zb >> 2)
    r.entropy = variance_ratio16(mem.variance_q12(), ch.noise)
    flags |= ch.cusum.update(z if cfg.forecast else zb) | ch.drift.update(zb)
    r.bias = bias
    r.flags = flags
    SensorLadder(g.config).decide(r, az, ch.zw, ch.ze, ch.zh, br, pressure, shift)
    return r


def _set_inputs(cs, fin, pb, pressure):
    cs[K.I_FLAGS] = fin
    cs[K.I_PAIR] = pb
    cs[K.I_PRESSURE] = pressure


def test_twin_matches_the_detector_objects():
    seen = {}
    for v in _VARIANTS:
        cfg = _cfg(v)
        gk = SensorGuard(cfg)
        gr = SensorGuard(cfg)
        ck = gk._channels[0]       # the running channel's arrays
        cr = gr.channel(0)         # detector objects (a view, stepped on its own as the reference)
        s = 17
        xs = _Stream(v[5] & 1023, cfg.baseline[0])
        for i in range(_READINGS):
            x = xs.at(i)
            s = (s * 75 + 74) % 65537
            fin, pb, pressure = _inputs(i, s)
            _set_inputs(ck.cs, fin, pb, pressure)
            code = K.step(ck.cs, ck.mem, ck.sh, x)
            r = _ref_step(gr, cr, x, fin, pb, pressure)
            cs = ck.cs
            got = (code, cs[K.O_REASON], cs[K.O_Z], cs[K.O_SHIFT], cs[K.O_SURPRISE], cs[K.O_ENTROPY],
                   cs[K.O_BIAS], cs[K.O_FLAGS], cs[K.O_ACCEPTED] == 1)
            want = (r.code, r.reason, r.z, r.shift, r.surprise, r.entropy, r.bias, r.flags, r.accepted)
            assert got == want, (v, i, x, got, want)
            seen[(r.code, r.reason)] = 1
            kv = gk.channel(0)
            for a, b in ((kv.stuck, cr.stuck), (kv.memory, cr.memory), (kv.cusum, cr.cusum), (kv.drift, cr.drift)):
                for f in ("last", "has_last", "run", "acc", "seen", "flags", "index", "count", "sum", "sum2",
                          "tsum", "high", "low", "score"):
                    if hasattr(b, f):
                        assert getattr(a, f) == getattr(b, f), (v, i, f)
            if cr.shift is not None:
                assert (kv.shift.sum, kv.shift.i, kv.shift.n, kv.shift.value) == (
                    cr.shift.sum, cr.shift.i, cr.shift.n, cr.shift.value), (v, i)
            for j in range(len(cr.memory.buf)):
                assert ck.mem[j] == cr.memory.buf[j]
    if _READINGS >= 600:
        # the streams reach every rung that a calibrated channel can
        reasons = sorted(set(k[1] for k in seen))
        assert reasons == [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], reasons
        assert sorted(set(k[0] for k in seen)) == [-5, -4, -3, -2, 0, 1, 2]


def _fed(ch, fin, pb, i):
    """The one-call reading's tuple for ``ch`` that hands the kernel ``fin`` and ``pb`` (replay off:
    its flags are 0): on even ``i`` an earlier channel of a pair whose confidence flags slot holds
    ``fin`` (the call ORs it into I_FLAGS and writes I_PAIR 0), on odd ``i`` an unpaired channel
    (the call leaves I_PAIR, set here to ``pb``, alone)."""
    ch.cs[K.I_PAIR] = pb
    fg = ch.fg
    fg[12] = fin                        # G_CFLAGS
    return (ch.cs, ch.mem, ch.sh, ch.replay.bufs, None if i & 1 else (fg,))


def test_viper_build_matches_the_twin_slot_by_slot():
    fast = _viper()
    if fast is None:
        return
    for v in _VARIANTS:
        cfg = _cfg(v)
        a = SensorGuard(cfg)._channels[0]
        b = SensorGuard(cfg)._channels[0]
        a.fg = array("i", [0] * 27)
        b.fg = array("i", [0] * 27)
        s = 29
        xs = _Stream((v[5] + 5) & 1023, cfg.baseline[0])
        for i in range(_READINGS):
            x = xs.at(i)
            s = (s * 75 + 74) % 65537
            fin, pb, pressure = _inputs(i, s)
            warming = 1 if i % 50 < 3 else 0         # the warm-up branch too
            a.cs[K.K_WARMING] = b.cs[K.K_WARMING] = warming
            c1 = K.reading(_fed(a, fin, pb, i), x, pressure)
            c2 = fast(_fed(b, fin, pb, i), x, pressure)
            assert c1 == c2, (v, i, x)
            assert (a.cs[K.I_FLAGS], a.cs[K.I_PAIR], a.cs[K.I_PRESSURE]) == (
                (fin, 0, pressure) if i & 1 == 0 else (0, pb, pressure)), (v, i)
            for j in range(K.SIZE):
                assert a.cs[j] == b.cs[j], (v, i, x, j)
            for j in range(len(a.fg)):
                assert a.fg[j] == b.fg[j], (v, i, j)
            for j in range(len(a.mem)):
                assert a.mem[j] == b.mem[j], (v, i, j)
            for j in range(len(a.sh)):
                assert a.sh[j] == b.sh[j], (v, i, j)


def test_negative_floor_division_and_shifts():
    # z below the baseline: floor, not truncation (z_q8(-1, 37) is -7, not -6); the drift
    # accumulator's >> of a negative floors too
    for rd in (K.reading, _viper()):
        if rd is None:
            continue
        g = SensorGuard(_cfg((0, 0, 0, 6, 0, 1000)))
        ch = g._channels[0]
        kb = g.kb[0]
        rd(kb, 999, 0)
        assert ch.cs[K.O_Z] == -7 == z_q8(-1, 37)
        assert ch.cs[K.D_ACC] == -7 and ch.cs[K.D_SCORE] == 16      # (-7 >> 4) == -1
        rd(kb, 1000 - 37 * 3, 0)
        # the memory's mean is floor(-2 / 16) = -1 (Q6), -4 in Q8: z = -768 + 4
        assert ch.cs[K.O_Z] == -764
        # drift: -7 - 768 - (-7 >> 4) = -774; -774 >> 4 = -49 (floor of -48.4): score 784
        assert ch.cs[K.D_ACC] == -774 and ch.cs[K.D_SCORE] == 784


def test_guard_uses_the_viper_kernel_where_it_exists():
    # one kernel path: SensorGuard.step and redline.node's feed both call guard._reading
    from redline.sensor import guard
    fast = _viper()
    assert guard._reading is (fast if fast is not None else K.reading)
    assert getattr(guard, "_kernel", None) is None


def test_the_guards_folded_slot_numbers_are_the_kernels():
    # guard.py repeats the slots it touches per reading as private consts (folded at compile
    # time on MicroPython, where the names are then gone); CPython keeps the names: they must
    # agree there (the source is the same everywhere)
    from redline.sensor import guard
    names = ("K_WARMING", "S_LAST", "O_REASON", "O_Z", "O_SHIFT", "O_SURPRISE",
             "O_ENTROPY", "O_BIAS", "O_FLAGS", "O_ACCEPTED")
    if getattr(guard, "_O_Z", None) is None:
        return
    for n in names:
        assert getattr(guard, "_" + n) == getattr(K, n), n


def test_guard_result_is_the_kernel_outputs_field_by_field():
    # after every update each field of the guard's result equals what the kernel wrote (taken
    # at the kernel call), the confidence and warm-up flag as they were then; over warm-up, its
    # end (learn), a redundant pair (the partner's confidence moves), range trips
    from redline.sensor import guard as G
    from redline.sensor import view as V
    from redline.sensor.config import SensorConfig
    cfg = SensorConfig(("a", "b", "c"), baseline=(1000, 2000, 500), scale=(40, 40, 0), warmup=20,             # c warms up
                       pair_a=(0,), pair_b=(1,), pair_tol=(300,), range_min=(0, 0, 300),
                       range_max=(5000, 5000, 700), z_gate=(2048, 2048, 1024))
    g = SensorGuard(cfg)
    snap = [None, 0]          # the last kernel call's outputs, calls
    kern = G._reading

    def spy(b, x, pressure):
        code = kern(b, x, pressure)
        cs = b[0]
        ch = None
        for c in g._channels:
            if c.cs is cs:
                ch = c
        snap[1] += 1
        snap[0] = ((code, cs[K.O_REASON], cs[K.O_SURPRISE], cs[K.O_ENTROPY], cs[K.O_BIAS], cs[K.O_FLAGS],
                     cs[K.O_Z], cs[K.O_SHIFT], cs[K.O_ACCEPTED] == 1,
                    65535 if ch.partner is None else ch.gs[V.G_CONF], cs[K.K_WARMING] == 1))
        return code

    r = g.result
    assert (r.code, r.surprise, r.entropy, r.bias, r.flags, r.z, r.shift, r.accepted, r.confidence,
            r.warming_up) == (0, 0, 0, 0, 0, 0, 0, False, 65535, False)
    G._reading = spy
    try:
        s = 3
        seen = {}
        for i in range(240):
            for c in range(3):
                s = (s * 75 + 74) % 65537
                x = cfg.baseline[c] + (s % 97) - 48 + (i // 60) * (c + 1) * 37
                if i % 53 == 40:
                    x += 9000                       # out of range
                r = g.update(c, x)
                got = (r.code, r.reason, r.surprise, r.entropy, r.bias, r.flags, r.z, r.shift, r.accepted,
                       r.confidence, r.warming_up)
                assert got == snap[0], (i, c, got, snap[0])
                assert r.channel == c
                seen[(r.code, r.warming_up, r.confidence < 65535, r.accepted)] = 1
    finally:
        G._reading = kern
    assert snap[1] == 720
    assert len(seen) >= 8, seen
    assert [k for k in seen if k[1]] and [k for k in seen if k[2]], seen     # warm-up, a pair's confidence


def _reading_fast():
    try:
        from redline.sensor.kernel_viper import reading_viper
        return reading_viper
    except (ImportError, SyntaxError):      # no viper emitter here: the twin is what runs
        return K.reading


def test_one_call_reading_is_the_replay_step_then_the_kernel():
    # kernel.reading (viper build where it exists: what redline.node calls for an unpaired channel)
    # against the twins called one after the other as SensorGuard.step does: clamp, replay step
    # into I_FLAGS, pressure into I_PRESSURE, kernel; every slot, ring and store word after every
    # reading, over replays (a stretch fed again), the reading limit, every variant
    from array import array
    from redline.sensor.rstep import replay_step
    fast = _reading_fast()
    for vi in range(len(_VARIANTS)):
        v = _VARIANTS[vi]
        forecast, fill, span, leak, dal, base = v
        # level prints too on every other variant (the board's configuration has them)
        cfg = SensorConfig(("a",), baseline=base, scale=37, window=16, warmup=16, forecast=forecast,
                           memory_fill=fill, shift_span=span, cusum_leak=leak, dal=dal, range_min=base - 6000,
                           range_max=base + 6000, max_slew=2500, stuck_run=5, replay_quant=37, replay_window=4,
                           replay_history=8, replay_store=64, replay_min_active=1, replay_levels=vi & 1)
        ga = SensorGuard(cfg)
        gb = SensorGuard(cfg)
        a = ga._channels[0]
        b = gb._channels[0]
        kb = (b.cs, b.mem, b.sh, b.replay.bufs, None)
        kept = array("i", [0] * 50)
        xs = _Stream((v[5] + 11) & 1023, base)
        replays = 0
        s = 5
        for i in range(170):                   # past the replayed rows whatever _READINGS is
            if 100 <= i < 160:
                x = kept[i % 50]                # rows 100..159 replay rows 50..99 (and again)
            else:
                x = xs.at(i)
                if 50 <= i < 100:
                    kept[i - 50] = x
            s = (s * 75 + 74) % 65537
            pressure = (s >> 5) % 4 if i % 23 == 0 else 0
            xc = x
            if x >= _LIM:
                xc = _LIM - 1
            elif x <= -_LIM:
                xc = 1 - _LIM
            a.cs[K.I_FLAGS] = replay_step(a.replay.bufs, xc)
            a.cs[K.I_PRESSURE] = pressure
            c1 = K.step(a.cs, a.mem, a.sh, x)
            c2 = fast(kb, x, pressure)
            assert c1 == c2, (v, i, x)
            if a.cs[K.I_FLAGS] & 32:
                replays += 1
            for j in range(K.SIZE):
                assert a.cs[j] == b.cs[j], (v, i, x, j)
            for j in range(len(a.mem)):
                assert a.mem[j] == b.mem[j], (v, i, j)
            ra = a.replay.bufs
            rb = b.replay.bufs
            for k in range(4):
                for j in range(len(ra[k])):
                    assert ra[k][j] == rb[k][j], (v, i, k, j)
        for k in (4, 5):
            for j in range(len(ga.store.words if k == 4 else ga.store.halves)):
                assert ra[k][j] == rb[k][j], (v, k, j)
        assert replays >= 1, (v, replays)


def test_one_call_reading_with_the_replay_check_off_and_no_store():
    # REPLAY_QUANT 0 on one channel (the one-call reading skips the whole replay step) and 1 on
    # the other (its window step skips the divisions), no fingerprint store: the same slots and
    # rings as the twins
    from redline.sensor.rstep import replay_step
    fast = _reading_fast()
    cfg = SensorConfig(("a", "b"), baseline=(500, -700), scale=29, window=16, warmup=16, range_min=-6000,
                       range_max=6000, max_slew=2500, stuck_run=5, replay_quant=(0, 1), replay_window=3,
                       replay_history=16, replay_stride=1, replay_min_active=1, replay_levels=1)
    ga = SensorGuard(cfg)
    gb = SensorGuard(cfg)
    from array import array
    xs = _Stream(7, 0)
    kept = array("i", [0] * 12)
    flagged = 0
    for i in range(160):
        if i < 40 or i % 40 >= 24:
            x = xs.at(i)
            kept[i % 12] = x
        else:
            x = kept[i % 12]                    # rows 40..63, 80..103, 120..143 replay the last 12
        xc = x
        if x >= _LIM:
            xc = _LIM - 1
        elif x <= -_LIM:
            xc = 1 - _LIM
        for c in range(2):
            a = ga._channels[c]
            b = gb._channels[c]
            a.cs[K.I_FLAGS] = replay_step(a.replay.bufs, xc)
            a.cs[K.I_PRESSURE] = 0
            c1 = K.step(a.cs, a.mem, a.sh, x)
            c2 = fast((b.cs, b.mem, b.sh, b.replay.bufs, None), x, 0)
            assert c1 == c2, (c, i, x)
            if c == 1 and a.cs[K.I_FLAGS] & 32:
                flagged += 1
            assert not (c == 0 and b.cs[K.I_FLAGS]), i
            for j in range(K.SIZE):
                assert a.cs[j] == b.cs[j], (c, i, j)
            for k in range(4):
                ra = a.replay.bufs[k]
                for j in range(len(ra)):
                    assert ra[j] == b.replay.bufs[k][j], (c, i, k, j)
    assert flagged >= 1, flagged


# (pair_a, pair_b, tol, scale, k, h, offset, slow_k, slow_h, channel scale (0: warm-up), baselines,
#  drift per row of the later channel, min_confidence, decay_threshold, leak)
_PAIR_CASES = (
    # calibrated, both CUSUMs, an offset, the later channel drifting apart: CUSUM hits, decay
    (0, 2, 300, 40, 64, 900, 25, 8, 1500, 37, (1000, -50, 1030), 3, 40000, 3, 6),
    # the judge is PAIR_A (the higher index), fast CUSUM only, no leak, warm-up on every channel
    (2, 0, 120, 25, 200, 3000, -40, 0, 2048, 0, (-300000, 7, -299950), 1, 19661, 2, 0),
    # no pair CUSUM; a tolerance near the limit and readings at it: the disagreement passes 2**31
    (1, 2, 536870911, 0, 320, 2048, 536870911, 0, 2048, 4194304, (536870911, 0, -536870911), 0, 65535, 1, 4),
    # a small tolerance and scale: big biases, z clamped both ways
    (0, 1, 3, 1, 0, 1, -536870911, 5, 9, 29, (-536870911, 536870911, 11), -7, 0, 1000, 16),
)


def _pair_cfg(c):
    pa, pb, tol, ps, pk, ph, off, sk, sh, scale, base, _, mc, dt, leak = c
    return SensorConfig(("a", "b", "c"), baseline=base, scale=scale, window=16, warmup=8, cusum_leak=leak,
                        min_confidence=mc, decay_threshold=dt, range_min=-536870911, range_max=536870911,
                        max_slew=0, stuck_run=5, replay_quant=3, replay_window=4, replay_history=8,
                        replay_store=32, replay_min_active=1, pair_a=(pa,), pair_b=(pb,), pair_tol=(tol,),
                        pair_scale=(ps,), pair_k=(pk,), pair_h=(ph,), pair_offset=(off,), pair_slow_k=(sk,),
                        pair_slow_h=(sh,))


def _guard_step(g, i, x):
    """A reading of channel ``i`` as SensorGuard.step made it before it went through the one-call
    reading: the clamp, the replay step, the guard's Python ``_pair``, the twin kernel, the
    warm-up. The pair's reference (the sample counter does not wrap here)."""
    from redline.sensor.replay import step as replay_step
    ch = g._channels[i]
    cs = ch.cs
    s = g.sample
    g.sample = s + 1
    xc = x
    if x >= _LIM:
        xc = _LIM - 1
    elif x <= -_LIM:
        xc = 1 - _LIM
    flags = replay_step(ch.replay.bufs, xc)
    p = ch.partner
    if p is None:
        cs[K.I_FLAGS] = flags
    else:
        cs[K.I_PAIR] = g._pair(ch, p, xc)
        cs[K.I_FLAGS] = flags | ch.gs[12]           # G_CFLAGS
    cs[K.I_PRESSURE] = g.pressure
    code = K.step(cs, ch.mem, ch.sh, x)
    if cs[K.K_WARMING] == 1 and cs[K.O_ACCEPTED] == 1:
        g.learn(ch, xc, s)
    return code


def _pair_rows(c, case, fast, check):
    """Rows of three readings through ``_guard_step`` (the reference: ``_pair`` in Python) on one
    guard and ``fast`` (the one-call reading, as redline.node.feed calls it; None: the other guard's
    own ``step``) on another; every channel's cs and gs compared after every reading when
    ``check``. Returns (judged readings with a
    bias, CUSUM hits, low-confidence flags, decaying flags, warm-up ends)."""
    cfg = _pair_cfg(case)
    ga = SensorGuard(cfg)
    gb = SensorGuard(cfg)
    late = case[0] if case[0] > case[1] else case[1]
    base = case[10]
    drift = case[11]
    seen = [0, 0, 0, 0, 0]
    s = (c * 7919 + 13) % 65537
    for row in range(_PAIR_ROWS):
        if row == _PAIR_ROWS - 60:
            ga.rearm()
            gb.rearm()
        for ch in range(3):
            s = (s * 75 + 74) % 65537
            if ch != late and row % 11 == 5:
                continue                # the earlier channel misses a row: no judgement
            x = base[ch] + (s % 61) - 30
            if ch == late:
                x += drift * row
            if row % 53 == 7:
                x = -x if ch & 1 else x + (s << 14)     # far off, beyond the limit
            ga.pressure = gb.pressure = 1 if row % 37 == 0 else 0
            c1 = _guard_step(ga, ch, x)
            sn = gb.sample
            kb = gb.kb[ch]
            cs = kb[0]
            if fast is None:
                c2 = gb.step(ch, x)
            else:
                # redline.node.feed's reading: the sample counter, the one call, the warm-up
                gb.sample = sn + 1
                c2 = fast(kb, x, gb.pressure)
                if cs[K.K_WARMING] == 1 and cs[K.O_ACCEPTED] == 1:
                    xc = x
                    if x >= _LIM:
                        xc = _LIM - 1
                    elif x <= -_LIM:
                        xc = 1 - _LIM
                    gb.learn(gb._channels[ch], xc, sn)
            if gb.warm_end == sn and not cs[K.K_WARMING]:
                seen[4] += 1
            assert (ga.sample, ga.warm_end) == (gb.sample, gb.warm_end), (c, row, ch)
            assert c1 == c2, (c, row, ch, x, c1, c2)
            if check:
                for k in range(3):
                    a = ga._channels[k]
                    b = gb._channels[k]
                    for j in range(K.SIZE):
                        assert a.cs[j] == b.cs[j], (c, row, ch, k, "cs", j, a.cs[j], b.cs[j])
                    for j in range(len(a.gs)):
                        assert a.gs[j] == b.gs[j], (c, row, ch, k, "gs", j, a.gs[j], b.gs[j])
            if ch == late:
                g = ga._channels[ch].gs
                if ga._channels[ch].cs[K.I_PAIR]:
                    seen[0] += 1
                if g[18] or g[25]:
                    seen[1] += 1
                if g[12] & 4:
                    seen[2] += 1
                if g[12] & 8:
                    seen[3] += 1
    return seen


def test_one_call_reading_of_a_paired_channel_is_the_guards_pair_step():
    # the pair judged inside the one-call reading (kernel_viper.reading_viper where the emitter
    # exists, else the twin kernel.reading) against the guard's Python _pair (_guard_step), slot by slot
    # on both channels of the pair and the third one: judged rows, CUSUM hits, confidence decay,
    # warm-up, missed rows, a rearm, readings beyond the limit
    fast = _reading_fast()
    for c in range(len(_PAIR_CASES)):
        seen = _pair_rows(c, _PAIR_CASES[c], fast, True)
        assert seen[0] >= 20, (c, seen)
        if c == 0 or c == 1:
            assert seen[1] >= 1, (c, seen)      # a pair CUSUM hit
        if c == 0:
            assert seen[2] >= 1 and seen[3] >= 1, (c, seen)
        if c == 1:
            assert seen[4] == 3, (c, seen)      # every channel ended its warm-up


def test_the_twin_reading_of_a_paired_channel_is_the_guards_pair_step():
    # the pure-Python one-call reading (kernel.reading + kernel.pair: where the emitter is missing)
    # against the guard's Python _pair (_guard_step) on every runtime
    for c in range(len(_PAIR_CASES)):
        seen = _pair_rows(c, _PAIR_CASES[c], K.reading, True)
        assert seen[0] >= 20, (c, seen)


def test_guard_step_is_the_reference_step_on_paired_channels():
    # SensorGuard.step (the one-call reading, guard._reading) against the step it replaced
    # (_guard_step: replay step, Python _pair, twin kernel): every channel's cs and gs, the sample
    # counter and the warm-up stamp after every reading, every pair case
    for c in range(len(_PAIR_CASES)):
        seen = _pair_rows(c, _PAIR_CASES[c], None, True)
        assert seen[0] >= 20, (c, seen)
        if c == 1:
            assert seen[4] == 3, (c, seen)      # every channel ended its warm-up
