"""Where the cycles of one sensor reading go on the emulated Pico: the per-part breakdown.

Boots the real RPI_PICO image with the 8-channel plant load (tools/bench/pico_sensor_load.py)
and, in the node's maintenance window, runs a copy of ``node.feed`` (which runs
``SensorGuard.step`` and the interlock's steady Proceed inline: entry, the reading -- replay
step and kernel in one call for an unpaired channel --, the interlock, node.feed's tail) on the
live guard's channels; GPIO 22 toggles between the parts, so each part is the cycles between two
edges. The toggle's own cost (an empty part) is measured and subtracted. Prints one JSON
object of medians per part, early (rows 20..59) and late (rows 620..659, the replay rings
and the store full and wrapping), with the largest sum of parts, plus one ``node.feed`` as
a whole (median and largest) just after each::

    python tools/bench/pico_sensor_profile.py [--uf2 build/pico/RPI_PICO.uf2]   # ~1 min
    python tools/bench/pico_sensor_profile.py --kernel      # the one-call reading's own parts

``--kernel`` splits the one-call reading (``kernel_viper.reading_viper``) itself: it takes that
function's source from this checkout, inserts a store to the SIO's GPIO_OUT_XOR register (GPIO
22, a few cycles) before each of the anchors in ``KERNEL_PARTS`` (top-level lines of the
function, so every reading makes the same number of edges), compiles it on the board (the
image has the viper emitter; the copy runs from RAM, 4-byte aligned, where the frozen one runs
from flash, so read its parts against each other and its sum against the frozen reading's
cycles) and runs the same loop with the copy in place of ``reading_viper``. The store's own cost
(two back to back) is subtracted. The function's prologue before the first store and its
return after the last one are in no part.

The copy must follow ``node.feed``: when it changes, change it. (The sum of parts leaves out
the call of ``node.feed`` itself, its ``try`` and the marker test: the whole-call figure has them.)
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "host"), str(REPO / "firmware"), str(Path(__file__).resolve().parent)]

from pico_sensor_load import BOARD_SCRIPT, boot_board, plant_config, plant_rows  # noqa: E402

PARTS = ("feed_entry", "reading", "interlock", "feed_tail")

# --kernel: (part name, the top-level line of reading_viper the part ends before); the part
# before the first anchor starts at the function's first store, the last ends at its return.
KERNEL_PARTS = (
    ("prologue: tuple loads, cast, clamp", "    # the replay step on the clamped reading"),
    ("window step", "    # the print check"),
    ("print check", "    # the store calls it handed back"),
    ("store calls", "    cs[32] = pressure"),
    ("entry: range, slew, stuck, pair bias", "    # z against the baseline and the memory, shift window"),
    ("z against baseline and memory", "    if not warming:\n        # shift window"),
    ("shift window", "    if not warming:\n        s = az * 16"),
    ("memory update", "    if not warming:\n        # entropy"),
    ("entropy", "    if not warming:\n        # CUSUM and drift"),
    ("CUSUM and drift", "    # the ladder, inline"),
    ("ladder and DAL gate", "    return code\n"),
)
KERNEL_SOURCE = REPO / "firmware" / "redline" / "sensor" / "kernel_viper.py"
_XOR = "    _gp[0] = _pin\n"


def kernel_script():
    """reading_viper's source with a GPIO 22 toggle before each anchor, as ``_kread``, plus
    ``kprof_empty(n)`` (two toggles back to back, n times) and ``kprof_rows(t0, t1)``."""
    text = KERNEL_SOURCE.read_text()
    a = text.index("@micropython.viper\ndef reading_viper(")
    b = text.find("\n@micropython.viper\n", a + 10)
    fn = text[a:b if b > 0 else len(text)].rstrip("\n") + "\n"
    head = "def reading_viper(b, x: int, pressure: int) -> int:\n"
    if head not in fn:
        raise SystemExit("pico_sensor_profile: reading_viper's signature changed: update --kernel")
    setup = ("    _ga = 0xd000\n    _ga = (_ga << 16) | 0x1c\n    _gp = ptr32(_ga)\n"
             "    _pin = 1\n    _pin = _pin << 22\n" + _XOR)
    fn = fn.replace(head, head.replace("reading_viper", "_kread") + setup)
    for name, anchor in KERNEL_PARTS:
        n = fn.count(anchor)
        if n != 1:
            raise SystemExit("pico_sensor_profile: anchor of %r found %d times in reading_viper" % (name, n))
        fn = fn.replace(anchor, _XOR + anchor)
    empty = ("@micropython.viper\ndef kprof_empty(n: int):\n" + setup.replace(_XOR, "") +
             "    i = 0\n    while i < n:\n" + _XOR.replace("    ", "        ", 1) * 2 + "        i += 1\n")
    rows = PROFILE_SCRIPT[PROFILE_SCRIPT.index("def prof_rows("):]
    rows = rows.replace("def prof_rows(", "def kprof_rows(").replace("kread = G._reading", "kread = _kread")
    rows = rows.replace("            tg()\n", "")
    return _compact("import micropython\n" + fn + "\n" + empty + "\n" + rows)


def _compact(src):
    """``src`` without comment lines and with one space per indent level: the board's raw REPL
    takes at most 16,384 bytes at a time."""
    out = []
    for line in src.split("\n"):
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        out.append(" " * ((len(line) - len(body)) // 4) + body)
    return "\n".join(out) + "\n"

# Runs after BOARD_SCRIPT. prof_rows(t0, t1): per reading, len(PARTS) + 1 toggles (the first
# raises the pin). A copy of node.feed (SensorGuard.step and the interlock's steady Proceed
# inline) part by part, on node's own buffers: entry (locals, the channel's buffers, sample
# number), the reading (an unpaired channel: replay step and kernel in one call,
# ``kernel.reading``; this load has no pair), the warm-up check and the interlock (its steady
# Proceed inline, else ``apply``), and node.feed's tail (the marker, the counter, the latch record
# when the interlock changed; the reply object's fields are read from the interlock on demand). Readings go in a row's channel order, as node.feed's.
# Native code (compiled on the chip), as node.feed is (redline.node_native).
PROFILE_SCRIPT = r'''
@micropython.native
def prof_empty(n):
    tg = _P.toggle
    for i in range(n):
        tg()
        tg()
@micropython.native
def prof_rows(t0, t1):
    from redline.sensor import guard as G
    from redline.node import _clamp
    tg = _P.toggle
    kread = G._reading
    for t in range(t0, t1):
        _row(t)
        if _DOG is not None:
            _DOG.feed()
        for c in range(8):
            x = _ROW[c]
            tg()
            il = node.interlock
            g = node.guard
            kb = g.kb[c]
            s = g.sample
            if s >> 15 == 32767 and s & 32767 == 32767:
                g.sample = 0
                g.warm_end = -1
            else:
                g.sample = s + 1
            tg()
            cs = kb[0]
            code = kread(kb, x, g.pressure)
            tg()
            if cs[29] == 1 and cs[65] == 1:
                g.learn(g._channels[c], _clamp(x), s)
            if code == 0 and il.steady:
                il.reason = cs[58]
                wd = il.watchdog
                if wd is not None:
                    wd.feed()
            else:
                il.apply(code, cs[58], s, c)
            tg()
            node.counters["readings"] += 1
            if il.dirty:
                node.sync_latch()
            tg()
        if node.interlock.latched:
            _clear()
    return 0
'''


def segments(edges):
    return [edges[i + 1]["cycles"] - edges[i]["cycles"] for i in range(len(edges) - 1)]


def _marked(vb, fn, t0, t1, names, empty):
    """Run ``fn(t0, t1)`` on the board; each part's cycles per reading (``names``: the parts in the
    order the marker edges bound them), less the toggle's own ``empty``."""
    per = len(names) + 1
    n0 = vb.edge_count()
    vb.exec_raw("print(%s(%d, %d))" % (fn, t0, t1), timeout=900)
    edges = vb.wait_markers((t1 - t0) * 8 * per, since=n0, timeout=60)
    parts = {p: [] for p in names}
    for k in range(0, len(edges), per):
        seg = segments(edges[k:k + per])
        for j, p in enumerate(names):
            parts[p].append(seg[j] - empty)
    return parts


def _parts(vb, fn, t0, t1, empty):
    """Run ``fn(t0, t1)`` on the board; the median cycles of each part over its readings."""
    parts = _marked(vb, fn, t0, t1, PARTS, empty)
    out = {p: statistics.median(v) for p, v in parts.items()}
    out["sum_of_parts"] = sum(out[p] for p in PARTS)
    out["max_sum"] = max(sum(parts[p][i] for p in PARTS) for i in range(len(parts[PARTS[0]])))
    return out


def _feed(vb, t0, t1):
    """Median and largest cycles of one whole ``node.feed`` over rows t0..t1."""
    n0 = vb.edge_count()
    vb.exec_raw("print(feed_rows(%d, %d, False, True))" % (t0, t1), timeout=900)
    feed = vb.pulses((t1 - t0) * 8, since=n0, timeout=60)
    return statistics.median(feed), max(feed)


def _kernel_parts(vb, t0, t1, empty):
    """Run ``kprof_rows(t0, t1)``; the median cycles of each part of the reading."""
    names = [p for p, _ in KERNEL_PARTS]
    out = {p: statistics.median(v) for p, v in _marked(vb, "kprof_rows", t0, t1, names, empty).items()}
    out["sum_of_parts"] = sum(out[p] for p in names)
    return out


def _profiled_board(uf2, extra=(), empty_fn="prof_empty"):
    """The plant board with 700 rows, the board and profile scripts (and ``extra`` scripts) run, and
    the cycles of one empty marked segment by ``empty_fn`` (``(vb, empty)``; the caller stops vb)."""
    cfg = plant_config()
    vb = boot_board(cfg, plant_rows(cfg, 700), uf2=uf2)
    try:
        vb.exec_raw(BOARD_SCRIPT, timeout=60)
        vb.exec_raw(PROFILE_SCRIPT, timeout=60)
        for script in extra:
            vb.exec_raw(script, timeout=120)
        n0 = vb.edge_count()
        vb.exec_raw("%s(64)" % empty_fn, timeout=120)
        empty = statistics.median(segments(vb.wait_markers(128, since=n0, timeout=60))[0::2])
    except BaseException:
        vb.stop()
        raise
    return vb, empty


def profile_kernel(uf2=None):
    # the copy's source and code are ~13 KB each: collected before it is sent
    vb, empty = _profiled_board(uf2, ("import gc\ngc.collect()", kernel_script()), "kprof_empty")
    try:
        out = {"toggle_cycles": empty}
        out["early"] = _kernel_parts(vb, 20, 60, empty)
        vb.exec_raw("print(feed_rows(60, 620, False, False))", timeout=1800)
        out["late"] = _kernel_parts(vb, 620, 660, empty)
    finally:
        vb.stop()
    return out


def profile(uf2=None):
    vb, empty = _profiled_board(uf2)
    try:
        out = {"toggle_cycles": empty}
        out["early"] = _parts(vb, "prof_rows", 20, 60, empty)
        out["node_feed_early"], out["node_feed_early_max"] = _feed(vb, 60, 80)
        vb.exec_raw("print(feed_rows(80, 620, False, False))", timeout=1800)
        out["late"] = _parts(vb, "prof_rows", 620, 660, empty)
        out["node_feed_late"], out["node_feed_late_max"] = _feed(vb, 660, 680)
    finally:
        vb.stop()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uf2", default=None, help="the image (default: build/pico/RPI_PICO.uf2)")
    ap.add_argument("--kernel", action="store_true",
                    help="split the one-call reading (reading_viper) into its parts instead")
    args = ap.parse_args(argv)
    try:
        from redline_host.device.rp2040 import DEFAULT_UF2, default_bootrom
    except ImportError as exc:
        print("pico_sensor_profile: skipped (%s)" % exc)
        return 0
    uf2 = Path(args.uf2) if args.uf2 else DEFAULT_UF2
    if not uf2.is_file() or default_bootrom() is None:
        print("pico_sensor_profile: skipped (no UF2 at %s or no RP2040 bootrom)" % uf2)
        return 0
    print(json.dumps((profile_kernel if args.kernel else profile)(uf2), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
