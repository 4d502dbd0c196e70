"""TrackingCusum: a sustained shift of a gauge away from its tracked reference (FLAG_ANOMALY).

Two-sided CUSUM on the deviation d = x - reference, with the allowance ``k`` and
the decision interval ``h`` in the units of x (0..65535 for the pipeline's
manipulation probability):

    s_high = min(cap, max(0, s_high + d - k));  s_low = min(cap, max(0, s_low - d - k))
    ANOMALY <=> s_high > h or s_low > h

The reference starts at ``reference`` (or the first sample when None) and, unless
``track_shift`` is 0, follows the input slowly (reference += d >> track_shift, eight
times slower while alarming), so a level the stream settles on stops being an
anomaly but a short burst hardly moves it; the sums are capped at
``cap`` (2h by default) so an alarm clears soon after the shift ends. llmosafe
ran CUSUM on raw entropy around 0 with k = 50, h = 200 and never forgot: it
flagged nearly every input (spec §17 defect 7). Example on a seeded stream::

    >>> from redline.text.cusum import TrackingCusum
    >>> d = TrackingCusum(k=4000, h=16000)
    >>> seed = 5
    >>> alarms = 0
    >>> for i in range(60):
    ...     seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    ...     noise = (seed >> 16) % 3000
    ...     x = 10000 + noise + (30000 if 20 <= i < 30 else 0)
    ...     _ = d.update(x)
    ...     alarms += 1 if d.flags else 0
    >>> alarms, d.flags      # alarms from the shift's first sample to just after it; quiet at the end
    (13, 0)
"""
from redline.codes import FLAG_ANOMALY


class TrackingCusum:
    def __init__(self, k=16384, h=32768, reference=None, track_shift=5, cap=None):
        if not (0 <= k < (1 << 20)) or not (0 < h < (1 << 20)):
            raise ValueError("cusum: need 0 <= k < 2**20 and 0 < h < 2**20")
        if not (0 <= track_shift <= 16):
            raise ValueError("cusum: track_shift must be 0..16")
        if cap is None:
            cap = 2 * h
        if cap < h:
            raise ValueError("cusum: cap must be >= h")
        self.k = k
        self.h = h
        self.initial_reference = reference
        self.track_shift = track_shift
        self.cap = cap
        self.reset()

    def reset(self):
        self.s_high = 0
        self.s_low = 0
        ref = self.initial_reference
        self.seeded = ref is not None
        self.reference = ref if ref is not None else 0
        self.flags = 0

    def update(self, x):
        if not self.seeded:
            self.reference = x
            self.seeded = True
        d = x - self.reference
        k = self.k
        cap = self.cap
        s = self.s_high + d - k
        self.s_high = 0 if s < 0 else (cap if s > cap else s)
        s = self.s_low - d - k
        self.s_low = 0 if s < 0 else (cap if s > cap else s)
        h = self.h
        alarm = self.s_high > h or self.s_low > h
        shift = self.track_shift
        if shift:
            # while alarming the reference follows 8x slower: a burst barely moves it,
            # a level the stream keeps is still absorbed in time
            self.reference += d >> (shift + 3 if alarm else shift)
        self.flags = FLAG_ANOMALY if alarm else 0
        return self.flags

    def detected(self):
        return self.flags != 0
