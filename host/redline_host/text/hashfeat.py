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

This module is above 400 lines because its one class, ``Features``, is the batch twin of one
firmware class (``redline.text.feat.HashScorer``): the word pass, the base features, the lexicon
marks and the sums share the same arrays of letters and words, which a split would pass between
modules. The decoding twin (base64 / hex runs, spaced letters, ROT13 / backwards) is in
``redline_host.text.hashdecode``.
"""
import numpy as np

from . import fold
from .hashdecode import DEC_RUNS, DEC_SPACED, DEC_TURNED, DECODED, LEX_PREFIX, M21, OFF, PRIME  # noqa: F401
from .hashdecode import decoded_text, turned_from_hits, whash as _whash
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

# lexicon and decoding (redline.text.feat)
KEY_CLASS, KEY_PAIR, KEY_FLAG = 0x100, 0x200, 0x400
MIX_CLS = (0x1C8D, 0x3125)
LEX_MULT = 0x1A5
LEX_EMPTY = 0xFFFFFF
CUE_CLASS = 13          # lexicon class "encoding": its presence turns on ROT13 / backwards reading


def mix_key(x, mask):
    """Bucket of a class / class-pair / flag key (redline.text.feat._mix)."""
    a, b = MIX_CLS
    t = (x & 0x3FFF) * a + (x >> 14) * b
    return (t ^ (t >> 13)) & mask


def lex_slot(key, nslots):
    return ((key * LEX_MULT) >> 5) & (nslots - 1)


def lexicon_table(lex):
    """(keys, masks) int64 arrays of the occupied slots of a LEX table."""
    a = np.frombuffer(bytes(lex), dtype=np.uint8).reshape(-1, 5).astype(np.int64)
    keys = (a[:, 0] << 16) | (a[:, 1] << 8) | a[:, 2]
    masks = (a[:, 3] << 8) | a[:, 4]
    occ = keys != LEX_EMPTY
    return keys[occ], masks[occ]


def build_lexicon(pairs, min_slots=16):
    """(LEX, LEXF) bytes for {key: class mask}: open addressing at load <= 2/3, linear probing."""
    n = max(min_slots, 1)
    while n * 2 < len(pairs) * 3:
        n *= 2
    slots = [None] * n
    for key in sorted(pairs):
        i = lex_slot(key, n)
        while slots[i] is not None:
            i = (i + 1) & (n - 1)
        slots[i] = (key, pairs[key])
    lex = bytearray()
    lexf = bytearray(1024)
    for sl in slots:
        if sl is None:
            lex += b"\xff\xff\xff\x00\x00"
        else:
            k, m = sl
            lex += bytes(((k >> 16) & 0xFF, (k >> 8) & 0xFF, k & 0xFF, (m >> 8) & 0xFF, m & 0xFF))
            lexf[(k >> 3) & 0x3FF] |= 1 << (k & 7)
    return bytes(lex), bytes(lexf)


def _or_into(out, sorted_idx, values):
    """out[i] |= every value whose index is i, for a non-decreasing index array (a reduceat)."""
    if not len(sorted_idx):
        return
    first = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
    out[sorted_idx[first]] |= np.bitwise_or.reduceat(values, first)


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
        return cls(model.fold, model.pages, model.bits, model.ascii, getattr(model, "lex", b""),
                   getattr(model, "decode", 0))

    def __init__(self, ranges, pages, bits, ascii, lex=b"", decode=0):
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
        self.lex = bytes(lex)
        self.decode = decode if self.lex else 0
        if self.lex:
            keys, masks = lexicon_table(self.lex)
            order = np.argsort(keys)
            self._lkeys = keys[order]
            self._lmasks = masks[order]
            self._lexdict = dict(zip(keys.tolist(), masks.tolist()))
            self._lextab = np.zeros(1 << 21, dtype=np.uint16)     # every key is below 2**21
            self._lextab[keys] = masks
            self._hits = {}
            self._cidx = np.array([mix_key(KEY_CLASS + c, self.mask) for c in range(16)], dtype=np.int64)
            self._pidx = np.array([mix_key(KEY_PAIR + c, self.mask) for c in range(256)], dtype=np.int64)
            self._fidx = np.array([mix_key(KEY_FLAG + c, self.mask) for c in range(4)], dtype=np.int64)

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
        strs = texts if all(type(t) is str for t in texts) else [self._as_str(t) for t in texts]
        lengths = np.fromiter((len(x) for x in strs), dtype=np.int64, count=len(strs))
        joined = " ".join(strs)          # a space between texts: a separator, so no word spans two
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int32)
        text_of = np.repeat(np.arange(len(strs), dtype=np.int32), lengths + 1)[:len(cps)]
        kind, unit = self.fold_cps(cps)
        ign = kind == IGNORE
        if ign.any():
            keep = np.flatnonzero(~ign)
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
        # a stable sort of 16-bit keys is a radix sort in numpy (several times faster than on 32-bit)
        order = np.argsort(-wlen.astype(np.int16) if nwords and int(wlen.max()) < 32768 else -wlen, kind="stable")
        lens_sorted = wlen[order]
        first = wstart[order]
        hs = np.full(nwords, OFF, dtype=np.int32)
        maxlen = int(lens_sorted[0])
        active = np.searchsorted(-lens_sorted, -np.arange(1, maxlen + 1), side="right")
        prime = np.int32(PRIME)
        m21 = np.int32(M21)
        hp6 = None
        for k in range(maxlen):
            na = int(active[k])
            v = hs[:na]
            v ^= u[first[:na] + k]
            v *= prime
            v &= m21
            if k == LEX_PREFIX - 1:
                hp6 = hs[:na].copy()
        h = np.empty(nwords, dtype=np.int32)
        h[order] = hs
        # lexicon key: the hash of the first six letters, or of the whole word when shorter
        key = h.copy()
        if hp6 is not None:
            key[order[:len(hp6)]] = hp6
        self._last_key = key
        self._last_solo = solo[li[wstart]]
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

    def _parts(self, texts, profile=False):
        """Every feature of every text: (3-gram keys, their text, other bucket indices, their text).

        With a lexicon: the decoded / joined text of a message (``decoded_text``) adds its own
        features to the message's, then one feature per class present, per pair of classes present
        and per decoding flag (what ``redline.text.feat.HashScorer`` adds at the end).
        ``profile=True``: the profile buckets of the words and word pairs instead (no 3-grams)."""
        nt = len(texts)
        z = np.zeros(0, np.int64)
        got = self._words(texts)
        g, gt, o, ot, cls, lng, spc = self._base(got, nt, profile)
        if not self.lex:
            return g, gt, o, ot
        parents, bufs, flags = self._decoded(texts, cls, lng, spc)
        gs, gts, os_, ots = [g], [gt], [o], [ot]
        if bufs:
            par = np.asarray(parents, dtype=np.int64)
            got2 = self._words(bufs)
            g2, gt2, o2, ot2, cls2, _, _ = self._base(got2, len(bufs), profile)
            gs.append(g2)
            gts.append(par[gt2] if len(gt2) else z)
            os_.append(o2)
            ots.append(par[ot2] if len(ot2) else z)
            cls[par] |= cls2
        if not profile:
            ci, ct = self._class_features(cls, flags)
            os_.append(ci)
            ots.append(ct)
        return np.concatenate(gs), np.concatenate(gts), np.concatenate(os_), np.concatenate(ots)

    def _decoded(self, texts, cls, lng, spc):
        """(parent text of each buffer, decoded / joined buffers, decoding flags of each text).

        Only the texts whose trigger fired are read again: base64 / hex runs (a word of 16+
        letters) and spaced letters (three one-letter words in a row) by regular expressions over
        their bytes; ROT13 / backwards (the message names an encoding) by numpy over all such
        texts at once (``_turned_hits``), so a text whose letter runs hit nothing costs no Python."""
        flags = np.zeros(len(texts), dtype=np.int64)
        dec = self.decode
        if not dec:
            return [], [], flags
        lng = lng & bool(dec & DEC_RUNS)
        spc = spc & bool(dec & DEC_SPACED)
        cue = ((cls >> CUE_CLASS) & 1).astype(bool) & bool(dec & DEC_TURNED)
        hits = self._turned_hits(texts, np.flatnonzero(cue)) if cue.any() else {}
        todo = np.flatnonzero(lng | spc).tolist()
        if hits:
            todo = sorted(set(todo) | set(hits))
        parents, bufs = [], []
        for i in todo:
            t = texts[i]
            data = t.encode("utf-8", "surrogatepass") if isinstance(t, str) else bytes(t)
            buf, f = decoded_text(data, bool(lng[i]), bool(spc[i]))
            h = hits.get(i)
            if h:
                out = turned_from_hits(data, bytearray(buf), DECODED - 1, h)
                if len(out) > len(buf):
                    f |= DEC_TURNED
                buf = bytes(out)
            flags[i] = f
            if buf:
                parents.append(i)
                bufs.append(buf)
        return parents, bufs, flags

    def _turned_hits(self, texts, idx):
        """{text: [(start, end, ROT13 hit, backwards hit), ...]} of the runs of 4+ ASCII letters of
        texts ``idx`` whose ROT13 or backwards lexicon key (first / last six letters) is in the lexicon."""
        datas = [texts[i].encode("utf-8", "surrogatepass") if isinstance(texts[i], str) else bytes(texts[i])
                 for i in idx]
        lens = np.fromiter((len(d) for d in datas), dtype=np.int64, count=len(datas))
        low = np.frombuffer(b"\x00".join(datas), dtype=np.uint8) | np.uint8(0x20)
        isl = np.zeros(len(low) + 2, dtype=np.int8)
        isl[1:-1] = (low >= 0x61) & (low <= 0x7A)
        edge = np.diff(isl)
        st = np.flatnonzero(edge == 1)
        en = np.flatnonzero(edge == -1)
        long_ = en - st >= 4
        st, en = st[long_], en[long_]
        if not len(st):
            return {}
        ln = en - st
        rot = np.full(len(st), OFF, dtype=np.int64)
        back = np.full(len(st), OFF, dtype=np.int64)
        for k in range(LEX_PREFIX):
            a = np.flatnonzero(ln > k)
            b = (low[st[a] + k].astype(np.int64) - 0x61 + 13) % 26 + 0x61
            rot[a] = ((rot[a] ^ b) * PRIME) & M21
            back[a] = ((back[a] ^ low[en[a] - 1 - k]) * PRIME) & M21
        rh = self._lextab[rot] != 0
        bh = self._lextab[back] != 0
        any_ = np.flatnonzero(rh | bh)
        if not len(any_):
            return {}
        start = np.cumsum(lens + 1) - (lens + 1)        # each text's first byte in the joined buffer
        owner = np.searchsorted(start, st[any_], side="right") - 1
        out = {}
        for j, o in zip(any_.tolist(), owner.tolist()):
            base = int(start[o])
            out.setdefault(int(idx[o]), []).append((int(st[j]) - base, int(en[j]) - base, bool(rh[j]), bool(bh[j])))
        return out

    def _marks(self, got, nt):
        """With a lexicon: each text's class mask, long-word (16+ letters) and spaced-letters triggers."""
        cls = np.zeros(nt, dtype=np.int64)
        lng = np.zeros(nt, dtype=bool)
        spc = np.zeros(nt, dtype=bool)
        if got is None or not self.lex:
            return cls, lng, spc
        u, lt, pos, wstart, wlen, wtext, h = got
        key = self._last_key
        wsolo = self._last_solo
        same = wtext[1:] == wtext[:-1]
        wm = self._lookup(key.astype(np.int64))
        ss = same & wsolo[1:] & wsolo[:-1]
        if ss.any():
            h64 = h.astype(np.int64)
            pk = ((h64[:-1][ss] * PRIME) & M21) ^ h64[1:][ss]
            wm[1:][ss] |= self._lookup(pk)
        _or_into(cls, wtext, wm)
        lng[wtext[wlen >= 16]] = True
        first = u[wstart]
        code = np.where(first < 0x80, first, (first ^ (first >> 7) ^ (first >> 14)) & 0x7F)
        single = (wlen == 1) & (code > 0x39) & ~wsolo
        if len(single) >= 3:
            run3 = single[:-2] & single[1:-1] & single[2:] & same[:-1] & same[1:]
            spc[wtext[:-2][run3]] = True
        return cls, lng, spc

    def _base_sums(self, got, nt, w, lut):
        """(acc float64, n int64) of the base features of each text: 3-gram weights summed per word
        by a running sum over the letters (no per-feature text index), then per text."""
        acc = np.zeros(nt)
        n = np.zeros(nt, dtype=np.int64)
        if got is None:
            return acc, n
        u, lt, pos, wstart, wlen, wtext, h = got
        code = u
        if int(u.max()) >= 0x80:
            code = np.where(u < 0x80, u, (u ^ (u >> 7) ^ (u >> 14)) & 0x7F)
        code = code.astype(np.int32, copy=False)
        p1 = np.empty_like(code)
        p1[1:] = code[:-1]
        p1[0] = BOUND
        p2 = np.empty_like(code)
        p2[2:] = code[:-2]
        p2[:2] = BOUND
        p2 = np.where(pos >= 2, p2, np.int32(BOUND))
        g = (p2 << 14) | (p1 << 7) | code          # a 3-gram at every letter; the first of a word's is dropped
        gw = lut[g]
        gw[wstart] = 0
        cs = np.cumsum(gw, dtype=np.int64)
        last = wstart + wlen - 1
        wsum = cs[last]
        wsum[1:] -= cs[last[:-1]]
        lp = np.where(wlen >= 2, code[np.maximum(last - 1, 0)], np.int32(BOUND))
        g_end = (lp << 14) | (code[last] << 7) | END
        h64 = h.astype(np.int64)
        wsum += lut[g_end]
        wsum += self._w[bucket(h64, MIX_UNI, self.mask)]
        acc += np.bincount(wtext, weights=wsum, minlength=nt)
        n += np.bincount(wtext, weights=wlen + 1, minlength=nt).astype(np.int64)
        same = wtext[1:] == wtext[:-1]
        if same.any():
            bkey = ((h64[:-1][same] * PRIME) & M21) ^ h64[1:][same]
            bt = wtext[1:][same]
            acc += np.bincount(bt, weights=w[bucket(bkey, MIX_BI, self.mask)], minlength=nt)
            n += np.bincount(bt, minlength=nt)
        return acc, n

    def _base(self, got, nt, profile=False):
        """Base features of a batch plus, with a lexicon, each text's class mask and decoding triggers."""
        z = np.zeros(0, np.int64)
        cls, lng, spc = self._marks(got, nt)
        if got is None:
            return z, z, z, z, cls, lng, spc
        u, lt, pos, wstart, wlen, wtext, h = got
        h64 = h.astype(np.int64)
        same = wtext[1:] == wtext[:-1]
        bkey = ((h64[:-1][same] * PRIME) & M21) ^ h64[1:][same]
        bt = wtext[1:][same]
        if profile:
            return (z, z, np.concatenate([profile_bucket(h64, MIX_PW), profile_bucket(bkey, MIX_PP)]),
                    np.concatenate([wtext, bt]).astype(np.int64), cls, lng, spc)
        g_mid, mid, g_end = self._grams(u, pos, wstart, wlen)
        g = np.concatenate([g_mid, g_end]).astype(np.int64)
        gt = np.concatenate([lt[mid], wtext]).astype(np.int64)
        mask = self.mask
        o = np.concatenate([bucket(h64, MIX_UNI, mask), bucket(bkey, MIX_BI, mask)])
        ot = np.concatenate([wtext, bt]).astype(np.int64)
        return g, gt, o, ot, cls, lng, spc

    def _turned_hit(self, prefix):
        """Does the lexicon hold the key of these (at most six) letters? Memoised per prefix."""
        hit = self._hits.get(prefix)
        if hit is None:
            hit = self._hits[prefix] = bool(self._lexdict.get(_whash(prefix), 0))
        return hit

    def _lookup(self, keys):
        """Class masks of lexicon keys (0 where absent)."""
        return self._lextab[keys].astype(np.int64)

    def _class_features(self, cls, flags):
        """(bucket, text) of the class, class-pair and flag features of each text."""
        idx, tx = [], []
        for a in range(16):
            ha = np.flatnonzero((cls >> a) & 1)
            if not len(ha):
                continue
            idx.append(np.full(len(ha), self._cidx[a]))
            tx.append(ha)
            ca = cls[ha]
            for b in range(a + 1, 16):
                hb = ha[((ca >> b) & 1).astype(bool)]
                if len(hb):
                    idx.append(np.full(len(hb), self._pidx[a * 16 + b]))
                    tx.append(hb)
        for k, bit in ((0, DEC_RUNS), (1, DEC_SPACED), (2, DEC_TURNED)):
            hf = np.flatnonzero(flags & bit)
            if len(hf):
                idx.append(np.full(len(hf), self._fidx[k]))
                tx.append(hf)
        if not idx:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(idx).astype(np.int64), np.concatenate(tx).astype(np.int64)

    def batch(self, texts, profile=False):
        """(bucket indices, text index of each) for all features of all texts.

        ``profile=True``: the profile buckets (16 bits) of the words and word pairs instead."""
        g, gt, o, ot = self._parts(texts, profile)
        if profile:
            return o, ot
        return np.concatenate([bucket(g, MIX_G3, self.mask), o]), np.concatenate([gt, ot])

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
        w = self._weights(weights)
        lut = self._gram_table(weights)
        got = self._words(texts)
        acc, n = self._base_sums(got, nt, w, lut)
        if self.lex:
            cls, lng, spc = self._marks(got, nt)
            parents, bufs, flags = self._decoded(texts, cls, lng, spc)
            if bufs:
                par = np.asarray(parents, dtype=np.int64)
                got2 = self._words(bufs)
                a2, n2 = self._base_sums(got2, len(bufs), w, lut)
                cls2, _, _ = self._marks(got2, len(bufs))
                acc[par] += a2          # one buffer per parent text: no repeated index
                n[par] += n2
                cls[par] |= cls2
            ci, ct = self._class_features(cls, flags)
            if len(ci):
                acc += np.bincount(ct, weights=w[ci], minlength=nt)
                n += np.bincount(ct, minlength=nt)
        return np.rint(acc).astype(np.int64), n

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
