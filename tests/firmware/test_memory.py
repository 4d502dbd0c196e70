"""EntropyMemory: gating order, integer statistics, witness tokens (spec §5, tests doc §5)."""
from redline.codes import HALT_BIAS, HALT_INSTABILITY, HALT_SURPRISE
from redline.text.kernel import _SIFTED, _VALIDATED
from redline.text.mem import EntropyMemory

P = _SIFTED   # tests stand in for the sifter, as llmosafe's test-only constructor


def _fed(size, values, threshold=1000):
    m = EntropyMemory(size, threshold)
    for v in values:
        assert m.update(v, 0, False, P) == 0
    return m


def test_homeostatic_stats():
    m = _fed(4, (100, 200, 300, 400))
    assert m.mean() == 250
    assert m.trend_q8() == 100 * 256
    assert m.is_drifting()


def test_gating_order():
    m = EntropyMemory(4, 500)
    assert m.update(400, 100, False, P) == 0
    assert m.validated is _VALIDATED
    assert m.update(400, 600, False, P) == HALT_SURPRISE
    assert m.validated is None
    assert m.update(400, 100, True, P) == HALT_BIAS
    assert m.update(50001, 100, False, P) == HALT_INSTABILITY
    # bias is checked before entropy, entropy before surprise
    assert m.update(50001, 600, True, P) == HALT_BIAS
    assert m.update(50001, 600, False, P) == HALT_INSTABILITY
    # refused updates stored nothing
    assert m.count == 1 and m.mean() == 100


def test_thresholds_are_strict():
    m = EntropyMemory(64, 500)
    assert m.update(40000, 500, False, P) == 0
    assert m.update(40001, 0, False, P) == HALT_INSTABILITY
    assert m.update(0, 501, False, P) == HALT_SURPRISE
    assert EntropyMemory(4, 0).update(0, 1, False, P) == HALT_SURPRISE
    assert EntropyMemory(4, -1).update(0, 0, False, P) == HALT_SURPRISE


def test_size_one():
    m = _fed(1, (100, 200))
    assert m.slots[0] == 200 and m.index == 0 and m.mean() == 200 and m.trend_q8() == 0


def test_fresh_memory_mean_counts_empty_slots():
    m = EntropyMemory(64, 1000)
    assert m.mean() == 0 and m.variance() == 0 and m.trend_q8() == 0
    m.update(500, 0, False, P)
    assert m.mean() == 500 // 64


def test_trend_flat_and_variance():
    assert _fed(4, (100, 100, 100, 100)).trend_q8() == 0
    assert _fed(2, (100, 200)).variance() == 2500
    assert _fed(2, (100, 200, 300)).mean() == 250


def test_trend_respects_temporal_order_after_wraparound():
    m = _fed(4, (100, 200, 300, 400, 500, 600))
    assert m.trend_q8() == 100 * 256
    m = _fed(4, (600, 500, 400, 300, 200, 100))
    assert m.trend_q8() == -100 * 256
    # (1/3 unit per step) -> 256 / 3 truncated
    m = _fed(3, (0, 0, 1))
    assert m.trend_q8() == 128


def test_statistics_stay_small_ints_at_the_extremes():
    # half 0, half 65535: the largest possible variance, just below 2**30
    m = EntropyMemory(64, 70000)
    for i in range(64):
        m.update(40000 if i % 2 else 0, 0, False, P)
    assert m.mean() == 20000
    assert m.variance() == 400000000
    m = EntropyMemory(120, 70000)
    for i in range(120):
        m.update(i * 333, 0, False, P)
    assert m.trend_q8() == 333 * 256
    assert m.mean() == (333 * 119 * 120 // 2) // 120
    assert m.variance() < (1 << 30)


def test_incremental_sums_match_direct_computation():
    m = EntropyMemory(7, 1000)
    seed = 1
    for step in range(200):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        m.update((seed >> 8) % 40001, 0, False, P)
        n = 7
        ordered = [m.slots[(m.index + i) % n] for i in range(n)]
        assert m.mean() == sum(ordered) // n
        num = sum((2 * i - (n - 1)) * ordered[i] for i in range(n))
        den = (n - 1) * n * (n + 1) // 6
        q = (abs(num) * 256) // den
        assert m.trend_q8() == (q if num >= 0 else -q)
        mean = sum(ordered) // n
        assert m.variance() == sum((v - mean) * (v - mean) for v in ordered) // n


def test_memory_refuses_missing_sifted_proof():
    m = EntropyMemory(4, 1000)
    for fake in (None, object(), _VALIDATED, True):
        try:
            m.update(100, 0, False, fake)
        except TypeError:
            continue
        assert False, fake
    assert m.count == 0


def test_proof_reuse_across_messages():
    m = EntropyMemory(64, 500)
    assert m.update(100, 0, False, P) == 0
    assert m.update(200, 0, False, P) == 0
    assert m.count == 2


def test_invalid_sizes():
    for size in (0, 121):
        try:
            EntropyMemory(size, 1000)
        except ValueError:
            continue
        assert False, size


def test_reset():
    m = _fed(4, (100, 200, 300))
    m.reset()
    assert m.mean() == 0 and m.count == 0 and m.index == 0 and m.validated is None


def test_update_keeps_the_mean_and_trend_of_the_new_state():
    # the pipeline reads last_mean / last_trend instead of calling mean() / trend_q8()
    for size in (1, 2, 7, 64, 120):
        m = EntropyMemory(size, 1000)
        assert m.last_mean == 0 and m.last_trend == 0
        seed = size
        for step in range(300):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            v = (seed >> 8) % 40001 if step % 50 < 25 else 40000 - step * 100 % 40000
            if m.update(v, 0, False, P) == 0:
                assert (m.last_mean, m.last_trend) == (m.mean(), m.trend_q8()), (size, step)
        assert m.last_trend != 0 or size == 1
        m.reset()
        assert m.last_mean == 0 and m.last_trend == 0
