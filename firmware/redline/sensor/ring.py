"""ChannelRing: the working memory of one channel, a preallocated ring of normalised readings.

(The text path's memory of entropies is ``redline.text.mem.EntropyMemory``.)

The ring holds readings in Q6 sigma units relative to the channel's baseline
(see ``redline.fx``). Sums are kept incrementally, so mean,
variance and trend cost O(1) per sample and allocate nothing. The guard only
pushes readings that pass the surprise gate: a spoofer cannot drag the
baseline with readings the guard already found surprising.

Unlike llmosafe's memory (statistics over all slots, never-written zeros
included) the statistics cover the slots written so far; ``prefill()`` marks
the ring as full of baseline readings for a calibrated channel.

Example on a seeded stream::

    >>> from redline.sensor.ring import ChannelRing
    >>> m = ChannelRing(4)
    >>> for u in (64, 128, 192, 256):
    ...     m.update(u)
    >>> m.mean_q6(), m.variance_q12(), m.trend_q12()
    (160, 5120, 4096)
    >>> m.forecast_q8()         # the least-squares line one step ahead: 320 in Q6
    1280
"""
from redline.compat import zeros


class ChannelRing:
    def __init__(self, size):
        if size < 2 or size > 128:
            raise ValueError("memory size must be 2..128")
        self.size = size
        self.buf = zeros("i", size)
        self.reset()

    def reset(self):
        buf = self.buf
        for i in range(self.size):
            buf[i] = 0
        self.index = 0       # next slot to write (the oldest once full)
        self.count = 0
        self.sum = 0         # sum of u            (|.| < 2**18)
        self.sum2 = 0        # sum of u*u          (< 2**29)
        self.tsum = 0        # sum of rank*u, rank 0 = oldest  (|.| < 2**26)

    def prefill(self):
        """Mark every slot as written with the baseline (u = 0)."""
        self.reset()
        self.count = self.size

    def update(self, u):
        """Store one normalised reading (Q6, clamped to +-2047 by the caller)."""
        buf = self.buf
        size = self.size
        i = self.index
        n = self.count
        if n < size:
            buf[i] = u
            self.tsum += n * u
            self.sum += u
            self.sum2 += u * u
            self.count = n + 1
        else:
            old = buf[i]
            buf[i] = u
            self.tsum += (size - 1) * u - (self.sum - old)
            self.sum += u - old
            self.sum2 += u * u - old * old
        i += 1
        self.index = i if i < size else 0

    def mean_q6(self):
        n = self.count
        return self.sum // n if n else 0

    def variance_q12(self):
        """Population variance in Q12 sigma^2 (floor of E[u^2] minus floor-mean squared)."""
        n = self.count
        if n == 0:
            return 0
        m = self.sum // n
        v = self.sum2 // n - m * m
        return v if v > 0 else 0

    def trend_q12(self):
        """Least-squares slope per sample, in Q12 sigma units (0 with fewer than 2 slots)."""
        n = self.count
        if n < 2:
            return 0
        # Centred ranks c = 2*rank - (n - 1): sum(c*u) = 2*tsum - (n-1)*sum,
        # sum(c*c) = n*(n*n - 1)/3; slope = 2*sum(c*u)/sum(c*c) in Q6 per sample.
        num = 2 * self.tsum - (n - 1) * self.sum
        den = n * (n * n - 1) // 3
        q = num // den
        if q >= 4096:
            return 1 << 24
        if q < -4096:
            return -(1 << 24)
        return q * 128 + ((num - q * den) * 128) // den

    def forecast_q8(self):
        """The least-squares line through the slots, one sample past the newest, in Q8 sigma.

        mean + slope * (n + 1) / 2, floored, clamped to +-8191 (32 sigma); the
        mean (Q8) with fewer than 2 slots.
        """
        n = self.count
        if n == 0:
            return 0
        m = (self.sum * 4) // n
        if n < 2:
            return m
        # slope (Q6 per sample) = 2 * num / den; times (n + 1) / 2, times 4 for Q8.
        num = 2 * self.tsum - (n - 1) * self.sum
        den = n * (n * n - 1) // 3
        q = num // den
        if q >= 8192:
            off = 8191
        elif q < -8192:
            off = -8191
        else:
            k = (n + 1) * 4
            off = q * k + ((num - q * den) * k) // den
        f = m + off
        if f > 8191:
            return 8191
        if f < -8191:
            return -8191
        return f

    def reload(self, n):
        """Recompute the sums after the first n slots were written in place (oldest first)."""
        buf = self.buf
        self.count = 0
        self.index = 0
        self.sum = 0
        self.sum2 = 0
        self.tsum = 0
        for i in range(n):
            self.update(buf[i])
