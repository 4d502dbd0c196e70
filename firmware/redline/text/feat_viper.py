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
redline.sensor.window_viper). One word-end block serves the three places the twin writes it
out (an ASCII separator, a non-ASCII separator or solo letter, the end of the message): a
jump costs nothing here. Importing this module fails where the emitter is missing
(SyntaxError on the WebAssembly port, ImportError on CPython); ``redline.text.feat`` then
uses the twin::

    from redline.text.feat_viper import pass_viper      # where the emitter exists
    HashScorer(model, kernel=pass_viper)
"""
import micropython

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
def pass_viper(data: ptr8, length: int, st: ptr32, tabs) -> int:
    w = ptr8(tabs[0])
    units = ptr8(tabs[1])
    fold = ptr8(tabs[2])
    pages = ptr8(tabs[3])
    lexf = ptr8(tabs[4])
    lex = ptr8(tabs[5])
    prof = ptr8(tabs[6])
    wmap = ptr8(tabs[7])
    observe = tabs[8]
    flags = int(st[8])
    has_prof = flags & 1
    has_lex = flags & 2
    has_obs = flags & 4
    mask = int(st[7])
    nslot = int(st[9])
    foldn = int(st[10])
    acc = int(st[0])
    n = int(st[1])
    unseen = int(st[2])
    words = int(st[3])
    cls = int(st[4])
    lng = int(st[5])
    spc = int(st[6])
    sk = int(st[11])
    # constants compared against, built at run time (see the module doc)
    c_maxcp = 0x10
    c_maxcp = (c_maxcp << 16) | 0xFFFF          # 0x10FFFF
    c_bmp = 1
    c_bmp = c_bmp << 16                         # 0x10000
    c_empty = 0xFF
    c_empty = (c_empty << 16) | 0xFFFF          # 0xFFFFFF
    singles = 0
    inw = 0
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
    sw = 0
    psolo = 0
    o = 0
    lo = 0
    hi = 0
    mid = 0
    key = 0
    i = 0
    j = 0
    while j <= length:
        if j == length:
            # the end of the message: a running word ends
            if not inw:
                break
            k = _SEP
            j += 1
        else:
            b = data[j]
            j += 1
            if b < 0x80:
                need = 0
                u = units[b]
                if u:
                    if inw:
                        h = ((h ^ u) * _PRIME) & _M21
                        r = ((r & 0x3FFF) << 7) | u
                        t = (r & 0x3FFF) * _GA + (r >> 14) * _GB
                        acc += w[(t ^ (t >> 13)) & mask]
                        s += 1
                        if s == 7:
                            hp = h
                        continue
                    inw = 1
                    h = ((_OFF ^ u) * _PRIME) & _M21
                    r = (_BOUND << 7) | u
                    s = 2
                    continue
                if not inw:
                    continue
                k = _SEP
            elif b < 0xC0:
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
                        # the folding table: binary search of the range holding cp
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
                            k = _SELF
                            u = x
                        elif k == _RUN:
                            k = _SELF
                            u = x + cp - ((fold[o] << 16) | (fold[o + 1] << 8) | fold[o + 2])
                        elif k == _CASE:
                            k = _SELF
                            u = cp + (x - 256 if x > 127 else x)
                        elif k == _SELF or k == _SOLO:
                            u = cp
                        if k == _IGNORE:
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
                # the word ends: its last 3-gram, unigram and bigram (s = letters + 1)
                x = ((r & 0x3FFF) << 7) | _END
                t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
                acc += w[(t ^ (t >> 13)) & mask]
                t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
                acc += w[(t ^ (t >> 13)) & mask]
                n += s
                if has_prof:
                    t = ((h & 0x3FFF) * _PA + (h >> 14) * _PB) & 0xFFFFFF
                    t = (t ^ (t >> 11)) & 0xFFFF
                    if not (prof[t >> 3] >> (t & 7)) & 1:
                        unseen += 1
                if prev >= 0:
                    x = ((prev * _PRIME) & _M21) ^ h
                    t = (x & 0x3FFF) * _BA + (x >> 14) * _BB
                    acc += w[(t ^ (t >> 13)) & mask]
                    n += 1
                    if has_prof:
                        t = ((x & 0x3FFF) * _QA + (x >> 14) * _QB) & 0xFFFFFF
                        t = (t ^ (t >> 11)) & 0xFFFF
                        if not (prof[t >> 3] >> (t & 7)) & 1:
                            unseen += 1
                    if sw and psolo and has_lex and (lexf[(x >> 3) & 0x3FF] >> (x & 7)) & 1:
                        # two CJK / kana letters in a row: a lexicon pair
                        key = x
                        i = ((key * _LM) >> 5) & (nslot - 1)
                        while True:
                            o = i * 5
                            t = (lex[o] << 16) | (lex[o + 1] << 8) | lex[o + 2]
                            if t == key:
                                cls |= (lex[o + 3] << 8) | lex[o + 4]
                                break
                            if t == c_empty:
                                break
                            i = (i + 1) & (nslot - 1)
                prev = h
                words += 1
                if has_lex:
                    key = hp if s > 6 else h
                    if (lexf[(key >> 3) & 0x3FF] >> (key & 7)) & 1:
                        i = ((key * _LM) >> 5) & (nslot - 1)
                        while True:
                            o = i * 5
                            t = (lex[o] << 16) | (lex[o + 1] << 8) | lex[o + 2]
                            if t == key:
                                cls |= (lex[o + 3] << 8) | lex[o + 4]
                                break
                            if t == c_empty:
                                break
                            i = (i + 1) & (nslot - 1)
                    if s > 16:
                        lng = 1
                    if s == 2 and (r & 0x7F) > 0x39 and not sw:
                        singles += 1
                        if singles >= 3:
                            spc = 1
                    else:
                        singles = 0
                psolo = sw
                sw = 0
                if has_obs:
                    t = h & 0x1FFF
                    if (wmap[t >> 3] >> (t & 7)) & 1:
                        observe.hit(sk, h >> 16, h & 0xFFFF)
                        sk = 0
                    else:
                        sk += 1
                inw = 0
            if k == _SEP:
                break
            if not inw:
                inw = 1
                h = _OFF
                r = _BOUND
                s = 1
                sw = 1 if k == _SOLO else 0
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
            k = _SEP
    st[0] = acc
    st[1] = n
    st[2] = unseen
    st[3] = words
    st[4] = cls
    st[5] = lng
    st[6] = spc
    st[11] = sk
    return 0
