"""The RPI_PICO board for firmware/main.py: pins from pins.py, shims from boards/common.

    import redline_board
    board = redline_board.make()

Two things differ from the shared shims. The free heap is read first
(``board.heap_free_boot``, reported by the ``stats`` op). And the node boots
latched only after a watchdog *timeout*: on the RP2040 ``machine.reset()`` also
goes through the watchdog, and pico-sdk's ``watchdog_caused_reboot()`` -- what
``machine.reset_cause() == machine.WDT_RESET`` asks -- is true for any watchdog
reason, so the shared test would latch the node after every deliberate reset.
The WATCHDOG REASON register tells them apart: bit 0 TIMER, bit 1 FORCE.
"""
import gc

import machine
import pins
from micropython import const
from redline_shims import make_board

NAME = "RPI_PICO"
_WATCHDOG_REASON = const(0x40058008)     # RP2040 datasheet 4.7.6: WATCHDOG_BASE + REASON
_REASON_TIMER = const(1)


def watchdog_timed_out():
    return bool(machine.mem32[_WATCHDOG_REASON] & _REASON_TIMER)


def make():
    gc.collect()
    free = gc.mem_free()
    timed_out = watchdog_timed_out()      # read before the shims start the watchdog again
    board = make_board(NAME, pins)
    board.heap_free_boot = free
    board.boot_latched = timed_out
    return board
