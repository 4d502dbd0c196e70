"""``redline.sensor.kernel.reading`` compiled by the viper emitter (machine-word integer code).

Identical results to the pure-Python twin, line for line (see there for the slots and for
why both exist). Differences, all of them viper's: every load is typed (``int(cs[i])``);
a ``ptr32`` load does not sign-extend on a 64-bit port, so every slot that may hold a
negative value (baseline, range, last readings, the memory's sum and rank sum, the shift
sum, the drift accumulator, the memory and shift windows) is read as ``(v ^ m) - m`` with
``m = 1 << 31`` (the identity on a 32-bit port); constants above 255 that are compared
with are built at run time (``redline.sensor.window_viper`` says why: the armv6m build of
MicroPython v1.27.0's viper emitter got an immediate comparison wrong); no conditional
expressions. Viper's ``//``, ``%`` and ``>>`` floor like Python's on negatives
(tests/firmware/test_sensor_kernel.py checks negative readings and z-scores). Importing
this module fails where the emitter is missing (SyntaxError on the WebAssembly port,
ImportError on CPython); ``redline.sensor.guard`` then uses the twin.

One function, no viper-to-viper call in it (each such call costs ~900-2,000 cycles on the
M0+: about what a call from bytecode does): ``reading_viper``, a channel's whole reading, what
``SensorGuard.step`` and redline.node's feed both call: ``redline.sensor.rstep_viper.replay_step_viper``,
``window_viper.advance_viper``, ``rcheck_viper.check_viper`` and the store calls written in, then
for a paired channel the pair -- ``SensorGuard._pair`` with ``fx.ratio16``, ``_confide``,
``fx.z_q8`` and ``_pair_cusum`` written in, its twin ``redline.sensor.kernel.pair`` -- then the
kernel (from ``cs[32] = pressure`` on; its twin ``redline.sensor.kernel.step``).
Frozen into the RP2040 image, native code is only 2-byte aligned and the armv6m emitter's jumps
beyond 2 KB then go astray, so the function has no early ``return`` (which jumps to the
epilogue) and each long stretch is cut into sequential pieces under the same test (``if go:``,
``if not warming:``, a ``while`` run 0 or 2 times), none spanning 2 KB: the function may be
larger than 2 KB, no jump in it is (tests/host/test_cross_compile.py checks that). It takes the
buffers as objects and casts them.
"""
import micropython


@micropython.viper
def reading_viper(b, x: int, pressure: int) -> int:
    # redline.sensor.kernel.reading: the replay step, the pair, then the kernel (from
    # "cs[32] = pressure" on: redline.sensor.kernel.step)
    cso = b[0]
    memo = b[1]
    sho = b[2]
    cs = ptr32(cso)
    m = 1
    m = m << 31
    one = 1
    lim = one << 29                 # READING_LIMIT
    g16 = (one << 16) - 1           # 65535
    c8191 = (one << 13) - 1
    xc = x
    if x >= lim:
        xc = lim - 1
    elif x <= 0 - lim:
        xc = 1 - lim
    # the replay step on the clamped reading (rstep_viper.replay_step_viper with
    # window_viper.advance_viper written in: two viper calls less; no early return, so no
    # jump spans the whole step): its flags into I_FLAGS
    rb = b[3]
    sto = rb[0]
    st = ptr32(sto)
    rflags = 0
    quant = int(st[9])
    go = 0
    due = 0
    if quant:
        qlim = (one << 20) - 1      # 1048575
        c32768 = one << 15
        w = int(st[8])
        pos = int(st[0])
        if st[10]:
            v = xc
            if quant != 1:                  # a division less at quant 1 (calibrated nodes)
                v = xc // quant
            i = 26 + w + pos
            oldv = (int(st[i]) ^ m) - m
            st[i] = v
            # the new value enters unreduced: (t * b + v) % p is (t * b + v % p) % p, and
            # |t * b + v| < 2**29 + 2**24 fits a word (one division less per hash)
            if oldv < c32768 and oldv > 0 - c32768:
                # |oldv * c| < 2**30: the leaving value enters unreduced too (same residue)
                st[17] = ((int(st[17]) - oldv * int(st[20])) % 32749 * 131 + v) % 32749
                st[18] = ((int(st[18]) - oldv * int(st[21])) % 32719 * 257 + v) % 32719
                st[19] = ((int(st[19]) - oldv * int(st[22])) % 32717 * 293 + v) % 32717
            else:
                st[17] = ((int(st[17]) - (oldv % 32749) * int(st[20])) % 32749 * 131 + v) % 32749
                st[18] = ((int(st[18]) - (oldv % 32719) * int(st[21])) % 32719 * 257 + v) % 32719
                st[19] = ((int(st[19]) - (oldv % 32717) * int(st[22])) % 32717 * 293 + v) % 32717
        p1 = pos + 1
        if p1 >= w:
            p1 = 0
        if not st[3]:
            st[2] = xc
            st[3] = 1
            st[0] = p1
        else:
            go = 1
    if go:
        q = xc - ((int(st[2]) ^ m) - m)
        if quant != 1:
            q = q // quant
        st[2] = xc
        if q > qlim:
            q = qlim
        elif q < 0 - qlim:
            q = 0 - qlim
        old = (int(st[26 + pos]) ^ m) - m
        nxt = (int(st[26 + p1]) ^ m) - m
        if pos:
            newest = (int(st[25 + pos]) ^ m) - m
        else:
            newest = (int(st[25 + w]) ^ m) - m
        if old != nxt:
            st[5] = int(st[5]) - 1
        if q != newest:
            st[5] = int(st[5]) + 1
        if old:
            st[4] = int(st[4]) - 1
        if q:
            st[4] = int(st[4]) + 1
        if nxt:
            st[6] = int(st[6]) - 1
        if q:
            st[6] = int(st[6]) + 1
        if w > 2:
            p2 = p1 + 1
            if p2 >= w:
                p2 = 0
            if nxt != (int(st[26 + p2]) ^ m) - m:
                st[7] = int(st[7]) - 1
            if q != newest:
                st[7] = int(st[7]) + 1
        st[26 + pos] = q
        st[0] = p1
        # q too (|q| <= 2**20): one division less per hash
        if old < c32768 and old > 0 - c32768:
            # |old * c| < 2**30: the leaving value enters unreduced too (same residue)
            st[11] = ((int(st[11]) - old * int(st[14])) % 32749 * 131 + q) % 32749
            st[12] = ((int(st[12]) - old * int(st[15])) % 32719 * 257 + q) % 32719
            st[13] = ((int(st[13]) - old * int(st[16])) % 32717 * 293 + q) % 32717
        else:
            st[11] = ((int(st[11]) - (old % 32749) * int(st[14])) % 32749 * 131 + q) % 32749
            st[12] = ((int(st[12]) - (old % 32719) * int(st[15])) % 32719 * 257 + q) % 32719
            st[13] = ((int(st[13]) - (old % 32717) * int(st[16])) % 32717 * 293 + q) % 32717
        filled = int(st[1])
        if filled < w:
            filled += 1
            st[1] = filled
            if filled < w - 1:
                go = 0
    if go:
        if filled == w:
            due = 4
            if (int(st[4]) ^ m) - m >= int(st[23]) and (int(st[5]) ^ m) - m >= int(st[23]):
                due = 5
        if st[10] and (int(st[6]) ^ m) - m >= int(st[24]) and (int(st[7]) ^ m) - m >= int(st[25]):
            due = due | 2
    # the print check (rcheck_viper.check_viper written in) on the due prints
    r = 0
    kn = 0
    if due:
        e = 26 + 2 * w
        st[e] = due
        prints = ptr32(rb[1])
        checks = ptr16(rb[2])
        counts = ptr8(rb[3])
        hist = int(st[e + 1])
        skip = int(st[e + 3])
        mask = int(st[e + 4])
        if due & 4:
            st[e + 14] = int(st[11]) * 32768 + int(st[12])
        kn = 2
    k = 0
    while k < kn:
        if due & (1 << k):
            h = 11 + 6 * k
            fp = int(st[h]) * 32768 + int(st[h + 1])
            h3 = int(st[h + 2])
            base = k * hist
            stored = int(st[e + 10 + k])
            wpos = int(st[e + 8 + k])
            hit = 0
            fb = (fp ^ (fp >> 13)) & mask
            if (int(counts[fb >> 1]) >> ((fb & 1) << 2)) & 15 and stored > skip:
                j = wpos - 1 - skip
                if j < 0:
                    j += hist
                n = stored - skip
                while n > 0:
                    if int(prints[base + j]) == fp and int(checks[base + j]) == h3:
                        hit = 1
                        n = 0
                    else:
                        j -= 1
                        if j < 0:
                            j += hist
                        n -= 1
            salt = int(st[e + 5 + k])
            out = e + 15 + 4 * k
            if hit:
                r = r | 1
            elif st[e + 7]:
                r = r | (2 << (2 * k))
                st[out] = fp ^ salt
                st[out + 1] = h3
            t = int(st[e + 12 + k]) + 1
            if t >= int(st[e + 2]):
                t = 0
                i = base + wpos
                if stored < hist:
                    st[e + 10 + k] = stored + 1
                else:
                    old = int(prints[i])
                    if st[e + 7]:
                        c = int(st[e + 23 + k])
                        if c == 0:
                            r = r | (4 << (2 * k))
                            st[out + 2] = old ^ salt
                            st[out + 3] = int(checks[i])
                        c += 1
                        if c >= int(st[e + 7]):
                            c = 0
                        st[e + 23 + k] = c
                    ob = (old ^ (old >> 13)) & mask
                    nsh = (ob & 1) << 2
                    if (int(counts[ob >> 1]) >> nsh) & 15 < 15:
                        counts[ob >> 1] = int(counts[ob >> 1]) - (1 << nsh)
                prints[i] = fp
                checks[i] = h3
                nsh = (fb & 1) << 2
                if (int(counts[fb >> 1]) >> nsh) & 15 < 15:
                    counts[fb >> 1] = int(counts[fb >> 1]) + (1 << nsh)
                wpos += 1
                if wpos >= hist:
                    wpos = 0
                st[e + 8 + k] = wpos
            st[e + 12 + k] = t
        k += 1
    # the store calls it handed back (rstep_viper.store_calls_viper written in)
    kn = 0
    if r > 1:
        pw = ptr32(rb[4])
        phb = ptr16(rb[5])
        empty = (one << 16) - 1
        smask = (one << 30) - 1
        size = int(pw[2])
        smk = int(pw[3])
        bmask = int(pw[4])
        kn = 2
    k = 0
    while k < kn:
        out = e + 15 + 4 * k
        if r & (2 << (2 * k)):
            fp = int(st[out])
            h = int(phb[size + (int(st[out + 1]) & bmask)])
            if h != empty:
                seq = int(pw[0])
                age = (seq - h) & 32767
                n = 32
                while n > 0 and age <= size:
                    slot = (seq - age) & smk
                    if int(pw[5 + slot]) == fp:
                        r = r | 1
                        n = 0
                    else:
                        d = int(phb[slot])
                        if d == 0:
                            n = 0
                        else:
                            age += d
                            n -= 1
        if r & (4 << (2 * k)):
            seq = int(pw[0])
            if int(pw[1]) < size:
                pw[1] = int(pw[1]) + 1
            j = size + (seq & bmask)
            h = int(phb[j])
            if h != empty and ((seq - h) & 32767) >= size:
                phb[j] = empty
            bk = size + (int(st[out + 3]) & bmask)
            h = int(phb[bk])
            d = 0
            if h != empty:
                d = (seq - h) & 32767
                if d >= size:
                    d = 0
            slot = seq & smk
            phb[slot] = d
            pw[5 + slot] = int(st[out + 2])
            phb[bk] = seq & 32767
            pw[0] = (seq + 1) & smask
        k += 1
    if r & 1:
        rflags = 32
    # the redundant pair (SensorGuard._pair with fx.ratio16, _confide, fx.z_q8 and _pair_cusum
    # written in): b[4] is None for an unpaired channel, else (gs, the partner's gs, the
    # partner's cs, min_confidence, decay_threshold, leak). Cut into pieces under the same
    # test (``if judged:``), none spanning 2 KB.
    pr = b[4]
    judged = 0
    paired = 0
    if pr:
        paired = 1
        gs = ptr32(pr[0])
        cs[31] = 0
        if gs[5]:
            pg = ptr32(pr[1])
            if pg[4]:
                pg[4] = 0
                pcs = ptr32(pr[2])
                if not cs[29] and not pcs[29]:
                    judged = 1
        else:
            gs[4] = 1
    d = 0
    pbias = 0
    c32k = one << 15
    if judged:
        # the disagreement d = (x - base) - (partner's last - its base) - offset, in halves: each
        # term is below 2**30 but d may pass 2**31; past +-2**30 both ratio16 and z_q8 saturate
        # (tolerance < 2**29, scale <= 2**22), so d is clamped there
        a = xc - ((int(cs[0]) ^ m) - m)
        c = ((int(pcs[33]) ^ m) - m) - ((int(pcs[0]) ^ m) - m)
        poff = (int(gs[7]) ^ m) - m
        h = (a >> 1) - (c >> 1) - (poff >> 1)
        if h > lim:
            d = one << 30
        elif h < 0 - lim:
            d = 0 - (one << 30)
        else:
            d = h + h + (a & 1) - (c & 1) - (poff & 1)
        # ratio16(|d|, tolerance)
        ad = d
        if d < 0:
            ad = 0 - d
        t = int(gs[6])
        if ad >= t + t:
            pbias = g16
        else:
            c16k = one << 14
            while t >= c16k:
                t = t >> 1
                ad = ad >> 1
            if t == 0:
                pbias = g16
            else:
                pbias = (ad * c32k) // t
                if pbias > g16:
                    pbias = g16
    if judged:
        # 65535 - bias into both channels' confidence (_confide): this channel's, then the partner's
        cv = g16 - pbias
        mc = int(pr[3])
        dt = int(pr[4])
        below = c32k + (one << 14)      # 49152
        j = 0
        while j < 2:
            gg = ptr32(pr[j])
            acc = int(gg[9])
            acc = acc + cv - (acc >> 2)
            gg[9] = acc
            cur = acc >> 2
            if cur < int(gg[10]) and cur < below:
                gg[11] = int(gg[11]) + 1
            else:
                gg[11] = 0
            gg[10] = cur
            f = 0
            if cur < mc:
                f = 4
            if int(gg[11]) >= dt:
                f = f | 8
            gg[12] = f
            j += 1
    ps = 0
    if judged:
        ps = int(gs[8])
    if ps:
        # z_q8(d, pair scale), then the pair CUSUM (leak) and, if set, the slow one (no leak)
        q = d // ps
        if q >= 32:
            zd = c8191
        elif q < -32:
            zd = 0 - c8191
        else:
            zd = q * 256 + ((d - q * ps) * 256) // ps
            if zd > c8191:
                zd = c8191
            elif zd < 0 - c8191:
                zd = 0 - c8191
        cap = one << 24
        lk = int(pr[5])
        o = 13
        kn = 1
        if gs[19]:
            kn = 2
        hit = 0
        k = 0
        while k < kn:
            ck = int(gs[o])
            hi = int(gs[o + 2]) + zd - ck
            lo = int(gs[o + 3]) - zd - ck
            if hi < 0:
                hi = 0
            elif lk:
                hi = hi - (hi >> lk)
            if lo < 0:
                lo = 0
            elif lk:
                lo = lo - (lo >> lk)
            if hi > cap:
                hi = cap
            if lo > cap:
                lo = cap
            gs[o + 2] = hi
            gs[o + 3] = lo
            sc = hi
            if lo >= hi:
                sc = lo
            gs[o + 4] = sc
            f = 0
            if sc >= int(gs[o + 1]):
                f = 16
            gs[o + 5] = f
            hit = hit | f
            o = 20
            lk = 0
            k += 1
        if hit:
            pbias = g16
    if paired:
        cs[31] = pbias
        rflags = rflags | int(gs[12])
    cs[30] = rflags
    cs[32] = pressure
    bias = 0
    breason = 0
    if x >= lim:
        x = lim - 1
        bias = g16
        breason = 2
    elif x <= 0 - lim:
        x = 1 - lim
        bias = g16
        breason = 2
    if x < (int(cs[3]) ^ m) - m or x > (int(cs[4]) ^ m) - m:
        bias = g16
        breason = 2
    slew = int(cs[5])
    if cs[34] and slew and not bias:
        d = x - ((int(cs[33]) ^ m) - m)
        if d > slew or 0 - d > slew:
            bias = g16
            breason = 3
    cs[33] = x
    cs[34] = 1
    # stuck detector
    scale = int(cs[1])
    tlast = (int(cs[35]) ^ m) - m
    if cs[36] and x == tlast:
        cs[37] = int(cs[37]) + 1
    else:
        cs[37] = 1
    if cs[36] and scale:
        d = x - tlast
        if d < 0:
            d = 0 - d
        q = d // scale
        if q >= 32:
            stp = c8191
        else:
            stp = q * 256 + ((d - q * scale) * 256) // scale
        acc = int(cs[38])
        cs[38] = acc + stp - (acc >> 3)
        if int(cs[39]) < 32:
            cs[39] = int(cs[39]) + 1
    cs[35] = x
    cs[36] = 1
    stuck = 0
    if int(cs[37]) >= int(cs[11]):
        stuck = 1
    elif cs[12] and int(cs[39]) >= 32:
        if (int(cs[38]) >> 3) < int(cs[12]):
            stuck = 1
    cs[40] = stuck
    flags = stuck | int(cs[30])
    if flags & 32 and not bias:
        bias = g16
        breason = 4
    pb = int(cs[31])
    if pb > bias:
        bias = pb
        breason = 5
    besc = int(cs[20])
    az = 0
    shift = 0
    warming = int(cs[29])
    if warming:
        cs[59] = 0
        cs[60] = 0
        cs[61] = 0
        cs[62] = 0
        if bias < besc:
            cs[65] = 1
        else:
            cs[65] = 0
    # z against the baseline and the memory, shift window, memory update, entropy, CUSUM
    # and drift, in pieces that each jump less than 2 KB
    if not warming:
        c8192 = one << 13
        c65536 = one << 16
        scale = int(cs[1])
        besc = int(cs[20])
        # z against the calibrated baseline (fx.z_q8)
        d = x - ((int(cs[0]) ^ m) - m)
        q = d // scale
        if q >= 32:
            zb = c8191
        elif q < -32:
            zb = 0 - c8191
        else:
            zb = q * 256 + ((d - q * scale) * 256) // scale
            if zb > c8191:
                zb = c8191
            elif zb < 0 - c8191:
                zb = 0 - c8191
        size = int(cs[22])
        n = int(cs[42])
        msum = (int(cs[43]) ^ m) - m
        if n < int(cs[19]):
            z = 0
            accept = 0
            if bias < besc:
                accept = 1
        else:
            if cs[18]:
                # ChannelRing.forecast_q8
                if n == 0:
                    ref = 0
                else:
                    ref = (msum * 4) // n
                    if n >= 2:
                        num = 2 * ((int(cs[45]) ^ m) - m) - (n - 1) * msum
                        den = n * (n * n - 1) // 3
                        q = num // den
                        if q >= c8192:
                            off = c8191
                        elif q < 0 - c8192:
                            off = 0 - c8191
                        else:
                            k = (n + 1) * 4
                            off = q * k + ((num - q * den) * k) // den
                        ref = ref + off
                        if ref > c8191:
                            ref = c8191
                        elif ref < 0 - c8191:
                            ref = 0 - c8191
            else:
                ref = 0
                if n:
                    ref = (msum // n) * 4
            z = zb - ref
            az = z
            if z < 0:
                az = 0 - z
            accept = 0
            if az < int(cs[9]) and bias < besc:
                accept = 1
        az = z
        if z < 0:
            az = 0 - z
        cs[59] = z
    if not warming:
        # shift window
        span = int(cs[21])
        if span:
            sh = ptr32(sho)
            i = int(cs[47])
            hsum = ((int(cs[46]) ^ m) - m) + z - ((int(sh[i]) ^ m) - m)
            cs[46] = hsum
            sh[i] = z
            i += 1
            if i == span:
                i = 0
            cs[47] = i
            v = 0
            hn = int(cs[48])
            if hn < span:
                hn += 1
                cs[48] = hn
            if hn >= span:
                if hsum < 0:
                    hsum = 0 - hsum
                v = hsum // span
                cs[49] = v
            cs[60] = v
            if v >= int(cs[10]):
                shift = 1
        else:
            cs[60] = 0
    if not warming:
        s = az * 16
        if s < g16:
            cs[61] = s
        else:
            cs[61] = g16
        cs[65] = accept
        if accept:
            # ChannelRing.update(zb >> 2)
            mem = ptr32(memo)
            u = zb >> 2
            i = int(cs[41])
            if n < size:
                mem[i] = u
                cs[45] = ((int(cs[45]) ^ m) - m) + n * u
                msum = msum + u
                cs[44] = int(cs[44]) + u * u
                n += 1
                cs[42] = n
            else:
                old = (int(mem[i]) ^ m) - m
                mem[i] = u
                cs[45] = ((int(cs[45]) ^ m) - m) + (size - 1) * u - (msum - old)
                msum = msum + u - old
                cs[44] = int(cs[44]) + u * u - old * old
            cs[43] = msum
            i += 1
            if i < size:
                cs[41] = i
            else:
                cs[41] = 0
    if not warming:
        # entropy: fx.variance_ratio16(ChannelRing.variance_q12(), noise)
        if n == 0:
            var = 0
        else:
            mm = msum // n
            var = int(cs[44]) // n - mm * mm
            if var < 0:
                var = 0
        noise = int(cs[2])
        if var >= noise * 4:
            ent = g16
        else:
            while noise >= c65536:
                noise = noise >> 1
                var = var >> 1
            q = var // noise
            ent = q * 16384 + ((var - q * noise) * 16384) // noise
            if ent > g16:
                ent = g16
        cs[62] = ent
    if not warming:
        # CUSUM and drift
        cap = one << 24
        # CUSUM on z (FORECAST) or on the baseline z
        cz = zb
        if cs[18]:
            cz = z
        k = int(cs[15])
        leak = int(cs[17])
        hi = int(cs[50]) + cz - k
        lo = int(cs[51]) - cz - k
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
        sc = lo
        if hi > lo:
            sc = hi
        cs[52] = sc
        cf = 0
        if sc >= int(cs[16]):
            cf = 16
        cs[53] = cf
    if not warming:
        # drift (RampDetector) on the baseline z
        dsh = int(cs[14])
        acc = (int(cs[54]) ^ m) - m
        acc = acc + zb - (acc >> dsh)
        cs[54] = acc
        e = acc >> dsh
        if e < 0:
            e = 0 - e
        s = e * 16
        if s < g16:
            cs[55] = s
        else:
            cs[55] = g16
        df = 0
        if cs[13] and e >= int(cs[13]):
            df = 2
        cs[56] = df
    if not warming:
        flags = flags | int(cs[53]) | int(cs[56])
    cs[63] = bias
    cs[64] = flags
    # the ladder, inline
    az = (int(cs[59]) ^ m) - m      # z, written above (0 while warming)
    if az < 0:
        az = 0 - az
    if warming:
        az = 0
    shift = 0
    if not warming and int(cs[21]) and int(cs[60]) >= int(cs[10]):
        shift = 1
    # the ladder (redline.sensor.ladder), then the DAL gate (redline.ladder.dal_gate)
    ent = int(cs[62])
    pressure = int(cs[32])
    if pressure >= 3:
        code = -5
        reason = 14
    elif bias >= int(cs[28]):
        code = -3
        reason = breason
    elif az >= int(cs[8]):
        code = -4
        reason = 6
    elif shift:
        code = -4
        reason = 15
    elif ent >= int(cs[26]):
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
    elif az >= int(cs[7]):
        code = 2
        reason = 6
    elif ent >= int(cs[25]):
        code = 2
        reason = 7
    elif flags & 2:
        code = 2
        reason = 10
    elif warming:
        code = 1
        reason = 1
    elif az >= int(cs[6]):
        code = 1
        reason = 6
    elif ent >= int(cs[24]):
        code = 1
        reason = 7
    elif bias >= int(cs[27]):
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
    dal = int(cs[23])
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
