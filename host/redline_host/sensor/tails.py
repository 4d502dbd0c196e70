"""Tails of nominal statistics: the level a statistic exceeds at a given rate (peaks over threshold).

    from redline_host.sensor.tails import tail_level, stuck_threshold
    level, rate = tail_level(series, samples, share)   # exceeded ``share`` times per sample
    run, rate = stuck_threshold(readings, share)       # repeated-value run limit

A false halt is an *excursion* of a statistic over its threshold, so each
statistic is declustered: the peaks of its excursions above its 90th
percentile are collected over all runs, and the excesses of the top
``TAIL_PEAKS`` peaks over the next one are fitted with a generalised Pareto
law (method of moments, shape kept in [0, 0.5]). Stuck runs use the geometric
tail of repeated values. Used by ``redline_host.sensor.calibrate``.
"""
import math

import numpy as np

BASE_QUANTILE = 0.90     # declustering level: excursions above this percentile
TAIL_PEAKS = 100         # peaks used for the tail fit (at most)


def stuck_threshold(x, share):
    """Smallest run length L (repeats of one value) whose per-sample rate is within ``share``.

    The rate of runs reaching L is the larger of the empirical one and a
    geometric tail ``(1 - q) * q**(L - 1)``, q = fraction of samples equal to
    their predecessor (repeats taken as independent); L is always longer than
    the longest run seen. Returns ``(L, rate)``.
    """
    x = np.asarray(x)
    n = len(x)
    same = x[1:] == x[:-1]
    q = float(same.mean()) if n > 1 else 0.0
    lengths = []
    run = 1
    for i in range(1, n):
        if same[i - 1]:
            run += 1
        else:
            lengths.append(run)
            run = 1
    lengths.append(run)
    lengths = np.asarray(lengths)
    L = max(2, int(lengths.max()) + 1)
    while True:
        emp = float((lengths >= L).sum()) / n
        geo = (1.0 - q) * q ** (L - 1) if q < 1.0 else 1.0
        rate = max(emp, geo)
        if rate <= share or L > 100000:
            return L, rate
        L += 1


def excursion_peaks(series, level):
    """Peaks of the maximal stretches of each 1-d array in ``series`` strictly above ``level``."""
    peaks = []
    for s in series:
        above = s > level
        if not above.any():
            continue
        edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        peaks.extend(float(s[a:b].max()) for a, b in zip(starts, ends))
    return np.sort(np.asarray(peaks))[::-1]


def gpd_fit(excess):
    """``(xi, beta)`` of a generalised Pareto law for positive ``excess`` by the method of moments.

    The shape is kept in [0, 0.5]: never a lighter tail than the exponential
    (a bounded tail cannot be trusted from a few peaks), never so heavy that
    the variance is infinite. beta is at least one unit.
    """
    y = np.asarray(excess, dtype=np.float64)
    m = float(y.mean())
    v = float(y.var())
    if m <= 0.0:
        return 0.0, 1.0
    xi = 0.5 * (1.0 - m * m / v) if v > 0.0 else 0.0
    xi = min(0.5, max(0.0, xi))
    return xi, max(1.0, m * (1.0 - xi))


def gpd_level(u, xi, beta, ratio):
    """Level above ``u`` exceeded ``1/ratio`` times as often as ``u`` under GPD(xi, beta)."""
    if xi < 1e-9:
        return u + beta * math.log(ratio)
    return u + beta / xi * (ratio ** xi - 1.0)


def tail_level(series, samples, rate):
    """``(level, expected rate at level)`` so that excursions above level happen ``rate`` times per sample.

    ``series``: the statistic per run (1-d arrays); ``samples``: their total
    length. Exponential tail on the declustered peaks (module docstring).
    """
    allv = np.concatenate(series) if series else np.zeros(1)
    u0 = float(np.quantile(allv, BASE_QUANTILE))
    peaks = excursion_peaks(series, u0)
    top = float(allv.max())
    if len(peaks) < 3:
        # (almost) nothing above the 90th percentile: a flat statistic
        level = top + max(1.0, abs(top))
        return level, 0.0
    k = min(TAIL_PEAKS, len(peaks) - 1)
    u = float(peaks[k])
    xi, beta = gpd_fit(peaks[:k] - u)
    lam = k / samples
    if rate >= lam:
        idx = min(len(peaks) - 1, int(rate * samples))
        level = float(peaks[idx])
        expected = (idx + 1) / samples
    else:
        level = gpd_level(u, xi, beta, lam / rate)
        expected = rate
    if rate * samples < 1.0:
        level = max(level, top + 1.0)
    return level, expected
