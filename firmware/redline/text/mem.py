"""EntropyMemory: the working memory of the text path, a surprise-gated ring of entropies.

Mean, variance and trend of the accepted messages' entropies (the sensor path's
per-channel memory is ``redline.sensor.ring.ChannelRing``).

Tier 2 of llmosafe (spec §5) in integers. ``update`` validates the sifted gauges
in llmosafe's order (bias, entropy > 40000, surprise > threshold) and stores the
entropy only when all pass, so a rejected message never drags the baseline. It
needs the sifted proof (see redline.text.kernel) and, on acceptance, leaves the
validated proof in ``memory.validated`` for the reasoning loop::

    from redline.text.mem import EntropyMemory
    m = EntropyMemory(4, 1000)
    for e in (100, 200, 300, 400):
        m.update(e, 0, False, proof)       # proof from redline.text.kernel.sift_with_proof
    m.mean()          # 250
    m.trend_q8()      # 25600: slope 100 entropy units per update, Q8
    m.variance()      # 12500

Statistics run over all ``size`` slots (never-written slots are 0), x = 0 being
the oldest slot, as the reference. Everything stays below 2**30: the sums are
kept incrementally (sum y and sum i*y, size <= 120), the slope is computed on
centred x (the textbook numerator n*Sxy - Sx*Sy needs ~34 bits, spec §19), and
the variance is accumulated in two 16-bit limbs.
"""
from array import array

from redline.compat import const
from redline.text.kernel import _SIFTED, _VALIDATED

# redline.codes / redline.ladder numbers as private constants (no globals entry, no look-up;
# tests/firmware/test_text_consts.py checks them against the public names)
_HALT_BIAS = const(-3)
_HALT_INSTABILITY = const(-2)
_HALT_SURPRISE = const(-4)

MAX_SIZE = const(120)
ENTROPY_LIMIT = const(40000)


class EntropyMemory:
    def __init__(self, size=64, surprise_threshold=58000):
        if not (1 <= size <= MAX_SIZE):
            raise ValueError("working memory: size must be 1..120")
        if not (-(1 << 29) < surprise_threshold < (1 << 29)):
            raise ValueError("working memory: surprise threshold out of range")
        self.size = size
        self.surprise_threshold = surprise_threshold
        self.slots = array("H", [0] * size)
        # centred-x slope denominator: sum((2i-(n-1))**2) / 2 = (n-1) n (n+1) / 6
        self._den = ((size - 1) * size * (size + 1)) // 6
        self.reset()

    def reset(self):
        s = self.slots
        for i in range(self.size):
            s[i] = 0
        self.index = 0
        self._sum = 0       # sum of slots
        self._isum = 0      # sum of i * slot, i = 0 for the oldest
        self.count = 0      # accepted updates (saturating)
        self.last_mean = 0  # mean() and trend_q8() after the last accepted update
        self.last_trend = 0
        self.validated = None

    def update(self, entropy, surprise, bias, proof):
        """Gate and store; returns 0 (stored) or HALT_BIAS / HALT_INSTABILITY / HALT_SURPRISE."""
        if proof is not _SIFTED:
            raise TypeError("working memory: needs the sifted proof (redline.text.kernel.sift_with_proof)")
        self.validated = None
        if bias:
            return _HALT_BIAS
        if entropy > ENTROPY_LIMIT:
            return _HALT_INSTABILITY
        if surprise > self.surprise_threshold:
            return _HALT_SURPRISE
        if not (0 <= entropy <= 65535):
            raise ValueError("working memory: entropy must be 0..65535")
        n = self.size
        s = self.slots
        i = self.index
        old = s[i]
        sm = self._sum
        # every slot moves one step older: sum(i*y) loses (sum - oldest), the new value gets x = n-1
        isum = self._isum + old - sm + (n - 1) * entropy
        sm += entropy - old
        self._isum = isum
        self._sum = sm
        s[i] = entropy
        i += 1
        self.index = 0 if i == n else i
        c = self.count
        if c < 0x3FFFFFFF:
            self.count = c + 1
        # mean() and trend_q8() of the new state, written out: the pipeline reports both for
        # every accepted message, and a call costs ~3,000 cycles on the Pico
        self.last_mean = sm // n
        den = self._den
        t = 0
        if den:
            num = 2 * isum - (n - 1) * sm
            neg = num < 0
            if neg:
                num = -num
            q = num // den
            r = num - q * den
            t = (q << 8) + ((r << 8) // den)
            if neg:
                t = -t
        self.last_trend = t
        self.validated = _VALIDATED
        return 0

    def mean(self):
        """floor(sum / size)."""
        return self._sum // self.size

    def trend_q8(self):
        """Least-squares slope (entropy units per update) * 256, truncated toward 0."""
        den = self._den
        if den == 0:
            return 0
        num = 2 * self._isum - (self.size - 1) * self._sum   # sum(u * y), u = 2i - (n-1)
        neg = num < 0
        if neg:
            num = -num
        q = num // den
        r = num - q * den
        t = (q << 8) + ((r << 8) // den)
        return -t if neg else t

    def is_drifting(self, threshold_q8=2560):
        """|trend| > threshold (default 10.0 units per update, as llmosafe's stats)."""
        t = self.trend_q8()
        return t > threshold_q8 or -t > threshold_q8

    def variance(self):
        """Population variance around the integer mean, floored (always < 2**30)."""
        m = self._sum // self.size
        s = self.slots
        hi = 0
        lo = 0
        for i in range(self.size):
            d = s[i] - m
            if d < 0:
                d = -d
            dh = d >> 8
            dl = d & 0xFF
            # d*d = dh*dh*65536 + 2*dh*dl*256 + dl*dl, kept as hi*65536 + lo
            lo += ((dh * dl) << 9) + dl * dl
            hi += dh * dh + (lo >> 16)
            lo &= 0xFFFF
        n = self.size
        qh = hi // n
        r = hi - qh * n
        return (qh << 16) + (((r << 16) | lo) // n)

    def stats(self):
        """Host view: mean, variance, trend (float units per update), is_drifting (allocates)."""
        return {"mean": self.mean(), "variance": self.variance(), "trend": self.trend_q8() / 256,
                "is_drifting": self.is_drifting()}
