"""Fingerprint store: the last ``size`` replay fingerprints of every channel, in fixed RAM.

The replay detectors' own rings remember the last few dozen windows of one
channel; a spoofer who recorded the node minutes ago replays a stretch older
than that. This store keeps the prints the rings push out (channel index
mixed into the print by the detector), shared by all channels, so the node
recognises any stretch it saw in its last ``size`` stored windows.

What it answers: ``contains(fp, key)`` is True exactly when one of the last
``size`` calls ``add(fp', key')`` had ``fp' == fp`` and the same bucket,
``key' & (size // 2 - 1) == key & (size // 2 - 1)``. A key is a 30-bit print
plus a bucket chosen by an independent 15-bit hash, so two different windows
collide with probability about 2**-41 per stored print (``size = 4096``: 30
bits of print and 11 of bucket).

Layout (three arrays made once, ``size`` a power of two, 2..16384):

- ``prints`` (``i``, 4 B a print): a ring of prints in insertion order;
- ``back`` (``H``, 2 B a print): how many insertions back the previous print
  of the same bucket went in (0: none);
- ``head`` (``H``, ``size // 2`` buckets: 1 B a print): the insertion number,
  modulo 2**15, of the bucket's newest print (``0xFFFF``: empty).

7 bytes a print: ``size = 4096`` takes 28,672 B (the bucket is implied by
the chain a print sits on, so it is not stored with the print). An insertion
is O(1): it writes one slot, one link and one head, and clears one bucket's
head if that bucket's newest print has left the ring (every bucket comes
round once in ``size // 2`` insertions, so a head is never more than
``size + size // 2`` insertions old when it is read: less than 2**15, so the
15-bit insertion numbers never alias). A lookup walks one bucket's chain,
newest first, 2 prints on average when full, at most ``_PROBES`` (32): a
bucket holding more than 32 of the stored prints (below 1e-24 for a full
4096-print store with random keys; only a window stored over and over gets
there) answers from its 32 newest. Nothing is allocated after construction.

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

_SEQ_MASK = const(0x3FFFFFFF)       # insertion numbers (a multiple of every size: slots wrap with them)
_AGE_MASK = const(0x7FFF)           # a head's insertion number modulo 2**15
_EMPTY = const(0xFFFF)
_PROBES = const(32)                 # a lookup's longest walk


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
        self.head = zeros("H", nb)          # newest insertion number per bucket, mod 2**15; _EMPTY = none
        self.reset()

    def reset(self):
        head = self.head
        for i in range(len(head)):
            head[i] = _EMPTY
        prints = self.prints
        back = self.back
        for i in range(self.size):
            prints[i] = 0
            back[i] = 0
        self.seq = 0          # insertion number of the next print
        self.count = 0

    def add(self, fp, key):
        """Store print ``fp`` (|fp| < 2**30) under bucket key ``key`` (>= 0)."""
        seq = self.seq
        size = self.size
        head = self.head
        bmask = self.bmask
        if self.count < size:
            self.count += 1
        # Once this print is in, the ring holds insertions seq - size + 1 .. seq: a head older
        # than that (age >= size) names a print that is gone. Sweep one bucket per insertion.
        j = seq & bmask
        h = head[j]
        if h != _EMPTY and ((seq - h) & _AGE_MASK) >= size:
            head[j] = _EMPTY
        b = key & bmask
        h = head[b]
        d = 0
        if h != _EMPTY:
            d = (seq - h) & _AGE_MASK
            if d >= size:
                d = 0
        slot = seq & self.mask
        self.back[slot] = d
        self.prints[slot] = fp
        head[b] = seq & _AGE_MASK
        self.seq = (seq + 1) & _SEQ_MASK

    def contains(self, fp, key):
        """True when print ``fp`` with bucket key ``key`` is among the stored ones."""
        h = self.head[key & self.bmask]
        if h == _EMPTY:
            return False
        seq = self.seq
        size = self.size
        age = (seq - h) & _AGE_MASK       # 1 for the newest print
        if age > size:
            return False
        prints = self.prints
        back = self.back
        mask = self.mask
        for _ in range(_PROBES):
            slot = (seq - age) & mask
            if prints[slot] == fp:
                return True
            d = back[slot]
            if d == 0:
                return False
            age += d
            if age > size:
                return False
        return False
