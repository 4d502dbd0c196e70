"""Byte-line I/O on stdin/stdout that behaves the same on CPython, unix MicroPython
and the WebAssembly port (host/redline_host/device/js/wasm_run.mjs).

A script that talks JSON lines or a serial-style protocol uses these four names
instead of ``sys.stdin``/``print``, so the host can drive it on every runtime::

    import mp_io
    while True:
        line = mp_io.read_line()      # b"" at end of input
        if not line:
            break
        mp_io.write(b"echo: ")
        mp_io.write_line(line.rstrip(b"\\r\\n"))

Lines are ``bytes`` (text stays undecoded, as in the firmware hot paths). Reads
return as soon as a whole line has arrived, on a pipe or a pty. Output is flushed
at every ``write_line`` so a reader on the other side sees each reply at once.

``Lines(limit)`` reads stdin in chunks and hands out numbered lines no longer
than ``limit`` bytes; a longer line is skipped up to its end and reported as
``None``, so one huge line cannot exhaust a board-sized heap::

    lines = mp_io.Lines(16384)
    while True:
        n, line = lines.next()        # line None: longer than the limit; n 0: end of input
        if not n:
            break
"""
import sys

# All three runtimes expose the byte layer of the standard streams as .buffer.
_stdin = getattr(sys.stdin, "buffer", sys.stdin)
_stdout = getattr(sys.stdout, "buffer", sys.stdout)
_flush = getattr(sys.stdout, "flush", None)


def read_line():
    """The next line of stdin as bytes, with its b"\\n"; b"" at end of input."""
    line = _stdin.readline()
    if isinstance(line, str):  # a port without a byte layer
        line = line.encode()
    return line


def write(data):
    """Write ``bytes``/``bytearray``/``memoryview`` (or ``str``) to stdout without a newline."""
    if isinstance(data, str):
        data = data.encode()
    _stdout.write(data)


def write_line(data):
    """Write ``data`` and a newline, then flush."""
    write(data)
    _stdout.write(b"\n")
    flush()


def flush():
    """Push buffered output to the reader (CPython buffers; MicroPython does not)."""
    if _flush is not None:
        _flush()



class Lines:
    """Numbered lines of stdin (without their terminator), at most ``limit`` bytes each.

    Reads into one fixed chunk buffer and copies each line into one fixed line
    buffer, so a huge line costs no more memory than a short one.
    """

    def __init__(self, limit=16384, stream=None, chunk=1024):
        self.stream = stream if stream is not None else _stdin
        self.limit = limit
        self.line = bytearray(limit)
        self.lmv = memoryview(self.line)
        self.n = 0
        self.over = False
        self.chunk = bytearray(chunk)
        self.cmv = memoryview(self.chunk)
        self.pos = 0
        self.end = 0
        self.eof = False
        self.number = 0

    def _fill(self):
        if hasattr(self.stream, "readinto"):
            k = self.stream.readinto(self.chunk)
        else:  # a stream without readinto (tests)
            data = self.stream.read(len(self.chunk))
            k = len(data) if data else 0
            self.chunk[0:k] = data
        if not k:
            self.eof = True
            k = 0
        self.pos = 0
        self.end = k

    def _take(self, start, stop):
        k = stop - start
        if self.over or self.n + k > self.limit:
            self.over = True
            return
        self.line[self.n:self.n + k] = self.cmv[start:stop]
        self.n += k

    def _done(self):
        self.number += 1
        n = self.n
        over = self.over
        self.n = 0
        self.over = False
        if over:
            return self.number, None
        return self.number, bytes(self.lmv[:n])

    def next(self):
        """(line number, bytes) -- bytes None for a line over the limit; (0, None) at the end."""
        while True:
            if self.pos >= self.end:
                if self.eof:
                    if self.n or self.over:
                        return self._done()
                    return 0, None
                self._fill()
                continue
            i = self.chunk.find(b"\n", self.pos, self.end)
            if i < 0:
                self._take(self.pos, self.end)
                self.pos = self.end
                continue
            self._take(self.pos, i)
            self.pos = i + 1
            return self._done()
