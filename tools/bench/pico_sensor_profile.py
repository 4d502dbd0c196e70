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
reading, and ``--kernel`` times that structure instead (a copy of the new
``SensorGuard.update``: entry, the replay window step, its print check, the store calls,
pair and inputs, the kernel call, the result copy, ``interlock.apply``).
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "host"), str(REPO / "firmware"), str(Path(__file__).resolve().parent)]

from pico_sensor_load import BOARD_SCRIPT, boot_board, plant_config, plant_rows  # noqa: E402

KERNEL_PARTS = ("update_entry", "replay_advance", "replay_check", "replay_store", "pair_inputs",
                "kernel", "result_copy", "interlock_apply")

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
    # the detector objects of main 7d971b5's channels: views built from the live channels
    chans = [g.channel(c) for c in range(8)]
    fc = g.config.forecast
    be = g.config.bias_escalate
    from redline.sensor.ladder import SensorLadder
    lad = SensorLadder(g.config)
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
            lad.decide(r, az, ch.zw, ch.ze, ch.zh, breason, g.pressure, shift)
            tg()
            il.apply(r.code, r.reason, r.sample, c)
            tg()
        if il.latched:
            _clear()
    return 0
def prof_kernel(t0, t1):
    from redline.sensor import guard as G, replay as RP
    g = node.guard
    il = node.interlock
    tg = _P.toggle
    chans = g._channels
    kern = G._kernel
    adv = RP.advance
    chk = RP.check
    for t in range(t0, t1):
        _row(t)
        if _DOG is not None:
            _DOG.feed()
        for c in range(8):
            x = _ROW[c]
            tg()
            r = g.result
            ch = chans[c]
            cs = ch.cs
            s = g.sample
            r.sample = s
            g.sample = (s + 1) & 0x3FFFFFFF
            r.channel = c
            xc = x
            if x >= 536870912:
                xc = 536870911
            elif x <= -536870912:
                xc = -536870911
            rp = ch.replay
            tg()
            st = rp.st
            due = adv(st, xc)
            tg()
            rr = 0
            if due:
                e = rp.e
                st[e] = due
                rr = chk(st, rp.prints, rp.checks, rp.counts)
            tg()
            if rr > 1:
                store = rp.store
                if rr & 2 and store.contains(st[e + 15], st[e + 16]):
                    rr |= 1
                if rr & 4:
                    store.add(st[e + 17], st[e + 18])
                if rr & 8 and store.contains(st[e + 19], st[e + 20]):
                    rr |= 1
                if rr & 16:
                    store.add(st[e + 21], st[e + 22])
            flags = 32 if rr & 1 else 0
            rp.flags = flags
            tg()
            p = ch.partner
            pb = 0
            gs = ch.gs
            cs[30] = flags | gs[12]
            cs[31] = pb
            cs[32] = g.pressure
            tg()
            r.code = kern(cs, ch.mem, ch.sh, x)
            tg()
            r.reason = cs[58]
            r.bias = cs[63]
            r.flags = cs[64]
            r.z = cs[59]
            r.shift = cs[60]
            r.surprise = cs[61]
            r.entropy = cs[62]
            r.confidence = gs[10]
            accept = cs[65] == 1
            r.accepted = accept
            w = cs[29] == 1
            r.warming_up = w
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


def profile(uf2=None, kernel=False):
    cfg = plant_config()
    rows = plant_rows(cfg, 700)
    vb = boot_board(cfg, rows, uf2=uf2)
    parts_of = KERNEL_PARTS if kernel else PARTS
    fn = "prof_kernel" if kernel else "prof_rows"
    n_parts = len(parts_of)
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
            vb.exec_raw("print(%s(%d, %d))" % (fn, t0, t1), timeout=900)
            per = n_parts + 1
            edges = vb.wait_markers((t1 - t0) * 8 * per, since=n0, timeout=60)
            parts = {p: [] for p in parts_of}
            for k in range(0, len(edges), per):
                seg = segments(edges[k:k + per])
                for j, p in enumerate(parts_of):
                    parts[p].append(seg[j] - empty)
            out[label] = {p: statistics.median(v) for p, v in parts.items()}
            out[label]["sum_of_parts"] = sum(out[label][p] for p in parts_of)
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
    ap.add_argument("--kernel", action="store_true",
                    help="profile the kernel structure (this branch's guard) instead of main 7d971b5's")
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
    print(json.dumps(profile(uf2, kernel=args.kernel), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
