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
A third rolling hash (15 bits) is kept beside every print and must match too,
so unrelated windows collide with probability about 2**-45 per stored print.

Older stretches: given a shared ``redline.sensor.printstore.FingerprintStore``
(``store``) and the channel's index (``channel``), every print the ring drops
moves into the store, salted with the channel index so that channels never
match each other, and a window missing from the ring is looked up there too.
A replay is then caught however old the stretch is, as long as its prints are
still among the store's last ``size``.

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
_P3 = const(32717)
_B3 = const(293)


class ReplayDetector:
    def __init__(self, window=8, history=32, stride=1, min_active=4, quant=1, store=None, channel=0):
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
        self.checks = array("H", bytes(2 * history))    # third hash of each stored print
        self.store = store
        c = channel + 1
        # Per-channel salt (< 2**30) mixed into the prints handed to the shared store.
        self.salt = ((c * 40503) & 32767) * 32768 + ((c * 25673 + 12345) & 32767)
        nb = 64
        while nb < 8 * history and nb < 8192:
            nb <<= 1
        self.mask = nb - 1
        self.counts = bytearray(nb)     # stored prints per bucket, saturating at 255
        b1 = 1
        b2 = 1
        b3 = 1
        for _ in range(window - 1):
            b1 = (b1 * _B1) % _P1
            b2 = (b2 * _B2) % _P2
            b3 = (b3 * _B3) % _P3
        self.top1 = b1          # B**(window-1) mod P
        self.top2 = b2
        self.top3 = b3
        # A stored print younger than this many entries overlaps the window.
        self.skip = (window + stride - 1) // stride
        if store is not None and history <= self.skip:
            # the ring must hold every overlapping print, or the store would see them
            raise ValueError("replay history must exceed window / stride when a store is shared")
        self.reset()

    def reset(self):
        steps = self.steps
        for i in range(self.window):
            steps[i] = 0
        prints = self.prints
        checks = self.checks
        for i in range(self.history):
            prints[i] = 0
            checks[i] = 0
        counts = self.counts
        for i in range(len(counts)):
            counts[i] = 0
        self.pos = 0            # next step slot (the oldest)
        self.filled = 0
        self.last = 0
        self.has_last = False
        self.h1 = 0
        self.h2 = 0
        self.h3 = 0
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
        h3 = (((self.h3 - (old % _P3) * self.top3) % _P3) * _B3 + q % _P3) % _P3
        self.h3 = h3
        if self.filled < w:
            self.filled += 1
            if self.filled < w:
                return 0
        fp = self.h1 * 32768 + self.h2
        self.fingerprint = fp
        if self.nonzero < self.min_active or self.changes < self.min_active:
            return 0
        prints = self.prints
        checks = self.checks
        hist = self.history
        counts = self.counts
        mask = self.mask
        store = self.store
        if counts[(fp ^ (fp >> 13)) & mask]:
            j = self.wpos - 1 - self.skip
            for _ in range(self.stored - self.skip):
                if j < 0:
                    j += hist
                if prints[j] == fp and checks[j] == h3:
                    self.flags = FLAG_ADVERSARIAL
                    break
                j -= 1
        if store is not None and not self.flags and store.contains(fp ^ self.salt, h3):
            self.flags = FLAG_ADVERSARIAL
        t = self.tick + 1
        if t >= self.stride:
            t = 0
            w = self.wpos
            if self.stored < hist:
                self.stored += 1
            else:
                old = prints[w]
                if store is not None:
                    store.add(old ^ self.salt, checks[w])
                b = (old ^ (old >> 13)) & mask
                if counts[b] < 255:
                    counts[b] -= 1
            prints[w] = fp
            checks[w] = h3
            b = (fp ^ (fp >> 13)) & mask
            if counts[b] < 255:
                counts[b] += 1
            self.wpos = w + 1 if w + 1 < hist else 0
        self.tick = t
        return self.flags
