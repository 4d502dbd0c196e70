"""The folding table: every Unicode code point -> what the text features see (issue 17).

A code point becomes one of:

- SEP: a separator (punctuation, symbols, spaces, controls);
- IGNORE: nothing at all (zero-width and format characters, combining diacritics,
  variation selectors): ``i\u200bgnore`` reads as ``ignore``;
- a letter unit: ASCII lower case for ASCII letters, full-width and mathematical
  alphanumerics, letterlike symbols, accented Latin letters and Cyrillic/Greek
  look-alikes of Latin letters; otherwise the lower-cased code point itself;
- SOLO: a letter that is a word by itself (CJK ideographs, kana, Thai), because
  those scripts write no spaces between words.

Digits (ASCII and every decimal digit) are units ``0``..``9``.

The table is a sorted list of ranges ``(start, action)``: the action holds from
``start`` up to the next start. ``build_ranges()`` derives it from this host's
``unicodedata`` plus the hand-written look-alike list below; the generated model
module freezes it, so a board and every host read the same bytes whatever
their Unicode version.
"""
import unicodedata

# action kinds
SEP = 0
IGNORE = 1
SELF = 2       # unit = code point
SOLO = 3       # unit = code point, a word of its own
ASCII = 4      # unit = fixed ASCII byte (param)
OFFSET = 5     # unit = code point + param (param = target - cp, constant over the range)

# Cyrillic and Greek letters that look like Latin ones (hand-written from the glyph shapes).
HOMOGLYPHS = {
    # Cyrillic lower
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "һ": "h", "ӏ": "l", "ɡ": "g",
    # Cyrillic upper
    "А": "a", "В": "b", "Е": "e", "Ё": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "І": "i", "Ї": "i", "Ј": "j", "Ѕ": "s", "Ԁ": "d", "Ԛ": "q", "Ԝ": "w",
    "Һ": "h", "Ӏ": "l",
    # Greek lower
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "γ": "y", "η": "n",
    # Greek upper
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o",
    "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Armenian, Latin small capitals and other common look-alikes
    "օ": "o", "ս": "u", "ո": "n", "ʏ": "y", "ɪ": "i", "ʀ": "r", "ᴀ": "a", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e",
    "ᴊ": "j", "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z",
    "ı": "i", "ȷ": "j", "ℓ": "l",
}

_IGNORE_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
                  (0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0xE0000, 0xE007F))
_SOLO_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF),
                (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))


# fold_digits="leet": every digit reads as the letter it stands for in leetspeak (1nt3rl0ck ->
# interlock), the others as 0; a table choice only, so the firmware's byte loop is unchanged.
LEET_DIGITS = b"oi0eas0t00"


def _digit_unit(d, fold_digits):
    if fold_digits == "leet":
        return LEET_DIGITS[d]
    return 0x30 if fold_digits else 0x30 + d


def _ascii_unit(ch, fold_digits=False):
    o = ord(ch)
    if 0x30 <= o <= 0x39:
        return _digit_unit(o - 0x30, fold_digits)
    if 0x61 <= o <= 0x7A:
        return o
    if 0x41 <= o <= 0x5A:
        return o + 32
    return 0


def ascii_table(fold_digits=False):
    """Unit of each ASCII byte (0 = separator): 128 bytes, frozen with the model."""
    return bytes(_ascii_unit(chr(c), fold_digits) for c in range(128))


def action(cp, fold_digits=False):
    """(kind, param) for one code point."""
    if cp < 0x80:
        u = _ascii_unit(chr(cp), fold_digits)
        return (ASCII, u) if u else (SEP, 0)
    if 0xD800 <= cp <= 0xDFFF:
        return (SEP, 0)
    ch = chr(cp)
    cat = unicodedata.category(ch)
    for lo, hi in _IGNORE_RANGES:
        if lo <= cp <= hi:
            return (IGNORE, 0)
    if cat == "Cf" or cp == 0x00AD or cp == 0x034F:
        return (IGNORE, 0)
    if ch in HOMOGLYPHS:
        return (ASCII, ord(HOMOGLYPHS[ch]))
    if 0x1D6A8 <= cp <= 0x1D7C9:
        return (SELF, 0)        # mathematical Greek: kept as letters (folding it would cost ~250 ranges)
    d = unicodedata.decimal(ch, -1)
    if d >= 0:
        return (ASCII, _digit_unit(d, fold_digits))
    nfkc = unicodedata.normalize("NFKC", ch)
    if len(nfkc) == 1 and ord(nfkc) < 0x80:
        u = _ascii_unit(nfkc, fold_digits)
        return (ASCII, u) if u else (SEP, 0)
    if len(nfkc) == 1 and nfkc in HOMOGLYPHS:
        return (ASCII, ord(HOMOGLYPHS[nfkc]))
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if len(base) == 1 and ord(base) < 0x80 and _ascii_unit(base):
        return (ASCII, _ascii_unit(base))
    if cat[0] in "PSZ" or cat in ("Cc", "Cs"):
        return (SEP, 0)
    for lo, hi in _SOLO_RANGES:
        if lo <= cp <= hi:
            return (SOLO, 0) if cat[0] in "LN" else (SEP, 0)
    if cat[0] in "LNM" or cat in ("Co", "Cn"):
        low = ch.lower()
        if len(low) == 1 and low != ch:
            return (OFFSET, ord(low) - cp)
        return (SELF, 0)
    return (SEP, 0)


def _raw_actions(limit, fold_digits=False):
    """(kind, delta) per code point >= 0x80; ASCII folds as OFFSET deltas; None = unassigned (don't care)."""
    acts = []
    for cp in range(0x80, limit):
        if unicodedata.category(chr(cp)) in ("Cn", "Co") and not (0xD800 <= cp <= 0xDFFF):
            acts.append(None)
            continue
        k, p = action(cp, fold_digits)
        if k == ASCII:
            acts.append((OFFSET, p - cp))
        elif k == OFFSET:
            acts.append((OFFSET, p))
        else:
            acts.append((k, 0))
    return acts


def build_ranges(limit=0x110000, min_case_run=4, fold_digits=False):
    """Sorted (start, kind, param) ranges.

    Unassigned code points continue the range before them. Lower-casing that is
    not a fold to ASCII is kept only in runs of at least ``min_case_run`` code
    points (Cyrillic, Greek, Armenian capitals); the alternating capital/small
    pairs of the extended blocks stay as they are (SELF), which keeps the table
    small.
    """
    acts = _raw_actions(limit, fold_digits)
    n = len(acts)
    # drop short non-ASCII case-folding runs
    i = 0
    while i < n:
        a = acts[i]
        if a is not None and a[0] == OFFSET and a[1] + (i + 0x80) >= 0x80:
            j = i
            while j < n and acts[j] == a:
                j += 1
            if j - i < min_case_run:
                for q in range(i, j):
                    acts[q] = (SELF, 0)
            i = j
        else:
            i += 1
    out = []
    prev = None
    for idx in range(n):
        a = acts[idx]
        if a is None or a == prev:
            continue
        cp = idx + 0x80
        if a[0] == OFFSET and cp + a[1] < 0x80:
            # a fold to ASCII: a fixed unit continues a fixed run, a stepping unit an OFFSET run
            fixed = (ASCII, cp + a[1])
            if prev == fixed:
                continue
            nxt = acts[idx + 1] if idx + 1 < n else None
            if not (nxt == a):
                out.append((cp, ASCII, cp + a[1]))
                prev = fixed
                continue
        out.append((cp, a[0], a[1]))
        prev = a
    # OFFSET ranges of length one whose target is ASCII are stored as ASCII (one fixed unit)
    res = []
    for k, (start, kind, param) in enumerate(out):
        res.append((start, kind, param))
    return res


def lookup(ranges, starts, cp):
    """(kind, unit) for cp >= 0x80 from the ranges (binary search), as the firmware does it."""
    import bisect
    i = bisect.bisect_right(starts, cp) - 1
    start, kind, param = ranges[i]
    if kind == OFFSET:
        return SELF, cp + param
    if kind == ASCII:
        return SELF, param
    if kind in (SELF, SOLO):
        return kind, cp
    return kind, 0


if __name__ == "__main__":
    r = build_ranges()
    from collections import Counter
    print(len(r), Counter(k for _, k, _ in r))
    bmp = [x for x in r if x[0] < 0x10000]
    print("bmp ranges", len(bmp))
    c = Counter(x[0] >> 8 for x in r)
    print(sorted(c.items(), key=lambda x: -x[1])[:30])


# -- the frozen encoding ------------------------------------------------------------------
# kinds in the table (the firmware's): SEP 0, IGNORE 1, SELF 2, SOLO 3, ASCII 4 (param: unit),
# RUN 5 (param: unit of the range's first code point, +1 per code point), CASE 6 (param: signed delta)
T_SEP, T_IGNORE, T_SELF, T_SOLO, T_ASCII, T_RUN, T_CASE = range(7)


def encode_table(ranges=None, fold_digits=False):
    """(RANGES, PAGES) bytes: 5 bytes per range (start u24 BE, kind, param), and u16 BE page index.

    PAGES[p] (p = 0..256) is the index of the range holding code point p * 256
    (p = 256: 0x10000), so a BMP code point is searched between PAGES[p] and
    PAGES[p + 1] and an astral one from PAGES[256] to the end.
    """
    if ranges is None:
        ranges = build_ranges(fold_digits=fold_digits)
    enc = []
    for start, kind, param in ranges:
        if kind == OFFSET:
            if start + param < 0x80:
                k, p = T_RUN, start + param
            elif -128 <= param <= 127:
                k, p = T_CASE, param & 0xFF
            else:
                k, p = T_SELF, 0
        elif kind == ASCII:
            k, p = T_ASCII, param
        else:
            k, p = {SEP: T_SEP, IGNORE: T_IGNORE, SELF: T_SELF, SOLO: T_SOLO}[kind], 0
        if enc and enc[-1][1] == k and enc[-1][2] == p and k in (T_SEP, T_IGNORE, T_SELF, T_SOLO, T_ASCII):
            continue
        enc.append((start, k, p))
    if enc[0][0] != 0x80:
        raise ValueError("fold table must start at U+0080")
    rb = bytearray()
    for start, k, p in enc:
        rb += bytes(((start >> 16) & 0xFF, (start >> 8) & 0xFF, start & 0xFF, k, p))
    starts = [e[0] for e in enc]
    import bisect
    pb = bytearray()
    for page in range(257):
        cp = max(page * 256, 0x80)
        i = bisect.bisect_right(starts, cp) - 1
        pb += bytes(((i >> 8) & 0xFF, i & 0xFF))
    return bytes(rb), bytes(pb)


def decode_table(rb):
    """(starts, kinds, params) lists of an encoded RANGES table."""
    n = len(rb) // 5
    starts = [(rb[5 * i] << 16) | (rb[5 * i + 1] << 8) | rb[5 * i + 2] for i in range(n)]
    return starts, [rb[5 * i + 3] for i in range(n)], [rb[5 * i + 4] for i in range(n)]


def fold_encoded(starts, kinds, params, cp):
    """(kind, unit) of code point cp >= 0x80 from a decoded table: kind T_SEP, T_IGNORE, T_SELF or T_SOLO."""
    import bisect
    i = bisect.bisect_right(starts, cp) - 1
    k = kinds[i]
    p = params[i]
    if k == T_ASCII:
        return T_SELF, p
    if k == T_RUN:
        return T_SELF, p + cp - starts[i]
    if k == T_CASE:
        return T_SELF, cp + (p - 256 if p > 127 else p)
    if k in (T_SELF, T_SOLO):
        return k, cp
    return k, 0
