"""MarginConfidence and confidence16 (spec §8.3, §17 defect 6)."""
from redline.text.conf import MarginConfidence, confidence16
from redline.codes import FLAG_DECAYING, FLAG_LOW_CONFIDENCE


def _q(x):
    """0..1 (in thousandths) -> 0..65535."""
    return (x * 65535) // 1000


def test_stable_values():
    t = MarginConfidence(_q(500), 2)
    for _ in range(3):
        assert t.update(_q(800)) == 0


def test_decay_and_low():
    t = MarginConfidence(_q(500), 2)
    t.update(_q(800))
    assert t.update(_q(600)) == 0
    assert t.update(_q(400)) == FLAG_LOW_CONFIDENCE | FLAG_DECAYING
    t = MarginConfidence(_q(500), 3)
    for x in (900, 700, 500):
        t.update(_q(x))
    assert t.flags == 0
    assert t.update(_q(300)) == FLAG_LOW_CONFIDENCE | FLAG_DECAYING


def test_equal_value_breaks_decay():
    t = MarginConfidence(0, 2)
    for x in (900, 800, 800, 700):
        t.update(_q(x))
    assert t.decay_count == 1 and t.flags == 0


def test_trend_and_current():
    t = MarginConfidence(_q(300), 3)
    for x in (400, 600, 800):
        t.update(_q(x))
    assert t.trend() == (_q(800) - _q(400)) // 2
    t = MarginConfidence(_q(500), 100)
    t.update(0)
    assert t.flags == FLAG_LOW_CONFIDENCE and t.trend() == 0
    t.update(65535)
    assert t.flags == 0
    t.update(32767)
    assert t.trend() == 16383 and t.current == 32767
    # more than 8 values: the mean step over the last 8
    t = MarginConfidence(0, 3)
    for i in range(20):
        t.update(i * 1000)
    assert t.trend() == 1000
    t = MarginConfidence(0, 3)
    for i in range(20):
        t.update(60000 - i * 1001)
    assert t.trend() == -1001


def test_defect6_confidence_is_not_manipulation_probability():
    # llmosafe tracked p itself: confidently safe text (p ~ 0) read as "low confidence".
    thr = 39718          # p of the reference threshold (0.606)
    assert confidence16(0, thr) == 65535            # certain: not manipulation
    assert confidence16(65535, thr) == 65535        # certain: manipulation
    assert confidence16(thr, thr) == 0              # on the boundary
    assert confidence16(thr // 2, thr) == 32767     # half-way on the safe side
    t = MarginConfidence(19661, 3)
    assert t.update(confidence16(74, thr)) == 0      # "how do i write a function ..." p 0.0011
    assert t.update(confidence16(38000, thr)) == FLAG_LOW_CONFIDENCE


def test_confidence16_monotonic_on_each_side():
    thr = 32768
    last = 65536
    for p in range(0, thr + 1, 97):
        c = confidence16(p, thr)
        assert 0 <= c <= last
        last = c
    last = -1
    for p in range(thr, 65536, 97):
        c = confidence16(p, thr)
        assert last <= c <= 65535
        last = c
    assert confidence16(5, 0) == 5 and confidence16(65535, 0) == 65535
    assert confidence16(65530, 65535) == 5 and confidence16(65535, 65535) == 65535


def test_no_cross_instance_leakage():
    a = MarginConfidence(_q(500), 3)
    b = MarginConfidence(_q(500), 3)
    for _ in range(3):
        a.update(_q(300))
    b.update(_q(900))
    assert a.flags == FLAG_LOW_CONFIDENCE and b.flags == 0


def test_reset():
    t = MarginConfidence(_q(500), 1)
    t.update(_q(600))
    t.update(_q(100))
    t.reset()
    assert t.flags == 0 and t.decay_count == 0 and t.trend() == 0


def test_confidence16_equals_frac16_of_the_margin():
    from redline.fx import frac16
    from redline.text.conf import confidence16
    for thr in (0, 1, 9000, 32768, 65534, 65535):
        for p in (0, 1, 77, 8999, 9000, 9001, 30000, 65534, 65535):
            if p >= thr:
                num, den = p - thr, 65535 - thr
            else:
                num, den = thr - p, thr
            assert confidence16(p, thr) == (65535 if den == 0 else frac16(num, den)), (p, thr)
