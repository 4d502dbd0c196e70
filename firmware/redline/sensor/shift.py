"""Short-window shift: the mean of a channel's last ``span`` z-scores.

A step of d sigma moves every following reading's z by d. One reading's z
carries all of the reading's noise; the mean of ``span`` of them carries
1/sqrt(span) of it (for independent noise), so a step shows within
``span`` readings at a level one reading would need a spike to reach, while
a lone spike moves the mean by only 1/span of its size. ``update(z)`` takes
the z-score (Q8) and returns ``value`` = floor(|sum of the last span z| /
span) in Q8 once ``span`` readings are in, 0 before::

    >>> from redline.sensor.shift import ShiftWindow
    >>> w = ShiftWindow(4)
    >>> [w.update(z) for z in (100, -100, 300, 0, 2000, 0, 0, 0, 0)]
    [0, 0, 0, 75, 550, 575, 500, 500, 0]
"""
from redline.compat import zeros


class ShiftWindow:
    def __init__(self, span):
        if span < 1 or span > 32:
            raise ValueError("shift span must be 1..32")
        self.span = span
        self.buf = zeros("i", span)
        self.reset()

    def reset(self):
        buf = self.buf
        for i in range(self.span):
            buf[i] = 0
        self.sum = 0
        self.i = 0
        self.n = 0
        self.value = 0

    def update(self, z):
        buf = self.buf
        i = self.i
        self.sum += z - buf[i]
        buf[i] = z
        i += 1
        if i == self.span:
            i = 0
        self.i = i
        if self.n < self.span:
            self.n += 1
            if self.n < self.span:
                return 0
        s = self.sum
        if s < 0:
            s = -s
        v = s // self.span
        self.value = v
        return v
