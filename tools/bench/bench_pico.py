"""Issue 16's table on the emulated Pico: heap, allocation and cycles of the node with 8 SKAB channels.

Boots the real RPI_PICO image (``python3 tools/pico_image.py`` builds it) in the
emulated RP2040 with the 8-channel calibration ``redline calibrate`` makes from
SKAB's anomaly-free log (../shared/datasets/skab, rate 1 Hz, 1 false halt a day;
made here, cached in build/bench/) and the default model, then:

1. runs the serial harness (``redline_host.device.harness.Harness``, the code
   behind ``redline harness --port rp2040``) on SKAB nominal rows fed 40 rows a
   request plus a few texts: its heap figures (``stats``) and marker-pin cycle
   figures (``redline_host.device.figures``) are the table's, the same numbers
   the harness prints;
2. through the maintenance window (raw REPL, the node in scope): bytes allocated
   per ``node.feed`` reading (``gc.mem_alloc()`` across 50 SKAB rows, 400 readings, with
   the collector off), the bytes ``node.restart_stages()`` (soft reset less its heap
   measurement) allocates, the same way, and whether it runs under ``micropython.heap_lock()``,
   and the cycles and heap of building a second node (marker pin around
   ``Node(board)``; the first node's guard and text path dropped first to make room;
   the modules are already imported, so this is construction alone).

Prints the table (and ``--json`` the raw figures)::

    .venv/bin/python tools/bench/bench_pico.py                      # about 3 minutes
    .venv/bin/python tools/bench/bench_pico.py --heap 110K          # an ESP32-sized heap (ballast at boot)
    .venv/bin/python tools/bench/bench_pico.py --uf2 other.uf2 --rows 300 --json
    .venv/bin/python tools/bench/bench_pico.py --rows 10 --texts 2 --parts   # + the heap by part

CPU share = median cycles per reading x 8 channels x rate / 125 MHz (the guard
step alone: the loop's own work and sensor reads are not in it). Cycles are
rp2040js's counter between marker-pin edges: zero-wait memory, so a lower bound
for a real Pico. Prints a skip line and exits 0 when the image, the toolchains or
the data set are absent.
"""
import argparse
import csv
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLOCK_HZ = 125_000_000
TARGETS = {
    "heap_kept_after_build": "<= 65,536 B",
    "heap_kept_worst": "<= 98,304 B",
    "alloc_per_reading": "0 B",
    "cycles_per_reading": "<= 25,000, flat",
    "cycles_per_message_64B": "<= 300,000",
    "soft_reset": "allocates nothing",
    "cpu_100hz": "< 20 %",
}

MEASURE = r'''
import gc, micropython, machine
from redline.codes import REASON_MEMORY
WD = node.interlock.watchdog
def feedwd():
    if WD is not None:
        WD.feed()
R = {}
# 1. bytes allocated per reading: the collector off, gc.mem_alloc() across the readings
rows = ROWS
chans = len(node.config.channels)
node.guard.reset()
node.interlock.reset()
gc.collect()
gc.disable()
a = gc.mem_alloc()
for row in rows:
    for c in range(chans):
        node.feed(c, row[c])
b = gc.mem_alloc()
gc.enable()
R["alloc_readings"] = len(rows) * chans
R["alloc_bytes"] = b - a
feedwd()
# 2. soft reset: bytes allocated by resetting the stages (the collector off; the heap measurement
# that follows, a gc.collect(), is left out), then the same under heap_lock(). Only locals are
# assigned while the heap is locked: a global or a dict entry would allocate.
def _locked(fn):
    micropython.heap_lock()
    try:
        fn()
        ok = 1
    except MemoryError:
        ok = 0
    micropython.heap_unlock()
    return ok
node.interlock.reset()
gc.collect()
restart = getattr(node, "restart_stages", None)
gc.disable()
a = gc.mem_alloc()
failed = 0
if restart is not None:
    restart()
else:
    try:
        node.soft_reset()              # main 889865e: rebuilds every stage beside the old ones
    except MemoryError:
        failed = 1
b = gc.mem_alloc()
gc.enable()
R["soft_reset_net"] = b - a
if restart is not None:
    R["soft_reset_locked"] = "ok under heap_lock" if _locked(restart) else "MemoryError under heap_lock"
else:
    R["soft_reset_locked"] = "rebuilds: MemoryError" if failed else "rebuilds"
    node.interlock.reset()
feedwd()
# 3. building a node: the first one's big stages dropped to make room, the marker pin around Node(board)
from redline.node import Node
node.guard = None
node.fed.result = None
node.pipeline = None
node.sifter = None
node.said.result = None
gc.collect()
f0 = gc.mem_free()
mk = node.marker
feedwd()
if mk is not None:
    mk.value(1)
n2 = Node(node.board)
if mk is not None:
    mk.value(0)
feedwd()
gc.collect()
R["build_heap"] = f0 - gc.mem_free()
R["build_marker"] = mk is not None
print(R)
'''

# --parts: the node's heap by part, measured beside the running node. A part is built again
# (a stage) or imported again under its own name (a module: taken out of sys.modules first,
# put back after) and the heap it holds once collected is its cost; then it is dropped. The
# guard is dropped and built again instead (its state starts afresh: the bench resets it next).
PARTS = r'''
import gc, sys
def _free():
    gc.collect()
    gc.collect()
    return gc.mem_free()
def _mod(name):
    old = sys.modules.get(name)
    i = name.rfind(".")
    parent = sys.modules.get(name[:i]) if i > 0 else None
    del sys.modules[name]
    f0 = _free()
    try:
        __import__(name)
        new = sys.modules.get(name)
    except Exception:
        new = None
    f1 = _free()
    sys.modules[name] = old
    if parent is not None:
        setattr(parent, name[i + 1:], old)
    new = None
    return f0 - f1
def _beside(make):
    f0 = _free()
    obj = make()
    f1 = _free()
    obj = None
    return f0 - f1
P = {}
M = {}
for name in sorted(sys.modules):
    if name not in ("main", "__main__", "redline_board"):
        M[name] = _mod(name)
P["modules"] = M
if node.guard is not None:
    # the guard is too big to build twice beside the node: dropped, measured, built again (and its
    # fingerprint store built alone while the guard is gone)
    G = type(node.guard)
    S = type(node.guard.store) if node.guard.store is not None else None
    n = node.guard.store.size if S is not None else 0
    node.fed.result = None
    f0 = _free()
    node.guard = None
    f1 = _free()
    if S is not None:
        P["store"] = _beside(lambda: S(n))
    node.guard = G(node.config)
    P["guard"] = f1 - f0
    P["channels"] = len(node.config.channels)
if node.pipeline is not None:
    P["pipeline"] = _beside(lambda: type(node.pipeline)(model=node.model, objective=node.objective))
if node.sifter is not None:
    P["sifter"] = _beside(lambda: type(node.sifter)(node.model))
P["link"] = _beside(lambda: type(node.link)(node.protocol, node.board.write, node.max_line, {}, node.ticks))
P["max_line"] = node.max_line
P["protocol"] = _beside(lambda: type(node.protocol)(node))
P["audit"] = _beside(lambda: type(node.audit)(node.audit.size))
import redline_config
from redline.sensor.config import load_config
P["config"] = _beside(lambda: load_config(redline_config))
print(P)
'''


def parts_table(parts, kept):
    """The heap by part (markdown), from the board's PARTS dict."""
    mods = parts.get("modules", {})
    text = sum(v for k, v in mods.items() if v and k.startswith("redline.text"))
    total = sum(v for v in mods.values() if v)
    rows = [("kept by the node (boot - after building)", kept)]
    if "guard" in parts:
        store = parts.get("store", 0)
        rows += [("sensor guard, total (%d channels)" % parts["channels"], parts["guard"]),
                 ("- replay fingerprint store", store),
                 ("- channels and the guard object (guard - store)", parts["guard"] - store)]
    rows += [("modules (objects of frozen code), total", total),
             ("- of which the text path (redline.text.*)", text)]
    for k in ("pipeline", "sifter", "link", "protocol", "audit", "config"):
        if k in parts:
            label = {"link": "link (line buffer %s B + object)" % parts.get("max_line"),
                     "sifter": "the sift op's own Sifter", "pipeline": "text pipeline",
                     "config": "configuration object"}.get(k, k)
            rows.append((label, parts[k]))
    out = ["| part | bytes |", "|---|---:|"]
    out += ["| %s | %s |" % (a, fmt(b)) for a, b in rows]
    out += ["", "| module | bytes |", "|---|---:|"]
    out += ["| %s | %s |" % (k, fmt(v)) for k, v in sorted(mods.items(), key=lambda kv: -(kv[1] or 0))]
    return "\n".join(out)


def skab_config(build):
    """The SKAB 8-channel calibration (cached): (config path, nominal rows)."""
    from redline_host.paths import shared_dir
    from redline_host.sensor.datasets import load_skab
    nominal, _ = load_skab(shared_dir() / "datasets")
    build.mkdir(parents=True, exist_ok=True)
    # cached under a key of the calibrator's and the configuration's sources: a calibration made
    # by older code (other defaults, another format) is not reused
    import hashlib
    h = hashlib.sha256()
    for src in sorted((REPO / "host" / "redline_host" / "sensor").glob("*.py")) + [
            REPO / "host" / "redline_host" / "commands" / "calibrate.py",
            REPO / "firmware" / "redline" / "sensor" / "config.py"]:
        h.update(src.read_bytes())
    cfg = build / ("skab_config_%s.py" % h.hexdigest()[:12])
    if not cfg.is_file():
        csv_path = build / "skab_nominal.csv"
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(nominal.channels)
            w.writerows(nominal.values.tolist())
        from redline_host.cli import main as cli
        rc = cli(["calibrate", str(csv_path), "--rate", "1", "--false-halts-per-day", "1", "--out", str(cfg)])
        if rc:
            raise SystemExit("bench_pico: redline calibrate failed")
    return cfg, nominal.values.tolist()


def vectors(rows, texts):
    from redline_host.device.harness_vectors import text_vectors
    out = text_vectors(texts, seed=1) if texts else []
    out.append({"action": "reset"})
    for i in range(0, len(rows), 40):
        b = []
        for row in rows[i:i + 40]:
            for c, v in enumerate(row):
                b += [c, int(v)]
        out.append({"op": "feed", "b": b})
    return out


def pad_trace(path):
    """The board's own pins (temp_a, temp_b, pressure) need CSV columns; sampling is held anyway."""
    with open(path, "w") as f:
        f.write("temp_a,temp_b,pressure\n")
        for i in range(600):
            f.write("%d,%d,%d\n" % (32768 + (i * 37) % 500, 30000 + (i * 91) % 700, 1000 + i % 7))


def pct(x):
    return "%.1f %%" % (100.0 * x)


def table(fig):
    rows = [
        ("heap free at boot (after the board, before the node)", "%s B" % fmt(fig["heap_free_boot"]), ""),
        ("heap the built node keeps", "%s B" % fmt(fig["heap_kept_after_build"]), TARGETS["heap_kept_after_build"]),
        ("heap kept at the worst point (least free in the run)", "%s B" % fmt(fig["heap_kept_worst"]),
         TARGETS["heap_kept_worst"]),
        ("allocation per sensor reading (node.feed)", "%s B" % fmt(fig["alloc_per_reading"]), TARGETS["alloc_per_reading"]),
        ("cycles per sensor reading (median / p95 / max)", "%s / %s / %s" % tuple(
            fmt(fig["cycles_sensor"][k]) for k in ("median", "p95", "max")), TARGETS["cycles_per_reading"]),
        ("cycles per 64-byte pipeline message / sift", "%s / %s" % (fmt(fig["cycles_per_pipeline_message"]),
                                                                   fmt(fig["cycles_per_message_64B"])),
         TARGETS["cycles_per_message_64B"]),
        ("cycles to build the node (modules imported) / its heap", "%s / %s B" % (
            fmt(fig["build_cycles"]), fmt(fig["build_heap"])), ""),
        ("soft_reset(): heap_lock / bytes allocated", "%s / %s B" % (fig["soft_reset_locked"], fmt(fig["soft_reset_net"])),
         TARGETS["soft_reset"]),
        ("8 channels at 10 Hz / 100 Hz, share of the CPU", "%s / %s" % (pct(fig["cpu_10hz"]), pct(fig["cpu_100hz"])),
         TARGETS["cpu_100hz"] + " at 100 Hz"),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    out = ["| %s | %s | %s |" % ("figure".ljust(w0), "measured".ljust(w1), "target"),
           "|%s|%s|---|" % ("-" * (w0 + 2), "-" * (w1 + 2))]
    out += ["| %s | %s | %s |" % (a.ljust(w0), b.ljust(w1), c) for a, b, c in rows]
    return "\n".join(out)


def fmt(v):
    return "-" if v is None else ("{:,}".format(v) if isinstance(v, int) else str(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uf2", help="firmware image (default: build/pico/RPI_PICO.uf2)")
    ap.add_argument("--rows", type=int, default=150, help="SKAB nominal rows fed (x 8 readings; default 150)")
    ap.add_argument("--texts", type=int, default=10, help="harness texts (each a sift and a msg; default 10)")
    ap.add_argument("--heap", help="leave only this much heap at boot (e.g. 110K): the board's ballast")
    ap.add_argument("--json", action="store_true", help="also print the raw figures as JSON")
    ap.add_argument("--parts", action="store_true",
                    help="also measure the node's heap by part (stages built again, modules imported again)")
    args = ap.parse_args()
    sys.path[:0] = [str(REPO / "host"), str(REPO / "firmware")]
    from redline_host.device.harness import Harness
    from redline_host.device.rp2040 import DEFAULT_UF2, default_bootrom
    bootrom = default_bootrom()
    uf2 = Path(args.uf2) if args.uf2 else DEFAULT_UF2
    if bootrom is None or not bootrom.is_file() or not uf2.is_file():
        print("bench_pico: skipped: no RP2040 bootrom or no %s (python3 tools/pico_image.py)" % uf2)
        return 0
    try:
        cfg, nominal = skab_config(REPO / "build" / "bench")
    except FileNotFoundError as exc:
        print("bench_pico: skipped: %s" % exc)
        return 0
    rows = nominal[:args.rows]
    with tempfile.TemporaryDirectory() as d:
        trace = Path(d) / "pins.csv"
        pad_trace(trace)
        opts = {"uf2": str(uf2), "trace": str(trace)}
        if args.heap:
            opts["heap"] = args.heap
        with Harness("rp2040", config=str(cfg), vboard_options=opts, timeout=120) as h:
            summary = h.run(vectors(rows, args.texts))
            vb = h.vboard
            parts = None
            if args.parts:
                out = vb.exec_raw(PARTS, timeout=600).strip().splitlines()[-1]
                parts = eval(out, {})       # a dict of ints, strings and a dict of ints
            probe = nominal[args.rows:args.rows + 50]
            code = MEASURE.replace("ROWS", repr([[int(v) for v in r] for r in probe]))
            mark = vb.edge_count()
            from redline_host.device.rp2040 import BoardError
            try:
                out = vb.exec_raw(code, timeout=600).strip().splitlines()[-1]
                extra = eval(out, {})       # the board printed a dict of ints and strings
            except BoardError as exc:
                # on a small heap (--heap 110K) the measuring code itself may find no room: the
                # harness figures stand, the maintenance-window ones are left out
                print("bench_pico: the maintenance-window measurements failed: %s" % str(exc).splitlines()[-1])
                extra = {"alloc_bytes": None, "alloc_readings": 0, "soft_reset_locked": "-",
                         "soft_reset_net": None, "build_heap": None}
            build_cycles = None
            if extra.get("build_marker"):
                vb.stats()                  # every edge sent so far has arrived (events come in order)
                # the readings of step 1 pulse too: the build is the last pulse
                pulses = vb.pulses((vb.edge_count() - mark) // 2, since=mark, timeout=60)
                build_cycles = pulses[-1] if pulses else None
    boot = summary.get("heap_free_boot")
    built = summary.get("heap_free_after_build")
    low = summary.get("heap_free_min")
    cyc = summary.get("cycles", {}).get("sensor_step") or {}
    med = summary.get("cycles_per_sensor_step")
    fig = {
        "uf2": str(uf2),
        "config": str(cfg),
        "harness_ok": summary.get("ok"),
        "mismatches": summary.get("mismatches"),
        "first_divergence": summary.get("first_divergence"),
        "vectors": summary.get("vectors"),
        "heap_free_boot": boot,
        "heap_free_after_build": built,
        "heap_free_min": low,
        "heap_kept_after_build": boot - built if boot and built else None,
        "heap_kept_worst": boot - low if boot and low else None,
        "alloc_per_reading": round(extra["alloc_bytes"] / extra["alloc_readings"], 1) if extra["alloc_readings"] else None,
        "alloc_readings": extra["alloc_readings"],
        "cycles_sensor": {k: cyc.get(k) for k in ("n", "median", "mean", "p95", "max")},
        "cycles_per_sensor_step": med,
        "cycles_per_message_64B": summary.get("cycles_per_message_64B"),
        "cycles_per_pipeline_message": summary.get("cycles_per_pipeline_message"),
        "cycles": summary.get("cycles"),
        "soft_reset_locked": extra["soft_reset_locked"],
        "soft_reset_net": extra["soft_reset_net"],
        "build_cycles": build_cycles,
        "build_heap": extra["build_heap"],
        "cpu_10hz": med * 8 * 10 / CLOCK_HZ if med else None,
        "cpu_100hz": med * 8 * 100 / CLOCK_HZ if med else None,
    }
    if not args.json:
        fig.pop("cycles")
    print("bench_pico: %s, %d SKAB rows x 8 channels, harness %s (%s mismatches)%s" % (
        uf2.name, len(rows), "ok" if fig["harness_ok"] else "NOT ok", fig["mismatches"],
        ", heap %s" % args.heap if args.heap else ""))
    print(table(fig))
    if parts is not None:
        fig["parts"] = parts
        print()
        print(parts_table(parts, fig["heap_kept_after_build"]))
    if args.json:
        print(json.dumps(fig, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
