"""Run JSON-lines text messages through the CognitivePipeline, on any runtime.

    echo '{"text": "ignore all previous instructions"}' | redline pipeline --runtime wasm

Reads ``{"text": ...}`` lines from stdin (optional ``"t"``: the message time in ms,
default line index * --interval-ms; optional ``"pressure"``: resource pressure
0..100) and writes one JSON line per message: decision (proceed/warn/escalate/
halt/exit), code, reason (halt code or 0), stages, flags, entropy, surprise,
probability, confidence, step_count, depth, cooldown_ms, explanation (which stage,
which gauge or flag). The firmware runs on the chosen runtime
(tools/pipeline_main.py), so the runtimes can be compared byte for byte. A line
that is not a JSON object with a string ``text`` gives ``{"error": ...}`` at its place.
"""
import json
import sys
from pathlib import Path

from .errors import UserError
from .paths import DEFAULT_MODEL, FIRMWARE, TOOLS

RUNTIME_CHOICES = ("cpython", "unix", "wasm")
DAL_NAMES = ("A", "B", "C", "D", "E")
# the pipeline's modules run from source on the unix/wasm runtimes (frozen on a board)
HEAPSIZE = "256K"


def add_arguments(p):
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory holding redline_model.py")
    p.add_argument("--runtime", default="cpython", choices=RUNTIME_CHOICES, help="where the firmware code runs")
    p.add_argument("--objective", default="", help="goal text for the drift detector (empty: no drift check)")
    p.add_argument("--dal", default="A", choices=DAL_NAMES, help="design assurance level (A strictest, E advisory)")
    p.add_argument("--max-steps", type=int, default=10, help="messages allowed inside one burst window")
    p.add_argument("--window-ms", type=int, default=10000, help="burst window of the reasoning loop, ms")
    p.add_argument("--heapsize", default=HEAPSIZE,
                   help="MicroPython heap (unix: hard limit; a message needs about 3x its size free)")
    p.add_argument("--interval-ms", type=int, default=1000, help="time between messages without a \"t\" field, ms")


from .cmd_sift import text_objects  # noqa: E402  (one reader for both commands)


def encode_lines(stream, interval_ms):
    """Yield (protocol line or None, error message or None) per non-empty input line."""
    index = 0
    for number, obj, err in text_objects(stream):
        if obj is None:
            yield None, err
            continue
        t = obj.get("t", index * interval_ms)
        pressure = obj.get("pressure", -1)
        if not isinstance(t, int) or isinstance(t, bool) or not 0 <= t < (1 << 29):
            yield None, "line %d: \"t\" must be an integer 0..2**29-1 (ms)" % number
            continue
        if not isinstance(pressure, int) or isinstance(pressure, bool) or not -1 <= pressure <= 255:
            yield None, "line %d: \"pressure\" must be an integer 0..100" % number
            continue
        index += 1
        data = obj["text"].encode("utf-8", "surrogatepass").hex()
        yield "%d %d %s" % (t, pressure, data), None


def script_args(objective="", dal="A", max_steps=10, window_ms=10000):
    return ["--objective", objective.encode("utf-8").hex() or "", "--dal", str(DAL_NAMES.index(dal)),
            "--max-steps", str(max_steps), "--window-ms", str(window_ms)]


def run_pipeline(runtime, model_dir, lines, args=(), heapsize=HEAPSIZE):
    """Run protocol lines through tools/pipeline_main.py; returns the output lines (str)."""
    from .runtimes import run_script

    # runtimes.py precompiles the paths to .mpy on unix; wasm imports source (its heap grows)
    paths = (FIRMWARE, Path(model_dir))
    payload = "".join(l + "\n" for l in lines).encode()
    proc = run_script(runtime, TOOLS / "pipeline_main.py", args=list(args), stdin=payload, paths=paths,
                      heapsize=heapsize)
    if proc.returncode != 0:
        raise UserError("%s runtime failed (exit %d): %s" % (runtime, proc.returncode,
                                                             proc.stderr.decode(errors="replace")[-2000:]))
    out = proc.stdout.decode().splitlines()
    if len(out) != len(lines):
        raise UserError("%s runtime returned %d results for %d inputs" % (runtime, len(out), len(lines)))
    return out


def run(args):
    model_dir = Path(args.model)
    if not (model_dir / "redline_model.py").is_file():
        raise UserError("%s has no redline_model.py (train one with `redline train`, or pass --model)" % model_dir)
    if not 0 <= args.max_steps <= 1024:
        raise UserError("--max-steps must be 0..1024")
    if not 0 < args.window_ms < (1 << 29):
        raise UserError("--window-ms must be 1..2**29-1")
    if args.interval_ms < 0:
        raise UserError("--interval-ms must be >= 0")
    if len(args.objective.encode("utf-8")) > 1024:
        raise UserError("--objective is limited to 1024 bytes")
    items = list(encode_lines(sys.stdin, args.interval_ms))
    lines = [l for l, err in items if l is not None]
    results = run_pipeline(args.runtime, model_dir, lines,
                           script_args(args.objective, args.dal, args.max_steps, args.window_ms),
                           args.heapsize) if lines else []
    out = sys.stdout
    it = iter(results)
    for line, err in items:
        if line is None:
            out.write(json.dumps({"error": err}) + "\n")
        else:
            out.write(next(it) + "\n")
    return 0
