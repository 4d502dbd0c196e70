"""A small hand-made format-2 model for firmware tests, independent of any trained weights.

A 256-bucket weight table with a fixed pattern and a hand-written folding table
of a few ranges: Latin-1 é -> e, Cyrillic capitals to small (+32) with о -> o,
full-width and mathematical bold letters to ASCII, zero-width characters
ignored, CJK ideographs as one-letter words, everything else from U+0080 a
separator or a letter as listed.
"""
from redline.text.model import FORMAT_HASHED, Model

BITS = 8
INTERCEPT = -100
THRESHOLD = 40
WARN = 10

# (start, kind, param): kinds 0 sep, 1 ignore, 2 letter, 3 solo, 4 ascii, 5 run, 6 case
_RANGES = (
    (0x80, 0, 0),
    (0xE9, 4, 0x65),          # é -> e
    (0xEA, 0, 0),
    (0x410, 6, 32),           # А..Я -> а..я
    (0x430, 2, 0),            # а..я letters
    (0x43E, 4, 0x6F),         # о -> o
    (0x43F, 2, 0),
    (0x450, 0, 0),
    (0x200B, 1, 0),           # zero-width space, ZWNJ, ZWJ
    (0x200E, 0, 0),
    (0x4E00, 3, 0),           # CJK ideographs: one-letter words
    (0xA000, 0, 0),
    (0xFF21, 5, 0x61),        # full-width A..Z -> a..z
    (0xFF3B, 0, 0),
    (0xFF41, 5, 0x61),        # full-width a..z
    (0xFF5B, 0, 0),
    (0x1D400, 5, 0x61),       # mathematical bold A..Z
    (0x1D41A, 5, 0x61),       # mathematical bold a..z
    (0x1D434, 0, 0),
)


def _tables():
    fold = bytearray()
    for start, kind, param in _RANGES:
        fold += bytes(((start >> 16) & 0xFF, (start >> 8) & 0xFF, start & 0xFF, kind, param))
    pages = bytearray()
    for page in range(257):
        cp = page * 256
        if cp < 0x80:
            cp = 0x80
        i = 0
        for j in range(len(_RANGES)):
            if _RANGES[j][0] <= cp:
                i = j
        pages += bytes(((i >> 8) & 0xFF, i & 0xFF))
    asc = bytearray(128)
    for c in range(48, 58):
        asc[c] = c
    for c in range(97, 123):
        asc[c] = c
    for c in range(65, 91):
        asc[c] = c + 32
    weights = bytearray(1 << BITS)
    for i in range(1 << BITS):
        weights[i] = (i * 37 + 11) & 0xFF
    return bytes(fold), bytes(pages), bytes(asc), bytes(weights)


def hashed_model():
    fold, pages, asc, weights = _tables()
    m = Model(b"", weights, 64, INTERCEPT, THRESHOLD, 0, b"", "tiny-hashed", True, "")
    m.format = FORMAT_HASHED
    m.bits = BITS
    m.warn = WARN
    m.p_at = -97
    m.p_scale = 64
    m.ascii = asc
    m.fold = fold
    m.pages = pages
    return m


# A tiny lexicon for the class features: (word, class bit); keys as the scorer makes them
# (hash of the first six letters, or of the whole word when shorter), 32 slots of 5 bytes.
LEX_WORDS = (("ignore", 0), ("disable", 0), ("interlock", 1), ("alarm", 2), ("manager", 4), ("you", 11),
             ("now", 6), ("all", 12), ("instructions", 8), ("previous", 8), ("backwards", 13), ("rot13", 13))


def _key(word):
    h = 0x12325
    for i in range(len(word)):
        if i == 6:
            break
        h = ((h ^ word[i]) * 0x1B3) & 0x1FFFFF
    return h


def lexicon_tables():
    """(LEX, LEXF) for LEX_WORDS: the layout of redline_host.text.hashfeat.build_lexicon."""
    n = 32
    slots = [None] * n
    keys = {}
    for word, c in LEX_WORDS:
        k = _key(word.encode())
        keys[k] = keys.get(k, 0) | (1 << c)
    for k in sorted(keys):
        i = ((k * 0x1A5) >> 5) & (n - 1)
        while slots[i] is not None:
            i = (i + 1) & (n - 1)
        slots[i] = k
    lex = bytearray()
    lexf = bytearray(1024)
    for k in slots:
        if k is None:
            lex += b"\xff\xff\xff\x00\x00"
        else:
            m = keys[k]
            lex += bytes(((k >> 16) & 0xFF, (k >> 8) & 0xFF, k & 0xFF, (m >> 8) & 0xFF, m & 0xFF))
            lexf[(k >> 3) & 0x3FF] |= 1 << (k & 7)
    return bytes(lex), bytes(lexf)


def lexicon_model(decode=14):
    """The tiny model with LEX_WORDS and decoding (base64/hex runs 2, spaced letters 4, ROT13/backwards 8)."""
    m = hashed_model()
    m.lex, m.lexf = lexicon_tables()
    m.decode = decode
    return m
