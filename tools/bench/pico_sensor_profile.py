"""Where the cycles of one sensor reading go on the emulated Pico: the per-part breakdown.

Boots the real RPI_PICO image with the 8-channel plant load (tools/bench/pico_sensor_load.py)
and, in the node's maintenance window, runs a copy of the per-channel detector-object
sequence of ``SensorGuard.update`` (range/slew, stuck, replay, pair, confidence, z against
the baseline, memory reference, shift, memory update, entropy, CUSUM, drift, ladder) on the
live guard's detector objects, then ``interlock.apply``; GPIO 22 toggles between the parts,
so each part is the cycles between two edges. The toggle's own cost (an empty part) is
measured and subtracted. Prints one JSON object of medians per part, early (rows 20..59)
and late (rows 620..659, the replay rings and the store full and wrapping), plus one
``node.feed`` as a whole::

    python tools/bench/pico_sensor_profile.py [--uf2 build/pico/RPI_PICO.uf2]   # ~3-5 min

This is the structure of main 7d971b5's guard (one Python method call per detector); with
the channel kernel (``redline.sensor.kernel``) the guard no longer calls these objects per
reading, and the script's ``kernel`` mode times the kernel call and the rest instead.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "host"), str(REPO / "firmware"), str(Path(__file__).resolve().parent)]

from pico_sensor_load import BOARD_SCRIPT, boot_board, plant_config, plant_rows  # noqa: E402

PARTS = ("range_slew", "stuck", "replay", "pair_confidence", "z_baseline", "memory_reference",
         "shift", "memory_update", "entropy", "cusum", "drift", "ladder", "interlock_apply")

# Runs after BOARD_SCRIPT. prof_rows(t0, t1): per reading, len(PARTS) + 1 toggles (the first
# raises the pin). Mirrors main's SensorGuard.update part by part on node.guard's own objects.
PROFILE_SCRIPT = r'''
from redline.fx import z_q8, ratio16, variance_ratio16
from redline.codes import FLAG_ADVERSARIAL
def prof_empty(n):
    tg = _P.toggle
    for i in range(n):
        tg()
        tg()
def prof_rows(t0, t1):
    g = node.guard
    il = node.interlock
    tg = _P.toggle
    chans = g._channels
    fc = g.forecast
    be = g.bias_escalate
    for t in range(t0, t1):
        _row(t)
        if _DOG is not None:
            _DOG.feed()
        for c in range(8):
            x = _ROW[c]
            ch = chans[c]
            r = g.result
            tg()
            r.sample = g.sample
            g.sample = (g.sample + 1) & 0x3FFFFFFF
            r.channel = c
            bias = 0
            breason = 0
            if x < ch.lo or x > ch.hi:
                bias = 65535
            if ch.has_last and ch.slew and not bias:
                d = x - ch.last
                if d > ch.slew or -d > ch.slew:
                    bias = 65535
            ch.last = x
            ch.has_last = True
            tg()
            flags = ch.stuck.update(x)
            tg()
            flags |= ch.replay.update(x)
            if flags & FLAG_ADVERSARIAL and not bias:
                bias = 65535
            tg()
            p = ch.partner
            flags |= ch.confidence.flags
            r.confidence = ch.confidence.confidence
            r.warming_up = False
            tg()
            zb = z_q8(x - ch.base, ch.scale)
            tg()
            mem = ch.memory
            z = zb - (mem.forecast_q8() if fc else mem.mean_q6() * 4)
            accept = (z if z >= 0 else -z) < ch.gate and bias < be
            az = z if z >= 0 else -z
            r.z = z
            tg()
            sw = ch.shift
            shift = False
            if sw is not None:
                r.shift = sw.update(z)
                shift = r.shift >= ch.shift_halt
            s = az * 16
            r.surprise = s if s < 65535 else 65535
            r.accepted = accept
            tg()
            if accept:
                mem.update(zb >> 2)
            tg()
            r.entropy = variance_ratio16(mem.variance_q12(), ch.noise)
            tg()
            flags |= ch.cusum.update(z if fc else zb)
            tg()
            flags |= ch.drift.update(zb)
            r.bias = bias
            r.flags = flags
            tg()
            g.ladder.decide(r, az, ch.zw, ch.ze, ch.zh, breason, g.pressure, shift)
            tg()
            il.apply(r.code, r.reason, r.sample, c)
            tg()
        if il.latched:
            _clear()
    return 0
def prof_feed(t0, t1):
    feed_rows(t0, t1, False, True)
    return 0
'''


def segments(edges):
    return [edges[i + 1]["cycles"] - edges[i]["cycles"] for i in range(len(edges) - 1)]


def profile(uf2=None):
    cfg = plant_config()
    rows = plant_rows(cfg, 700)
    vb = boot_board(cfg, rows, uf2=uf2)
    n_parts = len(PARTS)
    try:
        vb.exec_raw(BOARD_SCRIPT, timeout=60)
        vb.exec_raw(PROFILE_SCRIPT, timeout=60)
        n0 = vb.edge_count()
        vb.exec_raw("prof_empty(64)", timeout=120)
        empty = statistics.median(segments(vb.wait_markers(128, since=n0, timeout=60))[0::2])
        out = {"toggle_cycles": empty}
        for label, t0, t1 in (("early", 20, 60), ("late", 620, 660)):
            if label == "late":
                vb.exec_raw("print(feed_rows(60, 620, False, False))", timeout=1800)
            n0 = vb.edge_count()
            vb.exec_raw("print(prof_rows(%d, %d))" % (t0, t1), timeout=900)
            per = n_parts + 1
            edges = vb.wait_markers((t1 - t0) * 8 * per, since=n0, timeout=60)
            parts = {p: [] for p in PARTS}
            for k in range(0, len(edges), per):
                seg = segments(edges[k:k + per])
                for j, p in enumerate(PARTS):
                    parts[p].append(seg[j] - empty)
            out[label] = {p: statistics.median(v) for p, v in parts.items()}
            out[label]["sum_of_parts"] = sum(out[label][p] for p in PARTS)
        n0 = vb.edge_count()
        vb.exec_raw("prof_feed(660, 680)", timeout=900)
        feed = vb.pulses(20 * 8, since=n0, timeout=60)
        out["node_feed_late"] = statistics.median(feed)
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
