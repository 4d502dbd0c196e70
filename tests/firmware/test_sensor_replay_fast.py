"""The replay detector's viper steps (window step, ring scan) against their pure-Python twins
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


def _fast_scan():
    try:
        from redline.sensor.scan_viper import ring_hit_viper
        return ring_hit_viper
    except (ImportError, SyntaxError):
        return None


def _scan_formula(prints, checks, fp, h3, base, hist, j, n):
    for _ in range(n):
        if prints[base + j] == fp and checks[base + j] == h3:
            return 1
        j = j - 1 if j else hist - 1
    return 0


def test_ring_scan_twin_and_viper_build_match_the_formula():
    from redline.sensor.scan import ring_hit
    fast = _fast_scan()
    hist = 16
    prints = zeros("i", 2 * hist)
    checks = zeros("H", 2 * hist)
    s = 3
    for i in range(2 * hist):
        s = (s * 75 + 74) % 65537
        prints[i] = (s * 16381) & 0x3FFFFFFF if i % 3 else 1073741823 - i % 2   # 30-bit prints
        checks[i] = (s * 7) & 0xFFFF
    q = zeros("i", 5)
    hits = 0
    for t in range(600):
        s = (s * 75 + 74) % 65537
        slot = s % (2 * hist)
        fp = prints[slot] if t % 2 else prints[slot] ^ (1 + t % 5)
        h3 = checks[slot] if t % 3 else (checks[slot] + 1) & 0xFFFF
        base = 0 if t % 4 < 2 else hist
        j = (s >> 4) % hist
        n = (s >> 8) % (hist + 1)
        want = _scan_formula(prints, checks, fp, h3, base, hist, j, n)
        q[0] = h3
        q[1] = base
        q[2] = hist
        q[3] = j
        q[4] = n
        assert ring_hit(prints, checks, fp, q) == want
        if fast is not None:
            assert fast(prints, checks, fp, q) == want
        hits += want
    assert 20 < hits < 300


def test_replay_uses_the_fast_scan_where_it_exists():
    from redline.sensor import replay
    from redline.sensor.scan import ring_hit
    fast = _fast_scan()
    assert replay.ring_hit is (fast if fast is not None else ring_hit)
