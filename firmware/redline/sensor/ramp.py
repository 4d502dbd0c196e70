"""RampDetector: a slow ramp of the reading away from the calibrated baseline (FLAG_DRIFTING).

Not the text path's goal drift (``redline.text.goal``): this one follows a number.

``update(z)`` takes the reading's z-score against the calibrated baseline in
Q8 (256 = one sigma). An EWMA with weight 2**-shift smooths it; ``score`` is
the EWMA's magnitude on the gauge scale (Q12 sigma, saturating at 65535 =
16 sigma), so the score is bounded to [0, 65535] whatever the input (llmosafe
defect 13: its drift score could go negative). ``flags`` is FLAG_DRIFTING when
the EWMA's magnitude reaches ``limit`` (Q8 sigma; 0 disables the flag).

Example on a seeded stream (noise, then a ramp of 0.1 sigma per sample)::

    >>> from redline.sensor.ramp import RampDetector
    >>> d = RampDetector(limit=256, shift=4)
    >>> s = 11
    >>> for i in range(100):
    ...     s = (s * 75 + 74) % 65537
    ...     _ = d.update(s % 257 - 128)
    >>> d.flags
    0
    >>> n = 0
    >>> while not d.flags:
    ...     n += 1
    ...     _ = d.update(n * 26)
    >>> n
    21
"""
from redline.codes import FLAG_DRIFTING


class RampDetector:
    def __init__(self, limit, shift=4):
        if shift < 1 or shift > 10:
            raise ValueError("drift shift must be 1..10")
        self.limit = limit
        self.shift = shift
        self.reset()

    def reset(self):
        self.acc = 0        # EWMA of z in Q8, times 2**shift (|.| < 2**23)
        self.score = 0
        self.flags = 0

    def update(self, z):
        shift = self.shift
        self.acc += z - (self.acc >> shift)
        e = self.acc >> shift
        if e < 0:
            e = -e
        s = e * 16
        self.score = s if s < 65535 else 65535
        self.flags = FLAG_DRIFTING if self.limit and e >= self.limit else 0
        return self.flags

    def value_q8(self):
        return self.acc >> self.shift
