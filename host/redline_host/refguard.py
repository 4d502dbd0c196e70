"""Host reference of the calibrated per-channel detectors, as a halting rule and as statistics.

The calibrator needs each detector's statistic on nominal data (vectorised,
many segments) and the evaluation needs the same detectors sample by sample.
Both live here so they cannot disagree. Readings are standardised per run:
``z = (x - mean) / std`` with mean and std of the run's warm-up (std at least
one count). Detectors, each with one threshold per channel:

- ``surprise``: ``|z| > T``.
- ``cusum``: two-sided CUSUM on z with allowance ``K`` = 0.5 (in std) that
  leaks 2**-LEAK_SHIFT per sample, ``s+ = max(0, s+ + z - K)``, then
  ``s+ -= s+ / 2**LEAK_SHIFT`` (same for ``s-`` with ``-z``); halt when either > T.
- ``drift``: EWMA of z with weight 2**-DRIFT_SHIFT, ``|ewma| > T``.

These mirror the firmware's CusumDetector (k, h, leak_shift) and
DriftDetector (limit, shift) in floating point, so a threshold chosen here is
the firmware's threshold (times 256 for its Q8 units).
- ``stuck``: the same raw value ``T`` or more times in a row.
- ``slew``: ``|x[t] - x[t-1]| / std > T``.

    from redline_host.refguard import ReferenceGuard
    rule = ReferenceGuard({"surprise": [6.0], "cusum": [20.0], "drift": [2.0],
                           "stuck": [30], "slew": [6.0]})
"""
import numpy as np

DETECTORS = ("surprise", "cusum", "drift", "stuck", "slew")
K = 0.5
LEAK = 1.0 / 64.0        # firmware CUSUM_LEAK = 6
DRIFT_ALPHA = 1.0 / 16.0  # firmware DRIFT_SHIFT = 4
DRIFT_WINDOW = 32        # shortest stretch after the warm-up that calibration considers


def standardise(seg, warmup):
    """``(z, mean, std)`` of a segment (rows x channels) against its warm-up."""
    w = seg[:warmup].astype(np.float64)
    mean = w.mean(axis=0)
    std = np.maximum(w.std(axis=0), 1.0)
    return (seg.astype(np.float64) - mean) / std, mean, std


def statistics(seg, warmup):
    """Per-sample statistic of every detector after the warm-up: dict name -> (rows - warmup, channels)."""
    z, mean, std = standardise(seg, warmup)
    n, c = z.shape
    out = {"surprise": np.abs(z[warmup:])}
    # CUSUM: a loop in time, vectorised over channels.
    hi = np.zeros(c)
    lo = np.zeros(c)
    cs = np.empty((n - warmup, c))
    for t in range(warmup, n):
        hi = np.maximum(0.0, hi + z[t] - K)
        lo = np.maximum(0.0, lo - z[t] - K)
        hi -= hi * LEAK
        lo -= lo * LEAK
        cs[t - warmup] = np.maximum(hi, lo)
    out["cusum"] = cs
    e = np.zeros(c)
    dr = np.empty((n - warmup, c))
    for t in range(warmup, n):
        e += (z[t] - e) * DRIFT_ALPHA
        dr[t - warmup] = np.abs(e)
    out["drift"] = dr
    # stuck: length of the current run of identical raw values.
    raw = seg
    same = np.vstack([np.zeros((1, c), dtype=bool), raw[1:] == raw[:-1]])
    run = np.zeros((n, c))
    for t in range(1, n):
        run[t] = np.where(same[t], run[t - 1] + 1, 0)
    out["stuck"] = (run + 1)[warmup:]
    d = np.vstack([np.zeros((1, c)), np.abs(np.diff(seg.astype(np.float64), axis=0))]) / std
    out["slew"] = d[warmup:]
    return out


class ReferenceGuard:
    """Halting rule: any detector of any channel over its threshold halts.

    ``thresholds``: dict detector -> list (one per channel); a detector absent
    from the dict, or a threshold of None, is off. ``only`` restricts to one
    detector (per-detector evaluation). ``last_reason`` names what halted.
    """

    def __init__(self, thresholds, only=None):
        self.thresholds = thresholds
        self.only = only
        self.channels = len(next(iter(thresholds.values())))
        self._rows = []
        self.last_reason = None
        self.begin_run()

    def _on(self, name):
        return name in self.thresholds and (self.only is None or self.only == name)

    def begin_run(self):
        self._rows = []
        self.reset()
        self._stats = None

    def warm(self, row):
        self._rows.append([int(row[c]) for c in range(self.channels)])
        self._stats = None
        self._prev = list(self._rows[-1])

    def _ensure(self):
        if self._stats is None:
            if self._rows:
                a = np.asarray(self._rows, dtype=np.float64)
                self._stats = (a.mean(axis=0).tolist(), np.maximum(a.std(axis=0), 1.0).tolist())
            else:
                self._stats = ([0.0] * self.channels, [1.0] * self.channels)

    def reset(self):
        c = self.channels
        self.hi = [0.0] * c
        self.lo = [0.0] * c
        self.run = [1] * c
        self._prev = None   # the plant was stopped: no previous reading to compare
        self.ewma = [0.0] * c

    def update(self, row):
        self._ensure()
        mean, std = self._stats
        th = self.thresholds
        zs = [(row[c] - mean[c]) / std[c] for c in range(self.channels)]
        reason = None
        for c in range(self.channels):
            z = zs[c]
            self.hi[c] = max(0.0, self.hi[c] + z - K)
            self.lo[c] = max(0.0, self.lo[c] - z - K)
            self.hi[c] -= self.hi[c] * LEAK
            self.lo[c] -= self.lo[c] * LEAK
            self.ewma[c] += (z - self.ewma[c]) * DRIFT_ALPHA
            prev = self._prev[c] if self._prev is not None else None
            self.run[c] = self.run[c] + 1 if prev is not None and row[c] == prev else 1
            if reason is not None:
                continue
            if self._on("surprise") and th["surprise"][c] is not None and abs(z) > th["surprise"][c]:
                reason = "surprise"
            elif self._on("cusum") and th["cusum"][c] is not None and max(self.hi[c], self.lo[c]) > th["cusum"][c]:
                reason = "cusum"
            elif self._on("stuck") and th["stuck"][c] is not None and self.run[c] >= th["stuck"][c]:
                reason = "stuck"
            elif self._on("slew") and th["slew"][c] is not None and prev is not None \
                    and abs(row[c] - prev) / std[c] > th["slew"][c]:
                reason = "slew"
            elif self._on("drift") and th["drift"][c] is not None and abs(self.ewma[c]) > th["drift"][c]:
                reason = "drift"
            if reason is not None:
                self.last_reason = "%s:%d" % (reason, c)
        self._prev = [int(row[c]) for c in range(self.channels)]
        return reason is not None
