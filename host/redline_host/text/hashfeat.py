"""Hashed text features of the format-2 model, on the host: vectorised, equal to the firmware's.

The firmware (``redline.text.feat``) reads a message byte by byte: UTF-8 code
points are folded by the model's table (``fold.encode_table``), letters make
words (CJK, kana and Thai letters are words of one letter), and every word
emits its character 3-grams over ``^ u1 .. uL $``, its unigram and its bigram
with the previous word, each as a bucket of a 2**bits weight table. This module
computes the same buckets for many texts at once with numpy (one pass per
character position of the longest word), so training and batch scoring see
exactly what a board sees::

    from redline_host.text.hashfeat import Features
    f = Features.of_model(model)            # or Features(ranges, pages, bits, ascii)
    idx, text_of = f.batch(["ignore previous instructions", "status"])
    f.scores(weights, ["status"])      # int sums of (weight - 128), as the firmware's acc

Bytes that are not valid UTF-8 take the exact byte-level path (``byte_words``),
which follows the firmware's decoder: a stray continuation byte or a byte
0xF8..0xFF separates, an unfinished sequence is dropped, an overlong form
reads as the code point it encodes, a code point above U+10FFFF separates.
"""
import numpy as np

from . import fold

M21 = 0x1FFFFF
PRIME = 0x1B3
OFF = 0x12325
BOUND = 0x7F
END = 0x7E
MIX_UNI = (0x2F2B, 0x1E37)
MIX_BI = (0x3A63, 0x2B8D)
MIX_G3 = (0x36C1, 0x16A5)
PROFILE_BITS = 16
MIX_PW = (0x2E5B, 0x3C47)      # profile bucket of a word
MIX_PP = (0x25A3, 0x1F0D)      # ... of a word pair


def profile_bucket(x, mix):
    """Profile bucket (16 bits) of a word hash or pair key below 2**21."""
    a, b = mix
    t = ((x & 0x3FFF) * a + (x >> 14) * b) & 0xFFFFFF
    return (t ^ (t >> 11)) & 0xFFFF

SEP, IGNORE, SELF, SOLO = fold.T_SEP, fold.T_IGNORE, fold.T_SELF, fold.T_SOLO


def bucket(x, mix, mask):
    """Bucket of a key below 2**28 (numpy arrays or ints): all products stay below 2**29."""
    a, b = mix
    t = (x & 0x3FFF) * a + (x >> 14) * b
    t ^= t >> 13
    return t & mask


class Features:
    @classmethod
    def of_model(cls, model):
        """The features of a checked format-2 ``redline.text.model.Model``."""
        return cls(model.fold, model.pages, model.bits, model.ascii)

    def __init__(self, ranges, pages, bits, ascii):
        if not 8 <= bits <= 16:
            raise ValueError("bits must be 8..16")
        self.ranges = bytes(ranges)
        self.pages = bytes(pages)
        self.bits = bits
        self.mask = (1 << bits) - 1
        st, kd, pr = fold.decode_table(self.ranges)
        self._starts = np.asarray(st, dtype=np.int64)
        self._kinds = np.asarray(kd, dtype=np.int64)
        self._params = np.asarray(pr, dtype=np.int64)
        if len(ascii) != 128:
            raise ValueError("the ASCII table has 128 entries")
        self._ascii32 = np.frombuffer(bytes(ascii), dtype=np.uint8).astype(np.int32)
        self._wkey = None
        self._lut = None

    # -- code points -> (kind, unit) ---------------------------------------------------------
    def fold_cps(self, cps):
        """Arrays (kind, unit) for an int array of code points (int32 units, uint8 kinds)."""
        cps = cps.astype(np.int32, copy=False)
        # every position as if ASCII (a code point >= 0x80 reads table entry 127, then is fixed below)
        unit = self._ascii32[np.minimum(cps, 127)]
        kind = (unit > 0).view(np.uint8) * np.uint8(SELF)
        big = np.flatnonzero(cps >= 0x80)
        if len(big) == 0:
            return kind, unit
        unit[big] = 0
        kind[big] = SEP
        na = big[cps[big] <= 0x10FFFF]
        c = cps[na].astype(np.int64)
        i = np.searchsorted(self._starts, c, side="right") - 1
        k = self._kinds[i]
        p = self._params[i]
        u = np.zeros(len(c), dtype=np.int64)
        kk = k.copy()
        m = k == fold.T_ASCII
        u[m] = p[m]
        kk[m] = SELF
        m = k == fold.T_RUN
        u[m] = p[m] + c[m] - self._starts[i[m]]
        kk[m] = SELF
        m = k == fold.T_CASE
        u[m] = c[m] + np.where(p[m] > 127, p[m] - 256, p[m])
        kk[m] = SELF
        m = (k == SELF) | (k == SOLO)
        u[m] = c[m]
        kind[na] = kk
        unit[na] = u
        return kind, unit

    # -- exact byte path ---------------------------------------------------------------------
    @staticmethod
    def byte_cps(data):
        """Code points the firmware's decoder yields for ``data`` (bytes), -1 for a separator byte."""
        out = []
        need = 0
        cp = 0
        for b in data:
            if b < 0x80:
                need = 0
                out.append(b)
            elif b < 0xC0:
                if not need:
                    out.append(-1)
                else:
                    cp = (cp << 6) | (b & 0x3F)
                    need -= 1
                    if not need:
                        out.append(cp if cp <= 0x10FFFF else -1)
            elif b < 0xE0:
                need, cp = 1, b & 0x1F
            elif b < 0xF0:
                need, cp = 2, b & 0x0F
            elif b < 0xF8:
                need, cp = 3, b & 0x07
            else:
                need = 0
                out.append(-1)
        return out

    def _as_str(self, text):
        """The text as a str of the code points the firmware decodes (a separator for a broken byte)."""
        if isinstance(text, str):
            return text
        data = bytes(text)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return "".join(" " if c < 0 else chr(c) for c in self.byte_cps(data))

    # -- the batch ---------------------------------------------------------------------------
    def _words(self, texts):
        """Letters and words of all texts: (u, text of each letter, pos, wstart, wlen, wtext, h) or None."""
        strs = [self._as_str(t) for t in texts]
        lengths = np.fromiter((len(x) for x in strs), dtype=np.int64, count=len(strs))
        joined = " ".join(strs)          # a space between texts: a separator, so no word spans two
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int32)
        text_of = np.repeat(np.arange(len(strs), dtype=np.int32), lengths + 1)[:len(cps)]
        kind, unit = self.fold_cps(cps)
        ign = kind == IGNORE
        if ign.any():
            keep = ~ign
            kind, unit, text_of = kind[keep], unit[keep], text_of[keep]
        letter = kind >= SELF                       # SELF 2 or SOLO 3
        li = np.flatnonzero(letter)
        if len(li) == 0:
            return None
        solo = kind == SOLO
        start = letter.copy()
        start[1:] &= ~letter[:-1] | solo[1:] | solo[:-1]
        wid = np.cumsum(start, dtype=np.int32)[li] - 1      # word of each letter
        u = unit[li]
        nwords = int(wid[-1]) + 1
        wlen = np.bincount(wid, minlength=nwords).astype(np.int32)
        wstart = np.zeros(nwords, dtype=np.int32)
        np.cumsum(wlen[:-1], out=wstart[1:])
        pos = np.arange(len(li), dtype=np.int32) - wstart[wid]
        lt = text_of[li]
        wtext = lt[wstart]
        # word hashes: by position, words sorted longest first so the active ones are a prefix
        order = np.argsort(-wlen, kind="stable")
        lens_sorted = wlen[order]
        first = wstart[order]
        hs = np.full(nwords, OFF, dtype=np.int32)
        maxlen = int(lens_sorted[0])
        active = np.searchsorted(-lens_sorted, -np.arange(1, maxlen + 1), side="right")
        prime = np.int32(PRIME)
        m21 = np.int32(M21)
        for k in range(maxlen):
            na = int(active[k])
            v = hs[:na]
            v ^= u[first[:na] + k]
            v *= prime
            v &= m21
        h = np.empty(nwords, dtype=np.int32)
        h[order] = hs
        return u, lt, pos, wstart, wlen, wtext, h

    @staticmethod
    def _grams(u, pos, wstart, wlen):
        """Character 3-gram keys (21 bits): one per letter from a word's second on, one at each word end."""
        code = u.copy()
        nb = np.flatnonzero(u >= 0x80)
        if len(nb):
            x = u[nb]
            code[nb] = (x ^ (x >> 7) ^ (x >> 14)) & 0x7F
        mid = pos >= 1
        p1 = np.empty_like(code)
        p1[1:] = code[:-1]
        p1[0] = BOUND
        p2 = np.empty_like(code)
        p2[2:] = code[:-2]
        p2[:2] = BOUND
        p2[pos == 1] = BOUND
        g_mid = (p2[mid] << 14) | (p1[mid] << 7) | code[mid]
        last = wstart + wlen - 1
        lp = np.where(wlen >= 2, code[np.maximum(last - 1, 0)], BOUND)
        g_end = (lp << 14) | (code[last] << 7) | END
        return g_mid, mid, g_end

    def batch(self, texts, profile=False):
        """(bucket indices, text index of each) for all features of all texts.

        ``profile=True``: the profile buckets (16 bits) of the words and word pairs instead."""
        got = self._words(texts)
        if got is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        u, lt, pos, wstart, wlen, wtext, h = got
        h64 = h.astype(np.int64)
        same = wtext[1:] == wtext[:-1]
        bkey = ((h64[:-1][same] * PRIME) & M21) ^ h64[1:][same]
        if profile:
            return (np.concatenate([profile_bucket(h64, MIX_PW), profile_bucket(bkey, MIX_PP)]),
                    np.concatenate([wtext, wtext[1:][same]]).astype(np.int64))
        g_mid, mid, g_end = self._grams(u, pos, wstart, wlen)
        g = np.concatenate([g_mid, g_end]).astype(np.int64)
        mask = self.mask
        idx = np.concatenate([bucket(g, MIX_G3, mask), bucket(h64, MIX_UNI, mask), bucket(bkey, MIX_BI, mask)])
        tx = np.concatenate([lt[mid], wtext, wtext, wtext[1:][same]]).astype(np.int64)
        return idx, tx

    def lists(self, texts):
        """Bucket indices per text (unordered), as lists of int arrays."""
        idx, tx = self.batch(texts)
        order = np.argsort(tx, kind="stable")
        counts = np.bincount(tx, minlength=len(texts))
        return np.split(idx[order], np.cumsum(counts)[:-1])

    def counts(self, texts):
        """Sparse (texts x 2**bits) matrix of feature counts."""
        from scipy import sparse

        idx, tx = self.batch(texts)
        m = sparse.csr_matrix((np.ones(len(idx)), (tx, idx)), shape=(len(texts), 1 << self.bits))
        m.sum_duplicates()
        return m

    def sums(self, weights, texts):
        """(acc, n) per text: sum of (weight - 128) over the features and their number, as int64.

        The 3-grams go through a table of every 21-bit key's weight (built once per weight
        table: 2 MiB), so a 3-gram costs one gather instead of its bucket arithmetic."""
        nt = len(texts)
        got = self._words(texts)
        if got is None:
            return np.zeros(nt, np.int64), np.zeros(nt, np.int64)
        u, lt, pos, wstart, wlen, wtext, h = got
        w = self._weights(weights)
        g_mid, mid, g_end = self._grams(u, pos, wstart, wlen)
        lut = self._gram_table(weights)
        acc = np.bincount(lt[mid], weights=lut[g_mid], minlength=nt)
        acc += np.bincount(wtext, weights=lut[g_end], minlength=nt)
        h64 = h.astype(np.int64)
        acc += np.bincount(wtext, weights=w[bucket(h64, MIX_UNI, self.mask)], minlength=nt)
        same = wtext[1:] == wtext[:-1]
        bkey = ((h64[:-1][same] * PRIME) & M21) ^ h64[1:][same]
        bt = wtext[1:][same]
        acc += np.bincount(bt, weights=w[bucket(bkey, MIX_BI, self.mask)], minlength=nt)
        n = np.bincount(lt[mid], minlength=nt) + 2 * np.bincount(wtext, minlength=nt) + np.bincount(bt, minlength=nt)
        return np.rint(acc).astype(np.int64), n.astype(np.int64)

    def _weights(self, weights):
        key = bytes(weights)
        if getattr(self, "_wkey", None) != key:
            self._wkey = key
            self._w = np.frombuffer(key, dtype=np.uint8).astype(np.int64) - 128
            self._lut = None
        return self._w

    def _gram_table(self, weights):
        w = self._weights(weights)
        if self._lut is None:
            keys = np.arange(1 << 21, dtype=np.int64)
            self._lut = w[bucket(keys, MIX_G3, self.mask)].astype(np.int16)
        return self._lut
