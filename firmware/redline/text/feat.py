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
as ``token(hi, lo)`` after ``wants(lo)``, like the byte classifier's observer; an observer
with a ``tokmap`` (1024 bytes over the hash's low 13 bits) gets only the words it marks, as
``hit(skipped, hi, lo)``, and ``skipped(k)`` at the end (redline.text.pipe, redline.text.adv).

Hidden marks (``obf``, bits; a fixed rule outside the learned weights: redline.text.sift lifts a
marked message to the escalate cut): 1 a full-width Latin letter, 2 a mathematical alphanumeric,
4 an enclosed letter (noted where a code point folds to a letter), 8 a zero-width character (U+200B,
200D, 2060, FEFF, 00AD; not ZWNJ) between two letters of one word, 16 a word whose non-ASCII
letters are all Cyrillic / Greek letters drawn like Latin ones (``_LOOKALIKE``), with 2+ ASCII
letters and at least as many as those (decided at the word's end: ``obf_word``). CJK, kana and
Thai letters are words of one letter, so a zero-width space between them is not inside a word::

    s.score(b"\xd1\x80assword", 9)       # Cyrillic er, then ASCII letters
    s.obf                                  # 16

The byte loop is ``pass_py`` or, where the viper emitter exists (the unix port, boards), its
build ``redline.text.feat_viper.pass_viper`` (identical results; tests/firmware/test_feat_kernel.py).
"""
from array import array

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


_KEY_CLASS = const(0x100)   # feature keys of a class, a class pair (0x200 + 16 a + b) and a flag
_KEY_PAIR = const(0x200)
_KEY_FLAG = const(0x400)
_CA = const(0x1C8D)         # their bucket mix
_CB = const(0x3125)
_LM = const(0x1A5)          # lexicon slot of a key: ((key * _LM) >> 5) & (slots - 1)
_EMPTY = const(0xFFFFFF)    # an empty lexicon slot
_DECODED = const(256)       # the buffer of decoded / joined text
_DEC_RUNS = const(2)        # model.decode bits: base64 / hex runs, spaced-out letters
_DEC_SPACED = const(4)
_DEC_TURNED = const(8)      # ... words read as ROT13 or backwards, when the message names an encoding
_CUE = const(0x2000)        # class 13 ("encoding": decode, base64, rot13, backwards, ...)
_NOT_HEX = const(2)
_UPPER = const(4)
_LOWER = const(8)


def _b64_table():
    # bit 1: base64 alphabet, 2: not a hex digit, 4: upper-case letter, 8: lower-case letter
    t = bytearray(128)
    for c in range(48, 58):
        t[c] = 1
    for c in range(65, 91):
        t[c] = 5 if c < 71 else 7
    for c in range(97, 123):
        t[c] = 9 if c < 103 else 11
    t[43] = 3
    t[47] = 3
    return bytes(t)


_B64 = _b64_table()
del _b64_table


def _hexval(b):
    if b < 58:
        return b - 48
    if b < 71:
        return b - 55
    return b - 87


def _b64val(b):
    if b >= 97:
        return b - 71
    if b >= 65:
        return b - 65
    if b >= 48:
        return b + 4
    return 62 if b == 43 else 63


def _mix(x, mask):
    """Bucket of a class / pair / flag feature key."""
    t = (x & 0x3FFF) * _CA + (x >> 14) * _CB
    return (t ^ (t >> 13)) & mask



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


# the state of one scoring (``HashScorer._st``, an int array shared by the kernel and its twin)
_ST_ACC = const(0)
_ST_N = const(1)
_ST_UNSEEN = const(2)
_ST_WORDS = const(3)
_ST_CLASSES = const(4)
_ST_LNG = const(5)          # a run of 16+ letters and digits was seen (maybe base64 / hex)
_ST_SPC = const(6)          # three one-letter words in a row were seen (maybe spaced-out text)
_ST_MASK = const(7)         # 2**BITS - 1
_ST_FLAGS = const(8)        # _HAS_* bits: which of the optional tables are real
_ST_NSLOT = const(9)        # lexicon slots
_ST_FOLDN = const(10)       # folding ranges (len(FOLD) // 5)
_ST_SKIPS = const(11)       # words since the observer's last hit
_ST_WOBF = const(22)        # the word's hidden-mark candidates: _W_* bits + _W_ONE per look-alike letter
_ST_WZS = const(23)         # s (letters + 1) when the word's first zero-width character came (0: none)
_ST_WASC = const(24)        # viper build: the word's ASCII letters counted so far (next to its non-ASCII runs)
_ST_OBF = const(25)         # the message's hidden marks (_OBF_* bits), over every pass
_ST_RUN = const(26)         # viper build: 1 when the ASCII run after the last non-ASCII run was counted
_ST_SIZE = const(27)        # 12-20: the viper kernel's word state (h, r, s, hp, prev + 1, solo, ..., in word),
                            # 21: the ASCII run after its non-ASCII bytes has digits only (decode bit 16)
_W_TOUCH = const(1)         # viper build: a non-ASCII run inside the word
_W_OTHER = const(2)         # a non-ASCII letter that is not a Latin look-alike
_W_ZW = const(4)            # a zero-width character after a letter of the word
_W_ONE = const(8)           # one look-alike letter (the count is wo >> 3)

# Hidden marks (``HashScorer.obf``, bits; the module docstring): evidence that a message hides its
# letters from a reader or a filter (private constants: no RAM on the board)
_OBF_FULL = const(1)
_OBF_MATH = const(2)
_OBF_ENCL = const(4)
_OBF_ZW = const(8)
_OBF_HOMO = const(16)

# one bit per code point from U+0380 (byte (cp >> 3) - 0x70, bit cp & 7; 52 bytes, a constant: in
# flash when frozen): Cyrillic a e o p c y x i j s d h l q w A B E K M H O P C T X I J S and Greek
# omicron alpha nu tau rho iota kappa upsilon A B E Z H I K M N O P T Y X (tools/textlab/obfrule.py HOMO)
_LOOKALIKE = const(b"\x00\x00\xe6\xb6\xb2\x00\x02\xa6\x32\x00\x00\x00\x00\x00\x00\x00\x60\x01\x25\x74\x27\x00"
             b"\x21\x40\x2b\x00\x60\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x80\x00\x00"
             b"\x00\x00\x00\x00\x02\x00\x00\x28")


def obf_word(data, ws, end, wo, zs, s, obf):
    """A word with hidden-mark candidates ends: returns ``obf`` with OBF_ZW / OBF_HOMO added.

    ``wo``: _W_ONE per look-alike letter | _W_OTHER | _W_ZW; ``zs``: s when its first zero-width
    character came (a letter after it makes s larger); the word's ASCII letters are counted in
    data[ws:end] (every ASCII byte there is a letter or digit of the word)."""
    if zs and s > zs:
        obf |= _OBF_ZW
    c = wo >> 3
    if c and not wo & _W_OTHER and not obf & _OBF_HOMO:
        a = 0
        for i in range(ws, end):
            if 0x61 <= (data[i] | 0x20) <= 0x7A:
                a += 1
        if a >= 2 and a >= c:
            obf |= _OBF_HOMO
    return obf
_HAS_PROF = const(1)
_HAS_LEX = const(2)
_HAS_OBS = const(4)
_HAS_WORDLEET = const(8)    # model.decode bit 16: digits read as leet letters only in a run with a letter
_DEC_WORDLEET = const(16)


def digit_run(data, j, length, units):
    """1 when a run of ASCII letters and digits starts at ``data[j]`` and holds no letter (bytes
    >= 0x80 end the run), else 0 (also when no run starts there): such a run reads its digits
    plainly (``_plain_units``), any other its digits as the model's table says (leet letters)."""
    k = j
    while k < length:
        c = data[k]
        if c >= 0x80 or not units[c]:
            break
        if c > 0x39:
            return 0
        k += 1
    return 1 if k > j else 0


def _plain_units(units):
    """The ASCII table with every digit read as 0 (a run of digits only: ``45``, ``2024``)."""
    t = bytearray(units)
    for c in range(48, 58):
        t[c] = 48
    return bytes(t)


def _lexmask(lex, ns, key):
    """Class mask of a lexicon key (0 if absent): open addressing, 5-byte slots (key u24, mask u16)."""
    i = ((key * _LM) >> 5) & (ns - 1)
    while True:
        o = i * 5
        k = (lex[o] << 16) | (lex[o + 1] << 8) | lex[o + 2]
        if k == key:
            return (lex[o + 3] << 8) | lex[o + 4]
        if k == _EMPTY:
            return 0
        i = (i + 1) & (ns - 1)


class _AnyObserver:
    """Adapts an observer of the ``begin`` / ``wants`` / ``token`` protocol to the kernel's
    ``tokmap`` / ``hit`` / ``skipped`` one: every word is a hit, ``wants`` decides as before."""

    def __init__(self, observer):
        self.observer = observer
        self.wants = getattr(observer, "wants", None)
        self.tokmap = b"\xff" * 1024

    def begin(self):
        self.observer.begin()

    def hit(self, skipped, hi, lo):
        w = self.wants
        if w is None or w(lo):
            self.observer.token(hi, lo)

    def skipped(self, k):
        pass


def _kernel():
    """The byte loop: the viper build where the emitter exists, else the pure-Python twin."""
    try:
        from redline.text.feat_viper import pass_viper

        return pass_viper
    except (ImportError, SyntaxError):      # CPython, or a port without the viper emitter (wasm)
        return pass_py


class HashScorer:
    def __init__(self, model, observer=None, profile=None, kernel=None):
        self.model = model
        self.observer = observer
        self.profile = profile
        self._w = model.weights
        self._mask = (1 << model.bits) - 1
        self.lex = getattr(model, "lex", b"")
        self.decode = getattr(model, "decode", 0) if self.lex else 0
        self._lexf = getattr(model, "lexf", b"") if self.lex else None
        if self._lexf is not None:
            mask = self._mask
            self._nslot = len(self.lex) // 5
            # buckets of the class, class-pair and flag features, computed once
            self._cidx = array("H", [_mix(_KEY_CLASS + c, mask) for c in range(16)])
            self._pidx = array("H", [_mix(_KEY_PAIR + c, mask) for c in range(256)])
            self._fidx = array("H", [_mix(_KEY_FLAG + c, mask) for c in range(4)])
            self._on = bytearray(16)
            self._buf = bytearray(_DECODED)
        # the kernel's state and tables (an absent table is a one-byte stand-in the flags rule out)
        obs = observer
        if obs is not None and getattr(obs, "tokmap", None) is None:
            obs = _AnyObserver(obs)
        self._obs = obs
        st = array("i", [0] * _ST_SIZE)
        st[_ST_MASK] = self._mask
        wl = self._lexf is not None and self.decode & _DEC_WORDLEET
        st[_ST_FLAGS] = ((_HAS_PROF if profile is not None else 0) | (_HAS_LEX if self._lexf is not None else 0)
                         | (_HAS_OBS if obs is not None else 0) | (_HAS_WORDLEET if wl else 0))
        st[_ST_NSLOT] = self._nslot if self._lexf is not None else 1
        st[_ST_FOLDN] = len(model.fold) // 5
        self._st = st
        one = b"\x00"
        self._tabs = (self._w, model.ascii, model.fold, model.pages, self._lexf if self._lexf is not None else one,
                      self.lex if self._lexf is not None else one, profile if profile is not None else one,
                      obs.tokmap if obs is not None else one, obs,
                      _plain_units(model.ascii) if wl else model.ascii, _LOOKALIKE)
        self._pass_fn = kernel if kernel is not None else _kernel()
        self.acc = 0
        self.n = 0
        self.unseen = 0
        self.words = 0
        self.wfeat = 0
        self.classes = 0
        self.decoded = 0
        self.obf = 0
        self._lng = 0
        self._spc = 0

    def _lexmask(self, key):
        """Class mask of a lexicon key (0 if absent)."""
        return _lexmask(self.lex, self._nslot, key)

    def _pass(self, data, length):
        """One pass of the byte loop over data[:length], accumulating into the attributes."""
        st = self._st
        st[_ST_ACC] = self.acc
        st[_ST_N] = self.n
        st[_ST_UNSEEN] = self.unseen
        st[_ST_WORDS] = self.words
        st[_ST_CLASSES] = self.classes
        st[_ST_LNG] = self._lng
        st[_ST_SPC] = self._spc
        self._pass_fn(data, length, st, self._tabs)
        self.acc = st[_ST_ACC]
        self.n = st[_ST_N]
        self.unseen = st[_ST_UNSEEN]
        self.words = st[_ST_WORDS]
        self.classes = st[_ST_CLASSES]
        self._lng = st[_ST_LNG]
        self._spc = st[_ST_SPC]

    def score(self, data, length):
        """Score the first ``length`` bytes of ``data``; returns and keeps ``acc`` (intercept included).

        One pass over the bytes (``pass_py`` or its viper build). With a lexicon (``model.lex``),
        each word's class is looked up at its end and, at the end of the message, one feature per
        class present and one per pair of classes present is added. With ``model.decode``, a
        message that holds a long run of letters and digits (16 or more) has its base64 / hex runs
        decoded, and one with three or more one-letter words in a row has them joined
        (``i g n o r e`` -> ``ignore``); the printable result is scored as more text of the same
        message (a second pass over a preallocated buffer) and a flag feature says so.
        """
        obs = self._obs
        if obs is not None:
            obs.begin()
        st = self._st
        st[_ST_ACC] = 0
        st[_ST_N] = 0
        st[_ST_UNSEEN] = 0
        st[_ST_WORDS] = 0
        st[_ST_CLASSES] = 0
        st[_ST_LNG] = 0
        st[_ST_SPC] = 0
        st[_ST_SKIPS] = 0
        st[_ST_WOBF] = 0
        st[_ST_WZS] = 0
        st[_ST_WASC] = 0
        st[_ST_RUN] = 0
        st[_ST_OBF] = 0
        kern = self._pass_fn
        tabs = self._tabs
        kern(data, length, st, tabs)
        self.decoded = 0
        if self._lexf is not None:
            dec = self.decode
            m = 0
            if st[_ST_LNG] and dec & _DEC_RUNS:
                m = self._decode_runs(data, length, 0)
                if m:
                    self.decoded |= _DEC_RUNS
            if st[_ST_SPC] and dec & _DEC_SPACED:
                k = self._join(data, length, m)
                if k > m:
                    self.decoded |= _DEC_SPACED
                m = k
            if st[_ST_CLASSES] & _CUE and dec & _DEC_TURNED:
                k = self._turned(data, length, m)
                if k > m:
                    self.decoded |= _DEC_TURNED
                m = k
            if m:
                kern(self._buf, m, st, tabs)
        if obs is not None and st[_ST_SKIPS]:
            obs.skipped(st[_ST_SKIPS])
        self.unseen = st[_ST_UNSEEN]
        words = st[_ST_WORDS]
        self.words = words
        self.classes = st[_ST_CLASSES]
        self._lng = st[_ST_LNG]
        self._spc = st[_ST_SPC]
        self.acc = st[_ST_ACC]
        self.n = st[_ST_N]
        self.obf = st[_ST_OBF]
        if self._lexf is not None and (self.classes or self.decoded):
            self._finish()          # (with no class and nothing decoded it adds nothing)
        self.acc = self.acc - 128 * self.n + self.model.intercept
        self.wfeat = words + words - 1 if words else 0
        return self.acc

    def _finish(self):
        """Class, class-pair and flag features of the message (a fixed, small amount of work)."""
        w = self._w
        on = self._on
        cidx = self._cidx
        pidx = self._pidx
        acc = self.acc
        n = self.n
        m = self.classes
        k = 0
        c = 0
        while m:
            if m & 1:
                on[k] = c
                k += 1
            m >>= 1
            c += 1
        for i in range(k):
            a = on[i]
            acc += w[cidx[a]]
            n += 1
            a <<= 4
            for j in range(i + 1, k):
                acc += w[pidx[a | on[j]]]
                n += 1
        d = self.decoded
        if d & _DEC_RUNS:
            acc += w[self._fidx[0]]
            n += 1
        if d & _DEC_SPACED:
            acc += w[self._fidx[1]]
            n += 1
        if d & _DEC_TURNED:
            acc += w[self._fidx[2]]
            n += 1
        self.acc = acc
        self.n = n

    def _decode_runs(self, data, length, m):
        """Decode each run of 16+ base64 characters (hex when all are hex digits) into the buffer.

        A run's bytes are kept when at least 90 % are printable ASCII and at least half are ASCII
        letters (text, not a sensor's binary payload), followed by a space; returns the new end."""
        buf = self._buf
        cap = _DECODED - 1
        j = 0
        while j < length:
            b = data[j]
            if b >= 0x80 or not _B64[b]:
                j += 1
                continue
            st = j
            bits = 0
            while j < length:
                b = data[j]
                if b >= 0x80:
                    break
                c = _B64[b]
                if not c:
                    break
                bits |= c
                j += 1
            ln = j - st
            if ln < 16 or m >= cap:
                continue
            m0 = m
            if not bits & _NOT_HEX:
                # hex: two digits a byte
                i = st
                while i + 1 < j and m < cap:
                    buf[m] = (_hexval(data[i]) << 4) | _hexval(data[i + 1])
                    m += 1
                    i += 2
            elif bits & _UPPER and bits & _LOWER:
                # base64: four characters, three bytes; a tail of 2 or 3 characters gives 1 or 2
                i = st
                acc = 0
                nb = 0
                while i < j and m < cap:
                    acc = ((acc << 6) | _b64val(data[i])) & 0xFFFFFF
                    nb += 6
                    i += 1
                    if nb >= 8:
                        nb -= 8
                        buf[m] = (acc >> nb) & 0xFF
                        m += 1
            good = 0
            letters = 0
            for i in range(m0, m):
                b = buf[i]
                if 0x20 <= b < 0x7F or b == 9 or b == 10 or b == 13:
                    good += 1
                    if _B64[b] & (_UPPER | _LOWER) and b > 0x39:
                        letters += 1
            ln = m - m0
            if ln == 0 or good * 10 < ln * 9 or letters * 2 < ln:
                m = m0
            else:
                buf[m] = 0x20
                m += 1
        return m

    def _turned(self, data, length, m):
        """Runs of 4+ ASCII letters read as ROT13 and backwards; a reading whose lexicon key hits goes
        into the buffer (lower case, then a space). Runs only when the message names an encoding."""
        buf = self._buf
        cap = _DECODED - 1
        lexf = self._lexf
        j = 0
        while j < length:
            b = data[j] | 0x20
            if not 0x61 <= b <= 0x7A:
                j += 1
                continue
            st = j
            while j < length and 0x61 <= (data[j] | 0x20) <= 0x7A:
                j += 1
            if j - st < 4:
                continue
            # ROT13: the key of the first six letters turned
            h = _OFF
            e = st + 6 if j - st > 6 else j
            for i in range(st, e):
                b = ((((data[i] | 0x20) - 0x61) + 13) % 26) + 0x61
                h = ((h ^ b) * _PRIME) & _M21
            if (lexf[(h >> 3) & 0x3FF] >> (h & 7)) & 1 and self._lexmask(h):
                for i in range(st, j):
                    if m < cap:
                        buf[m] = ((((data[i] | 0x20) - 0x61) + 13) % 26) + 0x61
                        m += 1
                if m < cap:
                    buf[m] = 0x20
                    m += 1
            # backwards: the key of the last six letters, last first
            h = _OFF
            e = j - 7 if j - st > 6 else st - 1
            for i in range(j - 1, e, -1):
                h = ((h ^ (data[i] | 0x20)) * _PRIME) & _M21
            if (lexf[(h >> 3) & 0x3FF] >> (h & 7)) & 1 and self._lexmask(h):
                for i in range(j - 1, st - 1, -1):
                    if m < cap:
                        buf[m] = data[i] | 0x20
                        m += 1
                if m < cap:
                    buf[m] = 0x20
                    m += 1
        return m

    def _join(self, data, length, m):
        """Join runs of 3+ one-letter ASCII words (``i g n o r e`` / ``o-p-e-n``) into the buffer.

        Words are runs of ASCII letters, digits and non-ASCII bytes; a one-letter word is one ASCII
        letter. Inside a run the gap (the bytes between two letters, at most 4) must equal the
        run's first gap, or the letters go on as a new word (``i g n o r e   a l l``); a longer
        gap, a longer word or the end closes the run. Returns the new end of the buffer."""
        buf = self._buf
        cap = _DECODED - 1
        units = _UNITS
        j = 0
        run = 0         # letters in the current run
        g0 = 0          # start and length of the run's first gap
        gl = -1
        last = -1       # index of the run's last letter
        base = m        # the buffer's end before the current run
        while j < length:
            b = data[j]
            if b < 0x80 and not units[b]:
                j += 1
                continue
            st = j
            j += 1
            while j < length:
                b = data[j]
                if b < 0x80 and not units[b]:
                    break
                j += 1
            b = data[st]
            single = j - st == 1 and 0x39 < b < 0x80
            if single and run:
                g = st - last - 1
                if g <= 4:
                    if gl < 0:
                        gl = g
                        g0 = last + 1
                    else:
                        same = g == gl
                        if same:
                            for q in range(g):
                                if data[last + 1 + q] != data[g0 + q]:
                                    same = False
                                    break
                        if not same and m < cap:
                            buf[m] = 0x20       # the gap changed: a new word of the run
                            m += 1
                    if m < cap:
                        buf[m] = b | 0x20
                        m += 1
                    run += 1
                    last = st
                    continue
            # the current run ends: kept with 3+ letters
            if run >= 3:
                if m < cap:
                    buf[m] = 0x20
                    m += 1
                base = m
            else:
                m = base
            run = 0
            gl = -1
            if single:
                run = 1
                last = st
                if m < cap:
                    buf[m] = b | 0x20
                    m += 1
        if run >= 3:
            if m < cap:
                buf[m] = 0x20
                m += 1
        else:
            m = base
        return m


def pass_py(data, length, st, tabs):
    """The per-byte loop (pure-Python twin of ``redline.text.feat_viper.pass_viper``): accumulates
    into the state ``st`` (the ``_ST_*`` slots) with the tables ``tabs`` (``HashScorer._tabs``).

    The per-byte work of an ASCII letter inside a word is inline and ends in
    ``continue``; separators outside words cost one test. Everything else
    (a word's start, a non-ASCII letter, a word's end) goes through one
    block that loops at most twice (a CJK letter first ends the running word,
    then is a word of its own). The word-end code is written three times, for an ASCII
    separator (the common case, inline), in that block, and after the loop
    for the end of the message: a method call per word costs more than the
    work on the 31-bit runtime (wasm: 506 -> 384 us for a 64-byte message from
    the inline word start alone). Tests cover all three (a word ended by an ASCII
    separator, by a non-ASCII separator or CJK letter, and by the end).

    The observer (``tabs[8]``, when ``st[_ST_FLAGS]`` says so) gets each word whose low 13 hash
    bits are set in its 1024-byte map ``tabs[7]`` as ``hit(skipped, hi, lo)``, ``skipped`` being
    the words since the last hit (``st[_ST_SKIPS]`` carries the count across passes).
    """
    w = tabs[0]
    leet = tabs[1]
    units = leet
    plain = tabs[9]
    fold = tabs[2]
    pages = tabs[3]
    flags = st[_ST_FLAGS]
    lexf = tabs[4] if flags & _HAS_LEX else None
    lex = tabs[5]
    prof = tabs[6] if flags & _HAS_PROF else None
    wmap = tabs[7]
    observe = tabs[8] if flags & _HAS_OBS else None
    mask = st[_ST_MASK]
    wl = flags & _HAS_WORDLEET
    fresh = False
    nslot = st[_ST_NSLOT]
    acc = st[_ST_ACC]
    n = st[_ST_N]
    unseen = st[_ST_UNSEEN]
    words = st[_ST_WORDS]
    cls = st[_ST_CLASSES]
    lng = st[_ST_LNG]
    spc = st[_ST_SPC]
    sk = st[_ST_SKIPS]
    obf = st[_ST_OBF]
    look = tabs[10]
    wo = 0          # the word's hidden-mark candidates (_ST_WOBF), s at its first zero-width (_ST_WZS)
    zs = 0
    ws = 0          # and where it starts (_ST_WSTART)
    singles = 0
    inw = False
    h = 0
    hp = 0
    r = 0
    u = 0
    t = 0
    k = 0
    x = 0
    s = 0
    prev = -1
    need = 0
    cp = 0
    sw = False
    psolo = False
    for j in range(length):
        b = data[j]
        if b < 0x80:
            if fresh:
                need = 0            # an unfinished sequence before it is dropped
                fresh = False
                if wl:
                    # an ASCII run after non-ASCII bytes (maybe inside a word): its digits decided anew
                    units = plain if digit_run(data, j, length, leet) else leet
            u = units[b]
            if u:
                if inw:
                    # the common case: an ASCII letter or digit inside a word
                    h = ((h ^ u) * _PRIME) & _M21
                    r = ((r & 0x3FFF) << 7) | u
                    t = (r & 0x3FFF) * _GA + (r >> 14) * _GB
                    acc += w[(t ^ (t >> 13)) & mask]
                    s += 1
                    if s == 7:
                        hp = h
                    continue
                # an ASCII letter starts a word (the block below, inline: words are short)
                if wl:
                    # digits read as leet letters only in a run of ASCII letters and digits with a letter
                    units = plain if b < 0x3A and digit_run(data, j, length, leet) else leet
                    u = units[b]
                inw = True
                ws = j
                h = ((_OFF ^ u) * _PRIME) & _M21
                r = (_BOUND << 7) | u
                s = 2
                continue
            elif inw:
                # an ASCII separator ends the word: the word-end block, inline (first copy, see above)
                # the word ends: its last 3-gram, unigram and bigram (s = letters + 1)
                x = ((r & 0x3FFF) << 7) | _END
                t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
                t = (t ^ (t >> 13)) & mask
                acc += w[t]
                t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
                t = (t ^ (t >> 13)) & mask
                acc += w[t]
                n += s
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
                if lexf is not None:
                    # the word's class (lexicon key: its first six letters, or all of a shorter word)
                    t = hp if s > 6 else h
                    if (lexf[(t >> 3) & 0x3FF] >> (t & 7)) & 1:
                        cls |= _lexmask(lex, nslot, t)
                    if s > 16:
                        lng = 1          # a long run of letters and digits: maybe base64 or hex
                    if s == 2 and (r & 0x7F) > 0x39:
                        singles += 1        # one-letter words in a row: maybe spaced-out text
                        if singles >= 3:
                            spc = 1
                    else:
                        singles = 0
                psolo = False
                if observe is not None:
                    t = h & 0x1FFF
                    if (wmap[t >> 3] >> (t & 7)) & 1:
                        observe.hit(sk, h >> 16, h & 0xFFFF)
                        sk = 0
                    else:
                        sk += 1
                if wo:
                    obf = obf_word(data, ws, j, wo, zs, s, obf)
                    wo = 0
                    zs = 0
                inw = False
                continue
            else:
                continue        # a separator between words
        else:
            fresh = True
            if b < 0xC0:
                if need:
                    cp = (cp << 6) | (b & 0x3F)
                    need -= 1
                    if need:
                        continue
                    if cp > 0x10FFFF:
                        k = _SEP
                    elif cp < 0x80:
                        u = leet[cp]        # overlong form: the ASCII it encodes
                        k = _SELF if u else _SEP
                    else:
                        u = fold_cp(fold, pages, cp)
                        k = u >> 24
                        u &= 0xFFFFFF
                        if k == _IGNORE:
                            if inw and not zs and (cp == 0x200B or cp == 0x200D or cp == 0x2060 or cp == 0xFEFF
                                                   or cp == 0xAD):
                                zs = s          # a zero-width character after a letter: inside if one follows
                                wo |= _W_ZW
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
                # the word ends: its last 3-gram, unigram and bigram (s = letters + 1)
                x = ((r & 0x3FFF) << 7) | _END
                t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
                t = (t ^ (t >> 13)) & mask
                acc += w[t]
                t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
                t = (t ^ (t >> 13)) & mask
                acc += w[t]
                n += s
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
                    if sw and psolo and lexf is not None and (lexf[(x >> 3) & 0x3FF] >> (x & 7)) & 1:
                        cls |= _lexmask(lex, nslot, x)     # two CJK / kana letters in a row: a lexicon pair
                prev = h
                words += 1
                if lexf is not None:
                    # the word's class (lexicon key: its first six letters, or all of a shorter word)
                    t = hp if s > 6 else h
                    if (lexf[(t >> 3) & 0x3FF] >> (t & 7)) & 1:
                        cls |= _lexmask(lex, nslot, t)
                    if s > 16:
                        lng = 1          # a long run of letters and digits: maybe base64 or hex
                    if s == 2 and (r & 0x7F) > 0x39 and not sw:
                        singles += 1        # one-letter words in a row: maybe spaced-out text
                        if singles >= 3:
                            spc = 1
                    else:
                        singles = 0
                psolo = sw
                sw = False
                if observe is not None:
                    t = h & 0x1FFF
                    if (wmap[t >> 3] >> (t & 7)) & 1:
                        observe.hit(sk, h >> 16, h & 0xFFFF)
                        sk = 0
                    else:
                        sk += 1
                if wo:
                    obf = obf_word(data, ws, j, wo, zs, s, obf)
                    wo = 0
                    zs = 0
                inw = False
            if k == _SEP:
                break
            if not inw:
                inw = True
                ws = j
                h = _OFF
                r = _BOUND
                s = 1
                sw = k == _SOLO
            if k == _SELF:
                # a non-ASCII letter in a word: full-width, mathematical and enclosed letters mark the
                # message; a Latin look-alike is counted, any other letter noted
                if cp >= 0x24B6:
                    if cp <= 0x24E9:
                        obf |= _OBF_ENCL
                    elif cp >= 0xFF21:
                        if cp <= 0xFF5A:
                            if cp <= 0xFF3A or cp >= 0xFF41:
                                obf |= _OBF_FULL
                        elif cp >= 0x1D400:
                            if cp <= 0x1D7FF:
                                obf |= _OBF_MATH
                            elif 0x1F130 <= cp <= 0x1F189:
                                obf |= _OBF_ENCL
                t = (cp >> 3) - 0x70
                if 0 <= t < 52 and (look[t] >> (cp & 7)) & 1:
                    wo += _W_ONE
                else:
                    wo |= _W_OTHER
            h = ((h ^ u) * _PRIME) & _M21
            r = ((r & 0x3FFF) << 7) | ((u ^ (u >> 7) ^ (u >> 14)) & 0x7F)
            s += 1
            if s >= 3:
                t = (r & 0x3FFF) * _GA + (r >> 14) * _GB
                acc += w[(t ^ (t >> 13)) & mask]
                if s == 7:
                    hp = h
            if k == _SELF:
                break
            k = _SEP            # a solo letter's word ends at once: one more round
    if inw:
        # the message ended inside a word: the block above, repeated on purpose (see the docstring)
        # the word ends: its last 3-gram, unigram and bigram (s = letters + 1)
        x = ((r & 0x3FFF) << 7) | _END
        t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
        t = (t ^ (t >> 13)) & mask
        acc += w[t]
        t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
        t = (t ^ (t >> 13)) & mask
        acc += w[t]
        n += s
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
        if lexf is not None:
            # the word's class (lexicon key: its first six letters, or all of a shorter word)
            t = hp if s > 6 else h
            if (lexf[(t >> 3) & 0x3FF] >> (t & 7)) & 1:
                cls |= _lexmask(lex, nslot, t)
            if s > 16:
                lng = 1          # a long run of letters and digits: maybe base64 or hex
            if s == 2 and (r & 0x7F) > 0x39:
                singles += 1        # one-letter words in a row: maybe spaced-out text
                if singles >= 3:
                    spc = 1
            else:
                singles = 0
        psolo = False
        if observe is not None:
            t = h & 0x1FFF
            if (wmap[t >> 3] >> (t & 7)) & 1:
                observe.hit(sk, h >> 16, h & 0xFFFF)
                sk = 0
            else:
                sk += 1
        if wo:
            obf = obf_word(data, ws, length, wo, zs, s, obf)
        inw = False
    st[_ST_ACC] = acc
    st[_ST_N] = n
    st[_ST_UNSEEN] = unseen
    st[_ST_WORDS] = words
    st[_ST_CLASSES] = cls
    st[_ST_LNG] = lng
    st[_ST_SPC] = spc
    st[_ST_SKIPS] = sk
    st[_ST_OBF] = obf
