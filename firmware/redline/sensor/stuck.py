"""Stuck sensor: the same raw value over and over, or noise that has vanished.

``update(x)`` takes a raw integer reading. ``flags`` is FLAG_STUCK when the
current run of identical readings reaches ``run_limit``, or, once armed, when
the smoothed absolute step (EWMA with weight 2**-shift, Q8 sigma units) falls
under ``min_noise``. The noise test needs the channel scale; ``scale = 0``
(a channel still warming up) switches it off. ``min_noise = 0`` disables it.

Example on a seeded stream (an LCG jitter, then the value freezes)::

    >>> from redline.sensor.stuck import StuckDetector
    >>> d = StuckDetector(run_limit=4, min_noise=32, scale=10)
    >>> s = 7
    >>> for i in range(40):
    ...     s = (s * 75 + 74) % 65537
    ...     _ = d.update(1000 + s % 21 - 10)
    >>> d.flags
    0
    >>> for i in range(4):
    ...     _ = d.update(1000)
    >>> d.flags, d.run
    (1, 4)
"""
from redline.compat import const
from redline.codes import FLAG_STUCK

_SHIFT = const(3)
_ARM = const(32)       # samples before the noise test counts (4 EWMA time constants)


class StuckDetector:
    def __init__(self, run_limit, min_noise=0, scale=0):
        if run_limit < 2:
            raise ValueError("stuck run_limit must be >= 2")
        self.run_limit = run_limit
        self.min_noise = min_noise
        self.scale = scale
        self.reset()

    def reset(self):
        self.last = 0
        self.has_last = False
        self.run = 0
        self.acc = 0          # EWMA of |step| in Q8, times 2**_SHIFT
        self.seen = 0
        self.flags = 0

    def update(self, x):
        if self.has_last and x == self.last:
            self.run += 1
        else:
            self.run = 1
        scale = self.scale
        if self.has_last and scale:
            d = x - self.last
            if d < 0:
                d = -d
            q = d // scale
            step = 8191 if q >= 32 else q * 256 + ((d - q * scale) * 256) // scale
            self.acc += step - (self.acc >> _SHIFT)
            if self.seen < _ARM:
                self.seen += 1
        self.last = x
        self.has_last = True
        stuck = self.run >= self.run_limit
        if not stuck and self.min_noise and self.seen >= _ARM:
            stuck = (self.acc >> _SHIFT) < self.min_noise
        self.flags = FLAG_STUCK if stuck else 0
        return self.flags

    def noise_q8(self):
        return self.acc >> _SHIFT
