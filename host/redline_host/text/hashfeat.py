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
        self._ascii = np.frombuffer(bytes(ascii), dtype=np.uint8).astype(np.int64)

    # -- code points -> (kind, unit) ---------------------------------------------------------
    def fold_cps(self, cps):
        """Arrays (kind, unit) for an int64 array of code points."""
        kind = np.full(len(cps), SEP, dtype=np.int64)
        unit = np.zeros(len(cps), dtype=np.int64)
        a = cps < 0x80
        ua = self._ascii[cps[a]]
        unit[a] = ua
        kind[a] = np.where(ua > 0, SELF, SEP)
        na = ~a & (cps <= 0x10FFFF)
        c = cps[na]
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

    def _cps_of(self, text):
        if isinstance(text, str):
            return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        data = bytes(text)
        try:
            s = data.decode("utf-8")
        except UnicodeDecodeError:
            cps = np.asarray(self.byte_cps(data), dtype=np.int64)
            cps[cps < 0] = 0x20     # a separator
            return cps
        return np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)

    # -- the batch ---------------------------------------------------------------------------
    def batch(self, texts, profile=False):
        """(bucket indices int64, text index of each) for all features of all texts.

        ``profile=True``: the profile buckets (16 bits) of the words and word pairs instead."""
        n = len(texts)
        parts = []
        tid = []
        for i, t in enumerate(texts):
            c = self._cps_of(t)
            parts.append(c)
            parts.append(np.array([0x20], dtype=np.int64))
            tid.append(np.full(len(c) + 1, i, dtype=np.int64))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        cps = np.concatenate(parts)
        text_of = np.concatenate(tid)
        kind, unit = self.fold_cps(cps)
        keep = kind != IGNORE
        kind, unit, text_of = kind[keep], unit[keep], text_of[keep]
        letter = (kind == SELF) | (kind == SOLO)
        solo = kind == SOLO
        prev_letter = np.concatenate([[False], letter[:-1]])
        prev_solo = np.concatenate([[False], solo[:-1]])
        start = letter & (~prev_letter | solo | prev_solo)
        li = np.flatnonzero(letter)
        if len(li) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        wid = np.cumsum(start)[li] - 1              # word of each letter
        u = unit[li]
        nwords = int(wid[-1]) + 1
        wlen = np.bincount(wid, minlength=nwords)
        wstart = np.concatenate([[0], np.cumsum(wlen)[:-1]])
        pos = np.arange(len(li)) - wstart[wid]      # position inside the word
        wtext = text_of[li][wstart]
        mask = self.mask
        # word hashes: by position, words sorted longest first so the active ones are a prefix
        order = np.argsort(-wlen, kind="stable")
        h = np.full(nwords, OFF, dtype=np.int64)
        hs = h[order]
        lens_sorted = wlen[order]
        first = wstart[order]
        maxlen = int(lens_sorted[0])
        active_counts = np.searchsorted(-lens_sorted, -np.arange(1, maxlen + 1), side="right")
        for k in range(maxlen):
            na = int(active_counts[k])
            uk = u[first[:na] + k]
            hs[:na] = ((hs[:na] ^ uk) * PRIME) & M21
        h[order] = hs
        # character 3-grams: one per letter from the second on, plus one at each word end
        code = (u ^ (u >> 7) ^ (u >> 14)) & 0x7F
        prev1 = np.where(pos >= 1, np.concatenate([[BOUND], code[:-1]]), BOUND)
        prev2 = np.where(pos >= 2, np.concatenate([[BOUND, BOUND], code[:-2]]), BOUND)
        mid = pos >= 1
        g_mid = (prev2[mid] << 14) | (prev1[mid] << 7) | code[mid]
        last = wstart + wlen - 1
        lp = np.where(wlen >= 2, code[np.maximum(last - 1, 0)], BOUND)
        g_end = (lp << 14) | (code[last] << 7) | END
        g = np.concatenate([g_mid, g_end])
        g_text = np.concatenate([text_of[li][mid], wtext])
        same = wtext[1:] == wtext[:-1]
        bkey = ((h[:-1][same] * PRIME) & M21) ^ h[1:][same]
        if profile:
            return (np.concatenate([profile_bucket(h, MIX_PW), profile_bucket(bkey, MIX_PP)]),
                    np.concatenate([wtext, wtext[1:][same]]))
        uni = bucket(h, MIX_UNI, mask)
        bi = bucket(bkey, MIX_BI, mask)
        idx = np.concatenate([bucket(g, MIX_G3, mask), uni, bi])
        tx = np.concatenate([g_text, wtext, wtext[1:][same]])
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
        """(acc, n) per text: sum of (weight - 128) over the features and their number, as int64."""
        w = np.frombuffer(bytes(weights), dtype=np.uint8).astype(np.int64) - 128
        idx, tx = self.batch(texts)
        acc = np.bincount(tx, weights=w[idx], minlength=len(texts)).astype(np.int64)
        n = np.bincount(tx, minlength=len(texts)).astype(np.int64)
        return acc, n
