"""A hand-made model for the pipeline tests, independent of any trained weights.

Scale 1000, intercept -6 (p ~ 0.0025), threshold 0 (p = 0.5). Node vocabulary
lowers the score, injection words raise it; "unsure" lands in the entropy Warn
band and "borderline" next to the threshold, so every rung is reachable.
"""
from redline.text.model import Model
from redline.text.tok import token_hashes, unigram_hashes

SCALE = 1000
INTERCEPT = -6000
THRESHOLD = 0

_WORDS = (
    (b"pump", -800), (b"valve", -800), (b"open", -400), (b"close", -400), (b"status", -400),
    (b"the", -100), (b"is", -100), (b"temperature", -400), (b"normal", -400), (b"reading", -400),
    (b"ignore", 3000), (b"previous", 2500), (b"instructions", 3000), (b"override", 2000),
    (b"unsure", 4400), (b"borderline", 6000),
)
_BIGRAMS = ((b"pump valve", -200), (b"valve open", -200), (b"the temperature", -100),
            (b"temperature is", -100), (b"is normal", -100))


def _build():
    entries = {}
    for word, w in _WORDS:
        entries[unigram_hashes(word)[0]] = w
    for pair, w in _BIGRAMS:
        entries[token_hashes(pair)[1]] = w
    keys = bytearray()
    weights = bytearray()
    for k in sorted(entries):
        w = entries[k] & 0xFFFF
        keys.append((k >> 24) & 0xFF)
        keys.append((k >> 16) & 0xFF)
        keys.append((k >> 8) & 0xFF)
        keys.append(k & 0xFF)
        weights.append(w & 0xFF)
        weights.append(w >> 8)
    return Model(bytes(keys), bytes(weights), SCALE, INTERCEPT, THRESHOLD, len(entries))


def pipeline_model():
    return _build()
