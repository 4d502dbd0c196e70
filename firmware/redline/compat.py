"""One place for the gaps between MicroPython and CPython.

Firmware modules import from here instead of testing the platform themselves::

    from redline.compat import const, ticks_ms, ticks_diff, ticks_add, IS_MICROPYTHON

On MicroPython every name is the real one; on CPython they are small stand-ins
with the same behaviour (``const`` is the identity, ``heap_lock`` does nothing).
"""
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    from micropython import const
except ImportError:  # CPython
    def const(value):
        return value

try:
    import micropython as _mp

    heap_lock = _mp.heap_lock
    heap_unlock = _mp.heap_unlock
except (ImportError, AttributeError):  # CPython, or a port built without it
    def heap_lock():
        return 0

    def heap_unlock():
        return 0

import time as _time

try:
    ticks_ms = _time.ticks_ms
    ticks_us = _time.ticks_us
    ticks_diff = _time.ticks_diff
    ticks_add = _time.ticks_add
except AttributeError:  # CPython: emulate the 30-bit wrapping tick counters
    _TICKS_MASK = (1 << 30) - 1

    def ticks_ms():
        return int(_time.monotonic() * 1000) & _TICKS_MASK

    def ticks_us():
        return int(_time.monotonic() * 1000000) & _TICKS_MASK

    def ticks_diff(a, b):
        d = (a - b) & _TICKS_MASK
        if d >= (1 << 29):
            d -= 1 << 30
        return d

    def ticks_add(a, b):
        return (a + b) & _TICKS_MASK

try:
    from gc import mem_alloc, mem_free
    from gc import collect as collect_garbage
except ImportError:  # CPython has no heap figures of this kind, so nothing to collect for them
    def mem_alloc():
        return 0

    def mem_free():
        return 0

    def collect_garbage():
        return None


def largest_free(granule=64, cap=1048576):
    """The largest block the heap can hand out now, in bytes (to ``granule``, at most ``cap``); 0 on CPython.

    MicroPython reports the largest free block only in ``micropython.mem_info()``'s
    printout, which would go to the serial port. So this probes: after a
    collection it tries ``bytearray(k)`` for k from ``gc.mem_free()`` down, by
    bisection (about 12 tries on a 256 KB heap), dropping each block at once;
    nothing stays allocated. For ``stats`` (a diagnostic op), not a hot path.
    The cap keeps a big heap (ESP32 PSRAM, the WebAssembly port's) from being
    zero-filled on every call: a figure equal to ``cap`` means "at least".
    """
    if not IS_MICROPYTHON:
        return 0
    collect_garbage()
    hi = mem_free()
    if hi <= 0:
        return 0
    if hi > cap:
        hi = cap
    lo = 0
    try:
        b = bytearray(hi)
        b = None
        return hi
    except MemoryError:
        pass
    while hi - lo > granule:
        mid = (lo + hi) // 2
        try:
            b = bytearray(mid)
            b = None
            lo = mid
        except MemoryError:
            hi = mid
    collect_garbage()
    return lo


def zeros(typecode, n):
    """``array(typecode)`` of ``n`` zeros, allocated once, with no temporary as large as itself.

    The usual ``array(t, bytes(k * n))`` first builds an n*k-byte ``bytes``:
    twice the array's size at the peak of a board's boot, and on the
    WebAssembly port that temporary is not even reclaimed by ``gc.collect()``
    (measured: a 16 KB ``bytes`` dropped inside a function stays allocated).
    MicroPython sizes an array built from a ``range`` once and fills it from
    the iterator; values that do not fit the typecode are truncated, and all
    are cleared right after. CPython refuses out-of-range values, and has the
    memory: it takes the ``bytes`` way.
    """
    from array import array
    if IS_MICROPYTHON:
        a = array(typecode, range(n))
        for i in range(n):
            a[i] = 0
        return a
    return array(typecode, bytes(n * array(typecode).itemsize))
