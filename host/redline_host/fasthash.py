"""Fast host twin of ``redline.tokenizer.token_hashes`` for training and batch scoring.

The firmware tokenizer walks bytes one at a time in 16-bit limbs, which is slow in
CPython. Here a regular expression finds the tokens (maximal runs of ASCII
letters and digits), each distinct token is hashed once (cached), and bigrams
are mixed from the cached unigram hashes. The result equals
``redline.tokenizer.token_hashes`` exactly (tests/host/test_train_fasthash.py
checks thousands of texts)::

    from redline_host.fasthash import token_hashes, unigram_hash
    token_hashes(b"hello world")      # same list as redline.tokenizer.token_hashes
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
