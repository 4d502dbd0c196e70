"""Replay: the channel repeats a stretch of readings it produced before.

Every sample the detector forms a fingerprint of the last ``window`` steps
(deltas between consecutive readings, divided by ``quant``): two rolling
polynomial hashes modulo primes under 2**15, packed into one small int. Every
``stride``-th fingerprint is stored in a ring of ``history`` entries. A new
fingerprint equal to a stored one that does not overlap the current window
is a replay: FLAG_ADVERSARIAL. Deltas make the test blind to an offset added
to the replayed stretch. Windows with fewer than ``min_active`` non-zero
steps or fewer than ``min_active`` changes of step are not compared or stored
(a flat or perfectly linear signal repeats trivially; the stuck detector owns
those). A replay is caught once a whole window lies inside the replayed
stretch and a stored fingerprint is ``history * stride`` samples old at most.
``quant = 0`` switches the detector off (the calibrator does that for a
channel whose nominal log repeats its own steps by chance).
A counting filter (a bytearray of about 8 buckets per stored print) answers
"certainly not stored" in O(1), so the ring is scanned only on a bucket hit.

Example on a seeded stream (noise, then the same 12 readings again)::

    >>> from redline.sensor.replay import ReplayDetector
    >>> r = ReplayDetector(window=6, history=16, stride=1, min_active=3)
    >>> s = 9
    >>> seen = []
    >>> for i in range(12):
    ...     s = (s * 75 + 74) % 65537
    ...     seen.append(500 + s % 41)
    ...     _ = r.update(seen[-1])
    >>> r.flags
    0
    >>> hits = []
    >>> for i in range(12):
    ...     hits.append(r.update(seen[i]))
    >>> hits.index(32)
    6
"""
from array import array
from redline.compat import const
from redline.flags import FLAG_ADVERSARIAL

_P1 = const(32749)
_P2 = const(32719)
_B1 = const(131)
_B2 = const(257)


class ReplayDetector:
    def __init__(self, window=8, history=32, stride=1, min_active=4, quant=1):
        if window < 2 or window > 64:
            raise ValueError("replay window must be 2..64")
        if history < 1 or stride < 1 or quant < 0:
            raise ValueError("replay history and stride must be >= 1, quant >= 0")
        self.window = window
        self.history = history
        self.stride = stride
        self.min_active = min_active
        self.quant = quant
        self.steps = array("i", bytes(4 * window))
        self.prints = array("i", bytes(4 * history))
        nb = 64
        while nb < 8 * history and nb < 8192:
            nb <<= 1
        self.mask = nb - 1
        self.counts = bytearray(nb)     # stored prints per bucket, saturating at 255
        b1 = 1
        b2 = 1
        for _ in range(window - 1):
            b1 = (b1 * _B1) % _P1
            b2 = (b2 * _B2) % _P2
        self.top1 = b1          # B**(window-1) mod P
        self.top2 = b2
        # A stored print younger than this many entries overlaps the window.
        self.skip = (window + stride - 1) // stride
        self.reset()

    def reset(self):
        steps = self.steps
        for i in range(self.window):
            steps[i] = 0
        prints = self.prints
        for i in range(self.history):
            prints[i] = 0
        counts = self.counts
        for i in range(len(counts)):
            counts[i] = 0
        self.pos = 0            # next step slot (the oldest)
        self.filled = 0
        self.last = 0
        self.has_last = False
        self.h1 = 0
        self.h2 = 0
        self.nonzero = 0        # non-zero steps in the window
        self.changes = 0        # adjacent step pairs that differ
        self.stored = 0
        self.wpos = 0
        self.tick = 0
        self.fingerprint = -1
        self.flags = 0

    def update(self, x):
        self.flags = 0
        if not self.quant:
            return 0
        if not self.has_last:
            self.last = x
            self.has_last = True
            return 0
        q = (x - self.last) // self.quant
        self.last = x
        if q > 1048575:
            q = 1048575
        elif q < -1048575:
            q = -1048575
        w = self.window
        steps = self.steps
        pos = self.pos
        old = steps[pos]
        nxt = steps[pos + 1 if pos + 1 < w else 0]        # second oldest
        newest = steps[pos - 1 if pos else w - 1]
        # Pairs leaving and entering the window (the window starts as zeros).
        if old != nxt:
            self.changes -= 1
        if q != newest:
            self.changes += 1
        if old:
            self.nonzero -= 1
        if q:
            self.nonzero += 1
        steps[pos] = q
        self.pos = pos + 1 if pos + 1 < w else 0
        self.h1 = (((self.h1 - (old % _P1) * self.top1) % _P1) * _B1 + q % _P1) % _P1
        self.h2 = (((self.h2 - (old % _P2) * self.top2) % _P2) * _B2 + q % _P2) % _P2
        if self.filled < w:
            self.filled += 1
            if self.filled < w:
                return 0
        fp = self.h1 * 32768 + self.h2
        self.fingerprint = fp
        if self.nonzero < self.min_active or self.changes < self.min_active:
            return 0
        prints = self.prints
        hist = self.history
        counts = self.counts
        mask = self.mask
        if counts[(fp ^ (fp >> 13)) & mask]:
            j = self.wpos - 1 - self.skip
            for _ in range(self.stored - self.skip):
                if j < 0:
                    j += hist
                if prints[j] == fp:
                    self.flags = FLAG_ADVERSARIAL
                    break
                j -= 1
        t = self.tick + 1
        if t >= self.stride:
            t = 0
            w = self.wpos
            if self.stored < hist:
                self.stored += 1
            else:
                old = prints[w]
                b = (old ^ (old >> 13)) & mask
                if counts[b] < 255:
                    counts[b] -= 1
            prints[w] = fp
            b = (fp ^ (fp >> 13)) & mask
            if counts[b] < 255:
                counts[b] += 1
            self.wpos = w + 1 if w + 1 < hist else 0
        self.tick = t
        return self.flags
