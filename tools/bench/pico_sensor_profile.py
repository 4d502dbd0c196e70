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


def _parts(vb, fn, t0, t1, empty):
    """Run ``fn(t0, t1)`` on the board; the median cycles of each part over its readings."""
    per = len(PARTS) + 1
    n0 = vb.edge_count()
    vb.exec_raw("print(%s(%d, %d))" % (fn, t0, t1), timeout=900)
    edges = vb.wait_markers((t1 - t0) * 8 * per, since=n0, timeout=60)
    parts = {p: [] for p in PARTS}
    for k in range(0, len(edges), per):
        seg = segments(edges[k:k + per])
        for j, p in enumerate(PARTS):
            parts[p].append(seg[j] - empty)
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


def profile(uf2=None):
    cfg = plant_config()
    rows = plant_rows(cfg, 700)
    vb = boot_board(cfg, rows, uf2=uf2)
    try:
        vb.exec_raw(BOARD_SCRIPT, timeout=60)
        vb.exec_raw(PROFILE_SCRIPT, timeout=60)
        n0 = vb.edge_count()
        vb.exec_raw("prof_empty(64)", timeout=120)
        empty = statistics.median(segments(vb.wait_markers(128, since=n0, timeout=60))[0::2])
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
    print(json.dumps(profile(uf2), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
