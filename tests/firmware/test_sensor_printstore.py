# The shared fingerprint store: membership, eviction, sequence wrap, and the replay detector
# and guard catching a stretch older than their rings through it.
from _lcg import Lcg
from redline.codes import FLAG_ADVERSARIAL
from redline.sensor.prints import FingerprintStore
from redline.sensor.replay import ReplayDetector
from redline.sensor.guard import SensorGuard
from redline.sensor.config import SensorConfig
from redline import codes as R
from redline.codes import HALT_BIAS
from redline.compat import heap_lock, heap_unlock


def test_store_keeps_the_last_size_prints():
    st = FingerprintStore(8)
    for p in range(100, 108):
        st.add(p, p * 3)
    assert [st.contains(p, p * 3) for p in range(99, 109)] == [False] + [True] * 8 + [False]
    assert not st.contains(103, 104 * 3)          # right print, other bucket
    st.add(200, 0)                                # drops 100
    assert not st.contains(100, 300) and st.contains(101, 303) and st.contains(200, 0)
    assert st.count == 8 and st.seq == 9


def test_store_chains_within_a_bucket_and_empties_it():
    st = FingerprintStore(4)                      # 2 buckets: keys 0 and 2 share bucket 0
    st.add(1, 0)
    st.add(2, 2)
    st.add(3, 1)
    assert st.contains(1, 0) and st.contains(2, 0) and st.contains(3, 1)
    assert st.head[0] == 1 and st.back[1] == 1    # print 2 (insertion 1) links back to print 1
    st.add(4, 1)
    st.add(5, 1)                                  # drops 1 (key 0): 2 is still the bucket's head
    assert not st.contains(1, 0) and st.contains(2, 0)
    st.add(6, 1)                                  # drops 2: bucket 0's head names a print that is gone
    assert st.head[0] == 1 and not st.contains(2, 0)
    st.add(7, 1)                                  # insertion 6 sweeps bucket 0 (6 & 1): emptied
    assert st.head[0] == 0xFFFF and not st.contains(2, 0)
    assert st.contains(6, 1) and st.contains(7, 1) and not st.contains(3, 1)
    st.reset()
    assert not st.contains(6, 1) and st.count == 0


def test_store_sequence_wraps_at_2_30():
    st = FingerprintStore(4)
    st.seq = (1 << 30) - 2
    for p in (7, 8, 9, 10, 11):
        st.add(p, 5)
    assert st.seq == 3
    assert [st.contains(p, 5) for p in (7, 8, 9, 10, 11)] == [False, True, True, True, True]


def test_store_matches_a_plain_list_of_the_last_prints():
    # 40,000 insertions: the 15-bit head numbers wrap a dozen times, the sequence wraps at 2**30
    # once; every answer equals the one a plain list of the last 16 (print, bucket) pairs gives.
    st = FingerprintStore(16)                     # 8 buckets
    st.seq = (1 << 30) - 20000
    last = [-1] * 32                              # print, bucket of the last 16 insertions (a ring)
    s = 12345
    wrong = 0
    hits = 0
    n = 0
    for t in range(40000):
        s = (s * 75 + 74) % 65537
        fp = s % 29
        key = (s >> 5) & 63
        found = False
        for i in range(16):
            if last[2 * i] == fp and last[2 * i + 1] == key & 7:
                found = True
        if st.contains(fp, key) != found:
            wrong += 1
        if found:
            hits += 1
        if t % 3 != 2:                            # two adds in three: the ring turns over
            st.add(fp, key)
            k = n % 16
            n += 1
            last[2 * k] = fp
            last[2 * k + 1] = key & 7
    assert wrong == 0
    assert 2000 < hits < 20000
    assert st.seq == ((1 << 30) - 20000 + 26667) & 0x3FFFFFFF


def test_store_forgets_an_idle_bucket_before_its_number_comes_round():
    # bucket 0's only print, then 2**15 insertions into bucket 1: the 15-bit head number of
    # bucket 0 comes round to the current one; the sweep must have emptied it long before.
    st = FingerprintStore(16)
    st.add(5, 0)
    for t in range(32767):
        st.add(5 + (t & 1), 1)
    assert st.seq == 32768
    assert st.head[0] == 0xFFFF
    assert not st.contains(5, 0) and not st.contains(6, 0)
    assert st.contains(5, 1) and st.contains(6, 1)


def test_store_walks_at_most_32_prints_of_a_bucket():
    st = FingerprintStore(64)
    for p in range(64):
        st.add(p, 0)                              # one bucket holds all 64 prints
    assert [st.contains(p, 0) for p in (63, 32, 31, 0)] == [True, True, False, False]
    assert st.contains(63, 32) and not st.contains(63, 1)   # 32 buckets: key 32 is bucket 0


def test_store_rejects_bad_sizes():
    for size in (0, 1, 3, 100, 32768):
        try:
            FingerprintStore(size)
            ok = False
        except ValueError:
            ok = True
        assert ok


def _stream(n, seed):
    g = Lcg(seed)
    out = []
    for i in range(n):
        out.append(1000 + g.noise(36))
    return out


def test_detector_finds_an_old_stretch_through_the_store():
    xs = _stream(400, 5)
    alone = ReplayDetector(window=4, history=16, stride=1, min_active=2)
    st = FingerprintStore(1024)
    shared = ReplayDetector(window=4, history=16, stride=1, min_active=2, store=st, channel=3, levels=True)
    steps = ReplayDetector(window=4, history=16, stride=1, min_active=2, store=FingerprintStore(512),
                           channel=3)
    for x in xs:
        assert alone.update(x) == 0
        assert shared.update(x) == 0
        assert steps.update(x) == 0
    # every print a ring dropped: 396 step windows, and the level windows whose 3 steps are not
    # flat or linear (2 non-zero, 2 changes), 16 of each kind still in the rings
    d = [xs[i + 1] - xs[i] for i in range(399)]
    levels = sum(1 for i in range(397) if (d[i] != 0) + (d[i + 1] != 0) + (d[i + 2] != 0) >= 2
                 and (d[i] != d[i + 1]) + (d[i + 1] != d[i + 2]) == 2)
    assert levels == 395
    assert st.count == (400 - 4 - 16) + (levels - 16)
    assert steps.store.count == 400 - 4 - 16
    # replay readings 100..159, 300 samples old: far beyond the 16-entry ring
    hits_alone = 0
    first = -1
    first_steps = -1
    for k in range(60):
        hits_alone += alone.update(xs[100 + k])
        if shared.update(xs[100 + k]) and first < 0:
            first = k
        if steps.update(xs[100 + k]) and first_steps < 0:
            first_steps = k
    assert hits_alone == 0
    assert first == 3                      # the 4th replayed reading completes a 4-reading window
    assert first_steps == 4                # the 5th completes a 4-step window


def _first_replay_hit(xs, age, size, store_stride):
    """Readings ``xs`` into a fresh detector (window 4, ring 16) sharing a store of ``size`` prints
    at store stride ``store_stride``, then 40 readings replayed from ``age`` readings back; the
    index of the first replayed reading flagged (-1: none)."""
    r = ReplayDetector(window=4, history=16, stride=1, min_active=2, store=FingerprintStore(size),
                       channel=1, store_stride=store_stride)
    for x in xs:
        assert r.update(x) == 0
    # every 4-step window of the noise is active: the ring dropped prints 0 .. len(xs) - 21
    assert r.store.count == min(size, (len(xs) - 4 - 16 + store_stride - 1) // store_stride)
    ys = list(xs)
    for k in range(40):
        ys.append(ys[len(ys) - age])
        if r.update(ys[-1]):
            return k
    return -1


_AGES = (5, 16, 17, 18, 30, 45, 46, 47, 48, 49, 50, 64)


def test_store_stride_reaches_as_far_back_in_fewer_prints():
    # A ring of 16 catches a replay 5..16 readings old (the 4 newest prints overlap the window);
    # a store of 32 prints at stride 1 adds ages 17..48, and so does one of 8 prints at stride 4
    # (every 4th dropped print: 8 x 4 = 32). Each flags from the 5th replayed reading, the first
    # whose 4 steps are all replayed; at stride 4 a stretch older than the ring waits for the next
    # print whose original was stored: print i = 196 + k - age, stored when i % 4 == 0.
    xs = _stream(200, 5)
    for age in _AGES:
        full = _first_replay_hit(xs, age, 32, 1)
        thin = _first_replay_hit(xs, age, 8, 4)
        if age <= 16:
            assert (full, thin) == (4, 4), (age, full, thin)
        elif age <= 48:
            assert (full, thin) == (4, 4 + age % 4), (age, full, thin)
        else:
            assert (full, thin) == (-1, -1), (age, full, thin)
    # the smallest store, 2 prints: the ring's 16 and 2 more
    assert [_first_replay_hit(xs, a, 2, 1) for a in (16, 18, 19)] == [4, 4, -1]


def test_store_stride_is_checked():
    for k in (0, 65):
        try:
            ReplayDetector(window=4, history=16, store=FingerprintStore(16), store_stride=k)
            ok = False
        except ValueError:
            ok = True
        assert ok


def test_offset_replay_is_caught_by_the_step_prints():
    xs = _stream(400, 5)
    st = FingerprintStore(1024)
    r = ReplayDetector(window=4, history=16, stride=1, min_active=2, store=st, channel=3, levels=True)
    for x in xs:
        assert r.update(x) == 0
    first = -1
    for k in range(60):                    # readings 100..159 shifted by +7: the levels differ
        if r.update(xs[100 + k] + 7) and first < 0:
            first = k
    assert first == 4


def test_store_keeps_channels_apart():
    xs = _stream(300, 9)
    st = FingerprintStore(1024)
    a = ReplayDetector(window=4, history=16, stride=1, min_active=2, store=st, channel=0)
    b = ReplayDetector(window=4, history=16, stride=1, min_active=2, store=st, channel=1)
    for x in xs:
        a.update(x)
    ys = _stream(300, 21)
    for y in ys:
        assert b.update(y) == 0
    for k in range(60):                    # b plays a's readings: not a replay of b
        assert b.update(xs[50 + k]) == 0
    assert a.salt != b.salt and a.salt < (1 << 30)


def test_store_needs_a_ring_longer_than_the_window():
    try:
        ReplayDetector(window=8, history=8, stride=1, store=FingerprintStore(16))
        ok = False
    except ValueError:
        ok = True
    assert ok


def _older_stretch(store, levels, store_stride=1):
    """Two channels for 500 rows, then channel a replays its readings 200..239 (300 samples
    old, beyond its 16-entry rings); returns the guard and the first replay halt's sample."""
    cfg = SensorConfig(("a", "b"), baseline=1000, scale=36, replay_window=(4, 6), replay_history=16,
                       replay_stride=1, replay_min_active=2, replay_store=store, replay_levels=levels,
                       replay_store_stride=store_stride)
    g = SensorGuard(cfg)
    xs = _stream(500, 13)
    ys = _stream(500, 17)
    for t in range(500):
        assert g.update(0, xs[t]).code >= 0
        assert g.update(1, ys[t]).code >= 0
    first = -1
    for k in range(40):
        r = g.update(0, xs[200 + k])
        if r.code < 0 and first < 0:
            first = k
            assert (r.code, r.reason) == (HALT_BIAS, R.REASON_REPLAY)
        g.update(1, ys[k])                 # (overwrites the guard's one result object)
    return g, first


def test_guard_halts_on_a_stretch_older_than_its_rings():
    g, first = _older_stretch(1024, 0)
    assert first == 4
    assert (g.store.count, g.store.seq) == (1024, (540 - 4 - 16) + (540 - 6 - 16))


def test_guard_store_stride_comes_from_the_configuration():
    # 256 prints at stride 4 hold every 4th of the last ~1,024 prints the two channels' rings
    # dropped (one each a sample): the 300-sample-old stretch is still there. Its k-th replayed
    # reading completes the print of original readings 196 + k .. 200 + k, the (196 + k)-th print
    # channel a's ring dropped: stored when 4 divides it, so from k = 4 on, as at stride 1.
    # 64 prints at stride 4 reach ~128 samples back: not caught (nor at stride 1)
    g, first = _older_stretch(256, 0, 4)
    assert first == 4
    dropped = (540 - 4 - 16) + (540 - 6 - 16)
    assert g.store.count == 256 and g.store.seq == (540 - 4 - 16 + 3) // 4 + (540 - 6 - 16 + 3) // 4 < dropped
    g, first = _older_stretch(64, 0, 4)
    assert first == -1
    g, first = _older_stretch(64, 0, 1)
    assert first == -1


def test_guard_with_level_prints_halts_a_verbatim_replay_one_sample_sooner():
    g, first = _older_stretch(2048, 1)
    assert first == 3                      # 4 replayed readings complete a level window
    # each channel stores a step print and a level print per sample once its windows are full
    assert (g.store.count, g.store.seq) == (2048, (540 - 4 - 16) + (540 - 6 - 16) + (540 - 3 - 16) + (540 - 5 - 16))


def _replay_locked(r, seed, n, out):
    # An inline integer LCG and a replayed stretch: the loop body allocates nothing.
    s = seed
    hits = 0
    for t in range(n):
        s = (s * 75 + 74) % 65537
        x = 1000 + (s & 127) - 64
        if t >= 300:
            x = out[(t - 300) % 50]         # readings 100..149 again, caught through the store
        elif 100 <= t < 150:
            out[t - 100] = x
        if r.update(x):
            hits += 1
    out[50] = hits


def test_levels_allocate_nothing_per_sample():
    r = ReplayDetector(window=5, history=16, stride=1, min_active=2, store=FingerprintStore(1024),
                       channel=2, levels=True)
    out = [0] * 51
    _replay_locked(r, 7, 10, out)           # warm the code paths once
    r.reset()
    r.store.reset()
    heap_lock()
    try:
        _replay_locked(r, 7, 400, out)
    finally:
        heap_unlock()
    # per 50-reading loop, every reading from the 5th on: 4 windows straddle the loop's seam
    assert out[50] == 2 * 46
