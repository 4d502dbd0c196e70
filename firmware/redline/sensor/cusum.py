"""LeakyCusum: two-sided CUSUM for a mean shift of a channel, calibrated and forgetting.

Not the text path's ``TrackingCusum`` (redline.text.cusum), which follows a moving
reference and caps its sums: this one judges z-scores against a fixed, calibrated
baseline and leaks.

``update(z)`` takes the reading's z-score against the calibrated baseline in
Q8 (256 = one sigma), so ``k`` (allowance) and ``h`` (decision level) are in
sigma units Q8 and come from the calibrator, not raw-unit constants. Each sum
is clipped at zero (it drains by ``k`` per in-control sample) and also leaks
a fraction 2**-leak_shift per sample (0 = no leak), so an old excursion is
forgotten. This is the fix for llmosafe defect 7 (CUSUM on raw entropy with
k = 50, h = 200 fired on nearly every input and never decayed). ``flags`` is
FLAG_ANOMALY when either sum reaches ``h`` (inclusive). ``score`` is the
larger sum.

Example on a seeded stream (noise, then a one-sigma shift)::

    >>> from redline.sensor.cusum import LeakyCusum
    >>> c = LeakyCusum(k=128, h=1280, leak_shift=6)
    >>> s = 3
    >>> for i in range(200):
    ...     s = (s * 75 + 74) % 65537
    ...     _ = c.update(s % 257 - 128)
    >>> c.flags
    0
    >>> n = 0
    >>> while not c.flags:
    ...     n += 1
    ...     _ = c.update(256)
    >>> n
    11
"""
from redline.compat import const
from redline.codes import FLAG_ANOMALY

_CAP = const(16777216)   # 2**24: sums saturate here


class LeakyCusum:
    def __init__(self, k, h, leak_shift=0):
        if k < 0 or h <= 0:
            raise ValueError("cusum needs k >= 0 and h > 0")
        self.k = k
        self.h = h
        self.leak_shift = leak_shift
        self.reset()

    def reset(self):
        self.high = 0
        self.low = 0
        self.score = 0
        self.flags = 0

    def update(self, z):
        k = self.k
        leak = self.leak_shift
        hi = self.high + z - k
        lo = self.low - z - k
        if hi < 0:
            hi = 0
        elif leak:
            hi -= hi >> leak
        if lo < 0:
            lo = 0
        elif leak:
            lo -= lo >> leak
        if hi > _CAP:
            hi = _CAP
        if lo > _CAP:
            lo = _CAP
        self.high = hi
        self.low = lo
        self.score = hi if hi > lo else lo
        self.flags = FLAG_ANOMALY if self.score >= self.h else 0
        return self.flags
