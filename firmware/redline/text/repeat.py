"""RepetitionDetector: the same message over and over (FLAG_STUCK).

``update(hi, lo)`` takes a 31/32-bit fingerprint of one message as two 16-bit
halves (the pipeline passes the Adler-32 anchor the sifter already computed, so
detection costs no extra pass over the text); ``update_bytes`` hashes bytes with
FNV-1a-32 (llmosafe's hash) in halves. STUCK is set once ``max_repetitions``
consecutive identical fingerprints were seen. Example on a seeded stream::

    >>> from redline.text.repeat import RepetitionDetector
    >>> from redline.codes import FLAG_STUCK
    >>> d = RepetitionDetector(3)
    >>> seed = 7
    >>> for i in range(12):
    ...     seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    ...     msg = b"status ok" if i >= 8 else b"reading %d" % (seed % 100)
    ...     _ = d.update_bytes(msg)
    >>> d.count, d.flags == FLAG_STUCK     # the last four messages are identical
    (4, True)
"""
from array import array

from redline.compat import const
from redline.codes import FLAG_STUCK

_FNV_HI = const(0x811C)   # FNV-1a-32 offset basis 2166136261, high half
_FNV_LO = const(0x9DC5)
_HISTORY = const(8)


class RepetitionDetector:
    def __init__(self, max_repetitions=3):
        if max_repetitions < 1:
            raise ValueError("repetition: max_repetitions must be >= 1")
        self.max_repetitions = max_repetitions
        self._hist_hi = array("H", [0] * _HISTORY)
        self._hist_lo = array("H", [0] * _HISTORY)
        self.reset()

    def reset(self):
        self.count = 0
        self.last_hi = 0
        self.last_lo = 0
        self._pos = 0
        self._filled = 0
        self.flags = 0

    def update(self, hi, lo):
        if self.count > 0 and hi == self.last_hi and lo == self.last_lo:
            if self.count < 0x3FFFFFFF:
                self.count += 1
        else:
            self.count = 1
            self.last_hi = hi
            self.last_lo = lo
        p = self._pos
        self._hist_hi[p] = hi
        self._hist_lo[p] = lo
        p += 1
        self._pos = 0 if p == _HISTORY else p
        if self._filled < _HISTORY:
            self._filled += 1
        self.flags = FLAG_STUCK if self.count >= self.max_repetitions else 0
        return self.flags

    def update_bytes(self, data, length=-1):
        """Fingerprint ``data`` with FNV-1a-32 (llmosafe's hash_str) and update."""
        n = len(data) if length < 0 else length
        hi = _FNV_HI
        lo = _FNV_LO
        for i in range(n):
            lo ^= data[i]
            t = lo * 0x193
            # h * 0x01000193 mod 2**32 in halves: the 0x01000000 part only moves lo into hi
            hi = (hi * 0x193 + ((lo & 0xFF) << 8) + (t >> 16)) & 0xFFFF
            lo = t & 0xFFFF
        return self.update(hi, lo)

    def unique_patterns(self):
        """Distinct fingerprints among the last 8 updates."""
        hh = self._hist_hi
        hl = self._hist_lo
        n = self._filled
        u = 0
        for i in range(n):
            dup = False
            for j in range(i):
                if hh[j] == hh[i] and hl[j] == hl[i]:
                    dup = True
                    break
            if not dup:
                u += 1
        return u
