"""The maintenance window's memory on the emulated Pico (issue 16): a piece the heap cannot hold.

Boots the real RPI_PICO image with the 8-channel plant configuration and the board script of
tests/host/test_rp2040_sensor.py (tools/bench/pico_sensor_load.py), fills the heap with 1 KB
blocks until the largest free block is smaller than a raw-REPL piece, and sends that piece.
The window must answer a raw-REPL ``MemoryError`` and keep serving: the interlock and the
node's counters untouched (a MemoryError that escaped the link once reached the main loop,
which latched the interlock "memory error", and the board did not answer the raw REPL), the
next piece runs, and the line protocol answers a ping. The largest piece that loads is a
benchmark: tools/bench/bench_pico_maint.py. About a minute of wall time.
"""
import pytest

STATE = ("il = node.interlock\n"
         "print(il.latched, il.code, il.reason, node.counters['readings'], node.counters['samples'], "
         "node.counters['errors'])\n"
         "del il\n")

# 1 KB blocks until less than ~20 KB is free (or none fits); bench_pico_maint's PROBE then prints
# the free total and the largest block
BALLAST = ("import gc\n"
           "gc.collect()\n"
           "_ballast = []\n"
           "try:\n"
           "    while gc.mem_free() > 20000:\n"
           "        _ballast.append(bytearray(1024))\n"
           "except MemoryError:\n"
           "    pass\n")


def test_a_piece_the_heap_cannot_hold_is_refused_and_the_node_goes_on(plant_pico_10):
    from bench_pico_maint import PROBE, piece
    from redline_host.device.rp2040 import BoardError
    vb = plant_pico_10
    before = vb.exec_raw(STATE).split()
    assert before[0] == "False"
    free, largest = (int(x) for x in vb.exec_raw(BALLAST + PROBE, timeout=120).split())
    code = piece(14000)
    assert largest < len(code) - 1000, (free, largest)     # the piece cannot be held whole
    with pytest.raises(BoardError) as err:
        vb.exec_raw(code, timeout=120)
    assert "MemoryError: raw REPL input did not fit in the heap; the piece was dropped" in str(err.value)
    assert vb.exec_raw(STATE).split() == before             # interlock and counters untouched
    assert vb.exec_raw("print(6 * 7)").strip() == "42"     # the window serves the next piece
    assert "_p00000" not in vb.exec_raw("print(sorted(globals()))")
    vb.exec_raw("_ballast = None\ngc.collect()\n")
    assert vb.wait_ready(timeout=60)                        # and the line protocol answers a ping
    assert vb.exec_raw(STATE).split() == before
