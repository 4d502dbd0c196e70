"""A small hand-made model for firmware tests, independent of any trained weights.

Weights are chosen so exact scores can be asserted: scale 1000, intercept -500,
threshold 0 (logit), keys are the unigram/bigram hashes of a few words.
"""
from redline.text.model import Model
from redline.text.tok import token_hashes, unigram_hashes

SCALE = 1000
INTERCEPT = -500
THRESHOLD = 0

_WORDS = ((b"ignore", 900), (b"previous", 700), (b"instructions", 800), (b"pump", -400), (b"valve", -300))


def _build():
    entries = []
    for word, w in _WORDS:
        entries.append((unigram_hashes(word)[0], w))
    # the bigram "ignore previous" carries extra weight
    entries.append((token_hashes(b"ignore previous")[1], 1000))
    entries.sort()
    keys = bytearray()
    weights = bytearray()
    for k, w in entries:
        keys.append((k >> 24) & 0xFF)
        keys.append((k >> 16) & 0xFF)
        keys.append((k >> 8) & 0xFF)
        keys.append(k & 0xFF)
        w &= 0xFFFF
        weights.append(w & 0xFF)
        weights.append(w >> 8)
    return Model(bytes(keys), bytes(weights), SCALE, INTERCEPT, THRESHOLD, len(entries))


def tiny_model():
    return _build()
