"""Prototype of the firmware scorer for hashed features (MicroPython-compatible, allocation-free).

One pass over the bytes: UTF-8 decoding, folding (ranges table), words, the
unigram/bigram word hashes and the character 3-grams, each mapped to a bucket
of the weight table; ``acc`` sums the (offset-binary int8) weights and ``n``
counts the features. Profile bits (optional) count the features whose bucket a
deployment's nominal traffic never hit.

    s = Scorer(weights, ranges, pages, bits)
    s.score(b"ignore previous instructions", 28)
    s.acc, s.n, s.unseen
"""
_M21 = 0x1FFFFF
_M28 = 0xFFFFFFF
_PRIME = 0x1B3
_OFF = 0x12325
_BOUND = 0x7F
_END = 0x7E
_UA = 0x2F2B
_UB = 0x1E37
_BA = 0x3A63
_BB = 0x2B8D
_GA = 0x36C1
_GB = 0x16A5

K_SEP = 0
K_IGNORE = 1
K_SELF = 2
K_SOLO = 3
K_ASCII = 4
K_RUN = 5
K_CASE = 6


def _ascii_table():
    t = bytearray(128)
    for c in range(48, 58):
        t[c] = c
    for c in range(97, 123):
        t[c] = c
    for c in range(65, 91):
        t[c] = c + 32
    return bytes(t)


ASCII_UNITS = _ascii_table()


class Scorer:
    def __init__(self, weights, ranges, pages, bits, profile=None):
        self.w = weights
        self.ranges = ranges
        self.pages = pages
        self.nranges = len(ranges) // 5
        self.mask = (1 << bits) - 1
        self.profile = profile
        self.acc = 0
        self.n = 0
        self.unseen = 0
        self.kind = 0

    def fold(self, cp):
        """Unit of code point cp >= 0x80 (0 for SEP/IGNORE); kind in self.kind."""
        rt = self.ranges
        if cp < 0x10000:
            p = cp >> 8
            lo = (self.pages[2 * p] << 8) | self.pages[2 * p + 1]
            hi = (self.pages[2 * p + 2] << 8) | self.pages[2 * p + 3]
        else:
            lo = (self.pages[512] << 8) | self.pages[513]
            hi = self.nranges - 1
        # last range with start <= cp, between lo and hi
        while lo < hi:
            mid = (lo + hi + 1) >> 1
            o = mid * 5
            if ((rt[o] << 16) | (rt[o + 1] << 8) | rt[o + 2]) <= cp:
                lo = mid
            else:
                hi = mid - 1
        o = lo * 5
        k = rt[o + 3]
        prm = rt[o + 4]
        if k == K_ASCII:
            self.kind = K_SELF
            return prm
        if k == K_RUN:
            self.kind = K_SELF
            return prm + cp - ((rt[o] << 16) | (rt[o + 1] << 8) | rt[o + 2])
        if k == K_CASE:
            self.kind = K_SELF
            return cp + (prm - 256 if prm > 127 else prm)
        self.kind = k
        return cp if k == K_SELF or k == K_SOLO else 0

    def score(self, data, length):
        w = self.w
        mask = self.mask
        prof = self.profile
        asc = ASCII_UNITS
        acc = 0
        n = 0
        unseen = 0
        inw = False
        h = 0
        r = 0
        s = 0
        prev = -1
        need = 0
        cp = 0
        j = 0
        pend = 0
        while True:
            # one round per code point or separator: u > 0 a letter unit, k its kind
            if pend:
                u = pend
                pend = 0
                k = K_SOLO
            elif j >= length:
                if j > length:
                    break
                j += 1          # the end of the message separates the last word
                k = K_SEP
                u = 0
            else:
                b = data[j]
                j += 1
                if b < 0x80:
                    need = 0    # an unfinished sequence before it is dropped
                    u = asc[b]
                    k = K_SELF if u else K_SEP
                elif b < 0xC0:
                    if not need:
                        k = K_SEP       # stray continuation byte
                        u = 0
                    else:
                        cp = (cp << 6) | (b & 0x3F)
                        need -= 1
                        if need:
                            continue
                        if cp > 0x10FFFF:
                            k = K_SEP
                            u = 0
                        elif cp < 0x80:
                            u = asc[cp]         # overlong form: the ASCII it encodes
                            k = K_SELF if u else K_SEP
                        else:
                            u = self.fold(cp)
                            k = self.kind
                else:
                    if b < 0xE0:
                        need = 1
                        cp = b & 0x1F
                        continue
                    if b < 0xF0:
                        need = 2
                        cp = b & 0x0F
                        continue
                    if b < 0xF8:
                        need = 3
                        cp = b & 0x07
                        continue
                    need = 0
                    k = K_SEP
                    u = 0
            if k == K_IGNORE:
                continue
            if k == K_SOLO and inw:
                pend = u        # end the running word now, the solo letter next round
                k = K_SEP
            if k == K_SELF or k == K_SOLO:
                if not inw:
                    inw = True
                    h = _OFF
                    r = _BOUND
                    s = 1
                h = ((h ^ u) * _PRIME) & _M21
                r = ((r << 7) | ((u ^ (u >> 7) ^ (u >> 14)) & 0x7F)) & _M28
                s += 1
                if s >= 3:
                    x = r & _M21
                    t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
                    t = (t ^ (t >> 13)) & mask
                    acc += w[t]
                    n += 1
                    if prof is not None and not (prof[t >> 3] >> (t & 7)) & 1:
                        unseen += 1
                if k == K_SELF:
                    continue
            if inw:
                r = ((r << 7) | _END) & _M28
                s += 1
                if s >= 3:
                    x = r & _M21
                    t = (x & 0x3FFF) * _GA + (x >> 14) * _GB
                    t = (t ^ (t >> 13)) & mask
                    acc += w[t]
                    n += 1
                    if prof is not None and not (prof[t >> 3] >> (t & 7)) & 1:
                        unseen += 1
                t = (h & 0x3FFF) * _UA + (h >> 14) * _UB
                t = (t ^ (t >> 13)) & mask
                acc += w[t]
                n += 1
                if prof is not None and not (prof[t >> 3] >> (t & 7)) & 1:
                    unseen += 1
                if prev >= 0:
                    x = ((prev * _PRIME) & _M21) ^ h
                    t = (x & 0x3FFF) * _BA + (x >> 14) * _BB
                    t = (t ^ (t >> 13)) & mask
                    acc += w[t]
                    n += 1
                    if prof is not None and not (prof[t >> 3] >> (t & 7)) & 1:
                        unseen += 1
                prev = h
                inw = False
        self.acc = acc - 128 * n
        self.n = n
        self.unseen = unseen
        return self.acc
