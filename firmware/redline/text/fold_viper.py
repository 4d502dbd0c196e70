"""``redline.text.fold``'s detectors compiled by the viper emitter: one message's detection as machine code.

Identical results to the pure-Python twins ``detect_py`` / ``monitor_py`` (tests/firmware/
test_fold.py runs both against the detector classes on every runtime that has the emitter,
tests/host/test_rp2040_text.py on the emulated Pico), on the same state array (slots as in
``redline.text.fold``, repeated here as private constants: an imported name is no constant
to the compiler). Every value stays below 2**30 and nothing stored in ``st`` is negative (a
``ptr32`` load does not sign-extend on a 64-bit port), so machine words and Python agree.

Frozen armv6m native code is only 2-byte aligned (MicroPython v1.27.0's mpy-tool; see
redline.text.feat_viper): no constant here is wider than 16 bits, comparisons against
values above 255 use values built at run time (the 0x3FFFFFFF ceiling is read from
``st``), and each function is far below 2 KB. The monitor is written out in ``detect_viper``
as well as on its own (``monitor_viper``, for messages with flags): a call between viper
functions costs ~3,000 cycles on the Pico. tests/host/test_cross_compile.py checks the
armv6m code. Importing this module fails where the emitter is missing (SyntaxError on the
WebAssembly port, ImportError on CPython); ``redline.text.fold`` then uses the twins::

    from redline.text.fold_viper import detect_viper, monitor_viper, pack_viper
"""
import micropython

from redline.compat import const

_REP_COUNT = const(0)
_REP_HI = const(1)
_REP_LO = const(2)
_REP_MAX = const(3)
_CONF_CUR = const(4)
_CONF_FILLED = const(5)
_CONF_DECAY = const(6)
_CONF_MIN = const(7)
_CONF_DTHR = const(8)
_CUS_HIGH = const(9)
_CUS_LOW = const(10)
_CUS_REF = const(11)
_CUS_SEEDED = const(12)
_CUS_K = const(13)
_CUS_H = const(14)
_CUS_CAP = const(15)
_CUS_SHIFT = const(16)
_MON_HI = const(17)
_MON_LO = const(18)
_MON_SEEN = const(19)
_MON_STATE = const(20)
_MON_K = const(21)
_SATURATE = const(22)
_IN_P = const(23)
_IN_E = const(24)
_IN_PRE = const(25)
_IN_SUR = const(26)
_IN_BO = const(27)
_P_THR = const(28)
_OUT_C = const(29)
# redline.codes' flags (test_fold.py compares the results with the detector classes')
_FLAG_STUCK = const(0x01)
_FLAG_LOW_CONFIDENCE = const(0x04)
_FLAG_DECAYING = const(0x08)
_FLAG_ANOMALY = const(0x10)


@micropython.viper
def monitor_viper(st: ptr32, e: int) -> int:
    """redline.text.fold.monitor_py: the log2 envelope of e; returns the state."""
    c256 = 1
    c256 = c256 << 8
    c64k = c256 << 8
    x = e
    idx = 0
    if x >= 2:
        if x >= c64k:
            x = x >> 16
            idx = 16
        if x >= c256:
            x = x >> 8
            idx += 8
        if x >= 16:
            x = x >> 4
            idx += 4
        if x >= 4:
            x = x >> 2
            idx += 2
        if x >= 2:
            idx += 1
    if int(st[_MON_SEEN]) == 0:
        st[_MON_HI] = idx
        st[_MON_LO] = idx
        st[_MON_SEEN] = 1
        st[_MON_STATE] = 0
        return 0
    k = int(st[_MON_K])
    hi = int(st[_MON_HI])
    lo = int(st[_MON_LO])
    high = 0
    if idx > hi + k:
        high = 1
    low = 0
    if lo > k and idx < lo - k:
        low = 1
    if idx > hi:
        st[_MON_HI] = idx
    if idx < lo:
        st[_MON_LO] = idx
    s = 0
    if high:
        s = 1
        if low:
            s = 3
    elif low:
        s = 2
    st[_MON_STATE] = s
    return s


@micropython.viper
def detect_viper(st: ptr32, hi: int, lo: int, c: int) -> int:
    """redline.text.fold.detect_py: repetition, confidence, CUSUM; the monitor when no flag."""
    sat = int(st[_SATURATE])
    n = int(st[_REP_COUNT])
    if n > 0 and hi == int(st[_REP_HI]) and lo == int(st[_REP_LO]):
        if n < sat:
            n += 1
            st[_REP_COUNT] = n
    else:
        n = 1
        st[_REP_COUNT] = 1
        st[_REP_HI] = hi
        st[_REP_LO] = lo
    f = 0
    if n >= int(st[_REP_MAX]):
        f = _FLAG_STUCK
    # confidence
    prev = c
    if int(st[_CONF_FILLED]):
        prev = int(st[_CONF_CUR])
    st[_CONF_FILLED] = 1
    st[_CONF_CUR] = c
    d = int(st[_CONF_DECAY])
    if c < prev:
        if d < sat:
            d += 1
            st[_CONF_DECAY] = d
    else:
        d = 0
        st[_CONF_DECAY] = 0
    if c < int(st[_CONF_MIN]):
        f |= _FLAG_LOW_CONFIDENCE
    if d >= int(st[_CONF_DTHR]):
        f |= _FLAG_DECAYING
    # CUSUM
    p = int(st[_IN_P])
    if int(st[_CUS_SEEDED]) == 0:
        st[_CUS_REF] = p
        st[_CUS_SEEDED] = 1
    ref = int(st[_CUS_REF])
    d = p - ref
    k = int(st[_CUS_K])
    cap = int(st[_CUS_CAP])
    h = int(st[_CUS_H])
    s = int(st[_CUS_HIGH]) + d - k
    if s < 0:
        s = 0
    elif s > cap:
        s = cap
    st[_CUS_HIGH] = s
    alarm = 0
    if s > h:
        alarm = 1
    s = int(st[_CUS_LOW]) - d - k
    if s < 0:
        s = 0
    elif s > cap:
        s = cap
    st[_CUS_LOW] = s
    if s > h:
        alarm = 1
    shift = int(st[_CUS_SHIFT])
    if shift:
        if alarm:
            shift += 3
        st[_CUS_REF] = ref + (d >> shift)
    if alarm:
        f |= _FLAG_ANOMALY
    f |= int(st[_IN_PRE])
    if f:
        return f
    # no flag: the monitor (monitor_viper written out)
    c256 = 1
    c256 = c256 << 8
    c64k = c256 << 8
    x = int(st[_IN_E])
    idx = 0
    if x >= 2:
        if x >= c64k:
            x = x >> 16
            idx = 16
        if x >= c256:
            x = x >> 8
            idx += 8
        if x >= 16:
            x = x >> 4
            idx += 4
        if x >= 4:
            x = x >> 2
            idx += 2
        if x >= 2:
            idx += 1
    if int(st[_MON_SEEN]) == 0:
        st[_MON_HI] = idx
        st[_MON_LO] = idx
        st[_MON_SEEN] = 1
        st[_MON_STATE] = 0
        return c256             # MONITOR_RAN (256)
    k = int(st[_MON_K])
    mh = int(st[_MON_HI])
    ml = int(st[_MON_LO])
    high = 0
    if idx > mh + k:
        high = 1
    low = 0
    if ml > k and idx < ml - k:
        low = 1
    if idx > mh:
        st[_MON_HI] = idx
    if idx < ml:
        st[_MON_LO] = idx
    s = 0
    if high:
        s = 1
        if low:
            s = 3
    elif low:
        s = 2
    st[_MON_STATE] = s
    return c256


@micropython.viper
def pack_viper(b: ptr8, st: ptr32, hi: int, lo: int) -> int:
    """redline.text.fold.pack_py: the synapse word (Synapse.pack) from st's inputs, and the
    confidence (confidence16) into st[_OUT_C]."""
    c65535 = 0xFF
    c65535 = (c65535 << 8) | 0xFF
    p = int(st[_IN_P])
    t = int(st[_P_THR])
    if p >= t:
        num = p - t
        den = c65535 - t
    else:
        num = t - p
        den = t
    if den == 0:
        c = c65535
    else:
        x = num << 8
        q1 = x // den
        x = (x - q1 * den) << 8
        q2 = x // den
        c = (q1 << 8) | q2
        if x - q2 * den < num:
            c -= 1
    st[_OUT_C] = c
    e = int(st[_IN_E])
    u = int(st[_IN_SUR])
    bo = int(st[_IN_BO])
    oov = bo >> 1
    b[0] = e & 0xFF
    b[1] = e >> 8
    b[2] = u & 0xFF
    b[3] = u >> 8
    b[4] = bo & 1
    b[5] = 0
    b[6] = 0
    b[7] = 0
    b[8] = (lo & 7) << 5
    b[9] = (lo >> 3) & 0xFF
    b[10] = (lo >> 11) | ((hi & 7) << 5)
    b[11] = (hi >> 3) & 0xFF
    b[12] = hi >> 11
    b[13] = (oov & 0x3F) << 2
    b[14] = oov >> 6
    b[15] = 0
    return 0
