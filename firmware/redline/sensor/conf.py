"""PairConfidence: confidence in a channel from its agreement with a redundant partner.

Not the text path's ``MarginConfidence`` (redline.text.conf), which tracks the
classifier's margin: this one smooths the agreement of two sensors (an EWMA).

``update(c)`` takes an agreement value 0..65535 (65535 = the two sensors
agree exactly, 32767 = they differ by the pair's tolerance). The tracked
confidence is an EWMA of it (weight 1/4), so it is a real confidence in the
reading (llmosafe defect 6 fed the manipulation probability instead).
``flags``: FLAG_LOW_CONFIDENCE when the confidence is under ``min_confidence``;
FLAG_DECAYING when it has dropped ``decay_threshold`` times in a row while
under 3/4 (llmosafe's strict-drop rule, kept off the noise of a healthy pair).

Example on a seeded stream (a healthy pair, then the partner walks away)::

    >>> from redline.sensor.conf import PairConfidence
    >>> t = PairConfidence(min_confidence=19661, decay_threshold=3)
    >>> s = 5
    >>> for i in range(50):
    ...     s = (s * 75 + 74) % 65537
    ...     _ = t.update(60000 + s % 5000)
    >>> t.flags, t.confidence
    (0, 62100)
    >>> for c in (40000, 30000, 20000, 10000, 5000):
    ...     _ = t.update(c)
    >>> t.flags, t.confidence
    (8, 27002)
"""
from redline.compat import const
from redline.codes import FLAG_LOW_CONFIDENCE, FLAG_DECAYING

_SHIFT = const(2)
_DECAY_BELOW = const(49152)


class PairConfidence:
    def __init__(self, min_confidence=19661, decay_threshold=3):
        if decay_threshold < 1:
            raise ValueError("decay_threshold must be >= 1")
        self.min_confidence = min_confidence
        self.decay_threshold = decay_threshold
        self.reset()

    def reset(self):
        self.acc = 65535 << _SHIFT
        self.confidence = 65535
        self.drops = 0
        self.flags = 0

    def update(self, c):
        self.acc += c - (self.acc >> _SHIFT)
        cur = self.acc >> _SHIFT
        if cur < self.confidence and cur < _DECAY_BELOW:
            self.drops += 1
        else:
            self.drops = 0
        self.confidence = cur
        f = FLAG_LOW_CONFIDENCE if cur < self.min_confidence else 0
        if self.drops >= self.decay_threshold:
            f |= FLAG_DECAYING
        self.flags = f
        return f
