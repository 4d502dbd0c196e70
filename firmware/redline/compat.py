"""One place for the gaps between MicroPython and CPython.

Firmware modules import from here instead of testing the platform themselves::

    from redline.compat import const, ticks_ms, ticks_diff, IS_MICROPYTHON

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

try:
    from gc import mem_alloc, mem_free
except ImportError:  # CPython has no heap figures of this kind
    def mem_alloc():
        return 0

    def mem_free():
        return 0
