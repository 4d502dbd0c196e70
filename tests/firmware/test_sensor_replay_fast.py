"""The replay detector's viper steps (window step, print check, one-call step, fingerprint store) against their pure-Python twins
and against the formulas, on seeded readings including negatives and |x| near 2**29."""
from redline.compat import zeros
from redline.sensor.replay import ReplayDetector
from redline.sensor.window import advance


def _fast():
    try:
        from redline.sensor.window_viper import advance_viper
        return advance_viper
    except (ImportError, SyntaxError):      # no viper emitter here: nothing faster to compare
        return None


def _readings(n, seed):
    s = seed
    out = []
    edges = (0, 1, -1, 536870911, -536870911, 1048575, -1048576, 32749, -32717)
    for i in range(n):
        s = (s * 75 + 74) % 65537
        if i % 11 == 3:
            out.append(edges[i % len(edges)])
        elif i % 40 < 8:
            out.append(out[-1] if out else 0)                    # flat stretches
        else:
            out.append((s - 32768) * (1 + (i % 5) * 4099) // 7)
    return out


def _hash(vals, p, b):
    h = 0
    for v in vals:
        h = (h * b + v % p) % p
    return h


def test_twin_hashes_are_the_window_polynomials():
    # after any stream, the step and level hashes are the polynomial hashes of the last window
    for w, quant in ((2, 1), (5, 3), (23, 1)):
        r = ReplayDetector(window=w, history=64, min_active=1, quant=quant, levels=True)
        xs = _readings(300, w)
        for x in xs:
            advance(r.st, x)
        steps = [max(-1048575, min(1048575, (xs[i] - xs[i - 1]) // quant)) for i in range(len(xs) - w, len(xs))]
        levels = [x // quant for x in xs[-w:]]
        st = r.st
        assert [st[11], st[12], st[13]] == [_hash(steps, 32749, 131), _hash(steps, 32719, 257), _hash(steps, 32717, 293)]
        assert [st[17], st[18], st[19]] == [_hash(levels, 32749, 131), _hash(levels, 32719, 257), _hash(levels, 32717, 293)]
        nz = sum(1 for q in steps if q)
        assert st[4] == nz


def test_viper_build_matches_the_twin():
    fast = _fast()
    if fast is None:
        return
    for w, quant, levels in ((2, 1, True), (3, 1, True), (6, 2, False), (22, 1, True)):
        a = ReplayDetector(window=w, history=64, min_active=2, quant=quant, levels=levels)
        b = ReplayDetector(window=w, history=64, min_active=2, quant=quant, levels=levels)
        dues = 0
        for x in _readings(700, w + 7):
            d1 = advance(a.st, x)
            d2 = fast(b.st, x)
            assert d1 == d2
            dues += d1
            for i in range(len(a.st)):
                assert a.st[i] == b.st[i]
        assert dues > 100


def test_replay_uses_the_fast_step_where_it_exists():
    from redline.sensor import replay
    fast = _fast()
    assert replay.advance is (fast if fast is not None else advance)


def _fast_check():
    try:
        from redline.sensor.rcheck_viper import check_viper
        return check_viper
    except (ImportError, SyntaxError):
        return None


class _RefReplay:
    """The detector's print work as it was written before the check kernel (main 7d971b5's
    ``ReplayDetector._check``, the ring scan inline), on its own rings, store and filter; with
    store stride K only every K-th print a ring drops goes into the store (the 1st, K+1-th, ...)."""

    def __init__(self, window, history, stride, min_active, quant, store, channel, levels, store_stride=1):
        self.r = ReplayDetector(window, history, stride, min_active, quant, store, channel, levels)
        self.store_stride = store_stride
        self.drops = [0, 0]
        kinds = 2 if levels else 1
        self.prints = [0] * (kinds * history)
        self.checks = [0] * (kinds * history)
        self.counts = [0] * (2 * len(self.r.counts))      # one bucket a list entry, saturating at 15
        self.wpos = [0, 0]
        self.stored = [0, 0]
        self.tick = [0, 0]

    def update(self, x):
        r = self.r
        st = r.st
        due = advance(st, x)
        hit = 0
        if due & 1 and self._check(0, st[11] * 32768 + st[12], st[13], r.salt):
            hit = 1
        if due & 2 and self._check(1, st[17] * 32768 + st[18], st[19], r.salt ^ 0x15555555):
            hit = 1
        return hit

    def _check(self, k, fp, h3, salt):
        r = self.r
        hist = r.history
        base = k * hist
        stored = self.stored[k]
        wpos = self.wpos[k]
        hit = False
        if self.counts[(fp ^ (fp >> 13)) & r.mask] and stored > r.skip:
            j = wpos - 1 - r.skip
            for _ in range(stored - r.skip):
                if j < 0:
                    j += hist
                if self.prints[base + j] == fp and self.checks[base + j] == h3:
                    hit = True
                    break
                j -= 1
        if r.store is not None and not hit and r.store.contains(fp ^ salt, h3):
            hit = True
        t = self.tick[k] + 1
        if t >= r.stride:
            t = 0
            i = base + wpos
            if stored < hist:
                self.stored[k] = stored + 1
            else:
                old = self.prints[i]
                if r.store is not None:
                    if self.drops[k] % self.store_stride == 0:
                        r.store.add(old ^ salt, self.checks[i])
                    self.drops[k] += 1
                b = (old ^ (old >> 13)) & r.mask
                if self.counts[b] < 15:
                    self.counts[b] -= 1
            self.prints[i] = fp
            self.checks[i] = h3
            b = (fp ^ (fp >> 13)) & r.mask
            if self.counts[b] < 15:
                self.counts[b] += 1
            self.wpos[k] = (wpos + 1) % hist
        self.tick[k] = t
        return hit


def _replayed_stream(n, seed):
    """Noise with replays of earlier stretches (verbatim and offset), some older than a ring of 16."""
    s = seed
    out = []
    for i in range(n):
        s = (s * 75 + 74) % 65537
        k = i % 150
        if 100 <= k < 112:
            out.append(out[i - 10] + (0 if i % 300 < 150 else 7))       # inside the rings
        elif 120 <= k < 135:
            out.append(out[i - 27])                                      # older: in the store
        else:
            out.append(500 + s % 97 - (s >> 9) % 5)
    return out


_REPLAY_READINGS = 900  # per shape (tests/host/test_rp2040_sensor.py runs fewer on the emulated chip)
# window, history, stride, min_active, quant, levels, store stride
_REPLAY_SHAPES = ((4, 16, 1, 2, 1, True, 1), (6, 8, 2, 3, 1, True, 3), (5, 12, 1, 2, 3, False, 4),
                  (3, 16, 3, 1, 2, True, 2))


def test_check_twin_matches_the_detector_before_it():
    from redline.sensor.prints import FingerprintStore
    for w, hist, stride, act, quant, levels, ks in _REPLAY_SHAPES:
        sa = FingerprintStore(64)
        sb = FingerprintStore(64)
        a = ReplayDetector(w, hist, stride, act, quant, sa, 3, levels, ks)
        ref = _RefReplay(w, hist, stride, act, quant, sb, 3, levels, ks)
        hits = 0
        for x in _replayed_stream(_REPLAY_READINGS, w * 7 + hist):
            f = a.update(x)
            want = ref.update(x)
            assert (f == 32) == (want == 1)
            hits += want
            assert (sa.seq, sa.count) == (sb.seq, sb.count)
        for j in range(len(ref.prints)):
            assert a.prints[j] == ref.prints[j] and a.checks[j] == ref.checks[j]
        for j in range(len(ref.counts)):
            assert (a.counts[j >> 1] >> (4 * (j & 1))) & 15 == ref.counts[j]
        for j in range(64):
            assert sa.prints[j] == sb.prints[j]
        assert hits > _REPLAY_READINGS // 30, hits


def test_check_viper_build_matches_the_twin():
    from redline.sensor.rcheck import check
    from redline.sensor.prints import FingerprintStore
    fast = _fast_check()
    if fast is None:
        return
    for w, hist, stride, act, quant, levels, ks in _REPLAY_SHAPES:
        dets = []
        for _ in range(2):
            dets.append(ReplayDetector(w, hist, stride, act, quant, FingerprintStore(64), 5, levels, ks))
        a, b = dets
        rets = 0
        for x in _replayed_stream(_REPLAY_READINGS, w * 5 + hist):
            da = advance(a.st, x)
            db = advance(b.st, x)
            assert da == db
            if not da:
                continue
            a.st[a.e] = da
            b.st[b.e] = db
            ra = check(a.st, a.prints, a.checks, a.counts)
            rb = fast(b.st, b.prints, b.checks, b.counts)
            assert ra == rb
            rets |= ra
            for j in range(len(a.st)):
                assert a.st[j] == b.st[j]
            for j in range(len(a.prints)):
                assert a.prints[j] == b.prints[j] and a.checks[j] == b.checks[j]
            for j in range(len(a.counts)):
                assert a.counts[j] == b.counts[j]
            # the store calls the twin hands back, made on both so the next readings agree
            e = a.e
            for r, d in ((ra, a), (rb, b)):
                if r & 4:
                    d.store.add(d.st[e + 17], d.st[e + 18])
                if r & 16:
                    d.store.add(d.st[e + 21], d.st[e + 22])
        assert rets & 1 and rets & 2 and rets & 4, rets
        if levels:
            assert rets & 8 and rets & 16, rets


def _fast_step():
    try:
        from redline.sensor.rstep_viper import replay_step_viper
        return replay_step_viper
    except (ImportError, SyntaxError):
        return None


def test_one_call_step_matches_the_detector_before_it():
    # the one-call step (twin, and the viper build where it exists) against main 7d971b5's
    # detector (window step, ring scan, store calls in Python): same flags, same rings,
    # filters and store contents
    from redline.sensor.prints import FingerprintStore
    from redline.sensor.rstep import replay_step
    steps = [replay_step]
    if _fast_step() is not None:
        steps.append(_fast_step())
    for w, hist, stride, act, quant, levels, ks in _REPLAY_SHAPES:
        for fn in steps:
            sa = FingerprintStore(64)
            sb = FingerprintStore(64)
            a = ReplayDetector(w, hist, stride, act, quant, sa, 2, levels, ks)
            ref = _RefReplay(w, hist, stride, act, quant, sb, 2, levels, ks)
            hits = 0
            for x in _replayed_stream(_REPLAY_READINGS, w * 3 + hist):
                f = fn(a.bufs, x)
                want = ref.update(x)
                assert f == 32 * want
                hits += want
            assert hits > _REPLAY_READINGS // 30, hits
            for j in range(len(ref.prints)):
                assert a.prints[j] == ref.prints[j] and a.checks[j] == ref.checks[j]
            for j in range(len(ref.counts)):
                assert (a.counts[j >> 1] >> (4 * (j & 1))) & 15 == ref.counts[j]
            for j in range(len(sa.words)):
                assert sa.words[j] == sb.words[j]
            for j in range(len(sa.halves)):
                assert sa.halves[j] == sb.halves[j]


def test_one_call_step_is_off_without_quant_and_runs_without_a_store():
    from redline.sensor.rstep import replay_step
    steps = [replay_step]
    if _fast_step() is not None:
        steps.append(_fast_step())
    for fn in steps:
        off = ReplayDetector(window=4, history=16, min_active=2, quant=0)
        alone = ReplayDetector(window=4, history=16, min_active=2)
        ref = _RefReplay(4, 16, 1, 2, 1, None, 0, False)
        hits = 0
        for x in _replayed_stream(300, 11):
            assert fn(off.bufs, x) == 0
            f = fn(alone.bufs, x)
            assert f == 32 * ref.update(x)
            hits += f
        assert hits > 0
        for j in range(len(off.st)):
            assert off.st[j] == ReplayDetector(window=4, history=16, min_active=2, quant=0).st[j]


def test_replay_uses_the_fast_check_where_it_exists():
    from redline.sensor import replay
    from redline.sensor.rcheck import check
    fast = _fast_check()
    assert replay.check is (fast if fast is not None else check)
    from redline.sensor.rstep import replay_step
    fast = _fast_step()
    assert replay.step is (fast if fast is not None else replay_step)


def _fast_store():
    try:
        from redline.sensor.rstep_viper import contains_viper, add_viper
        return contains_viper, add_viper
    except (ImportError, SyntaxError):      # no viper emitter here: nothing faster to compare
        return None


_STORE_STEPS = 6000     # per size (tests/host/test_rp2040_sensor.py runs fewer on the chip)


def test_store_viper_builds_match_the_twins():
    # the same calls on two stores, one through the twins, one through the viper builds: every
    # answer and then every word of both arrays equal; keys and prints drawn so buckets chain,
    # overflow 32 probes and go idle, and the sequence wraps at 2**30
    from redline.sensor.prints import FingerprintStore, contains, add
    fast = _fast_store()
    if fast is None:
        return
    fc, fa = fast
    for size in (2, 16, 64):
        a = FingerprintStore(size)
        b = FingerprintStore(size)
        a.seq = b.seq = (1 << 30) - _STORE_STEPS // 2
        s = size + 7
        hits = 0
        for t in range(_STORE_STEPS):
            s = (s * 75 + 74) % 65537
            fp = (s % 41) * 26214400 + (s >> 11)     # up to 2**30 - 1
            key = (s >> 3) % (size * 2) if t % 500 < 400 else 0
            ra = contains(a.words, a.halves, fp, key)
            rb = fc(b.words, b.halves, fp, key)
            assert ra == rb
            hits += ra
            if t % 4 != 3:
                add(a.words, a.halves, fp, key)
                fa(b.words, b.halves, fp, key)
        assert hits > 0
        for j in range(len(a.words)):
            assert a.words[j] == b.words[j]
        for j in range(len(a.halves)):
            assert a.halves[j] == b.halves[j]


def test_store_uses_the_fast_builds_where_they_exist():
    from redline.sensor import prints
    fast = _fast_store()
    if fast is None:
        assert prints._contains is prints.contains and prints._add is prints.add
    else:
        assert prints._contains is fast[0] and prints._add is fast[1]


def test_store_calls_viper_build_matches_the_twin():
    # the four store calls of one reading in one viper function against the twin (which makes
    # them through contains/add): every hand-back pattern, prints chained in few buckets
    from redline.sensor.prints import FingerprintStore
    from redline.sensor.rstep import store_calls
    try:
        from redline.sensor.rstep_viper import store_calls_viper
    except (ImportError, SyntaxError):
        return
    for size in (2, 16, 64):
        a = FingerprintStore(size)
        b = FingerprintStore(size)
        st = zeros("i", 26 + 2 * 5 + 23)
        st[8] = 5
        e = 36
        s = size + 3
        hits = 0
        for t in range(_STORE_STEPS // 2):
            for j in range(4):
                s = (s * 75 + 74) % 65537
                st[e + 15 + 2 * j] = (s % 23) * 40000000 + (s & 3)
                st[e + 16 + 2 * j] = (s >> 4) % (size * 3)
            r = (t % 15 + 1) * 2
            ra = store_calls(a.words, a.halves, st, r)
            rb = store_calls_viper(b.words, b.halves, st, r)
            assert ra == rb
            hits += ra & 1
        assert hits > 0
        for j in range(len(a.words)):
            assert a.words[j] == b.words[j]
        for j in range(len(a.halves)):
            assert a.halves[j] == b.halves[j]


def test_filter_bucket_saturates_at_15_and_only_costs_scans():
    # a 4-reading cycle puts the same 4 prints into a 64-entry ring 16 times each: their buckets
    # (4-bit counts) saturate at 15 and are never lowered again; noise afterwards is not flagged
    # (the saturated bucket only makes the ring be scanned), on the twin and the viper build alike
    from redline.sensor.rcheck import check
    fns = [check]
    if _fast_check() is not None:
        fns.append(_fast_check())
    for fn in fns:
        r = ReplayDetector(window=4, history=64, stride=1, min_active=2)
        flags = []
        xs = [100, 105, 102, 109] * 30 + _replayed_stream(400, 3)[:90]
        fp = -1
        for i in range(len(xs)):
            due = advance(r.st, xs[i])
            if due:
                r.st[r.e] = due
                flags.append(fn(r.st, r.prints, r.checks, r.counts) & 1)
            if i == 20:
                fp = r.st[11] * 32768 + r.st[12]        # one of the cycle's prints
        nib = [(r.counts[j >> 1] >> (4 * (j & 1))) & 15 for j in range(2 * len(r.counts))]
        b = (fp ^ (fp >> 13)) & r.mask
        for j in range(64):
            assert r.prints[j] != fp
        assert nib[b] == 15, nib[b]           # the cycle's prints have left the ring: still 15
        assert sum(flags[:8]) == 0 and sum(flags[8:116]) == 108 and sum(flags[116:]) == 0, flags
        # every print the ring holds counted in its bucket (the saturated ones at least)
        want = [0] * len(nib)
        for j in range(64):
            p = r.prints[j]
            want[(p ^ (p >> 13)) & r.mask] += 1
        for j in range(len(nib)):
            assert nib[j] == want[j] or nib[j] == 15, (j, nib[j], want[j])


def test_detector_state_layout_is_the_window_and_check_modules():
    # replay.py keeps private copies of the window step's ST_* slots and the check's EXTRA (so a
    # running node with the viper builds never imports the twins): the copies are these
    from redline.sensor import window as W
    from redline.sensor.rcheck import EXTRA
    for w in (2, 7):
        r = ReplayDetector(window=w, history=16, min_active=3, quant=5, levels=True)
        assert len(r.st) == W.ST_SIZE + 2 * w + EXTRA and r.e == W.ST_SIZE + 2 * w
        st = r.st
        assert (st[W.ST_WINDOW], st[W.ST_QUANT], st[W.ST_LEVELS]) == (w, 5, 1)
        assert (st[W.ST_MIN_ACTIVE], st[W.ST_LMIN_NZ], st[W.ST_LMIN_CH]) == (3, min(3, w - 1), min(3, w - 2))
        tops = [1, 1, 1]
        for _ in range(w - 1):
            tops = [tops[0] * 131 % 32749, tops[1] * 257 % 32719, tops[2] * 293 % 32717]
        for h in (W.ST_HS, W.ST_GS):
            assert [st[h + 3], st[h + 4], st[h + 5]] == tops
