"""Halting rules that redline is measured against, on the same integer readings.

Every rule is a multi-channel *halting rule*: ``update(row) -> bool`` (True =
halt on this sample; ``row`` holds one integer reading per channel) and
``reset()`` (clear detection state after the operator resets the latch; what
was learned during warm-up is kept). A per-run warm-up is given by
``begin_run()`` followed by ``warm(row)`` for the first samples of a run.

    from redline_host.sensor.baselines import make_baseline
    rule = make_baseline("page-hinkley", channels=8, param=25.0)
    rule.begin_run()
    for row in warmup_rows: rule.warm(row)
    halted = [rule.update(row) for row in rows]

The rules:

- ``page-hinkley``, ``adwin``, ``kswin``: river's drift detectors (one per
  channel, halt when any reports drift), fed ``(x - mean) / std`` with mean and
  std learned over the run's warm-up (river's detectors are scale-dependent and
  the channels differ by orders of magnitude). Parameter: PageHinkley
  ``threshold``, ADWIN ``delta``, KSWIN ``alpha``.
- ``zscore``: halt when ``|x - mean| / std > param`` on any channel (mean, std
  from the warm-up).
- ``llmosafe-cusum``: llmosafe's CusumDetector with its defaults (mu 0, k 50,
  h 200) on the raw integers, two-sided, never forgets (spec §8.4). No
  parameter: these are the defaults a user of llmosafe gets.
- ``llmosafe-memory``: llmosafe's working-memory statistics (64-slot ring that
  starts as zeros, least-squares trend, drifting when ``|trend| > 10``) on the
  raw integers (spec §5). No parameter.

:func:`tune` picks a rule's parameter on nominal data to meet a false-halt
budget (see its docstring).
"""
import math

import numpy as np

# name -> (parameter name, candidates from most to least sensitive)
PARAM_GRIDS = {
    "page-hinkley": ("threshold", (5.0, 10.0, 15.0, 20.0, 30.0, 50.0, 75.0, 100.0, 150.0, 250.0, 400.0, 700.0, 1000.0)),
    "adwin": ("delta", (0.1, 0.02, 0.002, 2e-4, 2e-5, 2e-6, 2e-8, 2e-10, 2e-13, 2e-16, 2e-20)),
    "kswin": ("alpha", (0.005, 5e-4, 5e-5, 5e-6, 5e-7, 5e-8, 5e-10, 5e-12)),
    "zscore": ("z", (3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0, 20.0, 30.0, 50.0, 100.0)),
    "llmosafe-cusum": (None, (None,)),
    "llmosafe-memory": (None, (None,)),
}
BASELINES = tuple(PARAM_GRIDS)


class _Normaliser:
    """Per-channel mean and std over the warm-up rows (std at least 1 count)."""

    def __init__(self, channels):
        self.channels = channels
        self.begin_run()

    def begin_run(self):
        self._rows = []
        self._stats = None

    def warm(self, row):
        self._rows.append([int(row[c]) for c in range(self.channels)])
        self._stats = None

    def stats(self):
        """``(mean, std)`` lists; mean 0 and std 1 before any warm-up row."""
        if self._stats is None:
            if self._rows:
                a = np.asarray(self._rows, dtype=np.float64)
                self._stats = (a.mean(axis=0).tolist(), np.maximum(a.std(axis=0), 1.0).tolist())
            else:
                self._stats = ([0.0] * self.channels, [1.0] * self.channels)
        return self._stats


class RiverRule:
    """One river drift detector per channel on warm-up-normalised readings."""

    def __init__(self, kind, channels, param, seed=0):
        self.kind = kind
        self.channels = channels
        self.param = param
        self.seed = seed
        self._norm = _Normaliser(channels)
        self.reset()

    def _make(self, c):
        from river import drift

        if self.kind == "page-hinkley":
            return drift.PageHinkley(threshold=self.param, mode="both")
        if self.kind == "adwin":
            return drift.ADWIN(delta=self.param)
        if self.kind == "kswin":
            return drift.KSWIN(alpha=self.param, seed=self.seed + c)
        raise ValueError("unknown river rule %r" % self.kind)

    def begin_run(self):
        self._norm.begin_run()
        self.reset()

    def warm(self, row):
        self._norm.warm(row)

    def reset(self):
        self._det = [self._make(c) for c in range(self.channels)]

    def update(self, row):
        mean, std = self._norm.stats()
        fired = False
        for c in range(self.channels):
            d = self._det[c]
            d.update((row[c] - mean[c]) / std[c])
            if d.drift_detected:
                fired = True
        return fired


class ZScoreRule:
    """Halt when any channel lies more than ``z`` warm-up stds from the warm-up mean."""

    def __init__(self, channels, z):
        self.channels = channels
        self.z = z
        self._norm = _Normaliser(channels)

    def begin_run(self):
        self._norm.begin_run()

    def warm(self, row):
        self._norm.warm(row)

    def reset(self):
        pass

    def update(self, row):
        (mean, std), z = self._norm.stats(), self.z
        for c in range(self.channels):
            if abs(row[c] - mean[c]) > z * std[c]:
                return True
        return False


class LlmosafeCusum:
    """llmosafe's two-sided CUSUM per channel: mu 0, k 50, h 200, strict ``>``, no forgetting."""

    def __init__(self, channels, mu=0, k=50, h=200):
        self.channels = channels
        self.mu, self.k, self.h = mu, k, h
        self.reset()

    def begin_run(self):
        self.reset()

    def warm(self, row):
        self.update(row)   # llmosafe has no warm-up: it accumulates from the first sample

    def reset(self):
        self.hi = [0] * self.channels
        self.lo = [0] * self.channels

    def update(self, row):
        fired = False
        for c in range(self.channels):
            d = row[c] - self.mu
            self.hi[c] = max(0, self.hi[c] + d - self.k)
            self.lo[c] = max(0, self.lo[c] - d - self.k)
            if self.hi[c] > self.h or self.lo[c] > self.h:
                fired = True
        return fired


class MemoryTrend:
    """llmosafe's working-memory statistics: SIZE slots (zeros at start), trend over all slots."""

    def __init__(self, size=64, threshold=10.0):
        if size < 1:
            raise ValueError("size must be >= 1")
        self.size = size
        self.threshold = threshold
        n = size
        self._sx = n * (n - 1) // 2
        self._den = n * (n * (n - 1) * (2 * n - 1) // 6) - self._sx * self._sx
        self.reset()

    def reset(self):
        self.slots = [0] * self.size
        self.index = 0

    def push(self, v):
        self.slots[self.index] = v
        self.index = (self.index + 1) % self.size

    def mean(self):
        return sum(self.slots) / self.size

    def trend(self):
        """Least-squares slope, x = 0 for the oldest slot (the one at the write index)."""
        if self._den == 0:
            return 0.0
        n = self.size
        sy = 0
        sxy = 0
        for x in range(n):
            y = self.slots[(self.index + x) % n]
            sy += y
            sxy += x * y
        return (n * sxy - self._sx * sy) / self._den

    def is_drifting(self):
        return abs(self.trend()) > self.threshold


class LlmosafeMemory:
    """Halt when any channel's 64-slot memory trend exceeds 10 in magnitude (llmosafe defaults)."""

    def __init__(self, channels, size=64, threshold=10.0):
        self.channels = channels
        self._mem = [MemoryTrend(size, threshold) for _ in range(channels)]

    def begin_run(self):
        self.reset()

    def warm(self, row):
        for c in range(self.channels):
            self._mem[c].push(int(row[c]))

    def reset(self):
        for m in self._mem:
            m.reset()

    def update(self, row):
        fired = False
        for c in range(self.channels):
            m = self._mem[c]
            m.push(int(row[c]))
            if m.is_drifting():
                fired = True
        return fired


def make_baseline(name, channels, param=None, seed=0):
    """A fresh halting rule ``name`` for ``channels`` channels (``param`` as in PARAM_GRIDS)."""
    if name in ("page-hinkley", "adwin", "kswin"):
        return RiverRule(name, channels, param, seed=seed)
    if name == "zscore":
        return ZScoreRule(channels, param)
    if name == "llmosafe-cusum":
        return LlmosafeCusum(channels)
    if name == "llmosafe-memory":
        return LlmosafeMemory(channels)
    raise ValueError("unknown baseline %r (known: %s)" % (name, ", ".join(BASELINES)))


def tune(name, channels, nominal_runs, budget_per_sample, run_rule, seed=0):
    """Choose ``name``'s parameter on nominal data to meet a false-halt budget.

    Walks the candidates of ``PARAM_GRIDS[name]`` from the most sensitive to the
    least and returns ``(param, false_halts, samples)`` for the first one whose
    false halts on ``nominal_runs`` (each a ``(rows, channels)`` int array, run
    through ``run_rule(rule, values) -> halt indices`` with the evaluation's
    warm-up and latch protocol) are at most ``floor(budget * samples)``; when
    none meets it, the least sensitive. Rules without a parameter return
    ``(None, ...)`` with their count.
    """
    _, grid = PARAM_GRIDS[name]
    samples = sum(_armed_samples(v, run_rule) for v in nominal_runs)
    allowed = math.floor(budget_per_sample * samples)
    last = None
    for p in grid:
        rule = make_baseline(name, channels, p, seed=seed)
        halts = 0
        for v in nominal_runs:
            halts += len(run_rule(rule, v))
            if halts > allowed:
                break
        last = (p, halts, samples)
        if halts <= allowed:
            return last
    return last


def _armed_samples(values, run_rule):
    warm = getattr(run_rule, "warmup", 0)
    return max(0, int(values.shape[0]) - warm)
