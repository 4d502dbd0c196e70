"""The emulated Pico (real RPI_PICO UF2 in rp2040js): boot, emulation speed, cycles, round trips.

Boots the cached UF2 (``python3 tools/pico_image.py`` builds it) behind a pty and
prints one JSON object::

    boot_wall_s                 start of the emulator -> the frozen main.py answers a ping
    boot_cycles                 core cycles when the first byte leaves the CDC port (the first
                                ping's answer: main.py built its node and serves)
    boot_emulated_ms            emulated time then (realtime pacing: idle waits follow the wall)
    usb_enumerated_cycles       core cycles when the emulated host finished configuring USB
    emulated_cycles_per_wall_s  a 2M-iteration busy loop between two marker-pin edges
    empty_loop_cycles           cycles per iteration of ``for i in range(n): pass`` (marker pin)
    hello_ms / ping_ms          median wall-clock round trip of the protocol over the pty (n=20)
    reset_wall_s                machine.reset() -> answering again (new emulator, saved flash)
    power_cycle_wall_s          emulator stopped (flash saved) and started -> answering again

    python tools/bench/bench_rp2040.py        # about 40 s

The node's own figures (heap at boot, after building, at the worst point; cycles per
sift, pipeline message and sensor reading) are in ``redline harness --port rp2040``.
Cycle counts come from the emulator's deterministic counter (GPIO 22 edges);
rp2040js models memory as zero-wait, so a real Pico's flash cache misses make
these a lower bound. Prints a skip line and exits 0 when the image or the
toolchains are absent.
"""
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import serial

TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))

LOOP = (
    "import machine\n"
    "p = machine.Pin(22, machine.Pin.OUT, value=0)\n"
    "def f(n):\n"
    "    p.value(1)\n"
    "    for i in range(n):\n"
    "        pass\n"
    "    p.value(0)\n"
)


def round_trips(path, line, n=20):
    out = []
    with serial.serial_for_url(path, timeout=10) as port:
        for i in range(n):
            t0 = time.perf_counter()
            port.write(line)
            reply = port.readline()
            out.append((time.perf_counter() - t0) * 1000)
            if b'"ok": true' not in reply:
                raise SystemExit("bench_rp2040: bad reply %r" % reply[:200])
    return round(statistics.median(out), 1)


def spans(vb, code, count):
    before = len(vb.markers())
    vb.exec_raw(code)
    m = vb.wait_markers(2 * count, since=before, timeout=120)
    return [(m[i + 1]["cycles"] - m[i]["cycles"], m[i + 1]["wall_ms"] - m[i]["wall_ms"]) for i in range(0, 2 * count, 2)]


def main():
    from pico_image import DEFAULT_TOOLCHAINS, cached_uf2
    from redline_host.device.rp2040 import RP2040Board, default_bootrom
    bootrom = default_bootrom()
    if bootrom is None or not bootrom.is_file():
        print("bench_rp2040: skipped: no %s" % DEFAULT_TOOLCHAINS)
        return 0
    uf2 = cached_uf2()
    if uf2 is None:
        print("bench_rp2040: skipped: the RPI_PICO UF2 is not built (make firmware BOARD=RPI_PICO)")
        return 0
    res = {"uf2": str(uf2)}
    with tempfile.TemporaryDirectory() as d:
        flash = Path(d) / "flash.bin"
        t0 = time.monotonic()
        with RP2040Board(flash=flash, uf2=uf2, marker=False) as vb:     # the pin is this bench's alone
            vb.wait_ready()
            res["boot_wall_s"] = round(time.monotonic() - t0, 2)
            first = vb.events("first_tx")[0]
            res["boot_cycles"] = first["cycles"]
            res["boot_emulated_ms"] = round(first["nanos"] / 1e6, 1)
            res["boot_first_reply_wall_s"] = round(first["wall_ms"] / 1000, 2)
            res["usb_enumerated_cycles"] = vb.events("usb_connected")[0]["cycles"]
            vb.exec_raw(LOOP)
            empty = spans(vb, "f(0)\nf(100)\nf(1000)\n", 3)
            res["empty_loop_cycles"] = round((empty[2][0] - empty[0][0]) / 1000, 1)
            busy = spans(vb, "f(2000000)\n", 1)[0]
            res["busy_loop_cycles"] = busy[0]
            res["emulated_cycles_per_wall_s"] = int(busy[0] / (busy[1] / 1000))
            res["emulated_speed_vs_125MHz"] = round(busy[0] / (busy[1] / 1000) / 125e6, 3)
            res["hello_ms"] = round_trips(vb.path, b'{"op":"hello","id":1}\n')
            res["ping_ms"] = round_trips(vb.path, b'{"op":"ping","id":1}\n')
            vb.exec_raw("f = open('bench.txt', 'w')\nf.write('kept')\nf.close()\n")
            t0 = time.monotonic()
            vb.reset()
            res["reset_wall_s"] = round(time.monotonic() - t0, 2)
            t0 = time.monotonic()
            vb.power_cycle()
            vb.wait_ready()
            res["power_cycle_wall_s"] = round(time.monotonic() - t0, 2)
            res["file_kept_after_reset_and_power_cycle"] = vb.exec_raw("print(open('bench.txt').read())\n").strip() == "kept"
            st = vb.stats()
            res["instances"] = len(vb.events("boot"))
            res["final_stats"] = {k: st[k] for k in ("cycles", "nanos", "wall_ms")}
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
