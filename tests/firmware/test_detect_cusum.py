"""TrackingCusum: calibrated, two-sided, forgetting (spec §8.4, §17 defect 7)."""
from redline.text.cusum import TrackingCusum
from redline.codes import FLAG_ANOMALY


def _classic(ref, k, h):
    """Fixed reference, no tracking: llmosafe's arithmetic (with a cap far away)."""
    return TrackingCusum(k, h, ref, 0, 1 << 19)


def test_math_matches_reference_examples():
    d = _classic(100, 10, 50)
    assert d.update(100) == 0
    assert d.update(150) == 0 and d.s_high == 40
    assert d.update(150) == FLAG_ANOMALY and d.s_high == 80
    d = _classic(500, 50, 200)
    assert d.update(500) == 0 and d.update(510) == 0
    n = 0
    while d.update(600) == 0:
        n += 1
    assert n == 4             # 50, 100, 150, 200, then 250 > 200


def test_two_sided():
    d = _classic(100, 10, 100)
    for _ in range(10):
        d.update(200)
    assert d.flags == FLAG_ANOMALY
    d = _classic(100, 10, 100)
    for _ in range(10):
        d.update(0)
    assert d.flags == FLAG_ANOMALY and d.s_high == 0
    d = _classic(100, 10, 200)
    assert d.update(-50) == 0 and d.s_low == 140
    d = _classic(100, 10, 200)
    got = []
    for _ in range(3):
        d.update(0)
        got.append(d.s_low)
    assert got == [90, 180, 270] and d.flags == FLAG_ANOMALY


def test_threshold_is_strict_and_quiet_at_reference():
    d = _classic(100, 10, 50)
    for _ in range(10):
        assert d.update(100) == 0
    d = _classic(100, 0, 50)
    d.update(150)
    assert d.s_high == 50 and d.flags == 0


def test_defect7_cusum_calibrated_quiet_on_a_steady_noisy_stream():
    # llmosafe: reference 0, k 50, h 200 on raw entropy -> alarm on the first input above 250.
    d = TrackingCusum(k=4000, h=16000)
    seed = 2
    for i in range(2000):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        assert d.update(30000 + (seed >> 16) % 6000) == 0, i


def test_defect7_cusum_forgets_after_a_shift():
    d = TrackingCusum(k=4000, h=16000)
    for _ in range(20):
        d.update(10000)
    fired = False
    for _ in range(10):
        fired = fired or d.update(40000) != 0
    assert fired
    # back to normal: the capped sums drain within a bounded number of samples
    quiet_after = -1
    for i in range(40):
        if d.update(10000) == 0 and quiet_after < 0:
            quiet_after = i
    assert 0 <= quiet_after <= 8 and d.flags == 0 and d.s_high == 0


def test_tracked_reference_absorbs_a_new_level():
    d = TrackingCusum(k=4000, h=16000)
    d.update(10000)
    fired = 0
    for _ in range(1000):
        fired += 1 if d.update(30000) else 0
    assert fired > 0 and d.flags == 0 and 29000 < d.reference <= 30000


def test_first_sample_seeds_the_reference():
    d = TrackingCusum(k=100, h=1000)
    assert d.update(50000) == 0 and d.reference == 50000 and d.s_high == 0


def test_reset():
    d = _classic(500, 50, 200)
    for _ in range(20):
        d.update(1000)
    d.reset()
    assert d.s_high == 0 and d.s_low == 0 and d.flags == 0 and d.reference == 500


def test_invalid_parameters():
    for args in ((-1, 10), (10, 0), (10, 100, None, 17), (10, 100, None, 5, 50)):
        try:
            TrackingCusum(*args)
        except ValueError:
            continue
        assert False, args


def test_alarms_span_the_documented_shift():
    # the seeded stream of the module's example (its doctest checks the totals): the alarms
    # start with the shift's first sample and end soon after it
    d = TrackingCusum(k=4000, h=16000)
    seed = 5
    first = -1
    last = -1
    for i in range(60):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        noise = (seed >> 16) % 3000
        x = 10000 + noise + (30000 if 20 <= i < 30 else 0)
        d.update(x)
        if d.flags:
            last = i
            if first < 0:
                first = i
    assert first == 20 and last < 40
