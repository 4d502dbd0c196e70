"""One channel's whole per-reading update in one call: the sensor guard's kernel (pure-Python twin).

``SensorGuard.update`` used to call a Python method per detector (stuck, memory, shift,
CUSUM, drift, the ladder, the fixed-point helpers): about 15 calls and 150 attribute
lookups per reading, which on the RP2040's Cortex-M0+ cost most of 200,000 cycles. Here
the channel's numbers live in one preallocated int array ``cs`` (the ``K_*`` slots below:
configuration, detector state, the inputs the guard sets, the outputs it reads), the
working-memory ring in ``mem`` (the channel's ``ChannelRing.buf``) and the shift window in
``sh`` (its ``ShiftWindow.buf``), and ``step(cs, mem, sh, x)`` does, in the guard's order:
the reading limit, range and slew checks, the stuck detector, the bias from the replay
flags and the redundant pair (both computed by the guard before the call and handed in),
the z-score against the baseline, the memory reference (mean, or with FORECAST the
least-squares line one ahead), the gate, the shift window, the memory update, the entropy
gauge, CUSUM, drift, the ladder and the DAL gate. It returns the decision's code.

Why two copies: ``redline.sensor.kernel_viper.reading_viper`` is ``reading`` (the replay
step, ``pair``, then this function, written in) compiled by the viper emitter (machine-word
integer code: native armv6m on the RP2040, where it is most of the speed-up), and this
pure-Python twin runs where the emitter is missing (CPython, the WebAssembly port). The two
are kept line for line alike; the only differences are viper's typed loads (``int(cs[i])``,
sign extension of slots that may be negative, big constants built at run time).
``SensorGuard.step`` and redline.node both call ``reading``, never ``step`` alone.
tests/firmware/test_sensor_kernel.py runs both on every runtime and compares every slot
after every reading; tests/host/test_rp2040_sensor.py runs it on the chip. Every intermediate stays below 2**31 in magnitude (see ``redline.fx`` and
``redline.sensor.ring`` for the bounds), so the viper build's 32-bit words never wrap.

Example (the slots are filled by ``redline.sensor.guard``)::

    >>> from redline.sensor.guard import SensorGuard
    >>> from redline.sensor.config import SensorConfig
    >>> from redline.sensor import kernel as K
    >>> g = SensorGuard(SensorConfig(("flow",), baseline=500, scale=10))
    >>> ch = g.channel(0)
    >>> K.step(ch.cs, ch.mem, ch.sh, 503), ch.cs[K.O_Z], ch.cs[K.O_SURPRISE]
    (0, 76, 1216)
"""
from redline.compat import const
from redline.sensor.rstep import replay_step as _replay_step
from redline.fx import z_q8 as _z_q8, ratio16 as _ratio16

# configuration (set by the guard; K_BASE and K_SCALE change when a warm-up ends)
K_BASE = const(0)
K_SCALE = const(1)
K_NOISE = const(2)
K_LO = const(3)
K_HI = const(4)
K_SLEW = const(5)
K_ZW = const(6)
K_ZE = const(7)
K_ZH = const(8)
K_GATE = const(9)
K_SHALT = const(10)
K_SRUN = const(11)      # stuck run limit
K_SNOISE = const(12)    # stuck minimum noise (Q8)
K_DLIM = const(13)      # drift limit
K_DSHIFT = const(14)
K_CK = const(15)        # CUSUM allowance, decision level, leak shift
K_CH = const(16)
K_CLEAK = const(17)
K_FORECAST = const(18)
K_FILL = const(19)
K_BESC = const(20)      # bias escalate (also the memory's bias gate)
K_SPAN = const(21)      # shift span, 0 = no shift window
K_SIZE = const(22)      # memory size
K_DAL = const(23)
K_EWARN = const(24)
K_EESC = const(25)
K_EHALT = const(26)
K_BWARN = const(27)
K_BHALT = const(28)
K_WARMING = const(29)   # 1 while the channel learns its baseline
# inputs (set by the guard before each call)
I_FLAGS = const(30)     # replay and confidence flags
I_PAIR = const(31)      # the pair's bias (0 without a judgement)
I_PRESSURE = const(32)
# state
S_LAST = const(33)      # the channel's last reading (slew, pair)
S_HAS_LAST = const(34)
T_LAST = const(35)      # stuck detector: last, has_last, run, acc, seen, flags
T_HAS = const(36)
T_RUN = const(37)
T_ACC = const(38)
T_SEEN = const(39)
T_FLAGS = const(40)
M_INDEX = const(41)     # memory ring: index, count, sum, sum2, tsum
M_COUNT = const(42)
M_SUM = const(43)
M_SUM2 = const(44)
M_TSUM = const(45)
H_SUM = const(46)       # shift window: sum, i, n, value
H_I = const(47)
H_N = const(48)
H_VALUE = const(49)
C_HIGH = const(50)      # CUSUM: high, low, score, flags
C_LOW = const(51)
C_SCORE = const(52)
C_FLAGS = const(53)
D_ACC = const(54)       # drift: acc, score, flags
D_SCORE = const(55)
D_FLAGS = const(56)
# outputs
O_CODE = const(57)
O_REASON = const(58)
O_Z = const(59)
O_SHIFT = const(60)
O_SURPRISE = const(61)
O_ENTROPY = const(62)
O_BIAS = const(63)
O_FLAGS = const(64)
O_ACCEPTED = const(65)
SIZE = const(66)


def step(cs, mem, sh, x):
    """One reading ``x`` through channel state ``cs`` (see the module doc); the decision's code."""
    lim = 536870912                 # READING_LIMIT
    g16 = 65535
    bias = 0
    breason = 0
    if x >= lim:
        x = lim - 1
        bias = g16
        breason = 2                 # REASON_RANGE
    elif x <= 0 - lim:
        x = 1 - lim
        bias = g16
        breason = 2
    if x < cs[3] or x > cs[4]:
        bias = g16
        breason = 2
    slew = cs[5]
    if cs[34] and slew and not bias:
        d = x - cs[33]
        if d > slew or 0 - d > slew:
            bias = g16
            breason = 3             # REASON_SLEW
    cs[33] = x
    cs[34] = 1
    # stuck detector
    scale = cs[1]
    tlast = cs[35]
    if cs[36] and x == tlast:
        cs[37] = cs[37] + 1
    else:
        cs[37] = 1
    if cs[36] and scale:
        d = x - tlast
        if d < 0:
            d = 0 - d
        q = d // scale
        if q >= 32:
            stp = 8191
        else:
            stp = q * 256 + ((d - q * scale) * 256) // scale
        acc = cs[38]
        cs[38] = acc + stp - (acc >> 3)
        if cs[39] < 32:
            cs[39] = cs[39] + 1
    cs[35] = x
    cs[36] = 1
    stuck = 0
    if cs[37] >= cs[11]:
        stuck = 1
    elif cs[12] and cs[39] >= 32:
        if (cs[38] >> 3) < cs[12]:
            stuck = 1
    cs[40] = stuck
    flags = stuck | cs[30]
    if flags & 32 and not bias:     # FLAG_ADVERSARIAL: a replay
        bias = g16
        breason = 4                 # REASON_REPLAY
    pb = cs[31]
    if pb > bias:
        bias = pb
        breason = 5                 # REASON_DISAGREE
    besc = cs[20]
    az = 0
    shift = 0
    warming = cs[29]
    if warming:
        cs[59] = 0
        cs[60] = 0
        cs[61] = 0
        cs[62] = 0
        cs[65] = 1 if bias < besc else 0
    else:
        # z against the calibrated baseline (fx.z_q8)
        d = x - cs[0]
        q = d // scale
        if q >= 32:
            zb = 8191
        elif q < -32:
            zb = -8191
        else:
            zb = q * 256 + ((d - q * scale) * 256) // scale
            if zb > 8191:
                zb = 8191
            elif zb < -8191:
                zb = -8191
        size = cs[22]
        n = cs[42]
        msum = cs[43]
        if n < cs[19]:
            z = 0
            accept = 1 if bias < besc else 0
        else:
            if cs[18]:
                # ChannelRing.forecast_q8
                if n == 0:
                    ref = 0
                else:
                    ref = (msum * 4) // n
                    if n >= 2:
                        num = 2 * cs[45] - (n - 1) * msum
                        den = n * (n * n - 1) // 3
                        q = num // den
                        if q >= 8192:
                            off = 8191
                        elif q < -8192:
                            off = -8191
                        else:
                            k = (n + 1) * 4
                            off = q * k + ((num - q * den) * k) // den
                        ref = ref + off
                        if ref > 8191:
                            ref = 8191
                        elif ref < -8191:
                            ref = -8191
            else:
                ref = (msum // n) * 4 if n else 0
            z = zb - ref
            accept = 1 if (z if z >= 0 else 0 - z) < cs[9] and bias < besc else 0
        az = z if z >= 0 else 0 - z
        cs[59] = z
        # shift window
        span = cs[21]
        if span:
            i = cs[47]
            hsum = cs[46] + z - sh[i]
            cs[46] = hsum
            sh[i] = z
            i += 1
            if i == span:
                i = 0
            cs[47] = i
            v = 0
            hn = cs[48]
            if hn < span:
                hn += 1
                cs[48] = hn
            if hn >= span:
                if hsum < 0:
                    hsum = 0 - hsum
                v = hsum // span
                cs[49] = v
            cs[60] = v
            if v >= cs[10]:
                shift = 1
        else:
            cs[60] = 0
        s = az * 16
        cs[61] = s if s < g16 else g16
        cs[65] = accept
        if accept:
            # ChannelRing.update(zb >> 2)
            u = zb >> 2
            i = cs[41]
            if n < size:
                mem[i] = u
                cs[45] = cs[45] + n * u
                msum = msum + u
                cs[44] = cs[44] + u * u
                n += 1
                cs[42] = n
            else:
                old = mem[i]
                mem[i] = u
                cs[45] = cs[45] + (size - 1) * u - (msum - old)
                msum = msum + u - old
                cs[44] = cs[44] + u * u - old * old
            cs[43] = msum
            i += 1
            cs[41] = i if i < size else 0
        # entropy: fx.variance_ratio16(ChannelRing.variance_q12(), noise)
        if n == 0:
            var = 0
        else:
            mm = msum // n
            var = cs[44] // n - mm * mm
            if var < 0:
                var = 0
        noise = cs[2]
        if var >= noise * 4:
            ent = g16
        else:
            while noise >= 65536:
                noise = noise >> 1
                var = var >> 1
            q = var // noise
            ent = q * 16384 + ((var - q * noise) * 16384) // noise
            if ent > g16:
                ent = g16
        cs[62] = ent
        # CUSUM on z (FORECAST) or on the baseline z
        cz = z if cs[18] else zb
        k = cs[15]
        leak = cs[17]
        cap = 16777216
        hi = cs[50] + cz - k
        lo = cs[51] - cz - k
        if hi < 0:
            hi = 0
        elif leak:
            hi = hi - (hi >> leak)
        if lo < 0:
            lo = 0
        elif leak:
            lo = lo - (lo >> leak)
        if hi > cap:
            hi = cap
        if lo > cap:
            lo = cap
        cs[50] = hi
        cs[51] = lo
        sc = hi if hi > lo else lo
        cs[52] = sc
        cf = 16 if sc >= cs[16] else 0      # FLAG_ANOMALY
        cs[53] = cf
        # drift (RampDetector) on the baseline z
        dsh = cs[14]
        acc = cs[54] + zb - (cs[54] >> dsh)
        cs[54] = acc
        e = acc >> dsh
        if e < 0:
            e = 0 - e
        s = e * 16
        cs[55] = s if s < g16 else g16
        df = 2 if cs[13] and e >= cs[13] else 0     # FLAG_DRIFTING
        cs[56] = df
        flags = flags | cf | df
    cs[63] = bias
    cs[64] = flags
    # the ladder (redline.sensor.ladder), then the DAL gate (redline.ladder.dal_gate)
    ent = cs[62]
    pressure = cs[32]
    if pressure >= 3:
        code = -5
        reason = 14
    elif bias >= cs[28]:
        code = -3
        reason = breason
    elif az >= cs[8]:
        code = -4
        reason = 6
    elif shift:
        code = -4
        reason = 15
    elif ent >= cs[26]:
        code = -2
        reason = 7
    elif flags & 16:
        code = -2
        reason = 8
    elif flags & 1:
        code = -3
        reason = 9
    elif pressure >= 2:
        code = 2
        reason = 13
    elif bias >= besc:
        code = 2
        reason = breason
    elif az >= cs[7]:
        code = 2
        reason = 6
    elif ent >= cs[25]:
        code = 2
        reason = 7
    elif flags & 2:
        code = 2
        reason = 10
    elif warming:
        code = 1
        reason = 1
    elif az >= cs[6]:
        code = 1
        reason = 6
    elif ent >= cs[24]:
        code = 1
        reason = 7
    elif bias >= cs[27]:
        code = 1
        reason = breason
    elif flags & 8:
        code = 1
        reason = 11
    elif flags & 4:
        code = 1
        reason = 12
    else:
        code = 0
        reason = 0
    dal = cs[23]
    if dal and code:
        if dal >= 4:
            code = 0
        elif dal == 3:
            code = 1
        elif dal == 2:
            code = 1
        elif code < 0:
            code = 2
    cs[57] = code
    cs[58] = reason
    return code


def pair(p, cs, xc):
    """The redundant pair's part of a reading of a paired channel: ``SensorGuard._pair`` on the
    arrays alone (``p`` is ``(gs, the partner's gs, the partner's cs, min_confidence,
    decay_threshold, leak)``, ``xc`` the clamped reading); writes I_PAIR and returns the
    channel's confidence flags for I_FLAGS. The twin of the pair part of
    ``kernel_viper.reading_viper`` (tests/firmware/test_sensor_kernel.py holds the three alike)."""
    gs = p[0]
    b = 0
    if not gs[5]:                       # G_JUDGE: the earlier channel only marks itself read
        gs[4] = 1                       # G_FRESH
    elif p[1][4]:
        pg = p[1]
        pg[4] = 0
        pcs = p[2]
        if not cs[K_WARMING] and not pcs[K_WARMING]:
            d = (xc - cs[K_BASE]) - (pcs[S_LAST] - pcs[K_BASE]) - gs[7]
            b = _ratio16(d if d >= 0 else -d, gs[6])
            c = 65535 - b
            for j in range(2):          # redline.sensor.guard._confide: this channel, the partner
                g = p[j]
                acc = g[9]
                acc += c - (acc >> 2)
                g[9] = acc
                cur = acc >> 2
                if cur < g[10] and cur < 49152:
                    g[11] += 1
                else:
                    g[11] = 0
                g[10] = cur
                f = 4 if cur < p[3] else 0
                if g[11] >= p[4]:
                    f |= 8
                g[12] = f
            ps = gs[8]
            if ps:
                zd = _z_q8(d, ps)
                hit = 0
                o = 13
                leak = p[5]
                for _ in range(2 if gs[19] else 1):     # the pair CUSUM, then the slow one
                    k = gs[o]
                    hi = gs[o + 2] + zd - k
                    lo = gs[o + 3] - zd - k
                    if hi < 0:
                        hi = 0
                    elif leak:
                        hi -= hi >> leak
                    if lo < 0:
                        lo = 0
                    elif leak:
                        lo -= lo >> leak
                    if hi > 16777216:
                        hi = 16777216
                    if lo > 16777216:
                        lo = 16777216
                    gs[o + 2] = hi
                    gs[o + 3] = lo
                    sc = hi if hi > lo else lo
                    gs[o + 4] = sc
                    f = 16 if sc >= gs[o + 1] else 0
                    gs[o + 5] = f
                    hit |= f
                    o = 20
                    leak = 0
                if hit:
                    b = 65535
    cs[I_PAIR] = b
    return gs[12]


def reading(b, x, pressure):
    """A channel's whole reading in one call: the replay step on the clamped reading (its flags
    into I_FLAGS), for a paired channel the pair (``pair``: its bias into I_PAIR, its confidence
    flags into I_FLAGS), ``pressure`` into I_PRESSURE, then ``step``; the decision's code.
    ``b`` is the tuple ``(cs, mem, sh, replay buffers, pair)``, ``pair`` None for an unpaired
    channel (else ``pair``'s ``p``). ``redline.node`` calls it per reading (one Python-level
    call; ``kernel_viper.reading_viper`` on a board)."""
    cs = b[0]
    xc = x
    if x >= 536870912:              # READING_LIMIT
        xc = 536870911
    elif x <= -536870912:
        xc = -536870911
    flags = _replay_step(b[3], xc)
    p = b[4]
    if p is not None:
        flags |= pair(p, cs, xc)
    cs[30] = flags
    cs[32] = pressure
    return step(cs, b[1], b[2], x)
