"""Detection quality of halting rules on labelled runs: episodes, delay, false halts, NAB score.

A *halting rule* (see :mod:`redline_host.sensor.baselines`) sees one row of integer
readings per sample and answers halt or not. :class:`Protocol` fixes how a
run is replayed, the same for every rule::

    from redline_host.sensor.evaluate import Protocol, score_runs
    protocol = Protocol(warmup=100, hold=60)
    halts = [protocol(rule, run.values) for run in runs]
    score = score_runs(runs, halts, protocol)
    score.detection_rate, score.median_delay, score.false_per_100k

Replay protocol: the first ``warmup`` samples of a run are given to
``rule.warm`` (no halts possible). From then on every sample goes to
``rule.update``; a halt latches the actuator off, the next ``hold`` samples are
not fed (the plant is stopped), then the operator resets the latch: the rule's
``reset()`` runs and feeding resumes.

Scoring: a fault episode ``[onset, end)`` counts as detected when a halt lies
in ``[onset, max(end, onset + grace))``; its delay is the first such halt minus
the onset. Every other halt after the warm-up is a false halt. Nominal samples
are the samples after the warm-up outside every detection window. Episodes
whose onset falls inside the warm-up are not scored (NAB's probationary
period). NAB score (standard profile): see :func:`nab_score`.
"""
import math
from dataclasses import dataclass, field

import numpy as np

WARMUP = 100   # samples; SKAB's earliest onset is row 104
HOLD = 60      # samples the latch holds before the operator resets it
GRACE = 60     # a halt within this many samples of the onset counts even after a short episode

# NAB's standard profile.
A_TP = 1.0
A_FP = -0.11
A_FN = -1.0


@dataclass
class Protocol:
    """Replay rule: warm-up length, latch hold, detection grace (all in samples)."""

    warmup: int = WARMUP
    hold: int = HOLD
    grace: int = GRACE

    def __call__(self, rule, values, on_halt=None):
        """Halt rows of ``rule`` over ``values`` (rows x channels ints)."""
        rows = values.tolist() if hasattr(values, "tolist") else values
        n = len(rows)
        rule.begin_run()
        w = min(self.warmup, n)
        for t in range(w):
            rule.warm(rows[t])
        halts = []
        t = w
        while t < n:
            if rule.update(rows[t]):
                halts.append(t)
                if on_halt is not None:
                    on_halt(t, rule)
                t += self.hold + 1
                if t < n:
                    rule.reset()
            else:
                t += 1
        return halts


def scaled_sigmoid(y):
    """NAB's weighting of a detection at relative position ``y`` (window end = 0)."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def nab_score(halts, episodes, start=0):
    """NAB raw score of one series and its null and perfect scores.

    Windows ``[a, b)``; ``start`` = first scored row (rows before it and windows
    starting before it are ignored, NAB's probationary period). The first
    detection inside a window scores ``A_TP * scaled_sigmoid(-(b - 1 - i) / L)``
    (about 0.987 at the window start, 0 at its end); later ones in the same
    window are ignored; a window without one scores ``A_FN``. A detection
    outside every window scores ``A_FP`` times ``-scaled_sigmoid((i - (b - 1)) / L)``
    of the preceding window, or ``A_FP`` when no window precedes it.
    Returns ``(raw, null, perfect)``; the normalised score is
    ``100 * (raw - null) / (perfect - null)``.
    """
    wins = [(a, b) for a, b in episodes if a >= start]
    raw = 0.0
    null = A_FN * len(wins)
    perfect = 0.0
    for a, b in wins:
        L = b - a
        perfect += A_TP * scaled_sigmoid(-(L - 1) / L)
        first = next((i for i in halts if a <= i < b), None)
        if first is None:
            raw += A_FN
        else:
            raw += A_TP * scaled_sigmoid(-(b - 1 - first) / L)
    for i in halts:
        if i < start or any(a <= i < b for a, b in wins):
            continue
        prev = [(a, b) for a, b in wins if b <= i]
        if prev:
            a, b = prev[-1]
            raw += A_FP * -scaled_sigmoid((i - (b - 1)) / (b - a))
        else:
            raw += A_FP
    return raw, null, perfect


@dataclass
class Score:
    """Totals over a set of runs for one rule."""

    episodes: int = 0
    detected: int = 0
    delays: list = field(default_factory=list)
    false_halts: int = 0
    nominal_samples: int = 0
    nab_raw: float = 0.0
    nab_null: float = 0.0
    nab_perfect: float = 0.0
    per_run: list = field(default_factory=list)   # (name, detected, episodes, false halts)

    @property
    def detection_rate(self):
        return self.detected / self.episodes if self.episodes else float("nan")

    @property
    def median_delay(self):
        return float(np.median(self.delays)) if self.delays else float("nan")

    @property
    def false_per_100k(self):
        return 1e5 * self.false_halts / self.nominal_samples if self.nominal_samples else float("nan")

    @property
    def nab(self):
        d = self.nab_perfect - self.nab_null
        return 100.0 * (self.nab_raw - self.nab_null) / d if d else float("nan")


def score_run(halts, episodes, rows, protocol, score=None, name=""):
    """Add one run's halts (sorted rows) to ``score`` (a new Score when None)."""
    s = score if score is not None else Score()
    start = min(protocol.warmup, rows)
    eps = [(a, b) for a, b in episodes if a >= start]
    windows = [(a, max(b, a + protocol.grace)) for a, b in eps]
    in_window = np.zeros(rows, dtype=bool)
    for a, w in windows:
        in_window[a:min(w, rows)] = True
    det = 0
    for (a, _), (_, w) in zip(eps, windows):
        first = next((i for i in halts if a <= i < w), None)
        if first is not None:
            det += 1
            s.delays.append(first - a)
    false = sum(1 for i in halts if i >= start and not in_window[i])
    s.episodes += len(eps)
    s.detected += det
    s.false_halts += false
    s.nominal_samples += int(rows - start - in_window[start:].sum())
    raw, null, perfect = nab_score(halts, episodes, start)
    s.nab_raw += raw
    s.nab_null += null
    s.nab_perfect += perfect
    s.per_run.append((name, det, len(eps), false))
    return s


def score_runs(runs, halts_per_run, protocol):
    """One Score over ``runs`` (Tables) given each run's halt rows."""
    s = Score()
    for run, halts in zip(runs, halts_per_run):
        score_run(halts, run.episodes, run.rows, protocol, s, run.name)
    return s
