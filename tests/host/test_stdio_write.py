"""The serial port's writes never hold up sampling for long (issue 18, finding 8; redline.link.stdio).

A reader that stops reading used to stall the node in ``write`` (a Pico's USB CDC write blocks
up to 500 ms per reply). Now a reply waits for room only until ``write_until`` (the main loop
sets it to when the next sample is due), then it is dropped and counted. CPython, on a pipe
nobody reads (MicroPython has no os.pipe; the virtual boards run the same code on a pty:
tools/bench/bench_flood.py).
"""
import os
import time

from redline.compat import ticks_add, ticks_ms
from redline.link.stdio import StdioSerial


def test_a_reader_that_never_reads_costs_a_write_no_more_than_its_budget():
    r_in, w_in = os.pipe()
    r_out, w_out = os.pipe()
    sin = os.fdopen(r_in, "rb", buffering=0)
    sout = os.fdopen(w_out, "wb", buffering=0)
    try:
        port = StdioSerial(sin, sout)
        reply = b"x" * 1000 + b"\n"
        sent = 0
        t0 = time.monotonic()
        while port.dropped == 0 and time.monotonic() - t0 < 10:
            port.write_until = ticks_add(ticks_ms(), 30)
            if port.write(reply):
                sent += 1
        assert port.dropped == 1 and sent > 10                  # the pipe filled up, then a reply was dropped
        t1 = time.monotonic()
        port.write_until = ticks_add(ticks_ms(), 30)
        assert port.write(reply) is False and port.dropped == 2
        assert time.monotonic() - t1 < 0.5                      # waited ~30 ms, not for ever
        port.write_until = ticks_add(ticks_ms(), -5)            # the sample is already due: no wait at all
        t2 = time.monotonic()
        assert port.write(reply) is False and time.monotonic() - t2 < 0.2
        os.read(r_out, 1 << 20)                                 # the reader reads again: replies flow
        port.write_until = None
        assert port.write(b'{"ok": true}\n') is True
    finally:
        for f in (sin, sout):
            f.close()
        for fd in (w_in, r_out):
            os.close(fd)
