# Integer sigmoid and binary entropy: exact values that every runtime must reproduce.
from redline.text.sig import entropy16, prob16


def test_prob16_exact_points():
    assert prob16(0, 4096) == 32768
    assert prob16(4096, 4096) == 47910      # 65535 * sigmoid(1) = 47909.9
    assert prob16(-4096, 4096) == 65535 - 47910
    assert prob16(16 * 4096, 4096) == 65535
    assert prob16(-16 * 4096, 4096) == 0
    assert prob16(10 ** 6, 7212) == 65535


def test_prob16_is_monotonic_and_symmetric():
    prev = -1
    for acc in range(-17 * 1000, 17 * 1000, 37):
        p = prob16(acc, 1000)
        assert p >= prev
        prev = p
        if acc > 0:
            assert prob16(-acc, 1000) == 65535 - p


def test_entropy16_exact_points():
    assert entropy16(0) == 0
    assert entropy16(65535) == 0
    assert entropy16(32768) == 65534
    assert entropy16(16384) == 49151     # 4 * 0.25 * 0.75 = 0.75
    assert entropy16(1) == 3


def test_entropy16_symmetric():
    for p in range(0, 65536, 257):
        assert entropy16(p) == entropy16(65535 - p)
