"""Adversarial pattern blobs: token-hash sequences the AdversarialDetector looks for.

Encoding (the model's ``PATTERNS`` bytes field): patterns one after another, each
one byte ``n`` (1..MAX_PATTERN_TOKENS) followed by ``n`` big-endian u32 unigram
token hashes (redline.text.tok: lower-cased ASCII alphanumeric runs, low 32
bits of FNV-1a-64). An empty blob means "no patterns shipped": the detector then
uses DEFAULT_PATTERNS, DEFAULT_PHRASES (llmosafe's ten substrings plus common injection
phrases) compiled once and kept as a bytes literal (tests/firmware/test_detect_adversarial.py
checks it against compile_patterns)::

    from redline.text.pat import compile_patterns, count_patterns, DEFAULT_PATTERNS
    blob = compile_patterns((b"ignore previous", b"jailbreak"))
    count_patterns(blob)            # 2
    len(blob)                       # 1 + 8 + 1 + 4 = 14

Compiling allocates (host export), matching does not.
"""
from redline.compat import const

MAX_PATTERN_TOKENS = const(16)

DEFAULT_PHRASES = (
    # llmosafe's detect_substrings list (spec §8.5)
    b"ignore previous",
    b"disregard",
    b"you are now",
    b"simulate",
    b"pretend",
    b"act as",
    b"bypass",
    b"override",
    b"developer mode",
    b"jailbreak",
    # injection phrases the substring list misses as token sequences
    b"ignore all previous",
    b"ignore the above",
    b"disregard the above",
    b"ignore your instructions",
    b"disregard previous instructions",
    b"forget your instructions",
    b"new instructions",
    b"system prompt",
    b"do anything now",
    b"pretend to be",
    b"without any restrictions",
)


def compile_patterns(phrases):
    """bytes blob for a sequence of phrases (bytes); ValueError for an empty or too long phrase."""
    from redline.text.tok import unigram_hashes

    out = bytearray()
    for phrase in phrases:
        if isinstance(phrase, str):
            phrase = phrase.encode("utf-8")
        hs = unigram_hashes(phrase)
        n = len(hs)
        if n == 0:
            raise ValueError("patterns: phrase has no tokens")
        if n > MAX_PATTERN_TOKENS:
            raise ValueError("patterns: phrase longer than 16 tokens")
        out.append(n)
        for h in hs:
            out.append((h >> 24) & 0xFF)
            out.append((h >> 16) & 0xFF)
            out.append((h >> 8) & 0xFF)
            out.append(h & 0xFF)
    return bytes(out)


def count_patterns(blob):
    """Number of patterns in a blob; ValueError if the blob is malformed."""
    i = 0
    n = 0
    size = len(blob)
    while i < size:
        k = blob[i]
        if k == 0 or k > MAX_PATTERN_TOKENS:
            raise ValueError("patterns: bad token count")
        i += 1 + 4 * k
        n += 1
    if i != size:
        raise ValueError("patterns: truncated blob")
    return n


DEFAULT_PATTERNS = (  # compile_patterns(DEFAULT_PHRASES), frozen: bytes in flash, nothing built at import
    b'\x02\x64\xfa\x89\xc3\xe7\xe9\x72\x48\x01\xa9\x30\x86\xf0\x03\x79\x9e\xa1\x5c\x05'
    b'\x70\xda\x4d\x25\x8e\x9d\x97\x01\x21\x8c\xcb\x8f\x01\x18\x06\x75\x13\x02\x05\x45'
    b'\x60\x6b\xb5\x45\xb5\x4d\x01\x27\x0b\x2e\x6d\x01\x43\x45\xbb\x1d\x02\x3a\xeb\xf7'
    b'\x4d\xc4\x1d\xad\xb2\x01\xac\xec\x51\xf4\x03\x64\xfa\x89\xc3\x05\x19\xda\xa4\xe7'
    b'\xe9\x72\x48\x03\x64\xfa\x89\xc3\x44\x61\xd5\x7c\x61\x7f\x9b\x2a\x03\xa9\x30\x86'
    b'\xf0\x44\x61\xd5\x7c\x61\x7f\x9b\x2a\x03\x64\xfa\x89\xc3\xa8\x8b\xe1\x2a\xd4\x32'
    b'\xfa\xc4\x03\xa9\x30\x86\xf0\xe7\xe9\x72\x48\xd4\x32\xfa\xc4\x03\xd3\xf4\x92\xcc'
    b'\xa8\x8b\xe1\x2a\xd4\x32\xfa\xc4\x02\x25\x71\xb7\x31\xd4\x32\xfa\xc4\x02\x1c\x56'
    b'\xb4\xfc\x4d\xd3\x3f\x7b\x03\xb5\x3b\xb4\x94\x9d\x8e\x17\xd7\x25\x8e\x9d\x97\x03'
    b'\x18\x06\x75\x13\xb5\x6a\xc0\xa4\xb5\x4d\xc9\x40\x03\x52\x89\xd0\xa3\x05\x20\x23'
    b'\xcd\x1a\x50\x7a\x9a'
)
