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
