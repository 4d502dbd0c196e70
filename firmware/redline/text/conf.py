"""MarginConfidence: the classifier is unsure, or getting less sure (FLAG_LOW_CONFIDENCE, FLAG_DECAYING).

It tracks a real confidence, 0..65535 (llmosafe tracked the manipulation
probability, so "low confidence" meant "confidently safe", spec §17 defect 6).
``confidence16(p, p_threshold)`` gives the pipeline's confidence: the margin of
the probability from the decision threshold, as a fraction of the room on that
side (0 on the threshold, 65535 at p = 0 or p = 65535). LOW_CONFIDENCE when the
latest value is below ``min_confidence``; DECAYING after ``decay_threshold``
consecutive strict drops. ``trend()`` is the mean step over the last 8 values.
Example on a seeded stream::

    >>> from redline.text.conf import MarginConfidence
    >>> from redline.codes import FLAG_DECAYING
    >>> t = MarginConfidence(19661, 3)
    >>> seed = 11
    >>> c = 60000
    >>> for i in range(10):
    ...     seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    ...     c = c - 4000 - (seed >> 20) % 2000 if i >= 5 else 60000 - (seed >> 20) % 500
    ...     _ = t.update(c)
    >>> t.decay_count, t.flags == FLAG_DECAYING   # five consecutive drops, still above 19661
    (5, True)
"""
from array import array

from redline.compat import const
from redline.codes import FLAG_DECAYING, FLAG_LOW_CONFIDENCE
# confidence16 lives in redline.text.sig (a running node imports it there, not this module)
from redline.text.sig import confidence16  # noqa: F401  (re-exported: the API)

_HISTORY = const(8)


class MarginConfidence:
    def __init__(self, min_confidence=19661, decay_threshold=3):
        if not (0 <= min_confidence <= 65535):
            raise ValueError("confidence: min_confidence must be 0..65535")
        if decay_threshold < 1:
            raise ValueError("confidence: decay_threshold must be >= 1")
        self.min_confidence = min_confidence
        self.decay_threshold = decay_threshold
        self._ring = array("i", [0] * _HISTORY)
        self.reset()

    def reset(self):
        self._pos = 0
        self._filled = 0
        self.current = 0
        self.decay_count = 0
        self.flags = 0

    def update(self, c):
        prev = self.current if self._filled else c
        r = self._ring
        p = self._pos
        r[p] = c
        p += 1
        self._pos = 0 if p == _HISTORY else p
        if self._filled < _HISTORY:
            self._filled += 1
        self.current = c
        if c < prev:
            if self.decay_count < 0x3FFFFFFF:
                self.decay_count += 1
        else:
            self.decay_count = 0
        f = 0
        if c < self.min_confidence:
            f = FLAG_LOW_CONFIDENCE
        if self.decay_count >= self.decay_threshold:
            f |= FLAG_DECAYING
        self.flags = f
        return f

    def trend(self):
        """Mean of successive differences over the stored values, truncated toward 0 (0 if < 2)."""
        n = self._filled
        if n < 2:
            return 0
        oldest = self._ring[self._pos if n == _HISTORY else 0]
        d = self.current - oldest
        q = (d if d >= 0 else -d) // (n - 1)
        return q if d >= 0 else -q
