"""The largest piece of code the maintenance window loads on the emulated 8-channel plant Pico.

Boots the real RPI_PICO image with the plant configuration and the board script of
tests/host/test_rp2040_sensor.py's ``plant_pico`` (tools/bench/pico_sensor_load.py), then
binary-searches the size of a raw-REPL piece that still compiles and runs there. A piece is
top-level function definitions of the kind the on-chip firmware tests send (each ~170 bytes:
a loop, arithmetic, an assert with a message) and one ``print``; after each try its names
are deleted and the heap collected, so every try starts from the same heap. Prints one JSON
object::

    mem_free / largest_block   gc.mem_free() and the largest bytearray that can be allocated,
                               before the search (bytes)
    largest_piece              the largest piece that loaded (bytes; to --step)
    smallest_failure           the smallest piece that did not, and what came back
    board_lost                 tries after which the board stopped answering (restarted)
    latched_after              the interlock latched (and why) after any try: it must stay False
    tries                      [[bytes, "ok" | the error's first line], ...]

    python tools/bench/bench_pico_maint.py [--uf2 build/pico/RPI_PICO.uf2] [--lo 1024 --hi 16384] \\
        [--preload test_sensor_replay_fast.py test_sensor_printstore.py test_sensor_kernel.py]

Prints a skip line and exits 0 when the image or the toolchains are absent.
"""
import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "host"), str(REPO / "firmware"), str(Path(__file__).resolve().parent)]

from pico_sensor_load import BOARD_SCRIPT, boot_board, plant_config, plant_rows  # noqa: E402

_DEF = ("def _p%05d(a, b):\n"
        "    s = a\n"
        "    for i in range(b):\n"
        "        s = (s * 31 + i) & 0xFFFF\n"
        "    assert s >= 0, 'piece function %05d'\n"
        "    return s + %d\n")

CLEAN = ("for _k in [_k for _k in globals() if _k.startswith('_p')]:\n"
         "    del globals()[_k]\n"
         "import gc\ngc.collect()\n")

PROBE = ("import gc\ngc.collect()\n"
         "def _largest():\n"
         "    lo, hi = 0, gc.mem_free()\n"
         "    while lo < hi:\n"
         "        m = (lo + hi + 1) // 2\n"
         "        try:\n"
         "            b = bytearray(m)\n"
         "            b = None\n"
         "            lo = m\n"
         "        except MemoryError:\n"
         "            hi = m - 1\n"
         "        gc.collect()\n"
         "    return lo\n"
         "print(gc.mem_free(), _largest())\n"
         "del _largest\n")

STATE = "il = node.interlock\nprint(il.latched, il.reason)\ndel il\n"


def piece(size):
    """Code of at most ``size`` bytes: whole function definitions, then one print."""
    out = []
    n = 0
    k = 0
    tail = "print('loaded', %d)\n" % size
    while True:
        d = _DEF % (k, k, k)
        if n + len(d) + len(tail) > size:
            break
        out.append(d)
        n += len(d)
        k += 1
    out.append(tail)
    return "".join(out)


def test_pieces(name, size=3000):
    """tests/firmware/<name> as tests/host/test_rp2040_sensor.py loads it: pieces of whole top-level
    definitions of about ``size`` bytes (helpers inlined)."""
    here = REPO / "tests" / "firmware"
    src = (here / name).read_text()
    src = src.replace("from _lcg import Lcg\n", (here / "_lcg.py").read_text() + "\n")
    src = src.replace("from _fakes import Pin\n", (here / "_fakes.py").read_text() + "\n")
    pieces, cur = [], []
    for line in src.splitlines():
        if line.startswith(("def ", "class ")) and sum(len(x) + 1 for x in cur) > size:
            pieces.append("\n".join(cur))
            cur = []
        cur.append(line)
    pieces.append("\n".join(cur))
    return pieces


def boot(uf2, preload=(), ballast=0):
    cfg = plant_config()
    vb = boot_board(cfg, plant_rows(cfg, 460), uf2=uf2)
    vb.exec_raw(BOARD_SCRIPT, timeout=60)
    for name in preload:
        for p in test_pieces(name):
            vb.exec_raw("import gc\ngc.collect()\n" + p, timeout=120)
    if ballast:
        vb.exec_raw("_ballast = [None] * %d\nfor _i in range(%d):\n    _ballast[_i] = bytearray(1024)\n"
                    % (ballast, ballast), timeout=120)
    return vb


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uf2", default=None)
    ap.add_argument("--lo", type=int, default=1024, help="a size expected to load (bytes)")
    ap.add_argument("--hi", type=int, default=16384, help="a size expected not to (bytes)")
    ap.add_argument("--step", type=int, default=256, help="resolution of the search (bytes)")
    ap.add_argument("--preload", nargs="*", default=[],
                    help="tests/firmware files loaded first (3 KB pieces, as the on-chip tests load them: "
                         "their definitions stay, as they do there)")
    ap.add_argument("--ballast", type=int, default=0,
                    help="KB held in 1 KB blocks before the search (a fuller heap, the same on every image)")
    args = ap.parse_args(argv)
    from redline_host.device.rp2040 import DEFAULT_UF2, BoardError, default_bootrom
    uf2 = Path(args.uf2) if args.uf2 else DEFAULT_UF2
    if not uf2.is_file() or default_bootrom() is None:
        print("bench_pico_maint: skipped (no UF2 at %s or no RP2040 bootrom in ../shared/toolchains)" % uf2)
        return 0
    args.uf2 = uf2
    res = {"tries": [], "board_lost": [], "latched_after": []}
    vb = boot(args.uf2, args.preload, args.ballast)
    try:
        free, largest = vb.exec_raw(PROBE, timeout=120).split()
        res["mem_free"], res["largest_block"] = int(free), int(largest)
        lo, hi = args.lo, args.hi
        fail = None
        while hi - lo > args.step:
            mid = (lo + hi) // 2
            code = piece(mid)
            try:
                out = vb.exec_raw(code, timeout=60)
                ok = out.split() == ["loaded", str(mid)]
                what = "ok" if ok else "output %r" % out[-200:]
            except BoardError as exc:
                ok = False
                what = str(exc).strip().splitlines()[-1][:200]
            res["tries"].append([len(code), what])
            print("bench_pico_maint: %d bytes: %s" % (len(code), what), file=sys.stderr)
            try:
                vb.exec_raw(CLEAN, timeout=120)
                state = vb.exec_raw(STATE, timeout=60).split()
                if state[0] != "False":
                    res["latched_after"].append([len(code), state])
                    vb.exec_raw("node.interlock.reset()\nnode.sync_latch()\n", timeout=60)
            except BoardError as exc:
                res["board_lost"].append([len(code), str(exc)[-200:]])
                vb.stop()
                vb = boot(args.uf2, args.preload, args.ballast)
            if ok:
                lo = mid
            else:
                hi = mid
                fail = [len(code), what]
        res["largest_piece"] = len(piece(lo))
        res["smallest_failure"] = fail
    finally:
        vb.stop()
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
