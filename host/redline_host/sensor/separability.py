"""How separable are fault episodes from nominal rows at zero false halts? An oracle bound.

For a family of statistics, every channel's threshold is set just above the
largest value the statistic takes on *any* evaluated nominal sample (the
samples after the warm-up outside every detection window, over all runs).
That is the most sensitive threshold with zero false halts, chosen by looking
at the test data itself, which no calibration can do. The detections it gets
are therefore an upper bound for any rule that halts when one channel's
statistic of that family crosses a fixed threshold::

    from redline_host.sensor.separability import oracle_bound
    rows = oracle_bound(runs, warmup=100, grace=60)
    # [(family, detected, episodes, median delay or None), ...]

Families (each computed per run against that run's warm-up, as the guard
learns it): |z| of the reading; |z| smoothed by an EWMA (weight 0.2);
|z| against the mean of the previous 32 readings; the multivariate EWMA
Hotelling statistic over all channels (covariance of the warm-up plus a
ridge of 10 % of each channel's variance); residuals of each channel
regressed on the others (fitted on the warm-up).
"""
import numpy as np


def _z(v, warmup):
    w = v[:warmup]
    return (v - w.mean(axis=0)) / np.maximum(w.std(axis=0), 1.0)


def _ewma(x, lam, start):
    out = np.zeros_like(x)
    e = np.zeros(x.shape[1:])
    for t in range(start, x.shape[0]):
        e = (1.0 - lam) * e + lam * x[t]
        out[t] = e
    return out


def _stat_z(v, warmup):
    return np.abs(_z(v, warmup))


def _stat_ewma(v, warmup):
    return np.abs(_ewma(_z(v, warmup), 0.2, warmup))


def _stat_moving(v, warmup, n=32):
    out = np.zeros_like(v)
    c = np.cumsum(np.vstack([np.zeros((1, v.shape[1])), v]), axis=0)
    sd = np.maximum(v[:warmup].std(axis=0), 1.0)
    for t in range(warmup, v.shape[0]):
        out[t] = np.abs(v[t] - (c[t] - c[t - n]) / n) / sd
    return out


def _stat_mewma(v, warmup, lam=0.2):
    w = v[:warmup]
    cov = np.cov(w.T) + np.diag(0.1 * np.maximum(w.var(axis=0), 1.0))
    inv = np.linalg.inv(cov)
    e = _ewma(v - w.mean(axis=0), lam, warmup)
    return np.einsum("ti,ij,tj->t", e, inv, e)[:, None]


def _stat_residual(v, warmup):
    z = _z(v, warmup)
    out = np.zeros_like(z)
    for j in range(z.shape[1]):
        x = np.column_stack([np.delete(z, j, axis=1), np.ones(z.shape[0])])
        b = np.linalg.lstsq(x[:warmup], z[:warmup, j], rcond=None)[0]
        r = z[:, j] - x @ b
        out[:, j] = np.abs(r) / max(float(r[:warmup].std()), 1e-9)
    return out


FAMILIES = (
    ("abs(z) vs warm-up", _stat_z),
    ("EWMA(0.2) of z", _stat_ewma),
    ("abs(z) vs the previous 32 readings", _stat_moving),
    ("multivariate EWMA T^2", _stat_mewma),
    ("cross-channel regression residual", _stat_residual),
)


def oracle_bound(runs, warmup=100, grace=60):
    """Per family: (name, detected, episodes, median delay or None) at zero false halts."""
    out = []
    for name, fn in FAMILIES:
        nominal_max = None
        windows = []
        for run in runs:
            v = run.values.astype(np.float64)
            st = fn(v, warmup)
            mask = np.zeros(v.shape[0], dtype=bool)
            mask[warmup:] = True
            eps = [(a, max(b, a + grace)) for a, b in run.episodes if a >= warmup]
            for a, w in eps:
                mask[a:w] = False
                windows.append((st, a, min(w, v.shape[0])))
            m = st[mask].max(axis=0) if mask.any() else np.full(st.shape[1], -np.inf)
            nominal_max = m if nominal_max is None else np.maximum(nominal_max, m)
        delays = []
        for st, a, w in windows:
            hit = (st[a:w] > nominal_max).any(axis=1)
            if hit.any():
                delays.append(int(np.argmax(hit)))
        out.append((name, len(delays), len(windows), float(np.median(delays)) if delays else None))
    return out


# --- the scenario library's injected faults: the same question on the held-back stream ---------

WINDOW_PAIRS = tuple((m, l) for m in (1, 2, 3, 4, 8, 16, 32, 64) for l in (4, 8, 16, 32, 64, 128, 256))


def two_window(x, m, l):
    """Mean of the last ``m`` readings minus the mean of the ``l`` before them (0 until defined)."""
    x = np.asarray(x, dtype=np.float64)
    c = np.concatenate(([0.0], np.cumsum(x)))
    out = np.zeros(x.shape[0])
    t = np.arange(m + l - 1, x.shape[0])
    out[t] = (c[t + 1] - c[t + 1 - m]) / m - (c[t + 1 - m] - c[t + 1 - m - l]) / l
    return out


def fault_offsets(kind, magnitude, sigma, n):
    """The offset a ``step`` (``magnitude`` sigma) or a ``ramp`` (``magnitude`` sigma per sample,
    ``(k + 1) * magnitude * sigma`` on the k-th faulted sample) adds to the first ``n`` faulted readings."""
    k = np.arange(n, dtype=np.float64)
    if kind == "step":
        return np.full(n, magnitude * sigma)
    if kind == "ramp":
        return (k + 1.0) * (magnitude * sigma)
    raise ValueError("window oracle knows step and ramp faults, not %r" % kind)


def window_oracle(column, sigma, kind, magnitude, max_delay, reference=None, pairs=WINDOW_PAIRS):
    """``(caught, caught_by_one, false_alarms)``: how many onsets some window rule catches within ``max_delay``.

    Rules: every two-window statistic of ``pairs`` (|mean of the last m
    readings - mean of the l before them|) and the reading itself outside a
    [min, max] band. Each rule's threshold is just above the largest value it
    takes on ``reference`` (default: ``column`` itself). With the default, a
    rule has zero false halts on the very data the faults go into, which no
    calibration can know: an oracle, and since rules that each have zero
    false halts together still have none, no rule of these families, nor
    any combination of them, catches more at zero false halts. With
    ``reference`` = the calibration log, the thresholds are what a
    calibration with no extrapolation margin would set; ``false_alarms`` then
    counts the alarms (runs of readings where some rule fires) on the clean
    ``column``.

    Onsets: every reading of ``column`` with 256 + 64 readings before it,
    both signs of the fault (``kind`` "step": ``magnitude * sigma`` from the
    onset; "ramp": ``(k + 1) * magnitude * sigma`` on the k-th faulted
    reading). ``caught`` is the share caught by the union of rules,
    ``caught_by_one`` the best single rule's share. The statistics are linear,
    so a faulted one is the clean one plus the statistic of the offsets alone.
    """
    x = np.asarray(column, dtype=np.float64)
    ref = x if reference is None else np.asarray(reference, dtype=np.float64)
    n = x.shape[0]
    span = max_delay + 1
    pre = max(m + l for m, l in pairs)
    if n < pre + span + 1 or ref.shape[0] < pre + 1:
        raise ValueError("column too short for the window oracle (%d readings)" % min(n, ref.shape[0]))
    onsets = np.arange(pre, n - span + 1)
    idx = onsets[:, None] + np.arange(span)[None, :]
    fault = fault_offsets(kind, magnitude, sigma, span)
    caught = np.zeros((2, onsets.shape[0]), dtype=bool)
    rule = np.zeros_like(caught)
    lo, hi = float(ref.min()), float(ref.max())
    alarm = (x > hi) | (x < lo)
    for k, sign in enumerate((1.0, -1.0)):
        y = x[idx] + sign * fault[None, :]
        rule[k] = ((y > hi) | (y < lo)).any(axis=1)
    caught |= rule
    best = float(rule.mean())
    for m, l in pairs:
        d = two_window(x, m, l)
        thr = float(np.abs(two_window(ref, m, l)[m + l - 1:]).max())
        alarm[m + l - 1:] |= np.abs(d[m + l - 1:]) > thr
        off = np.zeros(m + l + span)
        off[m + l:] = fault
        fd = two_window(off, m, l)[m + l:]                        # the fault's part, per delay
        clean = d[idx]
        for k, sign in enumerate((1.0, -1.0)):
            rule[k] = (np.abs(clean + sign * fd[None, :]) > thr).any(axis=1)
        caught |= rule
        best = max(best, float(rule.mean()))
    runs = int(np.count_nonzero(np.diff(np.concatenate(([0], alarm.astype(np.int8)))) == 1))
    return float(caught.mean()), best, runs
