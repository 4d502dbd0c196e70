"""Baseline halting rules: exact behaviour of llmosafe's CUSUM and memory, z-score, tuning, NAB score."""
import numpy as np
import pytest

from redline_host.sensor import baselines as bl
from redline_host.sensor.evaluate import Protocol, nab_score, scaled_sigmoid, score_run


def test_llmosafe_cusum_spec_example():
    # spec §8.4 example (100, 10, 50): 100 -> no; 150 -> s_high 40, no; 150 -> 80 > 50, yes.
    c = bl.LlmosafeCusum(1, mu=100, k=10, h=50)
    assert [c.update([v]) for v in (100, 150, 150)] == [False, False, True]
    assert c.hi == [80] and c.lo == [0]


def test_llmosafe_cusum_defaults_fire_on_raw_values():
    c = bl.LlmosafeCusum(1)            # mu 0, k 50, h 200: a reading of 300 halts at once
    assert c.update([300]) is True and c.hi == [250]
    c.reset()
    assert [c.update([100]) for _ in range(5)] == [False, False, False, False, True]


def test_memory_trend_spec_examples():
    m = bl.MemoryTrend(size=4)
    for v in (100, 200, 300, 400):
        m.push(v)
    assert m.mean() == 250 and m.trend() == 100
    m2 = bl.MemoryTrend(size=2)
    for v in (100, 200, 300):
        m2.push(v)
    assert m2.mean() == 250
    fresh = bl.MemoryTrend(size=64)
    fresh.push(500)                     # zeros count: one 500 at the newest slot
    assert fresh.mean() == 500 / 64
    assert fresh.trend() == 1008000 / 1397760 and not fresh.is_drifting()
    for v in range(63):
        fresh.push(1000 * v)           # a ramp of 1000 per sample is drifting
    assert fresh.is_drifting()


def test_zscore_rule_uses_warmup():
    r = bl.ZScoreRule(1, 3.0)
    r.begin_run()
    for v in (10, 12, 10, 12):          # mean 11, std 1
        r.warm([v])
    assert [r.update([v]) for v in (13, 14, 15, 7)] == [False, False, True, True]


def test_protocol_latch_and_scoring():
    r = bl.ZScoreRule(1, 3.0)
    vals = np.array([[10], [12]] * 5 + [[50]] * 3 + [[11]] * 7 + [[50]] + [[11]] * 5, dtype=np.int64)
    p = Protocol(warmup=10, hold=5, grace=2)
    halts = p(r, vals)
    assert halts == [10, 20]            # halt at 10; 11..15 held (not fed); reset; spike at 20
    s = score_run(halts, [(10, 13)], len(vals), p)
    assert (s.detected, s.episodes, s.delays, s.false_halts) == (1, 1, [0], 1)
    assert s.nominal_samples == 26 - 10 - 3


def test_nab_score_standard_profile():
    assert scaled_sigmoid(0.0) == 0.0 and scaled_sigmoid(4.0) == -1.0
    assert abs(scaled_sigmoid(-1.0) - 0.9866142981514305) < 1e-12
    raw, null, perfect = nab_score([], [(10, 20)])
    assert (raw, null) == (-1.0, -1.0)
    raw, _, _ = nab_score([10], [(10, 20)])
    assert raw == perfect
    raw, _, _ = nab_score([5], [(10, 20)])          # FP before any window, then a missed window
    assert raw == pytest.approx(-0.11 - 1.0)


def test_tune_picks_most_sensitive_within_budget():
    rng = np.random.default_rng(0)
    nominal = [np.round(rng.normal(0, 10, size=(400, 1))).astype(np.int64) for _ in range(3)]
    p = Protocol(warmup=100, hold=10)
    z, fh, n = bl.tune("zscore", 1, nominal, 0.0, p)
    assert fh == 0 and n == 900
    grid = bl.PARAM_GRIDS["zscore"][1]
    prev = grid[grid.index(z) - 1]
    assert sum(len(p(bl.ZScoreRule(1, prev), v)) for v in nominal) > 0
