"""Audit ring: the last N decisions with reason, sample index and channel, and the last trips pinned.

Preallocated arrays; ``record()`` and ``trip()`` allocate nothing. A trip (the
interlock latching) goes to the ring like any decision and also to a small
pinned ring of its own, which nothing else writes: a flood of refused resets
or warnings can push it out of the ring but not out of ``trips()``. Trips are
rare by construction (a latched interlock records no further trip until an
authenticated reset), so the pinned ring keeps the last ``pinned`` of them.
``entries()`` and ``trips()`` are for the host (or the serial protocol) and
build lists, oldest first::

    >>> from redline.audit import AuditRing
    >>> a = AuditRing(2, pinned=2)
    >>> a.trip(-3, 4, 9, 1); a.record(1, 6, 10, 0); a.record(1, 6, 11, 0); a.record(48, 48, -1, -1)
    >>> a.entries(), a.total
    ([(1, 6, 11, 0), (48, 48, -1, -1)], 4)
    >>> a.trips(), a.trip_total
    ([(-3, 4, 9, 1)], 1)
"""
from redline.compat import zeros


class AuditRing:
    def __init__(self, size=32, pinned=8):
        if size < 1 or pinned < 1:
            raise ValueError("audit sizes must be >= 1")
        self.size = size
        self.codes = zeros("b", size)
        self.reasons = zeros("B", size)
        self.samples = zeros("i", size)
        self.channels = zeros("h", size)
        self.pinned = pinned
        self.pin_codes = zeros("b", pinned)
        self.pin_reasons = zeros("B", pinned)
        self.pin_samples = zeros("i", pinned)
        self.pin_channels = zeros("h", pinned)
        self.reset()

    def reset(self):
        self.index = 0
        self.count = 0
        self.total = 0      # decisions recorded since reset (saturates at 2**30 - 1)
        self.trip_total = 0

    def trip(self, code, reason, sample, channel):
        """A latching trip: recorded in the ring and pinned."""
        self.record(code, reason, sample, channel)
        i = self.trip_total % self.pinned
        self.pin_codes[i] = code
        self.pin_reasons[i] = reason
        self.pin_samples[i] = sample
        self.pin_channels[i] = channel
        if self.trip_total < 0x3FFFFFFF:
            self.trip_total += 1

    def trips(self):
        """The pinned trips [(code, reason, sample, channel), ...] oldest first (allocates; host use)."""
        out = []
        n = self.trip_total if self.trip_total < self.pinned else self.pinned
        for k in range(self.trip_total - n, self.trip_total):
            i = k % self.pinned
            out.append((self.pin_codes[i], self.pin_reasons[i], self.pin_samples[i], self.pin_channels[i]))
        return out

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
