"""RepetitionDetector (spec §8.1, tests doc §6)."""
from redline.text.repeat import RepetitionDetector
from redline.codes import FLAG_STUCK


def test_single_and_stuck():
    d = RepetitionDetector(3)
    assert d.update_bytes(b"hello") == 0 and d.count == 1
    d = RepetitionDetector(3)
    for n in range(1, 5):
        f = d.update_bytes(b"same")
        assert d.count == n
        assert f == (FLAG_STUCK if n >= 3 else 0)
        assert d.flags == f


def test_different_inputs_not_stuck():
    d = RepetitionDetector(3)
    for s in (b"one", b"two", b"three"):
        d.update_bytes(s)
    assert d.flags == 0 and d.count == 1


def test_empty_input_repeated_is_stuck():
    d = RepetitionDetector(3)
    for _ in range(3):
        d.update_bytes(b"")
    assert d.flags == FLAG_STUCK


def test_fnv1a32_matches_llmosafe_hash():
    d = RepetitionDetector(3)
    d.update_bytes(b"")
    assert (d.last_hi << 16) | d.last_lo == 2166136261
    d.update_bytes(b"a")
    assert (d.last_hi << 16) | d.last_lo == 0xE40C292C
    d.update_bytes(b"foobar")
    assert (d.last_hi << 16) | d.last_lo == 0xBF9CF968


def test_unique_patterns():
    d = RepetitionDetector(5)
    for s in (b"a", b"b", b"c", b"a"):
        d.update_bytes(s)
    assert d.unique_patterns() == 3


def test_reset():
    d = RepetitionDetector(2)
    d.update(1, 2)
    d.update(1, 2)
    assert d.flags == FLAG_STUCK
    d.reset()
    assert d.flags == 0 and d.count == 0
    d.update(3, 4)
    assert d.flags == 0


def test_no_cross_instance_leakage():
    a = RepetitionDetector(3)
    b = RepetitionDetector(3)
    for _ in range(5):
        a.update_bytes(b"topic a")
    for _ in range(2):
        b.update_bytes(b"topic b")
    assert a.flags == FLAG_STUCK and b.flags == 0
