"""The pipeline's per-message detectors folded into one call over one int array.

``CognitivePipeline`` runs four small detectors on every message that reaches DETECTION:
repetition (``redline.text.repeat``), confidence (``redline.text.conf``), CUSUM
(``redline.text.cusum``) and, after them, the log2 stability monitor
(``redline.text.stab.DynamicStabilityMonitor``). Each one as an object costs a Python
call and a dozen attribute loads and stores per message (~3,000 cycles a call on the
Pico), so the pipeline keeps their state and parameters in one ``array('i')`` (slots
below) and runs them in one function, with the same results as the objects
(tests/firmware/test_fold.py compares them on seeded streams). The detector classes stay
as they are for use on their own.

``detect(st, hi, lo, c)`` takes the anchor's halves and the confidence; the probability,
the entropy and the flags the message already has are in slots 23, 24 and 25 (a viper
function takes four arguments). It returns the message's flags; when there is none
(nothing can block the message) it also runs the monitor, leaves its state in slot 20 and
returns 256. With flags the pipeline asks the policy first and calls ``monitor(st, e)``
only when the message goes on. ``pack(bits, st, hi, lo)`` writes the message's synapse
word (``Synapse.pack``) from slots 24 (entropy), 26 (surprise) and 27 (has_bias |
oov_byte << 1), and its confidence (``redline.text.conf.confidence16`` of slot 23 and the
threshold's probability, slot 28) into slot 29. Every value stays below 2**30 and nothing stored is negative, so the
viper build (``redline.text.fold_viper``, used where the emitter exists) and these
pure-Python twins agree::

    from redline.text.fold import Detection
    d = Detection()                       # the pipeline's defaults
    f = d.run(hi, lo, confidence, p, entropy, 0)
    f, d.monitor_state                    # flags (256: none), the monitor's state
"""
from array import array

from redline.compat import const

# state and parameters, one slot each (private: no module dict entries on a board; the viper
# build, pipe.py and tests/firmware/test_fold.py repeat the numbers they use)
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
_SATURATE = const(22)        # 0x3FFFFFFF, the counters' ceiling (kept here: no wide constant in viper)
_IN_P = const(23)            # inputs of one call: the probability (CUSUM),
_IN_E = const(24)            # the entropy (monitor),
_IN_PRE = const(25)          # the flags the message already has (adversarial, drift)
_IN_SUR = const(26)          # the surprise (synapse),
_IN_BO = const(27)           # has_bias | oov_byte << 1 (synapse)
_P_THR = const(28)          # the decision threshold's probability (confidence16)
_OUT_C = const(29)          # pack's output: the confidence of the message
_SLOTS = const(30)

_MONITOR_RAN = const(256)

# redline.codes' flags, private here (no module dict entries; test_fold.py checks the results)
_FLAG_STUCK = const(0x01)
_FLAG_LOW_CONFIDENCE = const(0x04)
_FLAG_DECAYING = const(0x08)
_FLAG_ANOMALY = const(0x10)

_STABLE = const(0)
_HIGH = const(1)
_LOW = const(2)
_BOTH = const(3)


def monitor_py(st, e):
    """DynamicStabilityMonitor.update(e) on ``st``; returns the state."""
    x = e
    idx = 0
    if x >= 2:
        if x >= 0x10000:
            x >>= 16
            idx = 16
        if x >= 0x100:
            x >>= 8
            idx += 8
        if x >= 0x10:
            x >>= 4
            idx += 4
        if x >= 4:
            x >>= 2
            idx += 2
        if x >= 2:
            idx += 1
    if not st[_MON_SEEN]:
        st[_MON_HI] = idx
        st[_MON_LO] = idx
        st[_MON_SEEN] = 1
        st[_MON_STATE] = _STABLE
        return _STABLE
    k = st[_MON_K]
    hi = st[_MON_HI]
    lo = st[_MON_LO]
    high = idx > hi + k
    low = lo > k and idx < lo - k
    if idx > hi:
        st[_MON_HI] = idx
    if idx < lo:
        st[_MON_LO] = idx
    s = _STABLE
    if high:
        s = _BOTH if low else _HIGH
    elif low:
        s = _LOW
    st[_MON_STATE] = s
    return s


def detect_py(st, hi, lo, c):
    """Repetition (anchor hi, lo), confidence (c), CUSUM (``st[_IN_P]``); with no flag at all
    (``st[_IN_PRE]`` included), the monitor (``st[_IN_E]``) too.

    Returns the message's flags (``st[_IN_PRE]`` | the detectors'), or _MONITOR_RAN when there
    is none and the monitor ran (its state in ``st[_MON_STATE]``)."""
    sat = st[_SATURATE]
    p = st[_IN_P]
    # repetition
    n = st[_REP_COUNT]
    if n > 0 and hi == st[_REP_HI] and lo == st[_REP_LO]:
        if n < sat:
            n += 1
            st[_REP_COUNT] = n
    else:
        n = 1
        st[_REP_COUNT] = 1
        st[_REP_HI] = hi
        st[_REP_LO] = lo
    f = _FLAG_STUCK if n >= st[_REP_MAX] else 0
    # confidence
    prev = st[_CONF_CUR] if st[_CONF_FILLED] else c
    st[_CONF_FILLED] = 1
    st[_CONF_CUR] = c
    if c < prev:
        d = st[_CONF_DECAY]
        if d < sat:
            st[_CONF_DECAY] = d + 1
    else:
        st[_CONF_DECAY] = 0
    if c < st[_CONF_MIN]:
        f |= _FLAG_LOW_CONFIDENCE
    if st[_CONF_DECAY] >= st[_CONF_DTHR]:
        f |= _FLAG_DECAYING
    # CUSUM
    if not st[_CUS_SEEDED]:
        st[_CUS_REF] = p
        st[_CUS_SEEDED] = 1
    ref = st[_CUS_REF]
    d = p - ref
    k = st[_CUS_K]
    cap = st[_CUS_CAP]
    s = st[_CUS_HIGH] + d - k
    sh = 0 if s < 0 else (cap if s > cap else s)
    st[_CUS_HIGH] = sh
    s = st[_CUS_LOW] - d - k
    sl = 0 if s < 0 else (cap if s > cap else s)
    st[_CUS_LOW] = sl
    h = st[_CUS_H]
    alarm = sh > h or sl > h
    shift = st[_CUS_SHIFT]
    if shift:
        st[_CUS_REF] = ref + (d >> (shift + 3 if alarm else shift))
    if alarm:
        f |= _FLAG_ANOMALY
    f |= st[_IN_PRE]
    if f:
        return f
    monitor_py(st, st[_IN_E])
    return _MONITOR_RAN


def pack_py(b, st, hi, lo):
    """``Synapse.pack(st[_IN_E], st[_IN_SUR], st[_IN_BO] & 1, hi, lo, st[_IN_BO] >> 1)`` into the
    synapse's 16 bytes ``b``, for values in range (the sifter's; Synapse.pack checks them); and
    ``confidence16(st[_IN_P], st[_P_THR])`` into ``st[_OUT_C]``."""
    p = st[_IN_P]
    t = st[_P_THR]
    if p >= t:
        num = p - t
        den = 65535 - t
    else:
        num = t - p
        den = t
    if den == 0:
        c = 65535
    else:
        x = num << 8
        q1 = x // den
        x = (x - q1 * den) << 8
        q2 = x // den
        c = (q1 << 8) | q2
        if x - q2 * den < num:
            c -= 1
    st[_OUT_C] = c
    e = st[_IN_E]
    u = st[_IN_SUR]
    bo = st[_IN_BO]
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


def _kernels():
    try:
        from redline.text.fold_viper import detect_viper, monitor_viper, pack_viper

        return detect_viper, monitor_viper, pack_viper
    except (ImportError, SyntaxError):      # CPython, or a port without the viper emitter (wasm)
        return detect_py, monitor_py, pack_py


detect, monitor, pack = _kernels()


class Detection:
    """The detectors' parameters (checked as the detector classes check them) and state."""

    def __init__(self, max_repetitions=3, min_confidence=19661, decay_threshold=3, cusum_k=4096,
                 cusum_h=16384, monitor_k=3, track_shift=5, p_threshold=32767, kernels=None):
        if max_repetitions < 1:
            raise ValueError("repetition: max_repetitions must be >= 1")
        if not (0 <= min_confidence <= 65535):
            raise ValueError("confidence: min_confidence must be 0..65535")
        if decay_threshold < 1:
            raise ValueError("confidence: decay_threshold must be >= 1")
        if not (0 <= cusum_k < (1 << 20)) or not (0 < cusum_h < (1 << 20)):
            raise ValueError("cusum: need 0 <= k < 2**20 and 0 < h < 2**20")
        if not (0 <= track_shift <= 16):
            raise ValueError("cusum: track_shift must be 0..16")
        if not (1 <= monitor_k <= 5):
            raise ValueError("stability monitor: k must be 1..5")
        if not (0 <= p_threshold <= 65535):
            raise ValueError("confidence: p_threshold must be 0..65535")
        st = array("i", [0] * _SLOTS)
        # above the counters' ceiling (0x3FFFFFFF) a rung is never reached: 2**30 says the same
        st[_REP_MAX] = max_repetitions if max_repetitions <= 0x3FFFFFFF else 0x3FFFFFFF + 1
        st[_CONF_MIN] = min_confidence
        st[_CONF_DTHR] = decay_threshold if decay_threshold <= 0x3FFFFFFF else 0x3FFFFFFF + 1
        st[_P_THR] = p_threshold
        st[_CUS_K] = cusum_k
        st[_CUS_H] = cusum_h
        st[_CUS_CAP] = 2 * cusum_h
        st[_CUS_SHIFT] = track_shift
        st[_MON_K] = monitor_k
        st[_SATURATE] = 0x3FFFFFFF
        self.st = st
        if kernels is None:
            kernels = (detect, monitor, pack)
        self.detect, self.monitor, self.pack = kernels
        self.reset()

    def reset(self):
        st = self.st
        for i in (_REP_COUNT, _REP_HI, _REP_LO, _CONF_CUR, _CONF_FILLED, _CONF_DECAY, _CUS_HIGH, _CUS_LOW,
                  _CUS_REF, _CUS_SEEDED, _MON_HI, _MON_SEEN, _MON_STATE):
            st[i] = 0
        st[_MON_LO] = 255

    def run(self, hi, lo, c, p, e, pre):
        st = self.st
        st[_IN_P] = p
        st[_IN_E] = e
        st[_IN_PRE] = pre
        return self.detect(st, hi, lo, c)

    def stage(self, name):
        """The state of one folded detector as {field: int}, under the detector class's attribute
        names ("repetition", "confidence", "cusum", "monitor"): the protocol's trace mode
        (redline.link.trace; host and protocol use, allocates)."""
        st = self.st
        if name == "repetition":
            return {"count": st[_REP_COUNT], "last_hi": st[_REP_HI], "last_lo": st[_REP_LO],
                    "max_repetitions": st[_REP_MAX]}
        if name == "confidence":
            return {"current": st[_CONF_CUR], "decay_count": st[_CONF_DECAY], "decay_threshold": st[_CONF_DTHR],
                    "filled": st[_CONF_FILLED], "min_confidence": st[_CONF_MIN]}
        if name == "cusum":
            return {"cap": st[_CUS_CAP], "h": st[_CUS_H], "k": st[_CUS_K], "reference": st[_CUS_REF],
                    "s_high": st[_CUS_HIGH], "s_low": st[_CUS_LOW], "seeded": st[_CUS_SEEDED],
                    "track_shift": st[_CUS_SHIFT]}
        if name == "monitor":
            return {"hi": st[_MON_HI], "k": st[_MON_K], "lo": st[_MON_LO], "seen": st[_MON_SEEN],
                    "state": st[_MON_STATE]}
        raise ValueError("detection: no stage " + name)

    # what the detector objects called these (host and tests; not on the per-message path)
    @property
    def repetitions(self):
        return self.st[_REP_COUNT]

    @property
    def min_confidence(self):
        return self.st[_CONF_MIN]

    @property
    def monitor_state(self):
        return self.st[_MON_STATE]
