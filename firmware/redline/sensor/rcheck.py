"""The replay detector's per-reading print work in one call: filter, ring scan, ring insert (twin).

Pure-Python twin of ``redline.sensor.rcheck_viper`` (identical results, line for line; the
viper build runs where the emitter exists -- the boards, where it is most of the saving --
and this twin where it is missing: CPython, the WebAssembly port). After
``redline.sensor.window.advance`` has said which prints are due, ``check(st, prints, checks,
counts)`` does for the step print (bit 0 of ``due``) and then the level print (bit 1) what
``ReplayDetector`` used to do in Python: look the print up in the counting filter, scan the
kind's ring for it outside the current window, and store it in the ring (every ``stride``-th),
dropping the oldest and updating the filter. The shared fingerprint store
(``redline.sensor.prints``) is not touched here: the call returns what the detector must ask
it, in this order, so the store sees exactly the calls it saw before (a lookup of each kind
before that kind's dropped print is added)::

    bit 0   a ring holds the print (a replay)
    bit 1   look the step print up in the store:  st[e + 15] (salted print), st[e + 16] (check)
    bit 2   add the step ring's dropped print:     st[e + 17], st[e + 18]
    bit 3   look the level print up in the store:  st[e + 19], st[e + 20]
    bit 4   add the level ring's dropped print:    st[e + 21], st[e + 22]

``e = 26 + 2 * window``: the slots after ``advance``'s (window.py's layout) -- e + 0 the due
bits, e + 1 history, e + 2 stride, e + 3 skip, e + 4 filter mask, e + 5 and e + 6 the two
kinds' salts, e + 7 the store stride K with a store (0: none), e + 8/9 ring write positions,
e + 10/11 prints stored, e + 12/13 stride ticks, e + 14 the current step print, e + 15..22
the store calls' prints and checks, e + 23/24 the store ticks: of the prints a kind's ring
drops, the 1st, (K+1)-th, (2K+1)-th, ... go into the store (``REPLAY_STORE_STRIDE``). Prints are >= 0 (30 bits), checks
16 bits, filter counts 4 bits (two buckets a byte: bucket ``b`` is the low nibble of byte
``b >> 1`` when ``b`` is even, the high one when odd; a count saturates at 15 and is then
never lowered, so the bucket only costs scans, never a missed print), so the viper build's
unsigned loads read them right.
tests/firmware/test_sensor_replay_fast.py runs both builds on every runtime and on the chip.
"""
from redline.compat import const

EXTRA = const(25)       # slots after the windows


def check(st, prints, checks, counts):
    """The print work of one reading whose due bits are in ``st[e]`` (see the module doc)."""
    e = 26 + 2 * st[8]
    due = st[e]
    hist = st[e + 1]
    skip = st[e + 3]
    mask = st[e + 4]
    ret = 0
    if due & 4:
        st[e + 14] = st[11] * 32768 + st[12]
    k = 0
    while k < 2:
        if due & (1 << k):
            h = 11 + 6 * k
            fp = st[h] * 32768 + st[h + 1]
            h3 = st[h + 2]
            base = k * hist
            stored = st[e + 10 + k]
            wpos = st[e + 8 + k]
            hit = 0
            b = (fp ^ (fp >> 13)) & mask
            if (counts[b >> 1] >> ((b & 1) << 2)) & 15 and stored > skip:
                j = wpos - 1 - skip
                if j < 0:
                    j += hist
                n = stored - skip
                while n > 0:
                    if prints[base + j] == fp and checks[base + j] == h3:
                        hit = 1
                        n = 0
                    else:
                        j -= 1
                        if j < 0:
                            j += hist
                        n -= 1
            salt = st[e + 5 + k]
            out = e + 15 + 4 * k
            if hit:
                ret = ret | 1
            elif st[e + 7]:
                ret = ret | (2 << (2 * k))
                st[out] = fp ^ salt
                st[out + 1] = h3
            t = st[e + 12 + k] + 1
            if t >= st[e + 2]:
                t = 0
                i = base + wpos
                if stored < hist:
                    st[e + 10 + k] = stored + 1
                else:
                    old = prints[i]
                    if st[e + 7]:
                        # every st[e + 7]-th dropped print of the kind goes into the store
                        c = st[e + 23 + k]
                        if c == 0:
                            ret = ret | (4 << (2 * k))
                            st[out + 2] = old ^ salt
                            st[out + 3] = checks[i]
                        c += 1
                        if c >= st[e + 7]:
                            c = 0
                        st[e + 23 + k] = c
                    ob = (old ^ (old >> 13)) & mask
                    sh = (ob & 1) << 2
                    if (counts[ob >> 1] >> sh) & 15 < 15:
                        counts[ob >> 1] = counts[ob >> 1] - (1 << sh)
                prints[i] = fp
                checks[i] = h3
                sh = (b & 1) << 2
                if (counts[b >> 1] >> sh) & 15 < 15:
                    counts[b >> 1] = counts[b >> 1] + (1 << sh)
                wpos += 1
                if wpos >= hist:
                    wpos = 0
                st[e + 8 + k] = wpos
            st[e + 12 + k] = t
        k += 1
    return ret
