"""Oracle bound: thresholds at the nominal maximum, zero false halts, exact detections on a made-up run."""
import numpy as np

from redline_host.sensor.datasets import Table
from redline_host.sensor.separability import FAMILIES, oracle_bound


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


# --- window oracle (scenario library's step and ramp faults) -------------------------------

from redline_host.sensor.separability import WINDOW_PAIRS, fault_offsets, two_window, window_oracle  # noqa: E402


def test_two_window_and_fault_offsets_exact():
    x = [0, 0, 0, 4, 4, 4, 4]
    # m = 2 latest against the l = 3 before them, defined from index 4 on
    assert two_window(x, 2, 3).tolist() == [0, 0, 0, 0, 4, 4 - 4 / 3, 4 - 8 / 3]
    assert fault_offsets("step", 4, 10, 3).tolist() == [40, 40, 40]
    assert fault_offsets("ramp", 0.1, 10, 3).tolist() == [1, 2, 3]
    try:
        fault_offsets("spike", 1, 1, 1)
    except ValueError:
        pass
    else:
        raise AssertionError("unknown fault kind accepted")


def test_window_oracle_on_white_noise():
    rng = np.random.default_rng(2)
    x = np.round(1000 + 10 * rng.normal(size=2000))
    # thresholds at the column's own maxima: nothing fires without a fault, no false alarm
    assert window_oracle(x, 10, "step", 0, 3) == (0.0, 0.0, 0)
    # a 50-sigma step leaves the band at once
    assert window_oracle(x, 10, "step", 50, 0)[:2] == (1.0, 1.0)
    caught, one, alarms = window_oracle(x, 10, "step", 1, 3)
    assert 0.0 < one <= caught < 1.0 and alarms == 0
    # thresholds from a calmer reference: the column itself raises alarms, and catches more
    caught2, _, alarms2 = window_oracle(x, 10, "step", 1, 3, reference=x[:600] * 0.5 + 500)
    assert alarms2 > 0 and caught2 > caught
    # only the rules asked for: the band alone (no pair) is the same as pairs=()
    band = window_oracle(x, 10, "step", 4, 3, pairs=((1, 4),))
    assert band[0] >= band[1] > 0.0


def test_window_oracle_refuses_a_short_column():
    pre = max(m + l for m, l in WINDOW_PAIRS)
    try:
        window_oracle(np.zeros(pre + 3), 1, "step", 1, 3)
    except ValueError as exc:
        assert "too short" in str(exc)
    else:
        raise AssertionError("short column accepted")
