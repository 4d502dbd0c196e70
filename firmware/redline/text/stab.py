"""DynamicStabilityMonitor: the adaptive log2 envelope of a gauge (the pipeline's MONITOR stage as an object).

The pipeline runs the same rule inside redline.text.fold (one call a message); this is the
object form, its reference (tests/firmware/test_fold.py compares the two)::

    from redline.text.stab import DynamicStabilityMonitor
    from redline.text.kernel import HIGH
    m = DynamicStabilityMonitor(2)
    m.update(100); m.update(100); m.update(900) == HIGH   # msb 9 > 6 + 2
"""
from redline.text.kernel import BOTH, HIGH, LOW, STABLE


def msb(x):
    """floor(log2 x) for x > 0, and 0 for x <= 0 (as llmosafe); x < 2**30 (a small int)."""
    if x < 2:
        return 0
    # binary steps, not one shift per bit: the monitor runs it on every message
    i = 0
    if x >= 0x10000:
        x >>= 16
        i = 16
    if x >= 0x100:
        x >>= 8
        i += 8
    if x >= 0x10:
        x >>= 4
        i += 4
    if x >= 4:
        x >>= 2
        i += 2
    if x >= 2:
        i += 1
    return i


class DynamicStabilityMonitor:
    """Adaptive log2 envelope of a gauge (spec §6.4): STABLE, HIGH, LOW or BOTH.

    update(x) widens the envelope [lo, hi] of msb(x) and reports whether x fell more
    than k octaves outside it. Example (k=2)::

        m = DynamicStabilityMonitor(2)
        m.update(100); m.update(100); m.update(900)   # -> HIGH (msb 9 > 6 + 2)
    """

    def __init__(self, k=3):
        if not (1 <= k <= 5):
            raise ValueError("stability monitor: k must be 1..5")
        self.k = k
        self.reset()

    def reset(self):
        self.hi = 0
        self.lo = 255
        self.seen = False
        self.state = STABLE

    def update(self, x):
        idx = msb(x)
        if not self.seen:
            self.hi = idx
            self.lo = idx
            self.seen = True
            self.state = STABLE
            return STABLE
        k = self.k
        high = idx > self.hi + k
        low = self.lo > k and idx < self.lo - k
        if idx > self.hi:
            self.hi = idx
        if idx < self.lo:
            self.lo = idx
        s = STABLE
        if high:
            s = BOTH if low else HIGH
        elif low:
            s = LOW
        self.state = s
        return s

    def thresholds(self):
        """(high, low, pressure) as llmosafe (allocates; host use)."""
        if not self.seen:
            return (0xFFFFFFFF, 0, 0)
        high = 0xFFFFFFFF if self.hi >= 31 else (1 << (self.hi + 1)) - 1
        low = 0 if self.lo == 0 else 1 << self.lo
        return (high, low, (high * 4) // 5)
