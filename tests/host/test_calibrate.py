"""Calibration: tail helpers exact, thresholds reproducible, config module loads fail-closed."""
import importlib.util

import numpy as np
import pytest

from redline_host import calibrate as cb


def test_gumbel_level_inverts_tail():
    u, beta = 3.0, 0.5
    h = cb.gumbel_level(u, beta, 1e-4)
    assert cb.gumbel_tail(u, beta, h) == pytest.approx(1e-4, rel=1e-9)
    assert cb.gumbel_fit([2.0, 2.0, 2.0]) == (2.0, 0.0)


def test_stuck_threshold_geometric_and_longer_than_seen():
    x = np.array([1, 1, 1, 2, 3, 4, 5, 6, 7, 8] * 10)   # longest run 3, q = 0.2
    L, rate = cb.stuck_threshold(x, 1e-3)
    # geometric tail (1 - q) q**(L-1) with q = 20/99 falls under 1e-3 first at L = 6
    q = 20 / 99
    assert L == 6 and rate == pytest.approx((1 - q) * q ** 5)


def _nominal(seed=3, n=2500):
    rng = np.random.default_rng(seed)
    return np.column_stack([np.round(1000 + 20 * rng.normal(size=n)),
                            np.round(-50 + 5 * rng.normal(size=n))]).astype(np.int64)


def test_calibrate_deterministic_and_promise(tmp_path):
    v = _nominal()
    a = cb.calibrate(v, ["a", "b"], 1.0, 50.0, run_length=600, n_boot=40, delay_shifts=(4,))
    b = cb.calibrate(v, ["a", "b"], 1.0, 50.0, run_length=600, n_boot=40, delay_shifts=(4,))
    assert a.thresholds() == b.thresholds()
    assert a.channels[0].baseline == int(round(float(np.median(v[:, 0]))))
    assert a.delays[4] <= 5 and a.detected[4] == 1.0
    # held-back data from the same process: no more than a handful of halts in ~1 day at 50/day
    held = _nominal(seed=4, n=20000)
    halts, samples, per_day = cb.measure_false_halts(a, held)
    assert samples == 33 * 500 + 100     # 33 full 600-row chunks and a 200-row tail, each after 100 warm-up
    assert per_day <= 2 * 50.0
    out = tmp_path / "redline_config.py"
    cb.write_config(a, out)
    spec = importlib.util.spec_from_file_location("cfg", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from redline.sensor.config import load_config, ConfigError
    cfg = load_config(mod)
    assert cfg.channels == ("a", "b") and cfg.stuck_run[0] == int(a.channels[0].thresholds["stuck"])
    mod.Z_HALT = (1, 1)
    with pytest.raises(ConfigError):
        load_config(mod)
