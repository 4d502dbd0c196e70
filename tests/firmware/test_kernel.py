"""ReasoningLoop (burst window), witness tokens, DynamicStabilityMonitor (spec §6, tests doc §4, §7)."""
from redline.compat import ticks_diff
from redline.codes import HALT_BIAS, HALT_DEPTH, HALT_INSTABILITY
from redline.text.kernel import (
    BOTH,
    HIGH,
    LOW,
    STABLE,
    _SIFTED,
    _VALIDATED,
    ReasoningLoop,
    sift_with_proof,
)
from redline.text.stab import DynamicStabilityMonitor, msb

V = _VALIDATED


def test_loop_allows_exactly_max_steps_in_a_window():
    for n in (1, 2, 3, 5):
        loop = ReasoningLoop(n, 1000)
        for i in range(n):
            assert loop.next_step(500, False, V, i) == 0
        assert loop.next_step(500, False, V, n) == HALT_DEPTH
        assert loop.step_count == n and loop.depth == n


def test_loop_zero_steps_always_fails():
    assert ReasoningLoop(0, 1000).next_step(0, False, V, 0) == HALT_DEPTH


def test_defect12_reasoning_loop_bounds_a_burst_not_forever():
    loop = ReasoningLoop(10, 1000)
    for i in range(10):
        assert loop.next_step(100, False, V, i * 10) == 0
    # the 11th inside the same second is refused ...
    assert loop.next_step(100, False, V, 500) == HALT_DEPTH
    assert loop.next_step(100, False, V, 999) == HALT_DEPTH
    # ... and accepted once the oldest step left the window (t=0 + 1000 ms)
    assert loop.next_step(100, False, V, 1000) == 0
    assert loop.depth == 10
    # after a quiet spell the loop works indefinitely at a sustainable rate
    t = 5000
    for i in range(100):
        assert loop.next_step(100, False, V, t) == 0
        t += 100
    assert loop.step_count == 111 and loop.depth == 10


def test_refused_steps_are_not_recorded():
    loop = ReasoningLoop(2, 1000)
    assert loop.next_step(100, False, V, 0) == 0
    assert loop.next_step(100, True, V, 1) == HALT_BIAS
    assert loop.next_step(40001, False, V, 2) == HALT_INSTABILITY
    assert loop.next_step(40000, False, V, 3) == 0
    assert loop.step_count == 2


def test_loop_window_across_tick_wraparound():
    # the tick period is the port's (2**30 on boards, wasm and the CPython stand-in; 2**62 on 64-bit unix)
    period = 1 << 30
    if ticks_diff(0, period - 100) != 100:
        period = 1 << 62
    assert ticks_diff(0, period - 100) == 100
    loop = ReasoningLoop(2, 1000)
    top = period - 100
    assert loop.next_step(0, False, V, top) == 0
    assert loop.next_step(0, False, V, top + 50) == 0
    # ticks wrap to small values: 200 ms after `top` is still inside the window
    assert loop.next_step(0, False, V, 100) == HALT_DEPTH
    assert loop.next_step(0, False, V, 901) == 0


def test_loop_reset():
    loop = ReasoningLoop(1, 1000)
    assert loop.next_step(0, False, V, 0) == 0
    assert loop.next_step(0, False, V, 1) == HALT_DEPTH
    loop.reset()
    assert loop.step_count == 0
    assert loop.next_step(0, False, V, 2) == 0


def test_loop_refuses_missing_validated_proof():
    loop = ReasoningLoop(3, 1000)
    for fake in (None, _SIFTED, object()):
        try:
            loop.next_step(0, False, fake, 0)
        except TypeError:
            continue
        assert False, fake
    assert loop.step_count == 0


def test_sift_with_proof_runs_the_sifter():
    class FakeSifter:
        calls = 0

        def sift(self, data, length=-1):
            FakeSifter.calls += 1

    s = FakeSifter()
    assert sift_with_proof(s, b"x") is _SIFTED
    assert FakeSifter.calls == 1


def test_invalid_loop():
    for args in ((-1, 1000), (1025, 1000), (3, 0)):
        try:
            ReasoningLoop(*args)
        except ValueError:
            continue
        assert False, args


def test_msb():
    want = ((0, 0), (1, 0), (2, 1), (4, 2), (8, 3), (255, 7), (256, 8), (1024, 10), (65535, 15))
    for x, m in want:
        assert msb(x) == m, x


def test_msb_equals_one_shift_per_bit():
    # the binary-step msb against the shift loop it replaced, on every octave edge and between
    def slow(x):
        i = 0
        while x > 1:
            x >>= 1
            i += 1
        return i
    xs = [-5, -1, 0, 1, 2, 3]
    for k in range(1, 30):
        xs += [(1 << k) - 1, 1 << k, (1 << k) + 1, (1 << k) + (1 << (k - 1))]
    for x in xs:
        assert msb(x) == slow(x), x


def test_monitor_examples():
    m = DynamicStabilityMonitor(2)
    assert m.update(500) == STABLE and m.seen
    m = DynamicStabilityMonitor(2)
    assert (m.update(100), m.update(100), m.update(900)) == (STABLE, STABLE, HIGH)
    m = DynamicStabilityMonitor(2)
    assert (m.update(500), m.update(500), m.update(10)) == (STABLE, STABLE, LOW)
    m = DynamicStabilityMonitor(2)
    for x in (100, 150, 200, 250):
        m.update(x)
    assert m.thresholds() == (255, 64, 204)
    m = DynamicStabilityMonitor(2)
    m.update(100)
    assert m.update(0) == LOW
    m = DynamicStabilityMonitor(2)
    assert (m.update(100), m.update(100), m.update(10000)) == (STABLE, STABLE, HIGH)
    m.reset()
    assert not m.seen
    assert (m.update(1000), m.update(1)) == (STABLE, LOW)


def test_monitor_k_sensitivity_and_both():
    m1 = DynamicStabilityMonitor(1)
    m3 = DynamicStabilityMonitor(3)
    for x in (100, 100):
        m1.update(x)
        m3.update(x)
    assert m1.update(400) == HIGH and m3.update(400) == STABLE
    # one value cannot lie both above hi + k and below lo - k (lo <= hi): BOTH never occurs
    m = DynamicStabilityMonitor(1)
    seen = 0
    seed = 4
    for i in range(500):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        seen |= 1 << m.update(seed >> (seed & 15))
    assert seen & (1 << BOTH) == 0 and seen & (1 << HIGH) and seen & (1 << LOW)


def test_monitor_low_cannot_fire_when_k_covers_lo():
    m = DynamicStabilityMonitor(3)
    m.update(4)             # lo = 2 <= k
    assert m.update(1) == STABLE


def test_invalid_monitor():
    for k in (0, 6):
        try:
            DynamicStabilityMonitor(k)
        except ValueError:
            continue
        assert False, k


def test_loop_depth_written_out_matches_depth_at():
    # next_step counts the window itself on an accepted step: the same as _depth_at(now)
    refused = 0
    for n, w in ((1, 50), (3, 400), (10, 10000), (7, 1)):
        loop = ReasoningLoop(n, w)
        seed = n
        now = (1 << 30) - 5000           # across the tick wrap-around
        ok = 0
        for i in range(300):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            now = (now + (seed >> 8) % (3 * w // n + 2)) & ((1 << 30) - 1)
            if loop.next_step(1000, False, V, now) == 0:
                ok += 1
                assert loop.depth == loop._depth_at(now), (n, w, i)
        assert ok > 0
        refused += 300 - ok
    assert refused > 0                  # full windows were met too
