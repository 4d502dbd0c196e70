"""Oracle bound: thresholds at the nominal maximum, zero false halts, exact detections on a made-up run."""
import numpy as np

from redline_host.datasets import Table
from redline_host.separability import FAMILIES, oracle_bound


def _run(shift, onset=300, n=500, seed=0):
    rng = np.random.default_rng(seed)
    v = np.round(1000 + 10 * rng.normal(size=(n, 3))).astype(np.int64)
    v[onset:, 1] += shift
    return Table(name="r%d" % seed, channels=["a", "b", "c"], values=v, episodes=[(onset, n)])


def test_a_large_step_is_found_by_every_family_at_once():
    rows = oracle_bound([_run(400), _run(400, seed=1)])
    assert [r[0] for r in rows] == [f[0] for f in FAMILIES]
    for name, det, eps, delay in rows:
        assert eps == 2 and det == 2, name
        assert delay <= 3, name


def test_no_change_is_never_detected():
    rows = oracle_bound([_run(0), _run(0, seed=1)])
    assert all(det == 0 and delay is None for _, det, _, delay in rows)


def test_episodes_inside_the_warmup_are_not_scored():
    rows = oracle_bound([_run(400, onset=50)])
    assert all(eps == 0 for _, _, eps, _ in rows)
