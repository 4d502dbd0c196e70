"""The USB serial port as MicroPython sees it: ``sys.stdin`` / ``sys.stdout``, polled.

``read(timeout_ms)`` waits at most ``timeout_ms`` for input and returns the
bytes that are ready (or None), so the main loop keeps sampling on time::

    from redline.link.stdio import StdioSerial
    port = StdioSerial()
    data = port.read(5)          # None after 5 ms of silence
    port.write(b"hello\\n")

Works on ESP32/RP2040 (USB CDC / UART REPL), the unix port (stdin on a pty)
and anywhere ``select.poll`` accepts ``sys.stdin``.
"""
import sys

from redline.compat import const

_CHUNK = const(512)


class StdioSerial:
    def __init__(self, stream_in=None, stream_out=None):
        import select
        sin = stream_in if stream_in is not None else sys.stdin
        sout = stream_out if stream_out is not None else sys.stdout
        self.inp = getattr(sin, "buffer", sin)
        self.out = getattr(sout, "buffer", sout)
        self._poll = select.poll()
        self._poll.register(sin, select.POLLIN)
        self._pollin = select.POLLIN
        self.hangups = 0

    def read(self, timeout_ms):
        ev = self._poll.poll(timeout_ms if timeout_ms > 0 else 0)
        if not ev:
            return None
        if not (ev[0][1] & self._pollin):
            # hang-up or error with nothing to read (no client on the pty): do not spin
            self.hangups += 1
            self._sleep(timeout_ms)
            return None
        data = bytearray()
        inp = self.inp
        poll = self._poll
        while len(data) < _CHUNK:
            try:
                b = inp.read(1)
            except OSError:
                break
            if not b:
                break
            data += b
            ev = poll.poll(0)
            if not ev or not (ev[0][1] & self._pollin):
                break
        return data

    def _sleep(self, ms):
        import time
        if hasattr(time, "sleep_ms"):
            time.sleep_ms(ms if 0 < ms < 50 else 50)
        else:
            time.sleep(0.05)

    def write(self, data):
        out = self.out
        n = len(data)
        mv = memoryview(data)
        i = 0
        while i < n:
            w = out.write(mv[i:])
            if w is None:  # non-blocking stream not ready: try again
                continue
            i += w
        if hasattr(out, "flush"):
            out.flush()
