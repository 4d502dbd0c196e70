# redline.compat: exact behaviour of the stand-ins on CPython and the real names on MicroPython.
import sys

from redline.compat import (IS_MICROPYTHON, const, heap_lock, heap_unlock, mem_alloc, mem_free, ticks_diff, ticks_ms,
                            ticks_us, zeros)


def ticks_period():
    # MicroPython's ticks wrap at its small-int range: 2**30 on 32-bit ports (the
    # boards, wasm), 2**62 on the 64-bit unix port. compat emulates the boards' 2**30.
    if IS_MICROPYTHON:
        return (sys.maxsize + 1) >> 1
    return 1 << 30


def test_ticks_period_matches_the_small_int_range():
    period = ticks_period()
    assert period in (1 << 30, 1 << 62)
    if not IS_MICROPYTHON:
        assert period == 1 << 30


def test_ticks_diff_plain_differences():
    assert ticks_diff(5, 3) == 2
    assert ticks_diff(3, 5) == -2
    assert ticks_diff(1000, 1000) == 0


def test_ticks_diff_wraps_around_the_period():
    period = ticks_period()
    half = period >> 1
    assert ticks_diff(0, period - 1) == 1
    assert ticks_diff(period - 1, 0) == -1
    assert ticks_diff(2, period - 3) == 5
    assert ticks_diff(half - 1, 0) == half - 1
    # half a period ahead is ambiguous; MicroPython reads it as behind
    assert ticks_diff(half, 0) == -half
    assert ticks_diff(0, half) == -half


def test_ticks_values_stay_inside_the_period():
    period = ticks_period()
    a = ticks_ms()
    b = ticks_us()
    assert type(a) is int and 0 <= a < period
    assert type(b) is int and 0 <= b < period
    assert ticks_diff(ticks_ms(), a) >= 0


def test_const_is_the_identity():
    value = 1 << 20
    assert const(value) is value
    assert const(-7) == -7
    assert const(0) == 0


_PRIVATE = const(12345)


def uses_private_constant():
    return _PRIVATE + 1


def test_module_constant_is_usable_in_functions():
    assert _PRIVATE == 12345
    assert uses_private_constant() == 12346


def test_heap_unlock_returns_the_remaining_depth():
    heap_lock()
    depth = heap_unlock()
    assert type(depth) is int and depth == 0
    heap_lock()
    heap_lock()
    inner = heap_unlock()
    outer = heap_unlock()
    assert type(inner) is int and type(outer) is int
    assert (inner, outer) == ((1, 0) if IS_MICROPYTHON else (0, 0))


def test_heap_lock_stops_allocation_on_micropython_only():
    raised = False
    made = None
    heap_lock()
    try:
        made = [1]
    except MemoryError:
        raised = True
    finally:
        depth = heap_unlock()
    assert depth == 0
    if IS_MICROPYTHON:
        assert raised and made is None
    else:
        assert not raised and made == [1]


def test_allocation_works_again_after_unlock():
    heap_lock()
    heap_unlock()
    made = [1, 2]
    assert made == [1, 2]


def test_heap_figures():
    used = mem_alloc()
    free = mem_free()
    assert type(used) is int and type(free) is int
    if IS_MICROPYTHON:
        assert used > 0 and free > 0
    else:
        assert used == 0 and free == 0



def test_zeros_every_typecode_and_beyond_its_range():
    import gc
    # b and B beyond 127 and 255: the range MicroPython fills from does not fit, and is cleared
    for t, n in (("b", 300), ("B", 300), ("h", 200), ("H", 200), ("i", 5)):
        a = zeros(t, n)
        assert len(a) == n
        for i in range(n):
            assert a[i] == 0, (t, i)
        a[n - 1] = 1
        assert a[n - 1] == 1
        a = None
        gc.collect()
    assert len(zeros("i", 0)) == 0


def test_zeros_allocates_the_array_only():
    import gc
    gc.collect()
    before = mem_alloc()
    a = zeros("i", 4096)
    gc.collect()
    grew = mem_alloc() - before
    assert len(a) == 4096
    if IS_MICROPYTHON:
        # 16 KB of items and an object header; array("i", bytes(16384)) left 32 KB on the wasm port
        assert 16384 <= grew < 16384 + 256, grew
    else:
        assert grew == 0
