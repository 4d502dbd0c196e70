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
from .hashdecode import batch_spans, decoded_text, turned_from_hits, whash as _whash
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
        self._kt = None
        self.lex = bytes(lex)
        self.decode = decode if self.lex else 0
        # decode bit 16: digits read as the table's (leet) letters only in a run of ASCII letters and
        # digits that holds a letter; in a run of digits only they read as 0 (redline.text.feat)
        self.wordleet = bool(self.decode & 16)
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
    def byte_cps(data, runs=False):
        """Code points the firmware's decoder yields for ``data`` (bytes), -1 for a separator byte.

        ``runs``: keep where the firmware's runs of ASCII bytes end (decode bit 16): an overlong
        form of an ASCII letter or digit yields the full-width form (same unit, not an ASCII byte),
        and a dropped unfinished sequence an ignored code point (U+FE00) instead of nothing."""
        out = []
        need = 0
        cp = 0
        for b in data:
            if b < 0x80:
                if need and runs:
                    out.append(0xFE00)
                need = 0
                out.append(b)
            elif b < 0xC0:
                if not need:
                    out.append(-1)
                else:
                    cp = (cp << 6) | (b & 0x3F)
                    need -= 1
                    if not need:
                        if runs and cp < 0x80 and (0x30 <= cp <= 0x39 or 0x41 <= (cp & 0xDF) <= 0x5A):
                            cp += 0xFEE0
                        out.append(cp if cp <= 0x10FFFF else -1)
            else:
                if need and runs:
                    out.append(0xFE00)
                if b < 0xE0:
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
            return "".join(" " if c < 0 else chr(c) for c in self.byte_cps(data, self.wordleet))

    # -- the batch ---------------------------------------------------------------------------
    def _fold_tables(self):
        """(kind uint8, unit int32, 7-bit 3-gram code uint8) of every code point 0..0x10FFFF, built once
        from ``fold_cps`` (a gather per code point instead of the range search)."""
        if self._kt is None:
            kind, unit = self.fold_cps(np.arange(0x110000, dtype=np.int32))
            self._kt = kind.astype(np.uint8)
            self._ut = unit.astype(np.int32)
            self._ct = np.where(unit < 0x80, unit, (unit ^ (unit >> 7) ^ (unit >> 14)) & 0x7F).astype(np.uint8)
            self._ascii_letter = self._kt[:128] >= SELF
            self._ascii_unit = self._ut[:128].copy()
        return self._kt, self._ut, self._ct

    def _words(self, texts):
        """Letters and words of all texts: (u, text of each letter, pos, wstart, wlen, wtext, h, code) or None.

        ``lt`` (text of each letter) and ``pos`` (place in its word) are None here; ``_letters``
        makes them for the training path that needs them. ``code``: each letter's 7-bit 3-gram code."""
        strs = texts if set(map(type, texts)) <= {str} else [self._as_str(t) for t in texts]
        lengths = np.array(list(map(len, strs)), dtype=np.int64)
        joined = " ".join(strs)          # a space between texts: a separator, so no word spans two
        kt, ut, ct = self._fold_tables()
        if joined.isascii():
            # ASCII only (most batches, and the ASCII part of every one, ``sums``): bytes through the
            # 128-entry tables; no ignored, solo or multi-byte code points to look after
            cps = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
            letter = self._ascii_letter[cps]
            li = np.flatnonzero(letter)
            if len(li) == 0:
                return None
            start = letter.copy()
            start[1:] &= ~letter[:-1]
            wstart = np.flatnonzero(start[li]).astype(np.int32)
            u = self._ascii_unit[cps[li]]
            if self.wordleet:
                u[self._plain_digits(cps, letter, li)] = 0x30
            code = u            # an ASCII letter's 3-gram code is its unit
            wsolo = np.zeros(len(wstart), dtype=bool)
        else:
            cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.int32)
            kind = kt[cps]
            letter = kind >= SELF                       # SELF 2 or SOLO 3
            li = np.flatnonzero(letter)
            if len(li) == 0:
                return None
            solo = kind == SOLO
            start = letter.copy()
            start[1:] &= ~letter[:-1] | solo[1:] | solo[:-1]
            ign = np.flatnonzero(kind == IGNORE)
            if len(ign):
                # ignored code points (zero-width, combining) are not there: a letter after a run of them
                # continues the word of the letter before the run (its start is decided against that one)
                after = ign + 1
                after = after[(after < len(kind))]
                after = after[kind[after] != IGNORE]
                run0 = np.flatnonzero(np.r_[True, ign[1:] != ign[:-1] + 1])      # first of each ignored run
                runs = ign[run0]
                before = runs[np.searchsorted(runs, after, side="right") - 1] - 1  # char before that run
                ok = letter[after]
                a, bf = after[ok], before[ok]
                has = bf >= 0
                prev_letter = np.zeros(len(a), dtype=bool)
                prev_solo = np.zeros(len(a), dtype=bool)
                prev_letter[has] = letter[bf[has]]
                prev_solo[has] = solo[bf[has]]
                start[a] = ~prev_letter | solo[a] | prev_solo
            wstart = np.flatnonzero(start[li]).astype(np.int32)     # first letter of each word
            lc = cps[li]
            u = ut[lc]
            code = ct[lc]
            if self.wordleet:
                pd = self._plain_digits(cps, letter & (cps < 0x80), li)
                u[pd] = 0x30
                code[pd] = 0x30
            wsolo = solo[li[wstart]]
        nwords = len(wstart)
        wlen = np.empty(nwords, dtype=np.int32)
        wlen[:-1] = wstart[1:] - wstart[:-1]
        wlen[-1] = len(li) - wstart[-1]
        # text of each word: the texts' first characters among the words' first letters
        text_start = np.cumsum(lengths + 1) - (lengths + 1)
        wb = np.searchsorted(li[wstart], text_start)
        wtext = np.repeat(np.arange(len(strs), dtype=np.int32), np.diff(np.r_[wb, nwords]))
        # word hashes: by position, words sorted longest first so the active ones are a prefix
        # a stable sort of 16-bit keys is a radix sort in numpy (several times faster than on 32-bit)
        order = np.argsort(-wlen.astype(np.int16) if int(wlen.max()) < 32768 else -wlen, kind="stable")
        lens_sorted = wlen[order]
        first = wstart[order]
        hs = np.full(nwords, OFF, dtype=np.int32)
        maxlen = int(lens_sorted[0])
        active = np.searchsorted(-lens_sorted, -np.arange(1, maxlen + 1), side="right")
        prime = np.int32(PRIME)
        m21 = np.int32(M21)
        hp6 = None
        ptr = first.copy()
        # int32 products wrap: the low 21 bits of a xor and of a product depend only on the low 21
        # bits of the operands (units are below 2**21), so one mask at the end equals a mask per step
        with np.errstate(over="ignore"):
            for k in range(maxlen):
                na = int(active[k])
                v = hs[:na]
                p = ptr[:na]
                v ^= u[p]
                v *= prime
                p += 1
                if k == LEX_PREFIX - 1:
                    hp6 = hs[:na] & m21
        hs &= m21
        h = np.empty(nwords, dtype=np.int32)
        h[order] = hs
        # lexicon key: the hash of the first six letters, or of the whole word when shorter
        key = h.copy()
        if hp6 is not None:
            key[order[:len(hp6)]] = hp6
        self._last_key = key
        self._last_solo = wsolo
        return u, None, None, wstart, wlen, wtext, h, code

    @staticmethod
    def _plain_digits(cps, asc, li):
        """Indexes into ``li`` (letter positions) of the ASCII digits that read as 0: those of a run
        of ASCII letters and digits (``asc``: such a code point) without a letter."""
        pos = np.flatnonzero(asc)
        if len(pos) == 0:
            return pos
        rs = np.ones(len(pos), dtype=bool)
        rs[1:] = pos[1:] != pos[:-1] + 1            # a run starts where the positions jump
        first = np.flatnonzero(rs)
        hasl = np.add.reduceat((cps[pos] > 0x39).astype(np.int32), first) > 0
        rid = np.cumsum(rs) - 1
        dig = pos[~hasl[rid]]                     # every code point of such a run is a digit
        return np.searchsorted(li, dig)

    @staticmethod
    def _letters(got):
        """(text of each letter, its place in its word) of a ``_words`` result."""
        u, lt, pos, wstart, wlen, wtext, h, code = got
        lt = np.repeat(wtext, wlen)
        pos = np.arange(len(u), dtype=np.int32) - np.repeat(wstart, wlen)
        return lt, pos

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
        both = np.flatnonzero(lng | spc).tolist()
        datas = {i: (texts[i].encode("utf-8", "surrogatepass") if isinstance(texts[i], str) else bytes(texts[i]))
                 for i in both}
        spans = dict(zip(both, batch_spans([datas[i] for i in both], bool(lng.any()), bool(spc.any()))))
        todo = both
        if hits:
            todo = sorted(set(todo) | set(hits))
        parents, bufs = [], []
        for i in todo:
            data = datas.get(i)
            if data is None:
                t = texts[i]
                data = t.encode("utf-8", "surrogatepass") if isinstance(t, str) else bytes(t)
            buf, f = decoded_text(data, bool(lng[i]), bool(spc[i]), spans=spans.get(i, ((), ())))
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
        u, lt, pos, wstart, wlen, wtext, h, code = got
        key = self._last_key
        wsolo = self._last_solo
        same = wtext[1:] == wtext[:-1]
        wm = self._lextab[key]          # class masks (uint16), 0 where a key is absent
        ss = same & wsolo[1:] & wsolo[:-1] if wsolo.any() else None
        if ss is not None and ss.any():
            h64 = h.astype(np.int64)
            pk = ((h64[:-1][ss] * PRIME) & M21) ^ h64[1:][ss]
            wm[1:][ss] |= self._lextab[pk]
        _or_into(cls, wtext, wm)
        lng[wtext[wlen >= 16]] = True
        single = (wlen == 1) & (code[wstart] > 0x39) & ~wsolo
        if len(single) >= 3:
            run3 = single[:-2] & single[1:-1] & single[2:] & same[:-1] & same[1:]
            spc[wtext[:-2][run3]] = True
        return cls, lng, spc

    def _base_sums(self, got, nt, w, lut, want_n=True):
        """(acc float64, n int64) of the base features of each text: the 3-gram weights of all letters
        summed per text by one reduceat, the end 3-gram, unigram and bigram weights by bincounts."""
        acc = np.zeros(nt)
        n = np.zeros(nt, dtype=np.int64)
        if got is None:
            return acc, n
        u, lt, pos, wstart, wlen, wtext, h, code = got
        nl = len(code)
        # a 3-gram key at every letter, (code[i-2] << 14) | (code[i-1] << 7) | code[i]; a word's first
        # letter has none (its weight is zeroed) and its second sees the boundary two back
        c32 = code.astype(np.int32, copy=False)
        g = c32.copy()
        g[1:] |= c32[:-1] << 7
        g[2:] |= c32[:-2] << 14
        g[0] |= (BOUND << 14) | (BOUND << 7)
        two = wstart + 1
        two = two[two < nl]
        g[two] = (g[two] & 0x3FFF) | (BOUND << 14)
        gw = lut[g]
        gw[wstart] = 0
        # the 3-grams summed per text at once: a reduceat over the letters from each text's first word
        tw = np.flatnonzero(np.r_[True, wtext[1:] != wtext[:-1]])       # first word of each text with words
        acc[wtext[tw]] = np.add.reduceat(gw, wstart[tw], dtype=np.int64)
        # per word: the end 3-gram and the unigram (21-bit keys: the bucket products stay below 2**29)
        # the end 3-gram (u[L-1], u[L], $): the low 14 bits of the last letter's key, shifted; a word
        # of one letter has the boundary before its letter instead
        last = wstart + wlen - 1
        g_end = ((g[last] & 0x3FFF) << 7) | END
        one = np.flatnonzero(wlen == 1)
        g_end[one] = (BOUND << 14) | (c32[last[one]] << 7) | END
        wsum = lut[g_end].astype(np.int32)
        # (a table of every word hash's weight would miss the cache: the bucket arithmetic is faster)
        wsum += self._w32[bucket(h, MIX_UNI, self.mask)]
        same = wtext[1:] == wtext[:-1]
        if len(h) > 1:
            # a word's bigram with the word before it, added to the later word's sum when both are
            # in one text (the key of every neighbour pair is made, a pair across texts weighs 0)
            bkey = h[:-1] * PRIME
            bkey &= M21
            bkey ^= h[1:]
            bw = self._w32[bucket(bkey, MIX_BI, self.mask)]
            bw[~same] = 0
            wsum[1:] += bw
        acc += np.bincount(wtext, weights=wsum, minlength=nt)
        if want_n:
            # letters + 1 per word (its 3-grams and unigram), one per bigram
            n += np.bincount(wtext, weights=wlen + 1 + np.r_[False, same], minlength=nt).astype(np.int64)
        return acc, n

    def _base(self, got, nt, profile=False):
        """Base features of a batch plus, with a lexicon, each text's class mask and decoding triggers."""
        z = np.zeros(0, np.int64)
        cls, lng, spc = self._marks(got, nt)
        if got is None:
            return z, z, z, z, cls, lng, spc
        u, lt, pos, wstart, wlen, wtext, h, code = got
        lt, pos = self._letters(got)
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

    def _class_sums(self, cls, flags, w, acc, n=None):
        """Add the class, class-pair and flag features of each text to ``acc`` (and their number to
        ``n``): the sums of ``_class_features``, as a (texts x 16) bit matrix times the weights."""
        nz = np.flatnonzero(cls | flags)
        if not len(nz):
            return
        bits = ((cls[nz, None] >> np.arange(16)) & 1).astype(np.float64)       # (texts, 16)
        wc = w[self._cidx].astype(np.float64)
        wp = np.triu(w[self._pidx].reshape(16, 16).astype(np.float64), 1)     # a < b only
        add = bits @ wc + ((bits @ wp) * bits).sum(axis=1)
        f = flags[nz]
        for k, bit in ((0, DEC_RUNS), (1, DEC_SPACED), (2, DEC_TURNED)):
            add += ((f & bit) > 0) * float(w[self._fidx[k]])
        acc[nz] += add
        if n is not None:
            c = bits.sum(axis=1).astype(np.int64)
            n[nz] += c + c * (c - 1) // 2 + ((f & DEC_RUNS) > 0) + ((f & DEC_SPACED) > 0) + ((f & DEC_TURNED) > 0)

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

    def marks(self):
        """The hidden-marks twin under this model's tables (``redline_host.text.hashobf.Marks``)."""
        if getattr(self, "_marks_twin", None) is None:
            from .hashobf import Marks

            kt, _, _ = self._fold_tables()
            self._marks_twin = Marks(kt, self._ascii32.astype(np.uint8).tobytes())
        return self._marks_twin

    def sums(self, weights, texts, want_n=True, obf=False):
        """(acc, n) per text: sum of (weight - 128) over the features and their number, as int64.

        The 3-grams go through a table of every 21-bit key's weight (built once per weight
        table: 2 MiB of int8), so a 3-gram costs one gather instead of its bucket arithmetic.
        ``want_n=False`` (the batch scorer): ``n`` is left out (zeros), ``acc`` is the same.
        ``obf=True``: (acc, n, obf), ``obf`` the firmware scorer's hidden-mark bits of each text
        (``HashScorer.obf``: the text's and those of its decoded / joined text)."""
        nt = len(texts)
        w = self._weights(weights)
        lut = self._gram_table(weights)
        if set(map(type, texts)) <= {str}:
            asc = list(map(str.isascii, texts))
        else:
            asc = [type(t) in (str, bytes) and t.isascii() for t in texts]
        na = sum(asc)
        if 0 < na < nt:
            # the ASCII texts take the byte path of ``_words``: the base features in two batches, one
            # per kind of text; the decoding and the class features once for all
            asc = np.array(asc)
            acc = np.zeros(nt)
            n = np.zeros(nt, dtype=np.int64)
            cls = np.zeros(nt, dtype=np.int64)
            lng = np.zeros(nt, dtype=bool)
            spc = np.zeros(nt, dtype=bool)
            for sel in (np.flatnonzero(asc), np.flatnonzero(~asc)):
                part = [texts[i] for i in sel.tolist()]
                got = self._words(part)
                acc[sel], n[sel] = self._base_sums(got, len(part), w, lut, want_n)
                if self.lex:
                    cls[sel], lng[sel], spc[sel] = self._marks(got, len(part))
        else:
            got = self._words(texts)
            acc, n = self._base_sums(got, nt, w, lut, want_n)
            if self.lex:
                cls, lng, spc = self._marks(got, nt)
        marks = None
        if obf:
            marks = np.array(self.marks().of(texts), dtype=np.int64)
        if self.lex:
            parents, bufs, flags = self._decoded(texts, cls, lng, spc)
            if obf:
                for i, buf in zip(parents, bufs):
                    if not buf.isascii():
                        marks[i] |= self.marks().data(buf)
            if bufs:
                par = np.asarray(parents, dtype=np.int64)
                got2 = self._words(bufs)
                a2, n2 = self._base_sums(got2, len(bufs), w, lut, want_n)
                cls2, _, _ = self._marks(got2, len(bufs))
                acc[par] += a2          # one buffer per parent text: no repeated index
                n[par] += n2
                cls[par] |= cls2
            self._class_sums(cls, flags, w, acc, n if want_n else None)
        if obf:
            return np.rint(acc).astype(np.int64), n, marks
        return np.rint(acc).astype(np.int64), n

    def _weights(self, weights):
        key = bytes(weights)
        if getattr(self, "_wkey", None) != key:
            self._wkey = key
            self._w = np.frombuffer(key, dtype=np.uint8).astype(np.int64) - 128
            self._w32 = self._w.astype(np.int32)
            self._lut = None
        return self._w

    def _gram_table(self, weights):
        w = self._weights(weights)
        if self._lut is None:
            keys = np.arange(1 << 21, dtype=np.int64)
            self._lut = w[bucket(keys, MIX_G3, self.mask)].astype(np.int8)      # weights - 128 fit int8
        return self._lut
