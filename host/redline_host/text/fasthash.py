"""Fast host twin of ``redline.text.tok.token_hashes`` for training and batch scoring.

The firmware tokenizer walks bytes one at a time in 16-bit limbs, which is slow in
CPython. Here a regular expression finds the tokens (maximal runs of ASCII
letters and digits), each distinct token is hashed once (cached), and bigrams
are mixed from the cached unigram hashes. The result equals
``redline.text.tok.token_hashes`` exactly (tests/host/test_train_fasthash.py
checks thousands of texts)::

    from redline_host.text.fasthash import token_hashes, unigram_hash
    token_hashes(b"hello world")      # same list as redline.text.tok.token_hashes
"""
import re

_TOKEN = re.compile(rb"[A-Za-z0-9]+")
_OFFSET = 0x84222325      # FNV-1a-64 offset basis, low 32 bits
_PRIME = 0x1B3            # FNV-1a-64 prime, low 32 bits
_MASK = 0xFFFFFFFF
_MIX = 0x5F
_MAX_TOKEN_BYTES = 256
_CACHE_LIMIT = 1 << 20

_cache = {}


def unigram_hash(token):
    """Low 32 bits of FNV-1a-64 over the lower-cased first 256 bytes of ``token`` (bytes)."""
    h = _OFFSET
    for b in token[:_MAX_TOKEN_BYTES].lower():
        h = ((h ^ b) * _PRIME) & _MASK
    return h


def bigram_hash(prev, cur):
    """Bigram hash of two unigram hashes, as the firmware mixes them."""
    b = ((prev ^ _MIX) * _PRIME) & _MASK
    return ((b ^ cur) * _PRIME) & _MASK


def token_hashes(data):
    """Every emitted hash (unigram, then bigram + unigram per later token) as u32 ints."""
    if isinstance(data, str):
        raise TypeError("token_hashes: text must be bytes-like, not str")
    cache = _cache
    out = []
    prev = -1
    for tok in _TOKEN.findall(bytes(data)):
        h = cache.get(tok)
        if h is None:
            h = unigram_hash(tok)
            if len(cache) < _CACHE_LIMIT:
                cache[tok] = h
        if prev >= 0:
            b = ((prev ^ _MIX) * _PRIME) & _MASK
            out.append(((b ^ h) * _PRIME) & _MASK)
        out.append(h)
        prev = h
    return out


def encode(text):
    """The bytes the firmware would see for a host string: UTF-8, errors replaced."""
    return text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)


# -- whole batches in numpy ---------------------------------------------------

def _lower_table():
    import numpy as np

    t = np.zeros(256, dtype=np.uint8)
    for c in b"0123456789abcdefghijklmnopqrstuvwxyz":
        t[c] = c
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        t[c] = c + 32
    return t


_LOWER_NP = None


def _tokens(texts):
    """(unigram hashes uint32, text index of each token, bigram hashes, their text index, n texts)."""
    import numpy as np

    global _LOWER_NP
    if _LOWER_NP is None:
        _LOWER_NP = _lower_table()
    enc = [encode(t) for t in texts]
    n = len(enc)
    # NUL before, between and after the texts: NUL is a separator, so every
    # token lies inside one text and alnum runs alternate start/end edges
    buf = np.frombuffer(b"\x00" + b"\x00".join(enc) + b"\x00", dtype=np.uint8)
    low = _LOWER_NP[buf]
    isal = low != 0
    edges = np.flatnonzero(isal[1:] != isal[:-1]) + 1
    starts = edges[0::2]
    ntok = len(starts)
    if ntok == 0:
        e32, e64 = np.zeros(0, np.uint32), np.zeros(0, np.int64)
        return e32, e64, e32, e64, n
    tlen = np.minimum(edges[1::2] - starts, _MAX_TOKEN_BYTES)
    # longest first (stable radix sort on a 16-bit key), so the tokens still
    # being hashed at byte position k are always a prefix
    order = np.argsort((_MAX_TOKEN_BYTES - tlen).astype(np.uint16), kind="stable")
    ptr = starts[order]
    longer_than = ntok - np.cumsum(np.bincount(tlen, minlength=_MAX_TOKEN_BYTES + 1))
    h = np.full(ntok, _OFFSET, dtype=np.uint32)
    prime = np.uint32(_PRIME)
    for k in range(int(tlen.max())):
        active = int(longer_than[k])
        hk = h[:active]
        hk ^= low[ptr[:active]]
        hk *= prime
        ptr[:active] += 1
    uni = np.empty(ntok, dtype=np.uint32)
    uni[order] = h
    lengths = np.fromiter((len(b) for b in enc), dtype=np.int64, count=n)
    text_start = np.cumsum(lengths + 1) - lengths   # index of each text's first byte in buf
    tok_text = np.searchsorted(text_start, starts, side="right") - 1
    later = np.flatnonzero(tok_text[1:] == tok_text[:-1]) + 1
    big = (uni[later - 1] ^ np.uint32(_MIX)) * prime
    big ^= uni[later]
    big *= prime
    return uni, tok_text, big, tok_text[later], n


def batch_hashes(texts):
    """All emitted hashes of many texts at once: (hashes uint32, text index int64, offsets).

    Hashes are in emission order, text by text; ``offsets[i]:offsets[i+1]`` are
    text i's. Equals ``token_hashes`` per text. Tokens are found and hashed with
    numpy over one buffer (texts joined by NUL, a separator), one vectorised
    FNV step per byte position; uint32 arithmetic wraps mod 2**32 exactly like
    the low 32 bits of the firmware's hash.
    """
    import numpy as np

    uni, tok_text, big, big_text, n = _tokens(texts)
    ntok = len(uni)
    if ntok == 0:
        return uni, tok_text, np.zeros(n + 1, np.int64)
    first = np.ones(ntok, dtype=bool)
    first[1:] = tok_text[1:] != tok_text[:-1]
    rank = np.cumsum(first)
    pos_uni = 2 * np.arange(ntok) - rank + 1
    total = ntok + len(big)
    out = np.empty(total, dtype=np.uint32)
    idx = np.empty(total, dtype=np.int64)
    out[pos_uni] = uni
    idx[pos_uni] = tok_text
    pos_big = pos_uni[~first] - 1
    out[pos_big] = big
    idx[pos_big] = big_text
    offsets = np.concatenate([[0], np.cumsum(np.bincount(idx, minlength=n))])
    return out, idx, offsets


def batch_hash_bag(texts):
    """Emitted hashes of many texts in no particular order: (hashes uint32, text index). For scoring."""
    import numpy as np

    uni, tok_text, big, big_text, _ = _tokens(texts)
    return np.concatenate([uni, big]), np.concatenate([tok_text, big_text])
