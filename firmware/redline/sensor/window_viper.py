"""``redline.sensor.window.advance`` compiled by the viper emitter (machine-word integer code).

Identical results to the pure-Python twin. A viper ``ptr32`` load does not sign-extend on a
64-bit port, so every slot that may hold a negative value (the last reading, steps, levels)
is read as ``(v ^ m) - m`` with ``m = 1 << 31``: the sign extension of the low 32 bits on a
64-bit port, the identity on a 32-bit one. Hashes stay 0..32748, every product under
2**25 and every sum with the new value (added unreduced) under 2**30; viper's ``//`` and ``%`` floor like Python's. The step clamp +-1048575 is built at
run time (``(1 << 20) - 1``): as immediates in the comparison the armv6m build of
MicroPython v1.27.0's viper emitter got it wrong (a step of 100 came out -8191 on the
emulated Pico; tests/host/test_rp2040_sensor.py now runs the parity there). Importing this module fails where the
emitter is missing (SyntaxError on the WebAssembly port, ImportError on CPython);
``redline.sensor.replay`` then uses the twin. tests/firmware/test_sensor_replay_fast.py runs both
on every runtime.

``redline.sensor.kernel_viper.reading_viper`` carries a copy of advance_viper written in (no
viper-to-viper call on an unpaired reading): a change here goes there too; the parity
tests hold both to the twins.
"""
import micropython


@micropython.viper
def advance_viper(st: ptr32, x: int) -> int:
    m = 1
    m = m << 31
    lim = 1
    lim = (lim << 20) - 1       # 1048575: built at run time (see the module doc)
    c32768 = 1
    c32768 = c32768 << 15
    w = int(st[8])
    quant = int(st[9])
    pos = int(st[0])
    if st[10]:
        v = x
        if quant != 1:                  # a division less at quant 1 (calibrated nodes)
            v = x // quant
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
        st[2] = x
        st[3] = 1
        st[0] = p1
        return 0
    q = x - ((int(st[2]) ^ m) - m)
    if quant != 1:
        q = q // quant
    st[2] = x
    if q > lim:
        q = lim
    elif q < 0 - lim:
        q = 0 - lim
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
            return 0
    due = 0
    if filled == w:
        due = 4
        if (int(st[4]) ^ m) - m >= int(st[23]) and (int(st[5]) ^ m) - m >= int(st[23]):
            due = 5
    if st[10] and (int(st[6]) ^ m) - m >= int(st[24]) and (int(st[7]) ^ m) - m >= int(st[25]):
        due = due | 2
    return due
