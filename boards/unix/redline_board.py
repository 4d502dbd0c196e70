"""Virtual board on the unix MicroPython: stdin/stdout on a pty, sensors from a trace file.

Started by ``redline vboard`` (host/redline_host/device/vboard.py), which sets:

- ``REDLINE_TRACE``: integer CSV trace (header = channel names), optional;
- ``REDLINE_KEY_FILE``: file with the hex reset key, optional (no key: resets refused);
- ``REDLINE_BOARD``: name reported in hello (default "unix");
- ``REDLINE_RATE``: sample rate in Hz (default: the config's, else 10);
- ``REDLINE_RESET_CAUSE``: ``watchdog`` to boot as after a watchdog reset (default: power-on).

The working directory is the board's flash (the vboard's private folder): the
latch record lives there (redline.latch.FileFlash), as on a real board's file system.

    import redline_board
    board = redline_board.make()
"""
import os
import sys

from redline.interlock import VirtualPin

POWER_ON = 1
WATCHDOG_RESET = 3


class Board:
    def __init__(self):
        from redline.latch import FileFlash
        from redline.link.stdio import StdioSerial
        from redline_sim import TraceSource
        self.name = os.getenv("REDLINE_BOARD") or "unix"
        trace = os.getenv("REDLINE_TRACE")
        self.source = TraceSource(trace) if trace else None
        self.sensors = self.source.sensors() if self.source else {}
        self.halt_pin = VirtualPin()
        self.status_pin = VirtualPin()
        self.safe_level = 0
        self.watchdog = None
        self.key = None
        kf = os.getenv("REDLINE_KEY_FILE")
        if kf:
            from redline.link.mac import from_hex
            with open(kf) as f:
                self.key = from_hex(f.read().strip())
        rate = os.getenv("REDLINE_RATE")
        self.rate_hz = int(rate) if rate else None
        self.objective = b""
        self.flash = FileFlash("")
        self.reset_cause = WATCHDOG_RESET if os.getenv("REDLINE_RESET_CAUSE") == "watchdog" else POWER_ON
        self.watchdog_cause = WATCHDOG_RESET
        self.serial = StdioSerial()

    @property
    def sampling(self):
        return self.source is not None and self.source.active

    def entropy(self, n):
        return os.urandom(n)

    def write(self, data):
        self.serial.write(data)


def make():
    return Board()
