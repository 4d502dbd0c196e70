# Sensor detectors, one by one, on seeded integer streams: exact values every runtime must reproduce.
from redline.codes import (FLAG_STUCK, FLAG_DRIFTING, FLAG_LOW_CONFIDENCE, FLAG_DECAYING,
                           FLAG_ANOMALY, FLAG_ADVERSARIAL)
from redline.fx import z_q8, ratio16, variance_ratio16
from redline.sensor.ring import ChannelRing
from redline.sensor.stuck import StuckDetector
from redline.sensor.ramp import RampDetector
from redline.sensor.cusum import LeakyCusum
from redline.sensor.conf import PairConfidence
from redline.sensor.replay import ReplayDetector


from _lcg import Lcg  # noqa: E402  (shared seeded noise)


def test_flag_bits_are_llmosafe_s():
    assert (FLAG_STUCK, FLAG_DRIFTING, FLAG_LOW_CONFIDENCE, FLAG_DECAYING, FLAG_ANOMALY,
            FLAG_ADVERSARIAL) == (1, 2, 4, 8, 16, 32)


def test_fixed_point_helpers_exact():
    assert z_q8(150, 50) == 768
    assert z_q8(-150, 50) == -768
    assert z_q8(1, 3) == 85
    assert z_q8(-1, 3) == -86                 # floor, as everywhere
    assert z_q8(10 ** 8, 1) == 8191           # clamped at 32 sigma, no big int
    assert z_q8(-(10 ** 8), 7) == -8191
    assert z_q8(536870911, 4194304) == 8191
    assert ratio16(5, 10) == 16384
    assert ratio16(10, 10) == 32768
    assert ratio16(20, 10) == 65535
    assert ratio16(300000, 400000) == 24576   # large tolerance shifted down first
    assert variance_ratio16(4096, 4096) == 16384
    assert variance_ratio16(6144, 4096) == 24576
    assert variance_ratio16(16384, 4096) == 65535


def test_memory_matches_llmosafe_examples_in_its_units():
    m = ChannelRing(4)
    for u in (100, 200, 300, 400):
        m.update(u)
    assert m.mean_q6() == 250
    assert m.trend_q12() == 100 * 64          # slope 100 Q6 per sample
    m = ChannelRing(2)
    m.update(100)
    m.update(200)
    assert m.variance_q12() == 2500
    m.update(300)
    assert m.mean_q6() == 250


def test_memory_incremental_sums_equal_recomputed_sums():
    m = ChannelRing(16)
    g = Lcg(21)
    vals = []
    for i in range(100):
        u = (g.next() % 4095) - 2047
        vals.append(u)
        m.update(u)
    last = vals[-16:]
    assert m.sum == sum(last)
    assert m.sum2 == sum([u * u for u in last])
    assert m.tsum == sum([i * last[i] for i in range(16)])
    assert m.mean_q6() == sum(last) // 16
    assert (m.mean_q6(), m.variance_q12(), m.trend_q12()) == (-380, 1727855, -7216)


def test_memory_reset_restores_initial_state():
    m = ChannelRing(8)
    for u in (5, 6, 7):
        m.update(u)
    m.reset()
    assert (m.count, m.sum, m.sum2, m.tsum, m.index) == (0, 0, 0, 0, 0)
    assert m.mean_q6() == 0 and m.variance_q12() == 0 and m.trend_q12() == 0


def test_stuck_run_of_identical_values():
    d = StuckDetector(run_limit=3)
    out = []
    for x in (5, 5, 6, 6, 6, 6, 7):
        out.append(d.update(x))
    assert out == [0, 0, 0, 0, FLAG_STUCK, FLAG_STUCK, 0]
    d.reset()
    assert d.update(6) == 0 and d.run == 1


def test_stuck_vanished_noise_on_seeded_stream():
    d = StuckDetector(run_limit=1000, min_noise=32, scale=36)
    g = Lcg(3)
    for i in range(200):
        d.update(1000 + g.noise(36))
        assert d.flags == 0
    assert d.noise_q8() == 234
    # A one-count dither: never a long run, but the noise has gone.
    n = 0
    while not d.flags:
        d.update(1000 + (n & 1))
        n += 1
    assert n == 17
    assert d.noise_q8() == 31


def test_drift_is_bounded_and_flags_a_ramp():
    # llmosafe defect 13: its drift score could leave [0, 1]; ours stays in [0, 65535].
    d = RampDetector(limit=512, shift=4)
    g = Lcg(5)
    for i in range(300):
        d.update(g.noise(256))
        assert d.flags == 0
        assert 0 <= d.score <= 65535
    n = 0
    while not d.flags:
        n += 1
        d.update(g.noise(256) + n * 26)        # 0.1 sigma per sample
    assert n == 34
    assert d.flags == FLAG_DRIFTING
    for i in range(50):
        d.update(8191)
        d.update(-8191)
        assert 0 <= d.score <= 65535
    for i in range(100):
        d.update(8191)
    assert d.score == 65535 and d.value_q8() == 8178


def test_cusum_is_calibrated_and_forgets():
    # llmosafe defect 7: CUSUM on raw values fired on nearly every input and never decayed.
    c = LeakyCusum(k=192, h=2048, leak_shift=6)
    g = Lcg(7)
    for i in range(20000):
        c.update(g.noise(256))
        assert c.flags == 0
    n = 0
    while not c.flags:
        n += 1
        c.update(g.noise(256) + 1024)          # a 4 sigma step
    assert n == 3
    assert c.flags == FLAG_ANOMALY
    for i in range(40):
        c.update(g.noise(256))
    assert c.flags == 0 and c.score == 0      # forgotten once back in control


def test_cusum_two_sided_exact():
    c = LeakyCusum(k=10, h=50)
    assert c.update(-30) == 0 and (c.high, c.low) == (0, 20)
    assert c.update(-40) == FLAG_ANOMALY and c.low == 50     # inclusive: at h it fires
    c.reset()
    seq = []
    for z in (40, 40, -100):
        seq.append((c.update(z), c.high, c.low))
    assert seq == [(0, 30, 0), (FLAG_ANOMALY, 60, 0), (FLAG_ANOMALY, 0, 90)]


def test_confidence_tracks_agreement_not_manipulation():
    # llmosafe defect 6: its confidence was the manipulation probability.
    t = PairConfidence(min_confidence=19661, decay_threshold=3)
    g = Lcg(9)
    for i in range(100):
        t.update(60000 + g.next() % 5000)
        assert t.flags == 0
    seq = []
    for c in (40000, 30000, 20000, 10000, 5000, 0, 0):
        seq.append((t.update(c), t.confidence))
    # Drops count only under 3/4 confidence: the third such drop sets DECAYING.
    assert seq == [(0, 56631), (0, 49973), (0, 42480), (0, 34360),
                   (FLAG_DECAYING, 27020), (FLAG_DECAYING, 20265),
                   (FLAG_DECAYING | FLAG_LOW_CONFIDENCE, 15198)]
    t.reset()
    assert t.confidence == 65535 and t.flags == 0


def test_replay_of_an_earlier_stretch_is_caught():
    r = ReplayDetector(window=8, history=64, stride=4, min_active=4)
    g = Lcg(11)
    seen = []
    for i in range(300):
        x = 1000 + g.noise(36)
        seen.append(x)
        assert r.update(x) == 0
    # Replay readings 150..199 in a loop, shifted by +7 (deltas hide offsets).
    n = 0
    while not r.flags:
        r.update(seen[150 + n % 50] + 7)
        n += 1
    assert n == 10
    assert r.flags == FLAG_ADVERSARIAL


def test_replay_ignores_flat_and_linear_signals():
    r = ReplayDetector(window=8, history=16, stride=1, min_active=4)
    for i in range(100):
        assert r.update(500) == 0
    for i in range(100):
        assert r.update(500 + 3 * i) == 0


def test_replay_reset_forgets_history():
    r = ReplayDetector(window=4, history=16, stride=1, min_active=2)
    seq = (10, 14, 9, 20, 3, 17, 8, 30, 1)
    for x in seq:
        r.update(x)
    r.reset()
    hits = 0
    for x in seq:
        hits += r.update(x)
    assert hits == 0
    for x in seq:
        hits += r.update(x)
    assert hits > 0
