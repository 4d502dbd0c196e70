"""``redline.text.feat.pass_py`` compiled by the viper emitter: the format-2 byte loop as machine code.

Identical results to the pure-Python twin (tests/firmware/test_feat_kernel.py runs both on
every runtime that has the emitter, tests/host/test_rp2040_text.py on the emulated Pico):
the same state array ``st`` and tables ``tabs`` (``HashScorer._st`` / ``_tabs``), the same
folding, hashing, 3-gram / unigram / bigram gathers, profile and lexicon look-ups, and the
same observer calls (``hit`` for a word its map marks). Every value stays below 2**30, so
the machine-word arithmetic (64-bit on the unix port, 32-bit on boards) and Python's agree;
nothing stored in ``st`` is negative (a ``ptr32`` load does not sign-extend on a 64-bit
port). Comparisons with constants above 255 use values built at run time: as immediates in
a comparison the armv6m viper emitter of MicroPython v1.27.0 got one wrong (see
redline.sensor.window_viper).

Frozen into a board's flash, the native code of a function is only 2-byte aligned
(MicroPython v1.27.0's mpy-tool), while the armv6m emitter assumes 4: its two PC-relative
forms -- a constant that is not 16 bits or one byte shifted, and a jump further than
2 KB -- then read the wrong word (the first version of this kernel, one function of 5 KB,
hung the emulated Pico at boot; loaded from a .mpy file it worked). So no constant here is
wider than 16 bits (wider ones are built at run time: ``m21``, ``m24``, ``off``...) and the
work is split so that no function holds a jump of 2 KB: the byte loop (``pass_viper``), the
end of a word (``_word_end``, once per word), the folding table (``_fold``, once per
non-ASCII letter), the lexicon probe (``_lex_probe``) and the hidden marks of a word that has
candidates (``_obf_word``: a look-alike letter or a zero-width character); they share the word's
state through ``st`` (slots 12-19, the hidden-mark candidates 22-24 and 26, the message's marks 25). tests/host/test_cross_compile.py checks the armv6m code for both forms.
Importing this module fails where the emitter is missing
(SyntaxError on the WebAssembly port, ImportError on CPython); ``redline.text.feat`` then
uses the twin::

    from redline.text.feat_viper import pass_viper      # where the emitter exists
    HashScorer(model, kernel=pass_viper)
"""
import micropython

from redline.compat import const

_PRIME = const(0x1B3)
_BOUND = const(0x7F)
_END = const(0x7E)
_UA = const(0x2F2B)
_UB = const(0x1E37)
_BA = const(0x3A63)
_BB = const(0x2B8D)
_GA = const(0x36C1)
_GB = const(0x16A5)
_PA = const(0x2E5B)
_PB = const(0x3C47)
_QA = const(0x25A3)
_QB = const(0x1F0D)
_LM = const(0x1A5)
_SEP = const(0)
_IGNORE = const(1)
_SELF = const(2)
_SOLO = const(3)
_ASCII = const(4)
_RUN = const(5)
_CASE = const(6)


@micropython.viper
def _lex_probe(lex: ptr8, ns: int, key: int) -> int:
    """Class mask of a lexicon key (0 if absent); redline.text.feat._lexmask."""
    c_empty = 0xFF
    c_empty = (c_empty << 16) | 0xFFFF          # 0xFFFFFF
    i = ((key * _LM) >> 5) & (ns - 1)
    while True:
        o = i * 5
        t = (lex[o] << 16) | (lex[o + 1] << 8) | lex[o + 2]
        if t == key:
            return (lex[o + 3] << 8) | lex[o + 4]
        if t == c_empty:
            return 0
        i = (i + 1) & (ns - 1)
    return 0


@micropython.viper
def _fold(fold: ptr8, pages: ptr8, cp: int, foldn: int) -> int:
    """(kind << 24) | unit of a code point >= 0x80; redline.text.feat.fold_cp."""
    c_bmp = 1
    c_bmp = c_bmp << 16
    if cp < c_bmp:
        o = (cp >> 8) << 1
        lo = (pages[o] << 8) | pages[o + 1]
        hi = (pages[o + 2] << 8) | pages[o + 3]
    else:
        lo = (pages[512] << 8) | pages[513]
        hi = foldn - 1
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        o = mid * 5
        if ((fold[o] << 16) | (fold[o + 1] << 8) | fold[o + 2]) <= cp:
            lo = mid
        else:
            hi = mid - 1
    o = lo * 5
    k = fold[o + 3]
    x = fold[o + 4]
    if k == _ASCII:
        return (_SELF << 24) | x
    if k == _RUN:
        return (_SELF << 24) | (x + cp - ((fold[o] << 16) | (fold[o + 1] << 8) | fold[o + 2]))
    if k == _CASE:
        if x > 127:
            x = x - 256
        return (_SELF << 24) | (cp + x)
    if k == _SELF or k == _SOLO:
        return (k << 24) | cp
    return k << 24


@micropython.viper
def _word_end(st: ptr32, tabs) -> int:
    """The word in st[12..15] ends: its last 3-gram, unigram and bigram (s = letters + 1), the
    profile, the lexicon class, the long-run and spaced-letters marks, the observer, and its hidden
    marks when it has candidates (st[22]: ``_obf_word``)."""
    w = ptr8(tabs[0])
    lexf = ptr8(tabs[4])
    prof = ptr8(tabs[6])
    wmap = ptr8(tabs[7])
    flags = int(st[8])
    mask = int(st[7])
    h = int(st[12])
    r = int(st[13])
    s = int(st[14])
    hp = int(st[15])
    prev = int(st[16]) - 1
    sw = int(st[17])
    psolo = int(st[18])
    acc = int(st[0])
    n = int(st[1])
    m21 = 0x1F
    m21 = (m21 << 16) | 0xFFFF                  # 0x1FFFFF
    m24 = 0xFF
    m24 = (m24 << 16) | 0xFFFF                  # 0xFFFFFF
    x = ((r & 0x3FFF) << 7) | _END
    t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
    acc += w[(t ^ (t >> 13)) & mask]
    t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
    acc += w[(t ^ (t >> 13)) & mask]
    n += s
    if flags & 1:
        t = ((h & 0x3FFF) * _PA + (h >> 14) * _PB) & m24
        t = (t ^ (t >> 11)) & 0xFFFF
        if not (prof[t >> 3] >> (t & 7)) & 1:
            st[2] = int(st[2]) + 1
    if prev >= 0:
        x = ((prev * _PRIME) & m21) ^ h
        t = (x & 0x3FFF) * _BA + (x >> 14) * _BB
        acc += w[(t ^ (t >> 13)) & mask]
        n += 1
        if flags & 1:
            t = ((x & 0x3FFF) * _QA + (x >> 14) * _QB) & m24
            t = (t ^ (t >> 11)) & 0xFFFF
            if not (prof[t >> 3] >> (t & 7)) & 1:
                st[2] = int(st[2]) + 1
        if sw and psolo and (flags & 2) and (lexf[(x >> 3) & 0x3FF] >> (x & 7)) & 1:
            # two CJK / kana letters in a row: a lexicon pair
            st[4] = int(st[4]) | int(_lex_probe(tabs[5], int(st[9]), x))
    st[0] = acc
    st[1] = n
    st[16] = h + 1
    st[3] = int(st[3]) + 1
    if flags & 2:
        key = hp if s > 6 else h
        if (lexf[(key >> 3) & 0x3FF] >> (key & 7)) & 1:
            st[4] = int(st[4]) | int(_lex_probe(tabs[5], int(st[9]), key))
        if s > 16:
            st[5] = 1
        if s == 2 and (r & 0x7F) > 0x39 and not sw:
            t = int(st[19]) + 1
            st[19] = t
            if t >= 3:
                st[6] = 1
        else:
            st[19] = 0
    st[18] = sw
    st[17] = 0
    if flags & 4:
        t = h & 0x1FFF
        if (wmap[t >> 3] >> (t & 7)) & 1:
            tabs[8].hit(int(st[11]), h >> 16, h & 0xFFFF)
            st[11] = 0
        else:
            st[11] = int(st[11]) + 1
    if st[22]:
        _obf_word(st)
    return 0


@micropython.viper
def _obf_word(st: ptr32) -> int:
    """A word with hidden-mark candidates (st[22]: 1 a non-ASCII run inside it, 2 a letter that is not
    a look-alike, 4 a zero-width character, 8 per look-alike) ends: the zero-width and look-alike
    marks into st[25], the word's candidates cleared; redline.text.feat.obf_word. Its ASCII letters
    are st[24] (``_nonascii`` counts the ASCII runs next to its non-ASCII runs)."""
    wo = int(st[22])
    zs = int(st[23])
    obf = int(st[25])
    if zs and int(st[14]) > zs:
        obf = obf | 8
    c = wo >> 3
    a = int(st[24])
    if c and not (wo & 2) and a >= 2 and a >= c:
        obf = obf | 16
    st[25] = obf
    st[22] = 0
    st[23] = 0
    st[24] = 0
    st[26] = 0
    return 0


@micropython.viper
def _letter_mark(st: ptr32, cp: int, look: ptr8) -> int:
    """A non-ASCII letter joins a word: full-width / mathematical / enclosed marks into st[25], a
    Latin look-alike counted in the word's candidates st[22] (+ 8; any other letter: | 2)."""
    t = cp >> 8
    if t >= 0x24:
        x = cp & 0xFF
        if t == 0x24:
            if x >= 0xB6 and x <= 0xE9:
                st[25] = int(st[25]) | 4
        elif t == 0xFF:
            if (x >= 0x21 and x <= 0x3A) or (x >= 0x41 and x <= 0x5A):
                st[25] = int(st[25]) | 1
        elif (cp >> 10) == 0x75:
            st[25] = int(st[25]) | 2
        else:
            c_1f1 = 0x1F
            c_1f1 = (c_1f1 << 4) | 1                # 0x1F1: the page of U+1F130..1F189
            if t == c_1f1 and x >= 0x30 and x <= 0x89:
                st[25] = int(st[25]) | 4
    t = (cp >> 3) - 0x70
    if t >= 0 and t < 52 and (look[t] >> (cp & 7)) & 1:
        st[22] = int(st[22]) + 8
    else:
        st[22] = int(st[22]) | 2
    return 0


@micropython.viper
def _zero_width(st: ptr32, cp: int, s: int) -> int:
    """An ignored code point after a letter of a word: U+200B, 200D, 2060, FEFF or 00AD is inside the
    word if a letter follows (st[23] = s now, st[22] |= 4)."""
    t = cp >> 8
    x = cp & 0xFF
    if (t == 0x20 and (x == 0x0B or x == 0x0D or x == 0x60)) or (t == 0xFE and x == 0xFF) or (t == 0 and x == 0xAD):
        st[23] = s
        st[22] = int(st[22]) | 4
    return 0


@micropython.viper
def _nonascii(data: ptr8, length: int, st: ptr32, tabs, j: int) -> int:
    """The run of bytes >= 0x80 from ``j``: UTF-8 decoding, folding, the letters it adds to a
    word and the words it ends (``_word_end``); the word state in st[12..20]. Returns where the
    run ends (an ASCII byte, or ``length``): an unfinished sequence there is dropped."""
    w = ptr8(tabs[0])
    units = ptr8(tabs[1])
    fold_o = tabs[2]
    pages_o = tabs[3]
    look_o = tabs[10]
    mask = int(st[7])
    foldn = int(st[10])
    m21 = 0x1F
    m21 = (m21 << 16) | 0xFFFF                  # 0x1FFFFF
    off = 0x1
    off = (off << 16) | 0x2325                  # _OFF, 0x12325
    c_maxcp = 0x10
    c_maxcp = (c_maxcp << 16) | 0xFFFF          # 0x10FFFF
    acc = int(st[0])
    h = int(st[12])
    r = int(st[13])
    s = int(st[14])
    hp = int(st[15])
    sw = int(st[17])
    inw = int(st[20])
    need = 0
    cp = 0
    u = 0
    k = 0
    t = 0
    x = 0
    if inw:
        # a word runs into these bytes: its ASCII letters just before them (hidden marks, _obf_word),
        # unless the run was counted when the last non-ASCII run ended inside this word (st[26])
        t = j - 1
        if st[26]:
            t = -1
        while t >= 0:
            x = data[t]
            if x >= 0x80 or not units[x]:
                break
            x = x | 0x20
            if x >= 0x61 and x <= 0x7A:
                st[24] = int(st[24]) + 1
            t -= 1
        st[22] = int(st[22]) | 1
    st[26] = 0
    while j < length:
        b = data[j]
        if b < 0x80:
            break
        j += 1
        if b < 0xC0:
            if need:
                cp = (cp << 6) | (b & 0x3F)
                need -= 1
                if need:
                    continue
                if cp > c_maxcp:
                    k = _SEP
                elif cp < 0x80:
                    u = units[cp]
                    k = _SELF if u else _SEP
                else:
                    x = int(_fold(fold_o, pages_o, cp, foldn))
                    k = x >> 24
                    u = x - (k << 24)
                    if k == _IGNORE:
                        if inw and not st[23]:
                            _zero_width(st, cp, s)      # a hidden mark if a letter of the word follows
                        continue
            else:
                k = _SEP
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
                st[0] = acc
                st[12] = h
                st[13] = r
                st[14] = s
                st[15] = hp
                st[17] = sw
                _word_end(st, tabs)
                acc = int(st[0])
                sw = 0
                inw = 0
            if k == _SEP:
                break
            if not inw:
                inw = 1
                h = off
                r = _BOUND
                s = 1
                sw = 1 if k == _SOLO else 0
            if k == _SELF:
                _letter_mark(st, cp, look_o)    # hidden marks of a non-ASCII letter in a word
            h = ((h ^ u) * _PRIME) & m21
            r = ((r & 0x3FFF) << 7) | ((u ^ (u >> 7) ^ (u >> 14)) & 0x7F)
            s += 1
            if s >= 3:
                t = (r & 0x3FFF) * _GA + (r >> 14) * _GB
                acc += w[(t ^ (t >> 13)) & mask]
                if s == 7:
                    hp = h
            if k == _SELF:
                break
            k = _SEP
    st[0] = acc
    st[12] = h
    st[13] = r
    st[14] = s
    st[15] = hp
    st[17] = sw
    st[20] = inw
    if inw:
        # a word runs on from here: the ASCII letters of its run after these bytes (_obf_word)
        t = j
        while t < length:
            x = data[t]
            if x >= 0x80 or not units[x]:
                break
            x = x | 0x20
            if x >= 0x61 and x <= 0x7A:
                st[24] = int(st[24]) + 1
            t += 1
        st[26] = 1
    if int(st[8]) & 8:
        st[21] = int(_digit_run(data, j, length, tabs[1]))      # the ASCII run from j: digits only?
    return j


@micropython.viper
def _digit_run(data: ptr8, j: int, length: int, units: ptr8) -> int:
    """1 when a run of ASCII letters and digits starts at data[j] and holds no letter; redline.text.feat.digit_run."""
    k = j
    while k < length:
        c = data[k]
        if c >= 0x80 or not units[c]:
            break
        if c > 0x39:
            return 0
        k += 1
    if k > j:
        return 1
    return 0


@micropython.viper
def pass_viper(data: ptr8, length: int, st: ptr32, tabs) -> int:
    """ASCII letters and the common end of a word inline; a run of non-ASCII bytes goes to
    ``_nonascii``, a word end with a profile, a lexicon candidate, an observed word or hidden-mark
    candidates (st[22]) to ``_word_end`` (both share the word state through st[12..26]). The loop
    is within 2 KB of armv6m code (a longer jump is a PC-relative word: see the module docstring):
    mind its size when adding to it."""
    w = ptr8(tabs[0])
    units = ptr8(tabs[1])
    lexf = ptr8(tabs[4])
    wmap = ptr8(tabs[7])
    plain = ptr8(tabs[9])       # the ASCII table with digits read as 0 (a run of digits only)
    cur = units
    flags = int(st[8])
    wl = flags & 8              # digits read as leet letters only in a run with a letter
    has_lex = flags & 2
    has_obs = flags & 4
    slow = flags & 1            # with a profile every word end takes _word_end
    mask = int(st[7])
    acc = int(st[0])
    n = int(st[1])
    words = int(st[3])
    sk = int(st[11])
    m21 = 0x1F
    m21 = (m21 << 16) | 0xFFFF                  # 0x1FFFFF
    off = 0x1
    off = (off << 16) | 0x2325                  # _OFF, 0x12325
    # a pass starts without a previous word, solo letter or run of one-letter words
    prev1 = 0                   # the previous word's hash + 1 (0: none)
    st[18] = 0                  # the previous word was a solo letter (kept in st only: code size)
    singles = 0
    inw = 0
    sw = 0
    h = 0
    hp = 0
    r = 0
    s = 0
    t = 0
    x = 0
    key = 0
    j = 0
    while j <= length:
        if j < length:
            b = data[j]
            if b >= 0x80:
                st[0] = acc
                st[1] = n
                st[3] = words
                st[11] = sk
                st[12] = h
                st[13] = r
                st[14] = s
                st[15] = hp
                st[16] = prev1
                st[17] = sw
                st[19] = singles
                st[20] = inw
                j = int(_nonascii(data, length, st, tabs, j))
                acc = int(st[0])
                n = int(st[1])
                words = int(st[3])
                sk = int(st[11])
                h = int(st[12])
                r = int(st[13])
                s = int(st[14])
                hp = int(st[15])
                prev1 = int(st[16])
                sw = int(st[17])
                singles = int(st[19])
                inw = int(st[20])
                if wl:
                    # the ASCII run after them (maybe inside a word), decided by _nonascii
                    cur = plain if st[21] else units
                continue
            j += 1
            u = cur[b]
            if u:
                if inw:
                    h = ((h ^ u) * _PRIME) & m21
                    r = ((r & 0x3FFF) << 7) | u
                    t = (r & 0x3FFF) * _GA + (r >> 14) * _GB
                    acc += w[(t ^ (t >> 13)) & mask]
                    s += 1
                    if s == 7:
                        hp = h
                    continue
                if wl and b < 0x3A and int(_digit_run(data, j - 1, length, units)):
                    cur = plain         # a run of digits only: they read as 0
                    u = 0x30
                inw = 1
                sw = 0
                h = ((off ^ u) * _PRIME) & m21
                r = (_BOUND << 7) | u
                s = 2
                continue
            if not inw:
                continue
        else:
            # the end of the message: a running word ends
            j += 1
            if not inw:
                break
        # the word ends (an ASCII separator or the end): inline unless _word_end has work
        key = hp if s > 6 else h
        t = h & 0x1FFF
        if slow or sw or st[22] or (has_lex and (lexf[(key >> 3) & 0x3FF] >> (key & 7)) & 1) \
                or (has_obs and (wmap[t >> 3] >> (t & 7)) & 1):
            st[0] = acc
            st[1] = n
            st[3] = words
            st[11] = sk
            st[12] = h
            st[13] = r
            st[14] = s
            st[15] = hp
            st[16] = prev1
            st[17] = sw
            st[19] = singles
            _word_end(st, tabs)
            acc = int(st[0])
            n = int(st[1])
            words = int(st[3])
            sk = int(st[11])
            prev1 = int(st[16])
            singles = int(st[19])
        else:
            x = ((r & 0x3FFF) << 7) | _END
            t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
            acc += w[(t ^ (t >> 13)) & mask]
            t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
            acc += w[(t ^ (t >> 13)) & mask]
            n += s
            if prev1:
                x = (((prev1 - 1) * _PRIME) & m21) ^ h
                t = (x & 0x3FFF) * _BA + (x >> 14) * _BB
                acc += w[(t ^ (t >> 13)) & mask]
                n += 1
            prev1 = h + 1
            words += 1
            if has_lex:
                if s > 16:
                    st[5] = 1
                if s == 2 and (r & 0x7F) > 0x39:
                    singles += 1
                    if singles >= 3:
                        st[6] = 1
                else:
                    singles = 0
            st[18] = 0
            if has_obs:
                sk += 1
        sw = 0
        inw = 0
        cur = units
    st[0] = acc
    st[1] = n
    st[3] = words
    st[11] = sk
    return 0


@micropython.viper
def adler_viper(data: ptr8, length: int, out: ptr32) -> int:
    """Adler-32 of data[:length]: out[0] = b & 0x7FFF, out[1] = a (twin: redline.text.sift.adler_py).

    The sums are reduced every 2048 bytes, as the twin does: they stay below 2**30."""
    a = 1
    b = 0
    i = 0
    while i < length:
        end = i + 2048
        if end > length:
            end = length
        while i < end:
            a += data[i]
            b += a
            i += 1
        a = a % 65521
        b = b % 65521
    out[0] = b & 0x7FFF
    out[1] = a
    return 0
