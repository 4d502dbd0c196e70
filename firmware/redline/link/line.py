"""Serial link: bytes in, lines out; MicroPython's raw REPL only in an authenticated maintenance window.

The node reads whatever bytes the serial port has and hands them to the link;
complete lines go to ``handler.handle_line(line)``, which returns the reply (str
or bytes, without newline). Framing rules (docs/protocol.md):

- ``\\n`` or ``\\r`` ends a line; empty lines are ignored (so ``\\r\\n`` is one line);
- a line longer than ``max_line`` bytes is dropped up to its end and answered
  with ``handler.overlong()``;
- every other byte, control bytes included, is part of the line: Ctrl-A (0x01),
  Ctrl-B, Ctrl-C (0x03) and Ctrl-D (0x04) are protocol bytes, and a line holding
  one is a bad line (the protocol answers it ``json``). One stray byte cannot
  stop the node or open a REPL.

The raw REPL that mpremote speaks exists only inside a maintenance window,
which ``unlock()`` opens after an authenticated ``maint`` request (the
protocol checks the HMAC) and ``lock()`` closes; it also closes after
``MAINT_IDLE_MS`` without raw-REPL traffic. Inside the window, and only at the
start of a line, Ctrl-C cancels the partial line and Ctrl-A enters the raw
REPL: Ctrl-D runs the collected code (``OK``, output, ``\\x04``, error,
``\\x04>``), Ctrl-D on an empty buffer soft-resets the node
(``handler.soft_reset()``), Ctrl-B returns to the line protocol, raw-paste
requests are declined (``R\\x00``) so mpremote falls back to plain raw mode.
A piece is held once (``exec`` compiles it from the receiving bytearray); one
over 16 KB, or one the heap cannot hold, is dropped as it arrives and its
Ctrl-D answers ``MemoryError: ...``: a MemoryError in the window never reaches
the main loop (which would latch the interlock "memory error").

Usage::

    link = Link(handler, write=sys.stdout.buffer.write, max_line=4096)
    link.feed(b'{"op":"hello"}\\n')            # every line in the chunk
    i = link.feed_line(data, 0)                # at most one line; the index after it

Not allocation-free: one line costs a bytes object and a reply string. A
MemoryError while copying a line or encoding its reply is answered with a
fixed ``{"ok": false, "err": "memory"}`` line, never passed on.
"""
import sys

from redline.compat import const, ticks_diff, ticks_ms

_MODE_LINE = const(0)
_MODE_RAW = const(1)
_RAW_MAX = const(16384)
_COLLECT_OVER = const(1024)     # a piece larger than this is collected before each growth
_RAW_OK = const(0)
_RAW_OVER = const(1)            # over _RAW_MAX: dropped, the rest ignored up to Ctrl-D
_RAW_NOMEM = const(2)           # the heap could not hold it: dropped, the rest ignored up to Ctrl-D
MAINT_IDLE_MS = const(600000)
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
MEMORY_LINE = b'{"ok": false, "err": "memory", "msg": "out of memory"}'
MEMORY_REPLY = MEMORY_LINE + b"\n"


def _exception_text(exc):
    """The traceback as bytes; with the heap too full for that, a fixed line (never raises)."""
    try:
        import io
        buf = io.StringIO()
        if hasattr(sys, "print_exception"):
            sys.print_exception(exc, buf)
        else:  # CPython
            import traceback
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=buf)
        return buf.getvalue().encode()
    except Exception:
        pass
    if isinstance(exc, MemoryError):
        return b"MemoryError: memory allocation failed\n"
    try:
        return ("%s: %s\n" % (type(exc).__name__, exc)).encode()
    except Exception:
        return b"Exception (no memory left to describe it)\n"


class Link:
    _piece = bytearray      # what holds a piece (tests put a failing one where no heap can be locked)

    def __init__(self, handler, write, max_line=4096, exec_env=None, clock=ticks_ms):
        self.handler = handler
        self.write = write
        self.max_line = max_line
        self.buf = bytearray(max_line)
        self.n = 0
        self.overlong = False
        self.mode = _MODE_LINE
        self.raw = None             # the piece being received: only while one is (nothing kept otherwise)
        self.raw_state = _RAW_OK
        self.paste = 0
        self.env = exec_env if exec_env is not None else {}
        self.lines = 0
        self.clock = clock
        self.maint = False
        self.maint_seen = 0

    # -- the maintenance window --
    def unlock(self):
        """Open the maintenance window (the caller has authenticated it)."""
        self.maint = True
        self.maint_seen = self.clock()

    def lock(self):
        """Close the maintenance window (the raw REPL is no longer reachable)."""
        self.maint = False

    def maintenance(self):
        """True while the window is open (it closes after MAINT_IDLE_MS without raw-REPL traffic)."""
        if self.maint and ticks_diff(self.clock(), self.maint_seen) > MAINT_IDLE_MS:
            self.maint = False
        return self.maint

    # -- bytes in --
    def feed(self, data):
        """Consume a chunk of received bytes (bytes, bytearray or memoryview): every line in it."""
        n = len(data)
        i = 0
        while i < n:
            i = self.feed_line(data, i)

    def feed_line(self, data, i):
        """Consume ``data`` from index ``i`` up to and including the end of one line (or all of it);
        returns the index after what was consumed. The main loop samples between lines."""
        n = len(data)
        if self.mode == _MODE_LINE:
            return self._feed_line(data, i, n)
        return self._feed_raw(data, i, n)

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
                    return i
                if self.n:
                    self.lines += 1
                    self._line()
                    return i
            elif b == 3 and self.maint and self.maintenance():
                self.n = 0                  # in the window Ctrl-C cancels the partial line
                self.overlong = False
            elif b == 1 and self.n == 0 and not self.overlong and self.maint and self.maintenance():
                self.maint_seen = self.clock()
                self.mode = _MODE_RAW
                self.raw = None
                self.raw_state = _RAW_OK
                self.paste = 0
                self.write(RAW_BANNER)
                return i
            elif self.n < cap:
                buf[self.n] = b
                self.n += 1
            else:
                self.overlong = True
        return i

    def _line(self):
        try:
            line = bytes(memoryview(self.buf)[:self.n])
            self.n = 0
            reply = self.handler.handle_line(line)
        except MemoryError:
            self.n = 0
            reply = self.handler.memory_error()
        self._reply(reply)

    def _reply(self, text):
        if text is None:
            return
        try:
            if isinstance(text, str):
                text = text.encode()
            self.write(text + b"\n")
        except MemoryError:
            self.write(MEMORY_REPLY)

    def _feed_raw(self, data, i, n):
        self.maint_seen = self.clock()
        while i < n:
            if self.paste == 0:
                # a run of ordinary bytes goes to the piece in one step (control bytes are 1..5)
                j = i
                while j < n:
                    b = data[j]
                    if 0 < b < 6:
                        break
                    j += 1
                if j > i:
                    if self.raw_state == _RAW_OK:
                        # kept in the piece; one over _RAW_MAX bytes, or one the heap cannot hold, is
                        # dropped at once and the rest of it ignored: its Ctrl-D answers a MemoryError
                        raw = self.raw
                        if (0 if raw is None else len(raw)) + j - i > _RAW_MAX:
                            self.raw = None
                            self.raw_state = _RAW_OVER
                        else:
                            try:
                                if raw is None:
                                    raw = self._piece()
                                    self.raw = raw
                                elif len(raw) >= _COLLECT_OVER:
                                    # the serial reads leave garbage behind the piece: collected, it
                                    # grows in place (gc_realloc) instead of moving, which needs its
                                    # old and its new block at once (gc imported here: a module
                                    # global is heap the node keeps for good)
                                    import gc
                                    gc.collect()
                                raw.extend(memoryview(data)[i:j])   # a failure leaves it as it was
                            except MemoryError:
                                self.raw = None
                                self.raw_state = _RAW_NOMEM
                    i = j
                    continue
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
                self.raw = None
                self.raw_state = _RAW_OK
                self.write(RAW_BANNER)
            elif b == 2:
                self.raw = None
                self.raw_state = _RAW_OK
                self.mode = _MODE_LINE
                self.n = 0
                self.overlong = False
                self.write(b"\r\n")
                return i
            elif b == 3:
                self.raw = None
                self.raw_state = _RAW_OK
            elif b == 4:
                if self.raw is None and self.raw_state == _RAW_OK:
                    self.write(b"soft reboot\r\n")
                    self.handler.soft_reset()
                    self.write(RAW_BANNER)
                else:
                    self._exec()
            else:
                i -= 1                      # an ordinary byte after an unfinished raw-paste request
        return i

    def _exec(self):
        code = self.raw
        state = self.raw_state
        self.raw = None
        self.raw_state = _RAW_OK
        self.write(b"OK")
        err = None
        if state == _RAW_OVER:
            err = b"MemoryError: raw REPL input over 16384 bytes\n"
        elif state == _RAW_NOMEM:
            err = b"MemoryError: raw REPL input did not fit in the heap; the piece was dropped\n"
        else:
            try:
                # imported here, not at the top: a module global is heap the node keeps for good
                from redline.link.utf8 import utf8_valid
                if utf8_valid(code):
                    # MicroPython's exec reads the piece in place from any buffer (no bytes() or
                    # str copy: the piece is held once); CPython's takes a bytearray too. No
                    # collection first: the piece's last growth has just collected.
                    exec(code, self.env)
                else:
                    err = b"UnicodeError: raw REPL input is not valid UTF-8\n"
            except BaseException as exc:  # report like the real raw REPL (SystemExit too), keep serving
                code = None
                err = _exception_text(exc)
        code = None
        self.write(b"\x04")
        if err:
            self.write(err)
        self.write(b"\x04>")
        self.maint_seen = self.clock()
