"""The RPI_PICO board for firmware/main.py: pins from pins.py, shims from boards/common.

    import redline_board
    board = redline_board.make()

On the RP2040 ``machine.reset()`` goes through the watchdog too, so
``machine.reset_cause()`` reads WDT_RESET after a deliberate reset as well as
after a watchdog timeout; the watchdog's REASON register tells them apart
(bit 0 TIMER: a timeout). Only a timeout counts as a watchdog reset here.
The free heap is read first (``board.heap_free_boot``, reported by ``stats``).
"""
import machine
import pins
from redline.compat import collect_garbage, mem_free
from redline_shims import make_board

NAME = "RPI_PICO"
_WATCHDOG_REASON = 0x40058008      # RP2040 datasheet 4.7.6: WATCHDOG_BASE + REASON
_REASON_TIMER = 1


def reset_cause():
    cause = machine.reset_cause()
    if cause == machine.WDT_RESET and not (machine.mem32[_WATCHDOG_REASON] & _REASON_TIMER):
        return machine.PWRON_RESET      # machine.reset(): forced, not a timeout
    return cause


def make():
    collect_garbage()
    free = mem_free()
    board = make_board(NAME, pins, reset_cause)
    board.heap_free_boot = free
    return board
