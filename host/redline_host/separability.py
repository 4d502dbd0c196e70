"""How separable are fault episodes from nominal rows at zero false halts? An oracle bound.

For a family of statistics, every channel's threshold is set just above the
largest value the statistic takes on *any* evaluated nominal sample (the
samples after the warm-up outside every detection window, over all runs).
That is the most sensitive threshold with zero false halts, chosen by looking
at the test data itself, which no calibration can do. The detections it gets
are therefore an upper bound for any rule that halts when one channel's
statistic of that family crosses a fixed threshold::

    from redline_host.separability import oracle_bound
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
