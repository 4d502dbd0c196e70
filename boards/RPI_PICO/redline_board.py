"""The RPI_PICO board for firmware/main.py: pins from pins.py, shims from boards/common.

    import redline_board
    board = redline_board.make()

On the RP2040 ``machine.reset()`` goes through the watchdog too, so
``machine.reset_cause()`` reads WDT_RESET after a deliberate reset as well as
after a watchdog timeout; the watchdog's REASON register tells them apart
(bit 0 TIMER: a timeout). Only a timeout counts as a watchdog reset here.
The free heap is read first (``board.heap_free_boot``, reported by ``stats``).

A smaller heap, for trying the node where a bigger application leaves less (the
emulated Pico's ``redline vboard --board rp2040 --heap 110K``): a file
``/redline_heap`` holding a byte count makes ``make()`` allocate a ballast first,
kept for the life of the board, so that about that many bytes are free when the
node is built (110K: an ESP32_GENERIC without PSRAM). No file, or a count at
least the free heap: no ballast.
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


_HEAP_FILE = "redline_heap"
_ballast = None


def heap_target(path=_HEAP_FILE):
    """The byte count in ``path`` (a decimal line), or 0 when the file is absent or unreadable."""
    try:
        with open(path) as f:
            n = int(f.read(16).strip())
    except (OSError, ValueError):
        return 0
    return n if n > 0 else 0


def make():
    global _ballast
    collect_garbage()
    target = heap_target()
    if target:
        collect_garbage()                 # what reading the file left behind
        # one block, allocated before anything else lives on the heap: it stays where it is
        extra = mem_free() - target
        if extra > 0:
            _ballast = bytearray(extra)
            collect_garbage()
    free = mem_free()
    board = make_board(NAME, pins, reset_cause)
    board.heap_free_boot = free
    return board
