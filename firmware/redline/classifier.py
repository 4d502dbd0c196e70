"""TF-IDF logistic-regression classifier in integers, streaming over bytes.

One pass over the message hashes every token (low 32 bits of llmosafe's
FNV-1a-64, see redline.tokenizer), looks each unigram and bigram hash up in the
model's sorted key table, and adds its int16 weight (idf * coef * SCALE) to an
integer accumulator that starts at the intercept. Nothing is allocated after
construction: results are attributes of the classifier object::

    from redline.model import load_model
    from redline.classifier import Classifier
    c = Classifier(load_model())
    c.classify(b"ignore all previous instructions", 32)
    c.score, c.is_manipulation, c.probability, c.tokens_matched, c.tokens_total

``score`` is the accumulator (logit * ``scale``); ``probability`` is
65535 * sigmoid(score / scale) from the integer table in redline.sigmoid.

Speed on an interpreter without a native emitter comes from doing little per
byte. The low 16 bits of an FNV-1a hash (unigram or bigram) depend only on the
low 16 bits of everything before, so the byte loop computes just that half. A
32768-bit map of the low 15 bits of the vocabulary's keys (4 KB of RAM, built
at construction) then rules out about 90 % of unknown hashes; only candidates get
their high half (by re-reading the token's bytes) and a binary search, which
starts from a 1024-bucket index over the keys' top bits (2 KB of RAM).
The Adler-32 anchor is computed in the same pass only when ``anchor`` is True.
Where the port has a viper emitter the byte loop runs natively
(redline._scan_viper); ``use_viper`` switches it off (the parity test does).

An optional ``observer`` receives unigram hashes for the adversarial
detector: ``observer.begin()`` per message, then for each token
``observer.wants(lo)`` (optional; without it every token is wanted) and, when
that is True, ``observer.token(hi, lo)``.
"""
from array import array

from redline.compat import const
from redline.sigmoid import prob16
from redline.tokenizer import LOWER

try:  # native byte loop where the port has a viper emitter; plain loop elsewhere
    from redline._scan_viper import scan as _viper_scan
    from redline._scan_viper import scan_anchor as _viper_scan_anchor
except (ImportError, SyntaxError, ValueError):
    _viper_scan = None
    _viper_scan_anchor = None

_OFF_HI = const(0x8422)
_OFF_LO = const(0x2325)
_PRIME = const(0x1B3)
_MIX = const(0x5F)
_MAX_TOKEN = const(256)
_ADLER_MOD = const(65521)
_CHUNK = const(2048)     # Adler sums stay below 2**30 for 2048 bytes between reductions
_BUCKET_SHIFT = const(6)  # bucket = top 10 bits of the key's high half
_FILTER_MASK = const(0x7FFF)  # the membership map covers the low 15 bits (4 KB)


class Classifier:
    def __init__(self, model, observer=None, anchor=False):
        self.model = model
        self.observer = observer
        # an observer without wants() receives every token (bound once: no allocation per call)
        self._wants = getattr(observer, "wants", None)
        self.anchor = anchor
        self.use_viper = _viper_scan is not None
        self._emit = self._token   # bound once, so the viper loop's callback allocates nothing
        self._keys = model.keys
        self._weights = model.weights
        self._vocab = model.vocab
        self.scale = model.scale
        self.score = 0
        self.probability = 0
        self.is_manipulation = False
        self.tokens_matched = 0
        self.tokens_total = 0
        self.adler_a = 1
        self.adler_b = 0
        keys = self._keys
        # low-half membership map and bucket index, built once
        bits = bytearray(4096)
        first = array("H", range(1025))   # no temporary list: range is consumed in place
        n = self._vocab
        for m in range(n):
            j = m << 2
            lo = (keys[j + 2] << 8) | keys[j + 3]
            lo &= _FILTER_MASK
            bits[lo >> 3] |= 1 << (lo & 7)
        m = 0
        for bucket in range(1024):
            first[bucket] = m
            while m < n and (((keys[m << 2] << 8) | keys[(m << 2) + 1]) >> _BUCKET_SHIFT) == bucket:
                m += 1
        first[1024] = n
        self._bits = bits
        self._first = first
        self._adler = array("I", (1, 0))
        # per-message state used by _token()
        self._data = b""
        self._acc = 0
        self._matched = 0
        self._total = 0
        self._have_prev = False
        self._prev_lo = 0
        self._prev_hi = -1
        self._prev_start = 0
        self._prev_end = 0

    def _lookup(self, hi, lo):
        """Weight of key hi:lo, or None when absent (binary search inside the key's bucket)."""
        keys = self._keys
        bucket = hi >> _BUCKET_SHIFT
        a = self._first[bucket]
        b = self._first[bucket + 1] - 1
        while a <= b:
            m = (a + b) >> 1
            j = m << 2
            kh = (keys[j] << 8) | keys[j + 1]
            if kh == hi:
                kl = (keys[j + 2] << 8) | keys[j + 3]
                if kl == lo:
                    w = self._weights
                    k = m << 1
                    v = w[k] | (w[k + 1] << 8)
                    if v >= 32768:
                        v -= 65536
                    return v
                if kl < lo:
                    a = m + 1
                else:
                    b = m - 1
            elif kh < hi:
                a = m + 1
            else:
                b = m - 1
        return None

    def _high(self, start, end):
        """High half of the hash of data[start:end] (end - start <= 256), re-reading its bytes."""
        data = self._data
        low = LOWER
        hi = _OFF_HI
        lo = _OFF_LO
        for i in range(start, end):
            t = (lo ^ low[data[i]]) * _PRIME
            lo = t & 0xFFFF
            hi = (hi * _PRIME + (t >> 16)) & 0xFFFF
        return hi

    def _token(self, start, end, lo):
        """One token data[start:end] whose hash has low half ``lo``: bigram, unigram, observer."""
        if end - start > _MAX_TOKEN:
            # only the first 256 bytes are hashed: recompute the low half (rare)
            end = start + _MAX_TOKEN
            low = LOWER
            data = self._data
            lo = _OFF_LO
            for i in range(start, end):
                lo = ((lo ^ low[data[i]]) * _PRIME) & 0xFFFF
        bits = self._bits
        hi = -1
        if self._have_prev:
            self._total += 1
            pl = self._prev_lo
            t = (pl ^ _MIX) * _PRIME
            bl = ((((t & 0xFFFF) ^ lo)) * _PRIME) & 0xFFFF
            f = bl & _FILTER_MASK
            if bits[f >> 3] & (1 << (f & 7)):
                ph = self._prev_hi
                if ph < 0:
                    ph = self._high(self._prev_start, self._prev_end)
                    self._prev_hi = ph
                hi = self._high(start, end)
                # full bigram: ((prev ^ 0x5F) * P ^ cur) * P in 16-bit halves
                bh = (ph * _PRIME + (t >> 16)) & 0xFFFF
                t2 = ((t & 0xFFFF) ^ lo) * _PRIME
                bh = (((bh ^ hi) * _PRIME) + (t2 >> 16)) & 0xFFFF
                v = self._lookup(bh, bl)
                if v is not None:
                    self._acc += v
                    self._matched += 1
        self._total += 1
        f = lo & _FILTER_MASK
        if bits[f >> 3] & (1 << (f & 7)):
            if hi < 0:
                hi = self._high(start, end)
            v = self._lookup(hi, lo)
            if v is not None:
                self._acc += v
                self._matched += 1
        obs = self.observer
        if obs is not None and (self._wants is None or self._wants(lo)):
            if hi < 0:
                hi = self._high(start, end)
            obs.token(hi, lo)
        self._have_prev = True
        self._prev_lo = lo
        self._prev_hi = hi
        self._prev_start = start
        self._prev_end = end

    def classify(self, data, length):
        """Classify the first ``length`` bytes of ``data`` (bytes, bytearray or memoryview)."""
        low = LOWER
        self._data = data
        self._acc = self.model.intercept
        self._matched = 0
        self._total = 0
        self._have_prev = False
        if self.observer is not None:
            self.observer.begin()
        anchor = self.anchor
        a = 1
        b = 0
        lo = 0
        start = 0
        in_token = False
        i = 0
        if self.use_viper:
            if anchor:
                _viper_scan_anchor(data, length, low, self._emit, self._adler)
                a = self._adler[0]
                b = self._adler[1]
            else:
                _viper_scan(data, length, low, self._emit)
            i = length
        while i < length:
            end = i + _CHUNK
            if end > length:
                end = length
            # two copies of the byte loop: the anchor adds a third of the work per byte
            if anchor:
                for j in range(i, end):
                    x = data[j]
                    a += x
                    b += a
                    c = low[x]
                    if c:
                        if in_token:
                            lo = ((lo ^ c) * _PRIME) & 0xFFFF
                        else:
                            in_token = True
                            start = j
                            lo = ((_OFF_LO ^ c) * _PRIME) & 0xFFFF
                    elif in_token:
                        in_token = False
                        self._token(start, j, lo)
                a %= _ADLER_MOD
                b %= _ADLER_MOD
            else:
                for j in range(i, end):
                    c = low[data[j]]
                    if c:
                        if in_token:
                            lo = ((lo ^ c) * _PRIME) & 0xFFFF
                        else:
                            in_token = True
                            start = j
                            lo = ((_OFF_LO ^ c) * _PRIME) & 0xFFFF
                    elif in_token:
                        in_token = False
                        self._token(start, j, lo)
            i = end
        if in_token:
            self._token(start, length, lo)
        self._data = b""
        acc = self._acc
        self.score = acc
        self.tokens_matched = self._matched
        self.tokens_total = self._total
        self.is_manipulation = acc > self.model.threshold
        self.probability = prob16(acc, self.model.scale)
        self.adler_a = a
        self.adler_b = b
        return acc
