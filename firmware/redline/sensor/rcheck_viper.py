"""``redline.sensor.rcheck.check`` compiled by the viper emitter (machine-word integer code).

Identical results to the pure-Python twin, line for line (see there for what it does and
the slots). Every value it reads is >= 0 (prints are 30 bits, checks 16, counts 4 (two a byte), the rest
counters and positions), so a ``ptr32`` load, which does not sign-extend on a 64-bit port,
reads them right; the one negative slot, the step print before the first window is full
(-1), is only written here. Importing this module fails where the emitter is missing
(SyntaxError on the WebAssembly port, ImportError on CPython); ``redline.sensor.replay``
then uses the twin. tests/firmware/test_sensor_replay_fast.py runs both on every runtime.

``redline.sensor.kernel_viper.reading_viper`` carries a copy of check_viper written in (no
viper-to-viper call on an unpaired reading): a change here goes there too; the parity
tests hold both to the twins.
"""
import micropython


@micropython.viper
def check_viper(st: ptr32, prints: ptr32, checks: ptr16, counts: ptr8) -> int:
    e = 26 + 2 * int(st[8])
    due = int(st[e])
    hist = int(st[e + 1])
    skip = int(st[e + 3])
    mask = int(st[e + 4])
    ret = 0
    if due & 4:
        st[e + 14] = int(st[11]) * 32768 + int(st[12])
    k = 0
    while k < 2:
        if due & (1 << k):
            h = 11 + 6 * k
            fp = int(st[h]) * 32768 + int(st[h + 1])
            h3 = int(st[h + 2])
            base = k * hist
            stored = int(st[e + 10 + k])
            wpos = int(st[e + 8 + k])
            hit = 0
            b = (fp ^ (fp >> 13)) & mask
            if (int(counts[b >> 1]) >> ((b & 1) << 2)) & 15 and stored > skip:
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
                ret = ret | 1
            elif st[e + 7]:
                ret = ret | (2 << (2 * k))
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
                            ret = ret | (4 << (2 * k))
                            st[out + 2] = old ^ salt
                            st[out + 3] = int(checks[i])
                        c += 1
                        if c >= int(st[e + 7]):
                            c = 0
                        st[e + 23 + k] = c
                    ob = (old ^ (old >> 13)) & mask
                    sh = (ob & 1) << 2
                    if (int(counts[ob >> 1]) >> sh) & 15 < 15:
                        counts[ob >> 1] = int(counts[ob >> 1]) - (1 << sh)
                prints[i] = fp
                checks[i] = h3
                sh = (b & 1) << 2
                if (int(counts[b >> 1]) >> sh) & 15 < 15:
                    counts[b >> 1] = int(counts[b >> 1]) + (1 << sh)
                wpos += 1
                if wpos >= hist:
                    wpos = 0
                st[e + 8 + k] = wpos
            st[e + 12 + k] = t
        k += 1
    return ret
