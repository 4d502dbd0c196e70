"""Hashed-feature scorer of format-2 models: one pass over UTF-8 bytes, nothing allocated.

Every code point is folded by the model's frozen table (``FOLD`` ranges and
their ``PAGES`` index): ASCII letters lower-cased; Cyrillic/Greek look-alikes,
full-width and mathematical letters, accented Latin to ASCII; zero-width and
combining characters dropped; punctuation, symbols and spaces separate words;
CJK, kana and Thai letters are words of one letter; every other letter is
itself. Per word the scorer adds the weights of its character 3-grams over
``^ u1 .. uL $``, its unigram and its bigram with the previous word, each a
bucket of the ``2**BITS`` int8 weight table (offset binary, so the byte loads
need no sign fix: ``acc -= 128 * n`` once at the end)::

    from redline.text.model import load_model
    from redline.text.feat import HashScorer
    s = HashScorer(load_model())
    s.score(b"ignore previous instructions", 28)
    s.acc, s.n, s.unseen, s.words

UTF-8 errors: a stray continuation byte or a byte 0xF8..0xFF separates, an
unfinished sequence is dropped, an overlong form reads as the code point it
encodes, a code point above U+10FFFF separates. Every value stays below 2**30.

``profile`` (optional, 65,536 bits of a deployment's nominal traffic,
redline.text.prof) counts the words and word pairs whose profile bucket that
traffic never hit (``unseen``, out of ``words`` + pairs ``= self.wfeat``). ``observer`` (optional) gets ``begin()`` per message and each word's 21-bit hash
as ``token(hi, lo)`` after ``wants(lo)``, like the byte classifier's observer.
"""
from redline.compat import const

_M21 = const(0x1FFFFF)
_PRIME = const(0x1B3)
_OFF = const(0x12325)
_BOUND = const(0x7F)
_END = const(0x7E)
_UA = const(0x2F2B)
_UB = const(0x1E37)
_BA = const(0x3A63)
_BB = const(0x2B8D)
_GA = const(0x36C1)
_GB = const(0x16A5)
_PA = const(0x2E5B)     # profile buckets of a word (2**16 bits)
_PB = const(0x3C47)
_QA = const(0x25A3)     # ... of a word pair
_QB = const(0x1F0D)
_SEP = const(0)
_IGNORE = const(1)
_SELF = const(2)
_SOLO = const(3)
_ASCII = const(4)
_RUN = const(5)
_CASE = const(6)


def _ascii_units():
    t = bytearray(128)
    for c in range(48, 58):
        t[c] = c
    for c in range(97, 123):
        t[c] = c
    for c in range(65, 91):
        t[c] = c + 32
    return bytes(t)


_UNITS = _ascii_units()
del _ascii_units


def fold_cp(fold, pages, cp):
    """(kind << 24) | unit for a code point >= 0x80: kind 0 separator, 1 ignored, 2 letter, 3 solo letter."""
    n = len(fold) // 5
    if cp < 0x10000:
        p = (cp >> 8) << 1
        lo = (pages[p] << 8) | pages[p + 1]
        hi = (pages[p + 2] << 8) | pages[p + 3]
    else:
        lo = (pages[512] << 8) | pages[513]
        hi = n - 1
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        o = mid * 5
        if ((fold[o] << 16) | (fold[o + 1] << 8) | fold[o + 2]) <= cp:
            lo = mid
        else:
            hi = mid - 1
    o = lo * 5
    k = fold[o + 3]
    prm = fold[o + 4]
    if k == _ASCII:
        return (_SELF << 24) | prm
    if k == _RUN:
        return (_SELF << 24) | (prm + cp - ((fold[o] << 16) | (fold[o + 1] << 8) | fold[o + 2]))
    if k == _CASE:
        return (_SELF << 24) | (cp + (prm - 256 if prm > 127 else prm))
    if k == _SELF or k == _SOLO:
        return (k << 24) | cp
    return k << 24


class _Collect:
    def __init__(self):
        self.out = []

    def begin(self):
        pass

    def token(self, hi, lo):
        self.out.append((hi << 16) | lo)


def word_hashes(model, data):
    """The 21-bit word hashes a format-2 model's scorer emits for ``data``, in order (allocates)."""
    c = _Collect()
    HashScorer(model, c).score(data, len(data))
    return c.out


def word_hash(data):
    """21-bit hashes of the words of ``data`` (bytes), in order, without a model's table: ASCII only.

    Host and pattern-compiler helper (allocates); non-ASCII bytes separate here.
    """
    out = []
    h = -1
    for b in data:
        u = _UNITS[b] if b < 0x80 else 0
        if u:
            if h < 0:
                h = _OFF
            h = ((h ^ u) * _PRIME) & _M21
        elif h >= 0:
            out.append(h)
            h = -1
    if h >= 0:
        out.append(h)
    return out


class HashScorer:
    def __init__(self, model, observer=None, profile=None):
        self.model = model
        self.observer = observer
        self._wants = getattr(observer, "wants", None)
        self.profile = profile
        self._w = model.weights
        self._fold = model.fold
        self._pages = model.pages
        self._units = model.ascii
        self._mask = (1 << model.bits) - 1
        self.acc = 0
        self.n = 0
        self.unseen = 0
        self.words = 0
        self.wfeat = 0

    def score(self, data, length):
        """Score the first ``length`` bytes of ``data``; returns and keeps ``acc`` (intercept included).

        The per-byte work of an ASCII letter inside a word is inline and ends in
        ``continue``; separators outside words cost one test. Everything else
        (a word's start, a non-ASCII letter, a word's end) goes through one
        block that loops at most twice (a CJK letter first ends the running word,
        then is a word of its own). The word-end code is written twice, in that
        block, for an ASCII separator (the common case, inline) and after the loop
        for the end of the message: a method call per word costs more than the
        work on the 31-bit runtime (wasm: 506 -> 384 us for a 64-byte message from
        the inline word start alone). Tests cover all three (a word ended by an ASCII
        separator, by a non-ASCII separator or CJK letter, and by the end).
        """
        w = self._w
        mask = self._mask
        prof = self.profile
        observe = self.observer
        wants = self._wants
        units = self._units
        fold = self._fold
        pages = self._pages
        if observe is not None:
            observe.begin()
        acc = 0
        n = 0
        inw = False
        h = 0
        r = 0
        u = 0
        t = 0
        k = 0
        x = 0
        s = 0
        prev = -1
        need = 0
        cp = 0
        unseen = 0
        words = 0
        for j in range(length):
            b = data[j]
            if b < 0x80:
                need = 0            # an unfinished sequence before it is dropped
                u = units[b]
                if u:
                    if inw:
                        # the common case: an ASCII letter or digit inside a word
                        h = ((h ^ u) * _PRIME) & _M21
                        r = ((r & 0x3FFF) << 7) | u
                        t = (r & 0x3FFF) * _GA + (r >> 14) * _GB
                        acc += w[(t ^ (t >> 13)) & mask]
                        n += 1
                        continue
                    # an ASCII letter starts a word (the block below, inline: words are short)
                    inw = True
                    h = ((_OFF ^ u) * _PRIME) & _M21
                    r = (_BOUND << 7) | u
                    s = 2
                    continue
                elif inw:
                    # an ASCII separator ends the word: the word-end block, inline (third copy, see above)
                    # the word ends: its last 3-gram, unigram and bigram
                    x = ((r & 0x3FFF) << 7) | _END
                    t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
                    t = (t ^ (t >> 13)) & mask
                    acc += w[t]
                    t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
                    t = (t ^ (t >> 13)) & mask
                    acc += w[t]
                    n += 2
                    if prof is not None:
                        # the profile counts words and word pairs, in its own 2**16-bit space
                        t = ((h & 0x3FFF) * _PA + (h >> 14) * _PB) & 0xFFFFFF
                        t = (t ^ (t >> 11)) & 0xFFFF
                        if not (prof[t >> 3] >> (t & 7)) & 1:
                            unseen += 1
                    if prev >= 0:
                        x = ((prev * _PRIME) & _M21) ^ h
                        t = (x & 0x3FFF) * _BA + (x >> 14) * _BB
                        t = (t ^ (t >> 13)) & mask
                        acc += w[t]
                        n += 1
                        if prof is not None:
                            t = ((x & 0x3FFF) * _QA + (x >> 14) * _QB) & 0xFFFFFF
                            t = (t ^ (t >> 11)) & 0xFFFF
                            if not (prof[t >> 3] >> (t & 7)) & 1:
                                unseen += 1
                    prev = h
                    words += 1
                    if observe is not None and (wants is None or wants(h & 0xFFFF)):
                        observe.token(h >> 16, h & 0xFFFF)
                    inw = False
                    continue
                else:
                    continue        # a separator between words
            elif b < 0xC0:
                if need:
                    cp = (cp << 6) | (b & 0x3F)
                    need -= 1
                    if need:
                        continue
                    if cp > 0x10FFFF:
                        k = _SEP
                    elif cp < 0x80:
                        u = units[cp]       # overlong form: the ASCII it encodes
                        k = _SELF if u else _SEP
                    else:
                        u = fold_cp(fold, pages, cp)
                        k = u >> 24
                        u &= 0xFFFFFF
                        if k == _IGNORE:
                            continue
                else:
                    k = _SEP        # stray continuation byte
                if k == _SEP and not inw:
                    continue
            elif b < 0xE0:
                need = 1
                cp = b & 0x1F
                continue
            elif b < 0xF0:
                need = 2
                cp = b & 0x0F
                continue
            elif b < 0xF8:
                need = 3
                cp = b & 0x07
                continue
            else:
                need = 0
                if not inw:
                    continue
                k = _SEP
            # k: _SEP (a running word ends), _SELF (a letter: starts or extends a word) or _SOLO
            while True:
                if inw and k != _SELF:
                    # the word ends: its last 3-gram, unigram and bigram
                    x = ((r & 0x3FFF) << 7) | _END
                    t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
                    t = (t ^ (t >> 13)) & mask
                    acc += w[t]
                    t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
                    t = (t ^ (t >> 13)) & mask
                    acc += w[t]
                    n += 2
                    if prof is not None:
                        # the profile counts words and word pairs, in its own 2**16-bit space
                        t = ((h & 0x3FFF) * _PA + (h >> 14) * _PB) & 0xFFFFFF
                        t = (t ^ (t >> 11)) & 0xFFFF
                        if not (prof[t >> 3] >> (t & 7)) & 1:
                            unseen += 1
                    if prev >= 0:
                        x = ((prev * _PRIME) & _M21) ^ h
                        t = (x & 0x3FFF) * _BA + (x >> 14) * _BB
                        t = (t ^ (t >> 13)) & mask
                        acc += w[t]
                        n += 1
                        if prof is not None:
                            t = ((x & 0x3FFF) * _QA + (x >> 14) * _QB) & 0xFFFFFF
                            t = (t ^ (t >> 11)) & 0xFFFF
                            if not (prof[t >> 3] >> (t & 7)) & 1:
                                unseen += 1
                    prev = h
                    words += 1
                    if observe is not None and (wants is None or wants(h & 0xFFFF)):
                        observe.token(h >> 16, h & 0xFFFF)
                    inw = False
                if k == _SEP:
                    break
                if not inw:
                    inw = True
                    h = _OFF
                    r = _BOUND
                    s = 1
                h = ((h ^ u) * _PRIME) & _M21
                r = ((r & 0x3FFF) << 7) | ((u ^ (u >> 7) ^ (u >> 14)) & 0x7F)
                s += 1
                if s >= 3:
                    t = (r & 0x3FFF) * _GA + (r >> 14) * _GB
                    acc += w[(t ^ (t >> 13)) & mask]
                    n += 1
                if k == _SELF:
                    break
                k = _SEP            # a solo letter's word ends at once: one more round
        if inw:
            # the message ended inside a word: the block above, repeated on purpose (see the docstring)
            # the word ends: its last 3-gram, unigram and bigram
            x = ((r & 0x3FFF) << 7) | _END
            t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
            t = (t ^ (t >> 13)) & mask
            acc += w[t]
            t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
            t = (t ^ (t >> 13)) & mask
            acc += w[t]
            n += 2
            if prof is not None:
                # the profile counts words and word pairs, in its own 2**16-bit space
                t = ((h & 0x3FFF) * _PA + (h >> 14) * _PB) & 0xFFFFFF
                t = (t ^ (t >> 11)) & 0xFFFF
                if not (prof[t >> 3] >> (t & 7)) & 1:
                    unseen += 1
            if prev >= 0:
                x = ((prev * _PRIME) & _M21) ^ h
                t = (x & 0x3FFF) * _BA + (x >> 14) * _BB
                t = (t ^ (t >> 13)) & mask
                acc += w[t]
                n += 1
                if prof is not None:
                    t = ((x & 0x3FFF) * _QA + (x >> 14) * _QB) & 0xFFFFFF
                    t = (t ^ (t >> 11)) & 0xFFFF
                    if not (prof[t >> 3] >> (t & 7)) & 1:
                        unseen += 1
            prev = h
            words += 1
            if observe is not None and (wants is None or wants(h & 0xFFFF)):
                observe.token(h >> 16, h & 0xFFFF)
            inw = False
        self.acc = acc - 128 * n + self.model.intercept
        self.n = n
        self.unseen = unseen
        self.words = words
        self.wfeat = words + words - 1 if words else 0
        return self.acc
