"""TF-IDF logistic-regression classifier in integers, streaming over bytes.

One pass over the message hashes every token (low 32 bits of llmosafe's
FNV-1a-64, see redline.text.tok), looks each unigram and bigram hash up in the
model's sorted key table, and adds its int16 weight (idf * coef * SCALE) to an
integer accumulator that starts at the intercept. Nothing is allocated after
construction: results are attributes of the classifier object::

    from redline.text.model import load_model
    from redline.text.clf import Classifier
    c = Classifier(load_model())
    c.classify(b"ignore all previous instructions", 32)
    c.score, c.is_manipulation, c.probability, c.tokens_matched, c.tokens_total

``score`` is the accumulator (logit * ``scale``); ``probability`` is
65535 * sigmoid(score / scale) from the integer table in redline.text.sig.

Speed on an interpreter without a native emitter comes from doing little per
byte. The byte loop keeps both 16-bit halves of the token's hash; all per-token work
(lookups, keyword triggers)
is written inline, because a method call costs more than the loop's work on the
wasm port. Lookups use a chained hash table built at construction: 4096 slots
indexed by the low 12 bits of a hash (8 KB; a miss is one subscript on an empty
slot about 60 % of the time) and, per key, its low half, weight and chain link
(6 bytes, 12 KB for the 2,000-key model); a key's high half is compared only
when its low half matches, against the model's own key bytes.
Given a KeywordScanner, the same pass finds word boundaries
and hands it only the words that can count (redline.text.kw.TOKEN_FLAGS).
The Adler-32 anchor is a second short loop, run only when ``anchor`` is True.
A viper twin of the byte loop (one callback per token) was measured 2x slower
than this loop on the unix port and is gone.

An optional ``observer`` receives unigram hashes for the adversarial
detector: ``observer.begin()`` per message, then for each token
``observer.wants(lo)`` (optional; without it every token is wanted) and, when
that is True, ``observer.token(hi, lo)``.
"""

from redline.compat import const, zeros
from redline.text.kw import unicode_space_length
from redline.text.sig import prob16
from redline.text.tok import LOWER

_OFF_HI = const(0x8422)
_OFF_LO = const(0x2325)
_PRIME = const(0x1B3)
_MIX = const(0x5F)
_MAX_TOKEN = const(256)
_ADLER_MOD = const(65521)
_CHUNK = const(2048)     # Adler sums stay below 2**30 for 2048 bytes between reductions
_SLOT_MASK = const(0xFFF)  # hash table of 4096 slots over the keys' low halves (8 KB)
_NO_TOKEN = const(0x12325)  # ``lo`` between tokens: above 16 bits, and its low half is the offset
_NO_TOKEN_HI = const(0x8421)  # ``hi`` between tokens: the offset's high half minus one
_WORD_SPACE = const(1)      # _SPACES: ASCII whitespace
_WORD_LEAD = const(2)       # _SPACES: lead byte of a possible Unicode space (redline.text.kw)
_TRIGGER_WORD = const(1)
_TRIGGER_LAST = const(2)
_TRIGGER_PREV = const(4)
_TRIGGER_MASK = const(0x7FF)


def _byte_tables():
    spaces = bytearray(256)
    for b in (9, 10, 11, 12, 13, 32):
        spaces[b] = _WORD_SPACE
    for b in (0xC2, 0xE1, 0xE2, 0xE3):
        spaces[b] = _WORD_LEAD
    upper = bytearray(256)
    for b in range(65, 91):
        upper[b] = 1
    return bytes(spaces), bytes(upper)


_SPACES, _UPPER = _byte_tables()
del _byte_tables


class _NoWords:
    """Word sink that wants no word: classify() without keywords."""
    token_flags = bytes(_TRIGGER_MASK + 1)

    def word(self, data, s, e, index):
        pass


_NO_WORDS = _NoWords()


class Classifier:
    def __init__(self, model, observer=None, anchor=False):
        self.model = model
        self.observer = observer
        # an observer without wants() receives every token (bound once: no allocation per call)
        self._wants = getattr(observer, "wants", None)
        self.anchor = anchor
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
        n = self._vocab
        if n > 65534:
            raise ValueError("classifier: at most 65534 keys")
        # chained hash table over the keys' low halves, built once: slot[lo & mask] is
        # the first key (1-based) of that slot, nxt[] the next; klo[] and w16[] hold each
        # key's low half and weight (2 bytes per slot plus 6 bytes per key)
        slot = zeros("H", _SLOT_MASK + 1)
        nxt = zeros("H", n + 1)
        klo = zeros("H", n + 1)
        w16 = zeros("h", n + 1)
        w = self._weights
        for m in range(n):
            lo = (keys[4 * m + 2] << 8) | keys[4 * m + 3]
            v = w[2 * m] | (w[2 * m + 1] << 8)
            i = m + 1
            klo[i] = lo
            w16[i] = v - 65536 if v >= 32768 else v
            nxt[i] = slot[lo & _SLOT_MASK]
            slot[lo & _SLOT_MASK] = i
        self._slot = slot
        self._nxt = nxt
        self._klo = klo
        self._w16 = w16
        # per-message state of classify()
        self._data = b""    # the message, only while a token longer than 256 bytes is re-read
        self._acc = 0
        self._matched = 0

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

    def _low(self, start, end):
        """Low half of the hash of data[start:end] (end - start <= 256)."""
        data = self._data
        low = LOWER
        lo = _OFF_LO
        for i in range(start, end):
            lo = ((lo ^ low[data[i]]) * _PRIME) & 0xFFFF
        return lo

    def classify(self, data, length, words=None):
        """Classify the first ``length`` bytes of ``data`` (bytes, bytearray or memoryview).

        ``words`` (optional, a redline.text.kw.KeywordScanner between begin() and
        finish()) receives the words that can count as keyword evidence, from the
        same pass over the bytes.
        """
        self._acc = self.model.intercept
        self._matched = 0
        if self.observer is not None:
            self.observer.begin()
        if words is None:
            words = _NO_WORDS
        count = self._walk(data, length, words)
        if self.anchor:
            self._adler_sums(data, length)
        else:
            self.adler_a = 1
            self.adler_b = 0
        acc = self._acc
        self.score = acc
        self.tokens_matched = self._matched
        self.tokens_total = count + count - 1 if count else 0
        self.is_manipulation = acc > self.model.threshold
        self.probability = prob16(acc, self.model.scale)
        return acc

    def _walk(self, data, length, words):
        """One pass: token hashes, lookups, word boundaries; returns the number of tokens.

        Per byte both 16-bit halves of the token's hash are updated; at a token's
        end (any other byte) its unigram and bigram are tested against the map and
        looked up, and its flag in ``words.token_flags`` joins the flags of the
        current word; at a word's end (whitespace) a flagged word goes to
        ``words.word``. Between tokens ``lo`` has bit 16 set and ``hi`` is one
        below the offset: the first step of a token then needs no test (the extra
        bit adds exactly one PRIME to the high half). The token and word ends are
        written out twice, in the loop and for the end of the message: a call per
        token costs more than the loop's work on the wasm port.
        """
        # MicroPython reaches its first 16 locals with shorter opcodes: the
        # per-byte and per-token names come first (the arguments take four)
        low = LOWER
        lo = _NO_TOKEN
        hi = _NO_TOKEN_HI
        c = 0
        t = 0
        j = 0
        last = -1       # last byte that was not alphanumeric
        spaces = _SPACES
        k = 0           # separator class, then length
        slot = self._slot
        m = 0           # key index (1-based) along a slot's chain
        observe = self.observer
        count = 0       # tokens so far
        pl = 0          # previous token's hash, low half
        ph = 0          # ... high half
        upper = _UPPER
        flags = words.token_flags
        wf = 0          # trigger flags of the current word
        nxt = self._nxt
        keys = self._keys
        klo = self._klo
        w16 = self._w16
        acc = self._acc
        matched = 0
        ws = 0          # first byte of the current word
        index = 0       # words so far
        prev_word = -2  # index of the last word flagged TRIGGER_PHRASE_PREV
        for j in range(length):
            c = low[data[j]]
            if c:
                t = (lo ^ c) * _PRIME
                lo = t & 0xFFFF
                hi = (hi * _PRIME + (t >> 16)) & 0xFFFF
                continue
            if lo < 0x10000:
                # token data[last + 1:j] ended; hash halves hi, lo
                if j - last > _MAX_TOKEN + 1:
                    self._data = data
                    lo = self._low(last + 1, last + 1 + _MAX_TOKEN)
                    hi = self._high(last + 1, last + 1 + _MAX_TOKEN)
                    self._data = b""
                count += 1
                # unigram: walk the chain of keys in lo's slot
                m = slot[lo & _SLOT_MASK]
                while m:
                    if klo[m] == lo:
                        r = m << 2
                        if (keys[r - 4] << 8 | keys[r - 3]) == hi:
                            acc += w16[m]
                            matched += 1
                            break
                    m = nxt[m]
                t = (((((pl ^ _MIX) * _PRIME) & 0xFFFF) ^ lo) * _PRIME)
                m = slot[t & _SLOT_MASK]
                if m and count > 1:
                    # bigram ((prev ^ MIX) * P ^ cur) * P in 16-bit halves; the high
                    # half only once a key's low half matches
                    u = t & 0xFFFF
                    while m:
                        if klo[m] == u:
                            v = (pl ^ _MIX) * _PRIME
                            v = ((((ph * _PRIME + (v >> 16)) & 0xFFFF) ^ hi) * _PRIME + (t >> 16)) & 0xFFFF
                            r = m << 2
                            if (keys[r - 4] << 8 | keys[r - 3]) == v:
                                acc += w16[m]
                                matched += 1
                                break
                        m = nxt[m]
                pl = lo
                ph = hi
                if observe is not None and (self._wants is None or self._wants(lo)):
                    observe.token(hi, lo)
                wf |= flags[lo & _TRIGGER_MASK]
                if upper[data[last + 1]]:
                    if last + 2 < length and upper[data[last + 2]]:
                        wf |= _TRIGGER_WORD     # the token starts with two capitals
                lo = _NO_TOKEN
                hi = _NO_TOKEN_HI
            k = spaces[data[j]]
            if k:
                if k != _WORD_SPACE:
                    k = unicode_space_length(data, j, length)
                if k:
                    if j > ws:
                        if wf:
                            if wf & _TRIGGER_WORD or (wf & _TRIGGER_LAST and prev_word == index - 1):
                                words.word(data, ws, j, index)
                            if wf & _TRIGGER_PREV:
                                prev_word = index
                            wf = 0
                        index += 1
                    ws = j + k
            last = j
        j = length
        if lo < 0x10000:
            # The message ended inside a token: the loop's token end, repeated here on purpose.
            # A method shared by both places would cost a call per token, which on the 31-bit
            # runtime is more than the byte loop itself; tests cover both copies
            # (messages ending in a separator and in a token).
            # token data[last + 1:j] ended; hash halves hi, lo
            if j - last > _MAX_TOKEN + 1:
                self._data = data
                lo = self._low(last + 1, last + 1 + _MAX_TOKEN)
                hi = self._high(last + 1, last + 1 + _MAX_TOKEN)
                self._data = b""
            count += 1
            # unigram: walk the chain of keys in lo's slot
            m = slot[lo & _SLOT_MASK]
            while m:
                if klo[m] == lo:
                    r = m << 2
                    if (keys[r - 4] << 8 | keys[r - 3]) == hi:
                        acc += w16[m]
                        matched += 1
                        break
                m = nxt[m]
            t = (((((pl ^ _MIX) * _PRIME) & 0xFFFF) ^ lo) * _PRIME)
            m = slot[t & _SLOT_MASK]
            if m and count > 1:
                # bigram ((prev ^ MIX) * P ^ cur) * P in 16-bit halves; the high
                # half only once a key's low half matches
                u = t & 0xFFFF
                while m:
                    if klo[m] == u:
                        v = (pl ^ _MIX) * _PRIME
                        v = ((((ph * _PRIME + (v >> 16)) & 0xFFFF) ^ hi) * _PRIME + (t >> 16)) & 0xFFFF
                        r = m << 2
                        if (keys[r - 4] << 8 | keys[r - 3]) == v:
                            acc += w16[m]
                            matched += 1
                            break
                    m = nxt[m]
            pl = lo
            ph = hi
            if observe is not None and (self._wants is None or self._wants(lo)):
                observe.token(hi, lo)
            wf |= flags[lo & _TRIGGER_MASK]
            if upper[data[last + 1]]:
                if last + 2 < length and upper[data[last + 2]]:
                    wf |= _TRIGGER_WORD     # the token starts with two capitals
        if j > ws and wf:
            if wf & _TRIGGER_WORD or (wf & _TRIGGER_LAST and prev_word == index - 1):
                words.word(data, ws, j, index)
        self._acc = acc
        self._matched = matched
        return count

    def _adler_sums(self, data, length):
        """Adler-32 sums of data[:length] into adler_a, adler_b."""
        a = 1
        b = 0
        i = 0
        while i < length:
            end = i + _CHUNK
            if end > length:
                end = length
            for j in range(i, end):
                a += data[j]
                b += a
            a %= _ADLER_MOD
            b %= _ADLER_MOD
            i = end
        self.adler_a = a
        self.adler_b = b
