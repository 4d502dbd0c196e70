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

Layout (two arrays made once, ``size`` a power of two, 2..16384):

- ``words`` (``i``): five header slots (insertion number of the next print,
  prints stored, size, size - 1, buckets - 1), then ``prints`` (4 B a print): a
  ring of prints in insertion order;
- ``halves`` (``H``): ``back`` (2 B a print): how many insertions back the
  previous print of the same bucket went in (0: none), then ``head``
  (``size // 2`` buckets: 1 B a print): the insertion number, modulo 2**15, of
  the bucket's newest print (``0xFFFF``: empty).

``prints``, ``back`` and ``head`` are memoryviews of those parts (inspection);
the work is done by ``contains(words, halves, fp, key)`` and ``add(words,
halves, fp, key)``, module functions over the two arrays so the replay step
(``redline.sensor.rstep``) reaches them without a Python method call; their
viper builds (``redline.sensor.rstep_viper``) run where the emitter exists
(the boards), these twins elsewhere (identical results, line for line).

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
_HDR = const(5)                     # words: seq, count, size, size - 1, buckets - 1, then the prints


def contains(w, hb, fp, key):
    """1 when print ``fp`` with bucket key ``key`` is in the store of arrays ``w``, ``hb``, else 0."""
    size = w[2]
    h = hb[size + (key & w[4])]
    if h == _EMPTY:
        return 0
    seq = w[0]
    age = (seq - h) & _AGE_MASK       # 1 for the newest print
    if age > size:
        return 0
    mask = w[3]
    n = _PROBES
    while n > 0:
        slot = (seq - age) & mask
        if w[_HDR + slot] == fp:
            return 1
        d = hb[slot]
        if d == 0:
            return 0
        age += d
        if age > size:
            return 0
        n -= 1
    return 0


def add(w, hb, fp, key):
    """Store print ``fp`` (0 <= fp < 2**30) under bucket key ``key`` (>= 0) in arrays ``w``, ``hb``."""
    seq = w[0]
    size = w[2]
    bmask = w[4]
    if w[1] < size:
        w[1] = w[1] + 1
    # Once this print is in, the ring holds insertions seq - size + 1 .. seq: a head older
    # than that (age >= size) names a print that is gone. Sweep one bucket per insertion.
    j = size + (seq & bmask)
    h = hb[j]
    if h != _EMPTY and ((seq - h) & _AGE_MASK) >= size:
        hb[j] = _EMPTY
    b = size + (key & bmask)
    h = hb[b]
    d = 0
    if h != _EMPTY:
        d = (seq - h) & _AGE_MASK
        if d >= size:
            d = 0
    slot = seq & w[3]
    hb[slot] = d
    w[_HDR + slot] = fp
    hb[b] = seq & _AGE_MASK
    w[0] = (seq + 1) & _SEQ_MASK
    return 0


try:  # the viper builds where the emitter exists (the boards, the unix port)
    from redline.sensor.rstep_viper import contains_viper as _contains, add_viper as _add
except (ImportError, SyntaxError):  # CPython, WebAssembly: the twins above
    _contains = contains
    _add = add


class FingerprintStore:
    def __init__(self, size):
        if size < 2 or size > 16384 or size & (size - 1):
            raise ValueError("fingerprint store size must be a power of two, 2..16384")
        self.size = size
        nb = size >> 1
        self.words = zeros("i", _HDR + size)
        self.halves = zeros("H", size + nb)
        w = self.words
        w[2] = size
        w[3] = size - 1
        w[4] = nb - 1
        self.prints = memoryview(w)[_HDR:]
        self.back = memoryview(self.halves)[:size]      # distance to the previous print of the bucket; 0 = none
        self.head = memoryview(self.halves)[size:]      # newest insertion number per bucket, mod 2**15; _EMPTY = none
        self.reset()

    @property
    def seq(self):
        """Insertion number of the next print."""
        return self.words[0]

    @seq.setter
    def seq(self, v):
        self.words[0] = v

    @property
    def count(self):
        """Prints stored (at most ``size``)."""
        return self.words[1]

    def reset(self):
        hb = self.halves
        size = self.size
        for i in range(size):
            hb[i] = 0
        for i in range(size, len(hb)):
            hb[i] = _EMPTY
        w = self.words
        for i in range(_HDR, len(w)):
            w[i] = 0
        w[0] = 0
        w[1] = 0

    def add(self, fp, key):
        """Store print ``fp`` (0 <= fp < 2**30) under bucket key ``key`` (>= 0)."""
        _add(self.words, self.halves, fp, key)

    def contains(self, fp, key):
        """True when print ``fp`` with bucket key ``key`` is among the stored ones."""
        return _contains(self.words, self.halves, fp, key) == 1
