"""Serial link: bytes in, lines out, plus just enough of MicroPython's raw REPL for mpremote.

The node reads whatever bytes the serial port has and hands them to
``Link.feed``; complete lines go to ``handler.handle_line(line)`` which
returns the reply (str, without newline). Framing rules (docs/protocol.md):

- ``\\n`` or ``\\r`` ends a line; empty lines are ignored (so ``\\r\\n`` is one line);
- a line longer than ``max_line`` bytes is dropped up to its end and answered
  with ``handler.overlong()``;
- Ctrl-C (0x03) cancels the partial line (the board never stops serving);
- Ctrl-A (0x01) at the start of a line enters the raw REPL that mpremote
  speaks: Ctrl-D runs the collected code (``OK``, output, ``\\x04``, error,
  ``\\x04>``), Ctrl-D on an empty buffer soft-resets the node
  (``handler.soft_reset()``), Ctrl-B returns to the line protocol, raw-paste
  requests are declined (``R\\x00``) so mpremote falls back to plain raw mode.

Usage::

    link = Link(handler, write=sys.stdout.buffer.write, max_line=4096)
    link.feed(b'{"op":"hello"}\\n')

Not allocation-free: one line costs a bytes object and a reply string.
"""
import sys

from redline.compat import const

_MODE_LINE = const(0)
_MODE_RAW = const(1)
_RAW_MAX = const(16384)
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"


def _exception_text(exc):
    try:
        import io
        buf = io.StringIO()
        if hasattr(sys, "print_exception"):
            sys.print_exception(exc, buf)
        else:  # CPython
            import traceback
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=buf)
        return buf.getvalue()
    except Exception:
        return "%s: %s\n" % (type(exc).__name__, exc)


class Link:
    def __init__(self, handler, write, max_line=4096, exec_env=None):
        self.handler = handler
        self.write = write
        self.max_line = max_line
        self.buf = bytearray(max_line)
        self.n = 0
        self.overlong = False
        self.mode = _MODE_LINE
        self.raw = bytearray()
        self.raw_overflow = False
        self.paste = 0
        self.env = exec_env if exec_env is not None else {}
        self.lines = 0

    def feed(self, data):
        """Consume a chunk of received bytes (bytes, bytearray or memoryview)."""
        n = len(data)
        i = 0
        while i < n:
            if self.mode == _MODE_LINE:
                i = self._feed_line(data, i, n)
            else:
                i = self._feed_raw(data, i, n)

    def _feed_line(self, data, i, n):
        buf = self.buf
        cap = self.max_line
        while i < n:
            b = data[i]
            i += 1
            if b == 10 or b == 13:
                if self.overlong:
                    self.overlong = False
                    self.n = 0
                    self.lines += 1
                    self._reply(self.handler.overlong())
                elif self.n:
                    line = bytes(memoryview(buf)[:self.n])
                    self.n = 0
                    self.lines += 1
                    self._reply(self.handler.handle_line(line))
            elif b == 3:
                self.n = 0
                self.overlong = False
            elif b == 1 and self.n == 0 and not self.overlong:
                self.mode = _MODE_RAW
                self.raw = bytearray()
                self.raw_overflow = False
                self.paste = 0
                self.write(RAW_BANNER)
                return i
            elif self.n < cap:
                buf[self.n] = b
                self.n += 1
            else:
                self.overlong = True
        return i

    def _reply(self, text):
        if text is not None:
            self.write(text.encode() + b"\n")

    def _feed_raw(self, data, i, n):
        while i < n:
            b = data[i]
            i += 1
            if self.paste == 1:
                self.paste = 2 if b == 0x41 else 0
                if self.paste:
                    continue
            elif self.paste == 2:
                self.paste = 0
                if b == 1:
                    self.write(b"R\x00")   # raw-paste understood, not supported
                    continue
            if b == 5:
                self.paste = 1
            elif b == 1:
                self.raw = bytearray()
                self.raw_overflow = False
                self.write(RAW_BANNER)
            elif b == 2:
                self.mode = _MODE_LINE
                self.n = 0
                self.overlong = False
                self.write(b"\r\n")
                return i
            elif b == 3:
                self.raw = bytearray()
                self.raw_overflow = False
            elif b == 4:
                if not self.raw and not self.raw_overflow:
                    self.write(b"soft reboot\r\n")
                    self.handler.soft_reset()
                    self.write(RAW_BANNER)
                else:
                    self._exec()
            elif len(self.raw) < _RAW_MAX:
                self.raw.append(b)
            else:
                self.raw_overflow = True
        return i

    def _exec(self):
        code = self.raw
        overflow = self.raw_overflow
        self.raw = bytearray()
        self.raw_overflow = False
        self.write(b"OK")
        err = ""
        if overflow:
            err = "MemoryError: raw REPL input over %d bytes\n" % _RAW_MAX
        else:
            try:
                exec(bytes(code).decode(), self.env)
            except BaseException as exc:  # report like the real raw REPL (SystemExit too), keep serving
                err = _exception_text(exc)
        self.write(b"\x04")
        if err:
            self.write(err.encode())
        self.write(b"\x04>")
