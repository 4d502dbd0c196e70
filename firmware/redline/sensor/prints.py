"""Fingerprint store: the last ``size`` replay fingerprints of every channel, in fixed RAM.

The replay detectors' own rings remember the last few dozen windows of one
channel; a spoofer who recorded the node minutes ago replays a stretch older
than that. This store keeps the prints the rings push out (channel index
mixed into the print by the detector), shared by all channels, so the node
recognises any stretch it saw in its last ``size`` stored windows.

Layout (all preallocated, ``size`` a power of two): a ring of prints in
insertion order, and ``size // 2`` hash buckets, each holding the sequence
number of its newest print; every print links to the previous print of its
bucket by the distance back in sequence numbers (``H``: 2 bytes). A key is a
30-bit print plus a bucket chosen by an independent 15-bit hash, so two
different windows collide with probability about 2**-41 per stored print.
``contains`` walks one bucket's chain (0.5 prints on average when full):
an empty bucket answers in O(1). The oldest print is dropped when a new one
arrives; a bucket whose newest print is dropped is emptied then, so no chain
ever reaches a print older than ``size`` insertions. Sequence numbers wrap
at 2**30 (small ints on a 32-bit board). RAM: 4 (print) + 2 (link) + 2
(bucket) + 2 (half a bucket head) bytes per print: ``size = 4096`` takes
40 KiB.

Example::

    >>> from redline.sensor.prints import FingerprintStore
    >>> st = FingerprintStore(4)
    >>> for p in (11, 22, 33, 44):
    ...     st.add(p, p & 255)
    >>> st.contains(22, 22), st.contains(23, 22)
    (True, False)
    >>> st.add(55, 55)                 # full: 11, the oldest, is dropped
    >>> st.contains(11, 11), st.contains(55, 55)
    (False, True)
"""
from redline.compat import const, zeros

_SEQ_MASK = const(0x3FFFFFFF)


class FingerprintStore:
    def __init__(self, size):
        if size < 2 or size > 16384 or size & (size - 1):
            raise ValueError("fingerprint store size must be a power of two, 2..16384")
        self.size = size
        self.mask = size - 1
        nb = size >> 1
        self.bmask = nb - 1
        self.prints = zeros("i", size)
        self.back = zeros("H", size)        # distance to the previous print of the bucket; 0 = none
        self.buckets = zeros("H", size)     # bucket of each stored print
        self.head = zeros("i", nb)          # newest sequence number per bucket; -1 = empty
        self.reset()

    def reset(self):
        head = self.head
        for i in range(len(head)):
            head[i] = -1
        prints = self.prints
        back = self.back
        for i in range(self.size):
            prints[i] = 0
            back[i] = 0
            self.buckets[i] = 0
        self.seq = 0          # sequence number of the next print
        self.count = 0

    def add(self, fp, key):
        """Store print ``fp`` (|fp| < 2**30) under bucket key ``key`` (>= 0)."""
        seq = self.seq
        size = self.size
        mask = self.mask
        slot = seq & mask
        head = self.head
        bmask = self.bmask
        if self.count == size:
            # The slot holds the oldest print (seq - size); empty its bucket if it is the newest there.
            old = (seq - size) & _SEQ_MASK
            ob = self.buckets[slot]
            if head[ob] == old:
                head[ob] = -1
        else:
            self.count += 1
        b = key & bmask
        h = head[b]
        self.back[slot] = ((seq - h) & _SEQ_MASK) if h >= 0 else 0
        self.prints[slot] = fp
        self.buckets[slot] = b
        head[b] = seq
        self.seq = (seq + 1) & _SEQ_MASK

    def contains(self, fp, key):
        """True when print ``fp`` with bucket key ``key`` is among the stored ones."""
        s = self.head[key & self.bmask]
        if s < 0:
            return False
        prints = self.prints
        back = self.back
        mask = self.mask
        seq = self.seq
        size = self.size
        while True:
            slot = s & mask
            if prints[slot] == fp:
                return True
            d = back[slot]
            if d == 0:
                return False
            s = (s - d) & _SEQ_MASK
            if ((seq - s) & _SEQ_MASK) > size:
                return False
