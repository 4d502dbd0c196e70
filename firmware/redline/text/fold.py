"""The pipeline's per-message detectors folded into one call over one int array.

``CognitivePipeline`` runs four small detectors on every message that reaches DETECTION:
repetition (``redline.text.repeat``), confidence (``redline.text.conf``), CUSUM
(``redline.text.cusum``) and, after them, the log2 stability monitor
(``redline.text.kernel.DynamicStabilityMonitor``). Each one as an object costs a Python
call and a dozen attribute loads and stores per message (~3,000 cycles a call on the
Pico), so the pipeline keeps their state and parameters in one ``array('i')`` and runs
them in one function, ``detect(st, hi, lo, c, p, e)``, with the same results as the
objects (tests/firmware/test_fold.py compares them on seeded streams). The detector
classes stay as they are for use on their own.

``detect(st, hi, lo, c)`` (anchor halves, confidence; the probability, the entropy and the
flags the message already has in ``st[IN_P]``, ``st[IN_E]``, ``st[IN_PRE]``: a viper
function takes four arguments) returns the message's flags; when there is none (nothing can
block the message) it also runs the monitor, leaves its state in ``st[MON_STATE]`` and
returns ``MONITOR_RAN`` (256). With flags the pipeline asks the policy first and calls
``monitor(st, e)`` only when the message goes on. ``pack(bits, st, hi, lo)`` writes the
synapse word of the message (``Synapse.pack``) from ``st[IN_E]``, ``st[IN_SUR]`` and
``st[IN_BO]``. Every value stays below 2**30 and
nothing stored is negative, so the viper build (``redline.text.fold_viper``, used where the
emitter exists) and this pure-Python twin agree::

    from redline.text.fold import Detection
    d = Detection()                       # the pipeline's defaults
    f = d.run(hi, lo, confidence, p, entropy, 0)
    f, d.st[MON_STATE]                    # flags (MONITOR_RAN: none), monitor state
"""
from array import array

from redline.compat import const
from redline.codes import FLAG_ANOMALY, FLAG_DECAYING, FLAG_LOW_CONFIDENCE, FLAG_STUCK

# state and parameters, one slot each (public: the viper build and the tests use them)
REP_COUNT = const(0)
REP_HI = const(1)
REP_LO = const(2)
REP_MAX = const(3)
CONF_CUR = const(4)
CONF_FILLED = const(5)
CONF_DECAY = const(6)
CONF_MIN = const(7)
CONF_DTHR = const(8)
CUS_HIGH = const(9)
CUS_LOW = const(10)
CUS_REF = const(11)
CUS_SEEDED = const(12)
CUS_K = const(13)
CUS_H = const(14)
CUS_CAP = const(15)
CUS_SHIFT = const(16)
MON_HI = const(17)
MON_LO = const(18)
MON_SEEN = const(19)
MON_STATE = const(20)
MON_K = const(21)
SATURATE = const(22)        # 0x3FFFFFFF, the counters' ceiling (kept here: no wide constant in viper)
IN_P = const(23)            # inputs of one call: the probability (CUSUM),
IN_E = const(24)            # the entropy (monitor),
IN_PRE = const(25)          # the flags the message already has (adversarial, drift)
IN_SUR = const(26)          # the surprise (synapse),
IN_BO = const(27)           # has_bias | oov_byte << 1 (synapse)
SLOTS = const(28)

MONITOR_RAN = const(256)

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
    if not st[MON_SEEN]:
        st[MON_HI] = idx
        st[MON_LO] = idx
        st[MON_SEEN] = 1
        st[MON_STATE] = _STABLE
        return _STABLE
    k = st[MON_K]
    hi = st[MON_HI]
    lo = st[MON_LO]
    high = idx > hi + k
    low = lo > k and idx < lo - k
    if idx > hi:
        st[MON_HI] = idx
    if idx < lo:
        st[MON_LO] = idx
    s = _STABLE
    if high:
        s = _BOTH if low else _HIGH
    elif low:
        s = _LOW
    st[MON_STATE] = s
    return s


def detect_py(st, hi, lo, c):
    """Repetition (anchor hi, lo), confidence (c), CUSUM (``st[IN_P]``); with no flag at all
    (``st[IN_PRE]`` included), the monitor (``st[IN_E]``) too.

    Returns the message's flags (``st[IN_PRE]`` | the detectors'), or MONITOR_RAN when there
    is none and the monitor ran (its state in ``st[MON_STATE]``)."""
    sat = st[SATURATE]
    p = st[IN_P]
    # repetition
    n = st[REP_COUNT]
    if n > 0 and hi == st[REP_HI] and lo == st[REP_LO]:
        if n < sat:
            n += 1
            st[REP_COUNT] = n
    else:
        n = 1
        st[REP_COUNT] = 1
        st[REP_HI] = hi
        st[REP_LO] = lo
    f = FLAG_STUCK if n >= st[REP_MAX] else 0
    # confidence
    prev = st[CONF_CUR] if st[CONF_FILLED] else c
    st[CONF_FILLED] = 1
    st[CONF_CUR] = c
    if c < prev:
        d = st[CONF_DECAY]
        if d < sat:
            st[CONF_DECAY] = d + 1
    else:
        st[CONF_DECAY] = 0
    if c < st[CONF_MIN]:
        f |= FLAG_LOW_CONFIDENCE
    if st[CONF_DECAY] >= st[CONF_DTHR]:
        f |= FLAG_DECAYING
    # CUSUM
    if not st[CUS_SEEDED]:
        st[CUS_REF] = p
        st[CUS_SEEDED] = 1
    ref = st[CUS_REF]
    d = p - ref
    k = st[CUS_K]
    cap = st[CUS_CAP]
    s = st[CUS_HIGH] + d - k
    sh = 0 if s < 0 else (cap if s > cap else s)
    st[CUS_HIGH] = sh
    s = st[CUS_LOW] - d - k
    sl = 0 if s < 0 else (cap if s > cap else s)
    st[CUS_LOW] = sl
    h = st[CUS_H]
    alarm = sh > h or sl > h
    shift = st[CUS_SHIFT]
    if shift:
        st[CUS_REF] = ref + (d >> (shift + 3 if alarm else shift))
    if alarm:
        f |= FLAG_ANOMALY
    f |= st[IN_PRE]
    if f:
        return f
    monitor_py(st, st[IN_E])
    return MONITOR_RAN


def pack_py(b, st, hi, lo):
    """``Synapse.pack(st[IN_E], st[IN_SUR], st[IN_BO] & 1, hi, lo, st[IN_BO] >> 1)`` into the
    synapse's 16 bytes ``b``, for values in range (the sifter's; Synapse.pack checks them)."""
    e = st[IN_E]
    u = st[IN_SUR]
    bo = st[IN_BO]
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
                 cusum_h=16384, monitor_k=3, track_shift=5, kernels=None):
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
        st = array("i", [0] * SLOTS)
        # above the counters' ceiling a rung is never reached: any value past it says the same
        st[REP_MAX] = max_repetitions if max_repetitions < 0x7FFFFFFF else 0x7FFFFFFF
        st[CONF_MIN] = min_confidence
        st[CONF_DTHR] = decay_threshold if decay_threshold < 0x7FFFFFFF else 0x7FFFFFFF
        st[CUS_K] = cusum_k
        st[CUS_H] = cusum_h
        st[CUS_CAP] = 2 * cusum_h
        st[CUS_SHIFT] = track_shift
        st[MON_K] = monitor_k
        st[SATURATE] = 0x3FFFFFFF
        self.st = st
        if kernels is None:
            kernels = (detect, monitor, pack)
        self.detect, self.monitor, self.pack = kernels
        self.reset()

    def reset(self):
        st = self.st
        for i in (REP_COUNT, REP_HI, REP_LO, CONF_CUR, CONF_FILLED, CONF_DECAY, CUS_HIGH, CUS_LOW,
                  CUS_REF, CUS_SEEDED, MON_HI, MON_SEEN, MON_STATE):
            st[i] = 0
        st[MON_LO] = 255

    def run(self, hi, lo, c, p, e, pre):
        st = self.st
        st[IN_P] = p
        st[IN_E] = e
        st[IN_PRE] = pre
        return self.detect(st, hi, lo, c)

    # what the detector objects called these (host and tests; not on the per-message path)
    @property
    def repetitions(self):
        return self.st[REP_COUNT]

    @property
    def min_confidence(self):
        return self.st[CONF_MIN]

    @property
    def monitor_state(self):
        return self.st[MON_STATE]
