"""The replay detector's viper steps (rolling hashes, ring scan) against their pure-Python twins
and against the formula, on seeded symbols including negatives and |x| near 2**30."""
from redline.compat import zeros
from redline.sensor.roll import roll3


def _formula(h, old, new):
    out = []
    for k, (p, b) in enumerate(((32749, 131), (32719, 257), (32717, 293))):
        out.append((((h[k] - (old % p) * h[3 + k]) % p) * b + new % p) % p)
    return out


def _fast():
    try:
        from redline.sensor.roll_viper import roll3_viper
        return roll3_viper
    except (ImportError, SyntaxError):      # no viper emitter here: nothing faster to compare
        return None


def _symbols(n):
    s = 1
    out = []
    edges = (0, 1, -1, 1073741823, -1073741823, 536870911, -536870912, 1048575, -1048575, 32749, -32717)
    for i in range(n):
        s = (s * 75 + 74) % 65537
        if i % 7 == 3:
            out.append(edges[i % len(edges)])
        else:
            out.append((s - 32768) * (1 + (i % 5) * 4099))
    return out


def test_twin_matches_the_formula():
    h = zeros("i", 6)
    h[3] = 5003
    h[4] = 17
    h[5] = 32716
    xs = _symbols(400)
    for i in range(1, len(xs)):
        want = _formula(h, xs[i - 1], xs[i])
        got = roll3(h, xs[i - 1], xs[i])
        assert [h[0], h[1], h[2]] == want and got == want[2]


def test_viper_build_matches_the_twin():
    fast = _fast()
    if fast is None:
        return
    a = zeros("i", 6)
    b = zeros("i", 6)
    for h in (a, b):
        h[3] = 32748
        h[4] = 257
        h[5] = 12345
    xs = _symbols(600)
    for i in range(1, len(xs)):
        r1 = roll3(a, xs[i - 1], xs[i])
        r2 = fast(b, xs[i - 1], xs[i])
        assert r1 == r2 and a[0] == b[0] and a[1] == b[1] and a[2] == b[2]


def test_replay_uses_the_fast_step_where_it_exists():
    from redline.sensor import replay
    fast = _fast()
    assert replay.roll3 is (fast if fast is not None else roll3)


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
