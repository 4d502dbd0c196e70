"""Compile adversarial pattern phrases into the model's PATTERNS blob (format: redline.text.pat).

The exporter calls ``compile_phrases`` so that a model ships its own list; the
firmware's AdversarialDetector matches these token-hash sequences anywhere in a
message. Deterministic: phrases are normalised (lower-case token sequences),
duplicates dropped, order kept::

    from redline_host.text.patterns import compile_phrases, decode_blob, DEFAULT_PHRASES
    blob = compile_phrases(["ignore previous", "Jailbreak", "jailbreak"])
    decode_blob(blob)      # [(hash_ignore, hash_previous), (hash_jailbreak,)]
"""
from redline.text.pat import DEFAULT_PHRASES as _FIRMWARE_DEFAULTS
from redline.text.pat import MAX_PATTERN_TOKENS, compile_patterns, count_patterns
from redline.text.tok import unigram_hashes

from redline_host.errors import UserError

DEFAULT_PHRASES = tuple(p.decode("ascii") for p in _FIRMWARE_DEFAULTS)


def compile_phrases(phrases):
    """PATTERNS bytes for an iterable of str/bytes phrases; UserError on an unusable phrase."""
    seen = set()
    keep = []
    for phrase in phrases:
        raw = phrase.encode("utf-8") if isinstance(phrase, str) else bytes(phrase)
        hashes = tuple(unigram_hashes(raw))
        if not hashes:
            raise UserError("pattern %r has no letters or digits" % (phrase,))
        if len(hashes) > MAX_PATTERN_TOKENS:
            raise UserError("pattern %r has %d tokens (at most %d)" % (phrase, len(hashes), MAX_PATTERN_TOKENS))
        if hashes in seen:
            continue
        seen.add(hashes)
        keep.append(raw)
    blob = compile_patterns(keep)
    if len(keep) > 32767:
        raise UserError("at most 32767 patterns")
    return blob


def decode_blob(blob):
    """The blob as a list of token-hash tuples (u32); UserError if malformed."""
    try:
        count_patterns(blob)
    except ValueError as exc:
        raise UserError("bad pattern blob: %s" % exc)
    out = []
    i = 0
    while i < len(blob):
        n = blob[i]
        i += 1
        out.append(tuple(int.from_bytes(blob[i + 4 * k:i + 4 * k + 4], "big") for k in range(n)))
        i += 4 * n
    return out


def read_phrase_file(path):
    """One phrase per line; blank lines and lines starting with # are skipped."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
