"""Audit ring: the last N decisions with reason, sample index and channel.

Preallocated arrays; ``record()`` allocates nothing. ``entries()`` is for the
host (or the serial protocol) and builds a list, oldest first::

    >>> from redline.audit import AuditRing
    >>> a = AuditRing(2)
    >>> a.record(1, 6, 10, 0); a.record(-3, 4, 11, 0); a.record(-3, 4, 12, 1)
    >>> a.entries(), a.total
    ([(-3, 4, 11, 0), (-3, 4, 12, 1)], 3)
"""
from redline.compat import zeros


class AuditRing:
    def __init__(self, size=32):
        if size < 1:
            raise ValueError("audit size must be >= 1")
        self.size = size
        self.codes = zeros("b", size)
        self.reasons = zeros("B", size)
        self.samples = zeros("i", size)
        self.channels = zeros("h", size)
        self.reset()

    def reset(self):
        self.index = 0
        self.count = 0
        self.total = 0      # decisions recorded since reset (saturates at 2**30 - 1)

    def record(self, code, reason, sample, channel):
        i = self.index
        self.codes[i] = code
        self.reasons[i] = reason
        self.samples[i] = sample
        self.channels[i] = channel
        i += 1
        self.index = i if i < self.size else 0
        if self.count < self.size:
            self.count += 1
        if self.total < 0x3FFFFFFF:
            self.total += 1

    def __len__(self):
        return self.count

    def last_code(self):
        if not self.count:
            return 0
        i = self.index - 1
        return self.codes[i if i >= 0 else self.size - 1]

    def entries(self):
        """[(code, reason, sample, channel), ...] oldest first (allocates; host use)."""
        out = []
        i = self.index - self.count
        if i < 0:
            i += self.size
        for _ in range(self.count):
            out.append((self.codes[i], self.reasons[i], self.samples[i], self.channels[i]))
            i += 1
            if i >= self.size:
                i = 0
        return out
