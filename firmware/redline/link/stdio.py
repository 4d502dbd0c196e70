"""The USB serial port as MicroPython sees it: ``sys.stdin`` / ``sys.stdout``, polled.

``read(timeout_ms)`` waits at most ``timeout_ms`` for input and returns the
bytes that are ready (or None), so the main loop keeps sampling on time::

    from redline.link.stdio import StdioSerial
    port = StdioSerial()
    data = port.read(5)          # None after 5 ms of silence
    port.write(b"hello\\n")

Works on ESP32/RP2040 (USB CDC / UART REPL), the unix port (stdin on a pty)
and anywhere ``select.poll`` accepts ``sys.stdin``.

Writing never holds up sampling for long: a reply goes out in pieces, each
after ``poll`` says the port can take it, waiting at most until
``write_until`` (ticks_ms; the main loop sets it to when the next sample is
due while sampling runs; at least ``FINISH_MS`` once the reply has started) or
``WRITE_WAIT_MS`` when unset (sampling held: nothing to protect). A host that
stops reading therefore loses replies (``dropped`` counts them) instead of
stalling the node: on a Pico, a USB CDC write to a host that does not read
blocks up to 500 ms. A reply cut short is followed by a line break before the
next one, so the stream stays one reply per line (the cut one unparseable).
"""
import sys

from redline.compat import const, ticks_diff, ticks_ms

_CHUNK = const(512)
_PIECE = const(256)
WRITE_WAIT_MS = const(2000)
FINISH_MS = const(20)


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
        self.write_until = None
        self.dropped = 0
        self._cut = False
        self._pollout = select.POLLOUT
        try:
            self._wpoll = select.poll()
            self._wpoll.register(sout, select.POLLOUT)
        except (OSError, TypeError, ValueError, AttributeError):  # a stream poll cannot watch: plain writes
            self._wpoll = None

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
        """Send ``data``; False when the reader was too slow and the rest of it was dropped."""
        out = self.out
        wpoll = self._wpoll
        if self._cut:                   # end the reply cut short before, if the port takes a byte now
            if wpoll is not None and not wpoll.poll(0):
                self.dropped += 1
                return False
            out.write(b"\n")
            self._cut = False
        n = len(data)
        mv = memoryview(data)
        i = 0
        while i < n:
            if wpoll is not None:
                until = self.write_until
                wait = WRITE_WAIT_MS if until is None else ticks_diff(until, ticks_ms())
                if i and wait < FINISH_MS:
                    wait = FINISH_MS
                ev = wpoll.poll(wait if wait > 0 else 0)
                if not ev or not (ev[0][1] & self._pollout):
                    self.dropped += 1
                    self._cut = i > 0
                    return False
            end = i + _PIECE if i + _PIECE < n else n
            w = out.write(mv[i:end])
            if w is None:  # non-blocking stream not ready: try again
                continue
            i += w
        if hasattr(out, "flush"):
            out.flush()
        return True
