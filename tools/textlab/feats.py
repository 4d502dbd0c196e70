"""Hashed text features computed the way a board computes them, byte by byte (issue 17, phase A).

A message is UTF-8 bytes. Every code point is folded (tools/textlab/fold.py): ASCII
letters lower-cased, look-alikes, full-width and mathematical letters to ASCII,
zero-width characters dropped, punctuation and spaces separate words, CJK/kana/Thai
characters are words of one letter. Per word of units u1..uL the features are

- its unigram hash and its bigram with the previous word (21-bit FNV-style, prime 0x1B3),
- character n-grams (3 and/or 4) over ``^ u1 .. uL $`` from a rolling key of 7-bit unit codes,

each mapped to a bucket of a 2**bits weight table. All arithmetic stays below 2**30.
The host computes per distinct word once (cached), which is exact because a word's
features depend only on its units and the previous word's hash.

    from feats import Featurizer
    f = Featurizer(bits=15, grams=(3, 4))
    f.indices("ignore previous instructions")   # list of bucket indices, in firmware order
"""
import bisect

import sys as _s, os as _o
_s.path.insert(0, _o.path.join(_o.path.dirname(_o.path.abspath(__file__)), "..", "..", "host"))
from redline_host.text import fold

M21 = 0x1FFFFF
M28 = 0xFFFFFFF
PRIME = 0x1B3
OFF = 0x12325          # word hash start (21 bits)
BOUND = 0x7F           # n-gram start-of-word marker
END = 0x7E             # n-gram end-of-word marker
# (A, B) multipliers of the bucket mix, one pair per feature kind (odd, < 2**14)
MIX = {"uni": (0x2F2B, 0x1E37), "bi": (0x3A63, 0x2B8D), "g3": (0x36C1, 0x16A5), "g4": (0x1D75, 0x3319),
       "g5": (0x2C57, 0x19E3)}


def bucket(x, kind, mask):
    a, b = MIX[kind]
    t = (x & 0x3FFF) * a + (x >> 14) * b
    t ^= t >> 13
    return t & mask


def unit7(u):
    return (u ^ (u >> 7) ^ (u >> 14)) & 0x7F


class Featurizer:
    def __init__(self, bits=15, grams=(3,), words=True, bigrams=True, digits=True):
        self.bits = bits
        self.mask = (1 << bits) - 1
        self.grams = tuple(grams)
        self.words = words
        self.bigrams = bigrams
        self.digits = digits        # False: every digit reads as "0"
        self.table = fold.encode_table()
        self.starts, self.kinds, self.params = fold.decode_table(self.table[0])
        self._char = {}
        self._word = {}

    def char_action(self, ch):
        """(kind, unit) for one character: kind SEP, IGNORE, SELF (letter) or SOLO."""
        a = self._char.get(ch)
        if a is None:
            cp = ord(ch)
            if cp < 0x80:
                u = fold._ascii_unit(ch)
                a = (fold.SELF, u) if u else (fold.SEP, 0)
            elif cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                a = (fold.SEP, 0)
            else:
                a = fold.fold_encoded(self.starts, self.kinds, self.params, cp)
            if a[0] in (fold.SELF, fold.SOLO) and not self.digits and 0x30 <= a[1] <= 0x39:
                a = (a[0], 0x30)
            self._char[ch] = a
        return a

    def words_of(self, text):
        """Words as tuples of units, in order."""
        out = []
        cur = []
        for ch in text:
            k, u = self.char_action(ch)
            if k == fold.SELF:
                cur.append(u)
            elif k == fold.SOLO:
                if cur:
                    out.append(tuple(cur))
                    cur = []
                out.append((u,))
            elif k == fold.SEP:
                if cur:
                    out.append(tuple(cur))
                    cur = []
        if cur:
            out.append(tuple(cur))
        return out

    def word_features(self, w):
        """(word hash, [bucket of each char n-gram and the unigram]) of one word."""
        got = self._word.get(w)
        if got is not None:
            return got
        mask = self.mask
        h = OFF
        for u in w:
            h = ((h ^ u) * PRIME) & M21
        feats = []
        if self.grams:
            r = BOUND
            s = 1
            for u in w + (None,):
                c = END if u is None else unit7(u)
                r = ((r << 7) | c) & M28
                s += 1
                if 3 in self.grams and s >= 3:
                    feats.append(bucket(r & M21, "g3", mask))
                if 4 in self.grams and s >= 4:
                    feats.append(bucket(r, "g4", mask))
        if self.words:
            feats.append(bucket(h, "uni", mask))
        got = (h, feats)
        self._word[w] = got
        return got

    def indices(self, text):
        out = []
        prev = -1
        mask = self.mask
        for w in self.words_of(text):
            h, f = self.word_features(w)
            out.extend(f)
            if self.bigrams and prev >= 0:
                out.append(bucket(((prev * PRIME) & M21) ^ h, "bi", mask))
            prev = h
        return out
