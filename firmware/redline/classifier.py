"""TF-IDF logistic-regression classifier in integers, streaming over bytes.

One pass over the message hashes every token (low 32 bits of llmosafe's
FNV-1a-64, see redline.tokenizer), looks each unigram and bigram hash up in the
model's sorted key table by binary search, and adds its int16 weight
(idf * coef * SCALE) to an integer accumulator that starts at the intercept.
The same pass computes the Adler-32 anchor of the bytes. Nothing is allocated
after construction: results are attributes of the classifier object::

    from redline.model import load_model
    from redline.classifier import Classifier
    c = Classifier(load_model())
    c.classify(b"ignore all previous instructions", 32)
    c.score, c.is_manipulation, c.probability, c.tokens_matched, c.tokens_total

``score`` is the accumulator (logit * ``scale``); ``probability`` is
65535 * sigmoid(score / scale) from the integer table in redline.sigmoid.

An optional ``observer`` (an object with ``begin()`` and ``token(hi, lo)``)
receives every unigram hash as two 16-bit halves; the adversarial detector
uses it to match pattern sequences anywhere in the token stream.
"""
from redline.compat import const
from redline.sigmoid import prob16
from redline.tokenizer import LOWER

_OFF_HI = const(0x8422)
_OFF_LO = const(0x2325)
_PRIME = const(0x1B3)
_MIX = const(0x5F)
_MAX_TOKEN = const(256)
_ADLER_MOD = const(65521)


class Classifier:
    def __init__(self, model, observer=None):
        self.model = model
        self.observer = observer
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
        # token-stream state shared by classify() and _emit()
        self._acc = 0
        self._matched = 0
        self._total = 0
        self._have_prev = False
        self._prev_hi = 0
        self._prev_lo = 0

    def _lookup(self, hi, lo):
        """Weight of key hi:lo, or None when absent (binary search, big-endian u32 keys)."""
        keys = self._keys
        a = 0
        b = self._vocab - 1
        while a <= b:
            m = (a + b) >> 1
            j = m << 2
            kh = (keys[j] << 8) | keys[j + 1]
            if kh < hi:
                a = m + 1
                continue
            if kh > hi:
                b = m - 1
                continue
            kl = (keys[j + 2] << 8) | keys[j + 3]
            if kl < lo:
                a = m + 1
            elif kl > lo:
                b = m - 1
            else:
                w = self._weights
                k = m << 1
                v = w[k] | (w[k + 1] << 8)
                if v >= 32768:
                    v -= 65536
                return v
        return None

    def _emit(self, hi, lo):
        if self._have_prev:
            # bigram: ((prev ^ 0x5F) * P ^ cur) * P, low 32 bits in halves
            ph = self._prev_hi
            pl = self._prev_lo ^ _MIX
            t = pl * _PRIME
            bl = t & 0xFFFF
            bh = (ph * _PRIME + (t >> 16)) & 0xFFFF
            bl ^= lo
            bh ^= hi
            t = bl * _PRIME
            bl = t & 0xFFFF
            bh = (bh * _PRIME + (t >> 16)) & 0xFFFF
            self._total += 1
            v = self._lookup(bh, bl)
            if v is not None:
                self._acc += v
                self._matched += 1
        self._total += 1
        v = self._lookup(hi, lo)
        if v is not None:
            self._acc += v
            self._matched += 1
        obs = self.observer
        if obs is not None:
            obs.token(hi, lo)
        self._prev_hi = hi
        self._prev_lo = lo
        self._have_prev = True

    def classify(self, data, length):
        """Classify the first ``length`` bytes of ``data`` (bytes, bytearray or memoryview)."""
        low = LOWER
        self._acc = self.model.intercept
        self._matched = 0
        self._total = 0
        self._have_prev = False
        if self.observer is not None:
            self.observer.begin()
        a = 1
        b = 0
        hi = 0
        lo = 0
        count = 0
        in_token = False
        i = 0
        while i < length:
            x = data[i]
            a += x
            if a >= _ADLER_MOD:
                a -= _ADLER_MOD
            b += a
            if b >= _ADLER_MOD:
                b -= _ADLER_MOD
            c = low[x]
            if c:
                if not in_token:
                    in_token = True
                    hi = _OFF_HI
                    lo = _OFF_LO
                    count = 0
                if count < _MAX_TOKEN:
                    lo ^= c
                    t = lo * _PRIME
                    lo = t & 0xFFFF
                    hi = (hi * _PRIME + (t >> 16)) & 0xFFFF
                    count += 1
            elif in_token:
                in_token = False
                self._emit(hi, lo)
            i += 1
        if in_token:
            self._emit(hi, lo)
        acc = self._acc
        self.score = acc
        self.tokens_matched = self._matched
        self.tokens_total = self._total
        self.is_manipulation = acc > self.model.threshold
        self.probability = prob16(acc, self.model.scale)
        self.adler_a = a
        self.adler_b = b
        return acc
