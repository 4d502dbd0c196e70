"""Adversarial pattern blobs: token-hash sequences the AdversarialDetector looks for.

Encoding (the model's ``PATTERNS`` bytes field): patterns one after another, each
one byte ``n`` (1..MAX_PATTERN_TOKENS) followed by ``n`` big-endian u32 unigram
token hashes (redline.text.tok: lower-cased ASCII alphanumeric runs, low 32
bits of FNV-1a-64). An empty blob means "no patterns shipped": the detector then
uses DEFAULT_PATTERNS, compiled here at import from DEFAULT_PHRASES (llmosafe's
ten substrings plus common injection phrases)::

    from redline.text.pat import compile_patterns, count_patterns, DEFAULT_PATTERNS
    blob = compile_patterns((b"ignore previous", b"jailbreak"))
    count_patterns(blob)            # 2
    len(blob)                       # 1 + 8 + 1 + 4 = 14

Compiling allocates (import time or host export), matching does not.
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


DEFAULT_PATTERNS = compile_patterns(DEFAULT_PHRASES)
