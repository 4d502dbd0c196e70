"""Calibration: tail helpers exact, thresholds from the guard's own statistics, promise kept, config fail-closed."""
import importlib.util
import math

import numpy as np
import pytest

from redline_host.sensor import calibrate as cb
from redline_host.sensor import calreport as crep
from redline_host.sensor import replaycal as rcal
from redline_host.sensor import tails as tails


def test_gpd_level_formula_and_fit_bounds():
    assert tails.gpd_level(3.0, 0.0, 2.0, math.e) == pytest.approx(5.0)
    assert tails.gpd_level(3.0, 0.5, 2.0, 4.0) == pytest.approx(3.0 + 2.0 / 0.5 * (2.0 - 1.0))
    # exponential excesses: shape clipped at 0, scale = mean excess
    rng = np.random.default_rng(1)
    xi, beta = tails.gpd_fit(rng.exponential(7.0, size=20000))
    assert xi < 0.02 and beta == pytest.approx(7.0, rel=0.05)
    # a bounded (uniform) tail is never trusted: shape 0, not negative
    xi, _ = tails.gpd_fit(rng.uniform(0, 1, size=1000) * 10)
    assert xi == 0.0


def test_excursion_peaks_declusters():
    s = np.array([0, 5, 7, 5, 0, 0, 9, 0, 6, 6])
    assert tails.excursion_peaks([s], 4).tolist() == [9.0, 7.0, 6.0]
    assert tails.excursion_peaks([s, np.array([8, 1])], 4).tolist() == [9.0, 8.0, 7.0, 6.0]


def test_tail_level_extrapolates_and_stays_above_the_data():
    rng = np.random.default_rng(2)
    x = rng.exponential(1.0, size=200000)     # iid: every excursion is one sample
    level, expected = tails.tail_level([x], x.size, 1e-6)
    assert level == pytest.approx(-math.log(1e-6), rel=0.1) and expected == 1e-6
    level, _ = tails.tail_level([x[:1000]], 1000, 1e-6)   # far below one excursion per log
    assert level > x[:1000].max()
    level, expected = tails.tail_level([np.zeros(500)], 500, 1e-6)   # a flat statistic
    assert level == 1.0 and expected == 0.0


def test_stuck_threshold_geometric_and_longer_than_seen():
    x = np.array([1, 1, 1, 2, 3, 4, 5, 6, 7, 8] * 10)   # longest run 3, q = 0.2
    L, rate = tails.stuck_threshold(x, 1e-3)
    q = 20 / 99
    assert L == 6 and rate == pytest.approx((1 - q) * q ** 5)


def _nominal(seed=3, n=2500):
    rng = np.random.default_rng(seed)
    return np.column_stack([np.round(1000 + 20 * rng.normal(size=n)),
                            np.round(-50 + 5 * rng.normal(size=n)),
                            rng.integers(0, 3, size=n)]).astype(np.int64)


def test_calibrate_deterministic_frozen_mode_and_promise(tmp_path):
    v = _nominal()
    names = ["a", "b b", "q"]
    a = cb.calibrate(v, names, 1.0, 50.0, run_length=600, delay_shifts=(4,))
    b = cb.calibrate(v, names, 1.0, 50.0, run_length=600, delay_shifts=(4,))
    assert a.fields == b.fields
    assert [c.name for c in a.channels] == ["a", "b_b", "q"]        # firmware-safe names
    assert a.fields["baseline"][0] == int(round(float(np.median(v[:, 0]))))
    assert a.fields["scale"][0] == a.channels[0].noise and 18 <= a.channels[0].noise <= 22
    # replay window: the shortest whose chance matches (step and level prints) fit the budget share
    # (per channel; the three channels share the store, two prints a sample each)
    share = 50.0 / 86400 / ((len(cb.HALTING) + 1) * 3)
    w = a.fields["replay_window"]
    hist = 64 + rcal.REPLAY_STORE // 6
    assert (a.fields["replay_store"], a.fields["replay_store_stride"]) == (1024, 4)
    # (a store of 1,024 prints: fewer stored windows to match by chance than main's 4,096 at
    # stride 1, so windows one shorter than then, (5, 6, 16))
    assert w == (4, 6, 15)
    for c in (0, 1, 2):
        assert rcal.replay_chance_rate([v], c, w[c], hist) <= share < rcal.replay_chance_rate([v], c, w[c] - 1, hist)
    # q: white noise of 3 values: a 15-step window is 16 readings, a 15-reading window 15:
    # ((1/3)**16 + (1/3)**15) * (64 + 1024 // 6) <= share;
    # (a window short enough to repeat on the nominal log would have switched q's check off)
    p = rcal.match_probabilities([v], 2)
    assert rcal.window_match_probability(p, 15) == pytest.approx(3.0 ** -16, rel=0.02)
    assert rcal.level_match_probability(p, 15) == pytest.approx(3.0 ** -15, rel=0.02)
    assert rcal.replay_chance_rate([v], 2, 15, hist) == pytest.approx(hist * 4 * 3.0 ** -16, rel=0.02)
    assert a.fields["replay_quant"] == (1, 1, 1) and sum(c.replay_chance for c in a.channels) == 0
    assert a.delays[4] <= 3 and a.detected[4] == 1.0
    # held-back data from the same process: within a factor 2 of 50/day
    halts, samples, per_day = cb.measure_false_halts(a, _nominal(seed=4, n=40000))
    assert samples == 40000
    assert 25.0 <= per_day <= 100.0, per_day
    out = tmp_path / "redline_config.py"
    cb.write_config(a, out)
    with pytest.raises(ValueError):
        cb.write_config(a, tmp_path / "x.py", learn_baseline=True)
    spec = importlib.util.spec_from_file_location("cfg", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from redline.sensor.config import load_config, ConfigError
    cfg = load_config(mod)
    assert cfg.channels == ("a", "b_b", "q") and cfg.stuck_run == a.fields["stuck_run"]
    assert not hasattr(mod, "MAX_LINE")      # the node's default line buffer
    mod.Z_HALT = (1, 1, 1)
    with pytest.raises(ConfigError):
        load_config(mod)
    # MAX_LINE (the node's line buffer) beside the checked fields: the hash is the same
    sized = tmp_path / "sized.py"
    cb.write_config(a, sized, max_line=2048)
    text = sized.read_text()
    assert text.endswith("\nMAX_LINE = 2048\n") and text.replace(out.read_text(), "").count("\n") == 2
    for bad in (255, 16385):
        with pytest.raises(ValueError):
            cb.write_config(a, tmp_path / "y.py", max_line=bad)


def _pair_log(seed, n):
    rng = np.random.default_rng(seed)
    a = np.round(1000 + np.cumsum(rng.normal(size=n)) + 2 * rng.normal(size=n))
    return np.column_stack([a, a + 300 + np.round(10 * rng.normal(size=n))]).astype(np.int64)


def test_calibrate_redundant_pair_cusum():
    full = _pair_log(5, 3600)
    v = full[:3000]
    cal = cb.calibrate(v, ["a", "a2"], 1.0, 50.0, run_length=600, redundant=[("a", "a2")], delay_shifts=())
    f = cal.fields
    assert (f["pair_a"], f["pair_b"], f["pair_k"]) == ((0,), (1,), (cb.PAIR_K,))
    assert f["pair_scale"] == (int(round(float((v[:, 1] - v[:, 0]).std()))),) and 9 <= f["pair_scale"][0] <= 11
    # the level is fitted on the PAIR_B channel's CUSUM as the firmware guard computes it
    stats = cb.guard_statistics([v], ["a", "a2"], dict(f), 0, 600, 1)
    top = max(float(s[:, 1].max()) for s in stats["pair"])
    assert max(float(s[:, 0].max()) for s in stats["pair"]) == 0.0      # PAIR_A holds no CUSUM
    assert f["pair_h"][0] == cb._int_level(cal.channels[1].thresholds["pair"], 1, 1 << 24) > top
    from redline_host.sensor.guardrule import GuardRule
    from redline import codes as R
    held = full[3000:].copy()
    rule = GuardRule(cb.config(cal))
    for t in range(300):
        assert not rule.update(held[t]), (t, rule.last_reason)
    held[300:, 1] += 4 * f["pair_scale"][0]                     # a split of 4 disagreement sigmas
    t = 300
    while not rule.update(held[t]):
        t += 1
    assert t - 300 <= 3 and rule.last_reason == "%d:1" % R.REASON_DISAGREE



def test_calibrate_pair_offset_and_slow_cusum_catch_a_one_sigma_split():
    full = _pair_log(5, 3600)
    v = full[:3000]
    cal = cb.calibrate(v, ["a", "a2"], 1.0, 50.0, run_length=600, redundant=[("a", "a2")], delay_shifts=())
    f = cal.fields
    base = f["baseline"]
    # the standing disagreement against the frozen baselines is nominal
    assert f["pair_offset"] == (int(np.median((v[:, 1] - base[1]) - (v[:, 0] - base[0]))),) == (2,)
    # slow allowance: half a split of a's noise sigma (the smaller), in disagreement sigmas, Q8
    assert [c.noise for c in cal.channels] == [2, 10] and f["pair_scale"] == (10,)
    assert f["pair_slow_k"] == ((128 * 2 + 5) // 10,)
    assert "a=a2 (10, 2; 320, %d; 26, %d)" % (f["pair_h"][0], f["pair_slow_h"][0]) in crep.report(cal)
    stats = cb.guard_statistics([v], ["a", "a2"], dict(f), 0, 600, 1)
    top = max(float(s[:, 1].max()) for s in stats["pair_slow"])
    assert f["pair_slow_h"][0] == cb._int_level(cal.channels[1].thresholds["pair_slow"], 1, 1 << 24) > top
    from redline_host.sensor.guardrule import GuardRule
    from redline.sensor.config import SensorConfig
    from redline import codes as R

    def first_halt(fields):
        rule = GuardRule(SensorConfig(["a", "a2"], **fields))
        held = full[3000:].copy()
        for t in range(300):
            assert not rule.update(held[t]), (t, rule.last_reason)
        held[300:, 1] += 2                       # a split of one noise sigma of a (0.2 pair sigma)
        for t in range(300, 600):
            if rule.update(held[t]):
                return t - 300, rule.last_reason
        return None

    assert first_halt(f) == (82, "%d:1" % R.REASON_DISAGREE)
    fast_only = dict(f, pair_slow_k=(0,))
    late = first_halt(fast_only)
    assert late is None or late[1] != "%d:1" % R.REASON_DISAGREE


def test_calibrate_pair_declared_later_channel_first():
    # the pair ("a2", "a"): PAIR_A is channel 1, the later channel, which holds the CUSUM
    full = _pair_log(5, 3600)
    v = full[:3000]
    cal = cb.calibrate(v, ["a", "a2"], 1.0, 50.0, run_length=600, redundant=[("a2", "a")], delay_shifts=())
    f = cal.fields
    assert (f["pair_a"], f["pair_b"]) == ((1,), (0,))
    stats = cb.guard_statistics([v], ["a", "a2"], dict(f), 0, 600, 1)
    top = max(float(s[:, 1].max()) for s in stats["pair"])
    assert top > 0 and f["pair_h"][0] == cb._int_level(cal.channels[1].thresholds["pair"], 1, 1 << 24) > top


def test_calibrate_learned_mode_has_no_frozen_baseline_or_range():
    v = _nominal()[:, :2]
    cal = cb.calibrate(v, ["a", "b"], 1.0, 50.0, run_length=600, learn_baseline=True, delay_shifts=())
    cfg = cb.config(cal)
    assert cfg.scale == (0, 0) and cfg.range_max == ((1 << 29) - 1,) * 2
    assert cal.expected_false_halts_per_day == pytest.approx(50.0, rel=0.5)


def test_calibrate_rejects_bad_input():
    v = _nominal()
    with pytest.raises(ValueError):
        cb.calibrate(v, ["a", "b"], 1.0, 1.0)                  # 3 columns, 2 names
    with pytest.raises(ValueError):
        cb.calibrate(v, ["a", "b", "c"], 0.0, 1.0)
    with pytest.raises(ValueError):
        cb.calibrate(v[:100], ["a", "b", "c"], 1.0, 1.0)       # shorter than warm-up + 64
    with pytest.raises(ValueError):
        cb.calibrate(v * (1 << 28), ["a", "b", "c"], 1.0, 1.0)  # beyond the boards' reading limit
    for store in (1000, 1, 32768, -4):
        with pytest.raises(ValueError):
            cb.calibrate(v, ["a", "b", "c"], 1.0, 1.0, replay_store=store)


def test_calibrate_replay_store_size_is_the_users():
    v = _nominal()
    big = cb.calibrate(v, ["a", "b", "c"], 1.0, 10.0, run_length=600, delay_shifts=())
    none = cb.calibrate(v, ["a", "b", "c"], 1.0, 10.0, run_length=600, delay_shifts=(), replay_store=0)
    assert (big.fields["replay_store"], none.fields["replay_store"]) == (rcal.REPLAY_STORE, 0)
    assert cb.config(none).replay_store == 0
    # fewer stored windows to match by chance: never a longer window
    assert all(a <= b for a, b in zip(none.fields["replay_window"], big.fields["replay_window"]))
    assert rcal.replay_history(3, 0) == rcal.REPLAY["replay_history"]


def test_level_window_model_bounded_by_one_step_shorter_window():
    # equal readings imply equal steps: the level model of W readings never exceeds the step model
    # of W - 1 steps, and equals it when readings are what repeats (p_value ** W on both sides)
    for p in ((0.01, 0.02), (0.2, 0.001), (0.3, 0.3), (1.0, 1.0), (0.0019, 0.0010)):
        for w in range(3, 12):
            assert rcal.level_match_probability(p, w) <= rcal.window_match_probability(p, w - 1)
    assert rcal.level_match_probability((0.1, 0.5), 4) == 0.5 ** 4
    assert rcal.level_match_probability((0.5, 0.1), 4) == pytest.approx(0.1 * 0.5 ** 3)
    assert rcal.replay_history(8) == 64 + rcal.REPLAY_STORE // 16 and rcal.replay_history(1, store=0) == 64
    assert rcal.replay_history(8, store=4096) == 64 + 4096 // 16


def _motif_log(n_motifs, n, seed):
    """A channel that only ever plays one of ``n_motifs`` fixed 3-reading patterns, in a random order:
    its readings look varied (10 values), its windows repeat far more often than independent readings."""
    rng = np.random.default_rng(seed)
    motifs = rng.integers(0, 10, size=(n_motifs, 3)) * 7 + 100
    x = np.concatenate([motifs[i] for i in rng.integers(0, n_motifs, size=n // 3)])
    noise = np.round(rng.normal(500, 20, size=x.size))
    return np.column_stack([x, noise]).astype(np.int64)


def test_replay_window_grows_where_the_log_repeats_itself():
    # (a store of 4,096 prints at stride 1, the default before branch heapcut: the mechanism
    # under test does not depend on it, and this log's model window repeats most there)
    v = _motif_log(6, 6000, 1)
    share = 50.0 / 86400 / ((len(cb.HALTING) + 1) * 2)
    model, ok = rcal.choose_replay_windows([v], 2, share, store=4096)
    hist = rcal.replay_history(sum(ok), store=4096)
    assert ok == (True, True)
    # the independence model allows a window the log repeats all the time
    assert rcal.replay_flag_rate([v], 0, model[0], hist) > 0.3
    w, rate = rcal.empirical_replay_window([v], 0, model[0], share, hist)
    assert model[0] < w <= rcal.REPLAY_WINDOWS[-1] and 0 < rate <= share
    assert rcal.replay_flag_rate([v], 0, w, hist) == 0.0
    # the white-noise channel never flags at its model window: unchanged
    assert rcal.empirical_replay_window([v], 1, model[1], share, hist) == (model[1], 0.0)
    cal = cb.calibrate(v, ["m", "n"], 1.0, 50.0, run_length=600, delay_shifts=(), replay_store=4096,
                       replay_store_stride=1)
    assert cal.fields["replay_window"] == (w, model[1]) and cal.fields["replay_quant"] == (1, 1)
    assert [c.replay_chance for c in cal.channels] == [0, 0]      # the guard itself: no flag on the log
    assert cal.channels[0].expected["replay"] == pytest.approx(rate)


def test_replay_off_where_no_window_is_long_enough():
    v = _motif_log(2, 6000, 1)                   # two patterns: a 32-reading window repeats by chance
    share = 50.0 / 86400 / ((len(cb.HALTING) + 1) * 2)
    model, ok = rcal.choose_replay_windows([v], 2, share)
    w, rate = rcal.empirical_replay_window([v], 0, model[0], share, rcal.replay_history(sum(ok)))
    assert w is None and rate > share
    cal = cb.calibrate(v, ["m", "n"], 1.0, 50.0, run_length=600, delay_shifts=())
    assert cal.fields["replay_quant"] == (0, 1) and cal.channels[0].expected["replay"] == 0.0


def test_calibrate_fits_the_shift_level_on_the_guards_own_window_means():
    v = _nominal()
    names = ["a", "b", "q"]
    cal = cb.calibrate(v, names, 1.0, 50.0, run_length=600, delay_shifts=())
    f = cal.fields
    assert f["shift_span"] == cb.SHIFT_SPAN == 8
    stats = cb.guard_statistics([v], names, dict(f), 0, 600, 1)
    for c in range(3):
        top = max(float(s[:, c].max()) for s in stats["shift"])
        assert 0 < top < 16384
        assert f["shift_halt"][c] == cb._int_level(cal.channels[c].thresholds["shift"], 1, 16384) > top
    # on the Gaussian channels an 8-reading mean is calmer than one reading: its level is below surprise's
    assert [f["shift_halt"][c] < f["z_halt"][c] for c in (0, 1)] == [True, True]
