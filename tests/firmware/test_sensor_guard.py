# SensorGuard end to end: warm-up, spoofs (step, stuck-at, replay, redundant split, ramp),
# the surprise gate, the ladder and the llmosafe defects it must not copy.
from redline.codes import (PROCEED, WARN, ESCALATE, HALT_BIAS, HALT_SURPRISE,
                              HALT_INSTABILITY, HALT_RESOURCE, is_halt)
from redline.codes import FLAG_STUCK, FLAG_ANOMALY, FLAG_ADVERSARIAL
from redline.sensor.guard import SensorGuard
from redline.sensor.config import SensorConfig
from redline import codes as R
from redline.ladder import dal_gate


from _lcg import Lcg  # noqa: E402  (shared seeded noise)


SIGMA = 36


def calibrated(**kw):
    return SensorConfig(("a",), baseline=1000, scale=SIGMA, **kw)


def first_halt(guard, ch, values, start):
    """Index (from start) of the first halting reading, with its result fields."""
    for i in range(len(values)):
        r = guard.update(ch, values[i])
        if is_halt(r.code) and i >= start:
            return i - start, r.code, r.reason
        assert not is_halt(r.code), (i, r.code, r.reason)
    return None


def nominal(seed, n, base=1000):
    g = Lcg(seed)
    return [base + g.noise(SIGMA) for _ in range(n)]


def test_nominal_stream_never_halts_and_warn_is_reachable():
    # llmosafe defect 9: its pipeline could never return Warn.
    g = SensorGuard(calibrated())
    counts = {}
    gen = Lcg(1)
    for i in range(20000):                   # generated on the fly: a board-sized heap
        r = g.update(0, 1000 + gen.noise(SIGMA))
        counts[r.code] = counts.get(r.code, 0) + 1
    assert counts == {PROCEED: 19857, WARN: 141, ESCALATE: 2}


def test_warm_up_learns_baseline_and_scale():
    g = SensorGuard(SensorConfig(("a",), warmup=32))
    xs = nominal(2, 40, base=5000)
    for i in range(32):
        r = g.update(0, xs[i])
        assert r.warming_up and r.code == WARN and r.reason == R.REASON_WARMUP
    ch = g.channel(0)
    assert (ch.base, ch.scale) == (5000, 34)
    r = g.update(0, xs[32])
    assert not r.warming_up and r.code == PROCEED
    assert r.sample == 32


def test_step_of_4_sigma_halts_within_3_samples():
    xs = nominal(3, 400)
    for i in range(200, 400):
        xs[i] += 4 * SIGMA
    assert first_halt(SensorGuard(calibrated()), 0, xs, 200) == (2, HALT_INSTABILITY, R.REASON_CUSUM)


def test_large_step_halts_on_surprise_at_once():
    xs = nominal(3, 300)
    xs[250] += 8 * SIGMA
    assert first_halt(SensorGuard(calibrated()), 0, xs, 250) == (0, HALT_SURPRISE, R.REASON_SURPRISE)


def test_stuck_at_halts():
    xs = nominal(4, 300)
    for i in range(200, 300):
        xs[i] = 1013
    assert first_halt(SensorGuard(calibrated(stuck_run=4)), 0, xs, 200) == (3, HALT_BIAS, R.REASON_STUCK)


def test_replay_loop_halts():
    xs = nominal(5, 400)
    for i in range(200, 400):
        xs[i] = xs[100 + (i - 200) % 50]
    assert first_halt(SensorGuard(calibrated()), 0, xs, 200) == (11, HALT_BIAS, R.REASON_REPLAY)


def _first_split_halt(cfg, split):
    """Channels a (1000) and b (2000) with noise; b departs by ``split`` from row 400 on.
    Returns (rows after 400, code, reason, bias) of b's first halt; a must never halt."""
    g = SensorGuard(cfg)
    ga = Lcg(6)
    gb = Lcg(7)
    for t in range(600):
        ra = g.update(0, 1000 + ga.noise(SIGMA))
        assert not is_halt(ra.code)
        rb = g.update(1, 2000 + gb.noise(SIGMA) + (split if t >= 400 else 0))
        if is_halt(rb.code):
            return (t - 400, rb.code, rb.reason, rb.bias)
    return None


def test_redundant_split_halts():
    cfg = SensorConfig(("a", "b"), baseline=(1000, 2000), scale=SIGMA,
                       pair_a=(0,), pair_b=(1,), pair_tol=(200,))
    assert _first_split_halt(cfg, 9 * SIGMA) == (0, HALT_BIAS, R.REASON_DISAGREE, 54558)


def _split_run(pair_scale, split, seed=6, slow_k=0, offset=0, b_shift=0):
    # the pair's tolerance is far away and the channels' own CUSUMs are off: only the pair's
    # disagreement CUSUMs can halt. b_shift: channel b reads that far off its baseline all along.
    cfg = SensorConfig(("a", "b"), baseline=(1000, 2000), scale=SIGMA, pair_a=(0,), pair_b=(1,),
                       pair_tol=(5000,), pair_scale=(pair_scale,), pair_h=(1536,), cusum_h=1 << 24,
                       pair_offset=(offset,), pair_slow_k=(slow_k,), pair_slow_h=(5120,))
    g = SensorGuard(cfg)
    ga = Lcg(seed)
    gb = Lcg(seed + 1)
    for t in range(600):
        ra = g.update(0, 1000 + ga.noise(SIGMA))
        assert not is_halt(ra.code)
        rb = g.update(1, 2000 + b_shift + gb.noise(SIGMA) + (split if t >= 400 else 0))
        if is_halt(rb.code):
            return t - 400, rb.code, rb.reason, rb.bias
    return None


def test_pair_cusum_halts_a_four_sigma_split():
    # disagreement of two independent channels: sqrt(2) SIGMA = 51
    assert _split_run(51, 4 * SIGMA) == (5, HALT_BIAS, R.REASON_DISAGREE, 65535)
    assert _split_run(51, 4 * SIGMA, seed=20) == (3, HALT_BIAS, R.REASON_DISAGREE, 65535)
    assert _split_run(51, 0) is None
    # PAIR_SCALE 0: no pair CUSUM; the step is found much later by channel b's entropy
    assert _split_run(0, 4 * SIGMA) == (24, HALT_INSTABILITY, R.REASON_ENTROPY, 963)


def test_pair_slow_cusum_halts_a_one_sigma_split():
    # a 1-sigma split is 0.7 disagreement sigma, below the fast CUSUM's allowance (1.25): only the
    # slow one (allowance 0.25, level 20 sigma) gathers it
    assert _split_run(51, SIGMA) is None
    assert _split_run(51, SIGMA, slow_k=64) == (50, HALT_BIAS, R.REASON_DISAGREE, 65535)
    assert _split_run(51, SIGMA, seed=20, slow_k=64) == (20, HALT_BIAS, R.REASON_DISAGREE, 65535)
    assert _split_run(51, 0, slow_k=64) is None
    # the fast CUSUM still takes a 4-sigma split first
    assert _split_run(51, 4 * SIGMA, slow_k=64) == (5, HALT_BIAS, R.REASON_DISAGREE, 65535)


def test_pair_offset_is_taken_off_the_disagreement():
    # b reads 40 (0.8 disagreement sigma) above its baseline all along: the slow CUSUM
    # halts on that standing offset unless PAIR_OFFSET says it is nominal
    assert _split_run(51, 0, slow_k=64, b_shift=40) == (-387, HALT_BIAS, R.REASON_DISAGREE, 65535)
    assert _split_run(51, 0, slow_k=64, b_shift=40, offset=40) is None
    assert _split_run(51, SIGMA, slow_k=64, b_shift=40, offset=40) == (50, HALT_BIAS, R.REASON_DISAGREE, 65535)


def test_slow_ramp_halts_within_60_samples():
    xs = nominal(8, 500)
    for i in range(200, 500):
        xs[i] += ((i - 200) * SIGMA) // 10      # 0.1 sigma per sample
    assert first_halt(SensorGuard(calibrated()), 0, xs, 200) == (20, HALT_INSTABILITY, R.REASON_CUSUM)


def test_spoofer_cannot_drag_the_memory_baseline():
    g = SensorGuard(calibrated(z_gate=1024))
    for x in nominal(9, 100):
        g.update(0, x)
    mem = g.channel(0).memory
    before = (mem.mean_q6(), mem.count, mem.index)
    for i in range(50):
        r = g.update(0, 1000 + 6 * SIGMA)      # 6 sigma: over the gate, never stored
        assert not r.accepted
    mem = g.channel(0).memory                   # a view is a snapshot: taken again
    assert (mem.mean_q6(), mem.count, mem.index) == before
    g.update(0, 1000 + SIGMA)                   # 1 sigma: stored, the mean moves
    assert g.channel(0).memory.index != before[2]


def test_out_of_range_and_impossible_slew_are_bias():
    g = SensorGuard(calibrated(range_min=800, range_max=1200, max_slew=5 * SIGMA))
    r = g.update(0, 1000)
    assert r.code == PROCEED
    r = g.update(0, 1201)
    assert (r.code, r.reason, r.bias) == (HALT_BIAS, R.REASON_RANGE, 65535)
    g.reset()
    g.update(0, 1000)
    r = g.update(0, 1000 - 5 * SIGMA - 1)
    assert (r.code, r.reason, r.bias) == (HALT_BIAS, R.REASON_SLEW, 65535)
    g.reset()
    r = g.update(0, 2 ** 40)                  # absurd input: no big-int arithmetic, range halt
    assert (r.code, r.reason) == (HALT_BIAS, R.REASON_RANGE)


def test_halt_threshold_is_inclusive():
    # llmosafe defect 11: at exactly the halt entropy its decide() escalated.
    g = SensorGuard(calibrated(z_warn=256, z_escalate=512, z_halt=768))
    r = g.update(0, 1000 + 3 * SIGMA)           # exactly 3 sigma = Z_HALT
    assert r.z == 768 and r.code == HALT_SURPRISE
    g.reset()
    r = g.update(0, 1000 + 3 * SIGMA - 1)
    assert r.z == 760 and r.code == ESCALATE


def test_default_dal_is_a_and_gate_table():
    # llmosafe defect 10: default DAL E turned every decision into Proceed.
    assert SensorConfig(("a",)).dal == 0
    assert [dal_gate(HALT_BIAS, d) for d in range(5)] == [HALT_BIAS, ESCALATE, WARN, WARN, PROCEED]
    assert [dal_gate(ESCALATE, d) for d in range(5)] == [ESCALATE, ESCALATE, WARN, WARN, PROCEED]
    assert [dal_gate(WARN, d) for d in range(5)] == [WARN, WARN, WARN, WARN, PROCEED]
    g = SensorGuard(calibrated(dal=1))
    assert g.update(0, 1000 + 10 * SIGMA).code == ESCALATE


def test_pressure_gates_the_ladder():
    g = SensorGuard(calibrated())
    g.pressure = 2
    r = g.update(0, 1000)
    assert (r.code, r.reason) == (ESCALATE, R.REASON_PRESSURE)
    g.pressure = 3
    r = g.update(0, 1000)
    assert (r.code, r.reason) == (HALT_RESOURCE, R.REASON_EMERGENCY)


def test_channels_are_independent_and_named():
    g = SensorGuard(SensorConfig(("x", "y"), baseline=(0, 100), scale=(10, 20)))
    assert g.channel_index("y") == 1
    assert g.update(1, 100 + 20 * 8).code == HALT_SURPRISE
    assert g.update(0, 5).code == PROCEED


def test_golden_counts_on_a_mixed_stream():
    # Every gauge on a long seeded stream: the sums are the fingerprint of the arithmetic.
    cfg = SensorConfig(("a", "b", "c"), baseline=(1000, 2000, 0), scale=(SIGMA, SIGMA, 0),
                       pair_a=(0,), pair_b=(1,), pair_tol=(150,), warmup=16)
    g = SensorGuard(cfg)
    gen = Lcg(12)
    sums = [0, 0, 0, 0, 0]
    codes = {}
    for t in range(6000):
        c = t % 3
        base = (1000, 2000, -300)[c]
        x = base + gen.noise(SIGMA)
        if 3000 <= t < 3300:
            x += (t - 3000) // 2
        r = g.update(c, x)
        sums[0] += r.surprise
        sums[1] += r.entropy
        sums[2] += r.bias
        sums[3] += r.flags
        sums[4] += r.z
        codes[r.code] = codes.get(r.code, 0) + 1
        if is_halt(r.code):
            g.reset()
    # the pair is judged once per row, on channel b only: a carries no disagreement bias
    assert sums == [20943504, 92064184, 18752784, 352, 126249]
    assert codes == {PROCEED: 5472, WARN: 477, ESCALATE: 30, HALT_INSTABILITY: 21}


def test_rearm_keeps_the_learned_baseline():
    g = SensorGuard(SensorConfig(("a",), warmup=16))
    xs = nominal(13, 40, base=700)
    for i in range(40):
        g.update(0, xs[i])
    ch = g.channel(0)          # a snapshot: taken again after every step below
    learned = (ch.base, ch.scale, ch.memory.mean_q6())
    assert g.update(0, 700 + 20 * SIGMA).code == HALT_SURPRISE
    ch = g.channel(0)
    assert ch.cusum.score > 0 and ch.has_last
    g.rearm()
    ch = g.channel(0)
    assert (ch.base, ch.scale, ch.memory.mean_q6()) == learned
    assert ch.cusum.score == 0 and not ch.has_last and not ch.warming
    r = g.update(0, 700)
    assert r.code == PROCEED and not r.warming_up
    g.reset()
    ch = g.channel(0)
    assert ch.warming and ch.scale == 0


def _lockstep_pair(pair_a, pair_b, pair_tol, pair_scale, rows=200, skip_a_rows=()):
    # Both channels read the same value every row and that value jumps 600 (six tolerances,
    # twelve pair sigmas) between rows: the pair never disagrees. A comparison of one channel
    # with the other's reading from the previous row would see a 600 gap on every row.
    cfg = SensorConfig(("a", "b"), baseline=(1000, 1000), scale=1000, pair_a=(pair_a,),
                       pair_b=(pair_b,), pair_tol=(pair_tol,), pair_scale=(pair_scale,), pair_h=(1536,))
    g = SensorGuard(cfg)
    gen = Lcg(21)
    seen = [0, 0, 0]                       # readings, halts, readings with a nonzero bias
    for t in range(rows):
        x = 700 + (600 if t & 1 else 0) + (gen.next() & 15)
        for c in range(2):
            if c == 0 and t in skip_a_rows:
                continue
            r = g.update(c, x)
            seen[0] += 1
            seen[1] += 1 if is_halt(r.code) else 0
            seen[2] += 1 if r.bias else 0
            assert r.reason != R.REASON_DISAGREE, (t, c, r.code, r.bias)
    return seen, g.channel(0).confidence.confidence, g.channel(1).confidence.confidence


def test_pair_moving_in_lockstep_never_disagrees():
    # tolerance only (no pair CUSUM)
    assert _lockstep_pair(0, 1, 100, 0) == ([400, 0, 0], 65535, 65535)
    # the pair CUSUM only (tolerance far away)
    assert _lockstep_pair(0, 1, 5000, 50) == ([400, 0, 0], 65535, 65535)
    # PAIR_A after PAIR_B in channel order: the pair is judged when channel a reads
    assert _lockstep_pair(1, 0, 100, 50) == ([400, 0, 0], 65535, 65535)


def test_pair_is_not_judged_against_a_reading_missing_from_the_row():
    # channel a misses rows 40 and 41: channel b must not be compared with a's stale reading
    assert _lockstep_pair(0, 1, 100, 50, skip_a_rows=(40, 41)) == ([398, 0, 0], 65535, 65535)


def test_pair_cusum_halts_a_split_whatever_the_pair_order():
    # PAIR_A = channel b: the pair CUSUM lives on the later channel (a) and still halts
    cfg = SensorConfig(("a", "b"), baseline=(1000, 2000), scale=SIGMA, pair_a=(1,), pair_b=(0,),
                       pair_tol=(5000,), pair_scale=(51,), pair_h=(1536,), cusum_h=1 << 24)
    assert _first_split_halt(cfg, 4 * SIGMA) == (5, HALT_BIAS, R.REASON_DISAGREE, 65535)


def _shift_run(span, halt, fault, seed=31):
    # surprise halts at 16 sigma and CUSUM is off: only the shift check can halt early.
    # fault(i) is added to the i-th reading from 300 on.
    cfg = calibrated(z_warn=2048, z_escalate=3072, z_halt=4096, cusum_h=1 << 24, shift_span=span,
                     shift_halt=halt, replay_quant=0)
    g = SensorGuard(cfg)
    xs = nominal(seed, 400)
    out = None
    for i in range(400):
        r = g.update(0, xs[i] + (fault(i - 300) if i >= 300 else 0))
        if i < 300:
            assert not is_halt(r.code), (i, r.code, r.reason, r.shift)
        elif is_halt(r.code) and out is None:
            out = (i - 300, r.code, r.reason, r.shift)
    return out


def test_shift_halts_a_4_sigma_step_and_ignores_a_lone_spike():
    step = lambda k: 4 * SIGMA                                   # noqa: E731
    spike = lambda k: 8 * SIGMA if k == 0 else 0                 # noqa: E731
    # mean of the last 4 z at 3 sigma: the step is halted by its 3rd reading (3 of 4 z shifted)
    assert _shift_run(4, 768, step) == (2, HALT_SURPRISE, R.REASON_SHIFT, 814)
    assert _shift_run(4, 768, step, seed=32)[:3] == (2, HALT_SURPRISE, R.REASON_SHIFT)
    # a lone 8-sigma spike moves the 4-reading mean by 2 sigma: no halt
    assert _shift_run(4, 768, spike) is None
    assert _shift_run(4, 768, spike, seed=32) is None
    # without the check (span 0) the step waits for the memory's variance (entropy), 15 readings
    assert _shift_run(0, 768, step) == (15, HALT_INSTABILITY, R.REASON_ENTROPY, 0)
