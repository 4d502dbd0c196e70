"""Run JSON-lines text messages through the CognitivePipeline, on any runtime.

    echo '{"text": "ignore all previous instructions"}' | redline pipeline --runtime wasm

Reads ``{"text": ...}`` lines from stdin (optional ``"t"``: the message time in ms,
default line index * --interval-ms; optional ``"pressure"``: resource pressure
0..100) and writes one JSON line per message: decision (proceed/warn/escalate/
halt/exit), code, reason (halt code or 0), stages, flags, entropy, surprise,
probability, confidence, step_count, depth, cooldown_ms, explanation (which stage,
which gauge or flag). The firmware runs on the chosen runtime
(device/mp/pipeline_main.py), so the runtimes can be compared byte for byte. Input
is read as bytes: a bad line (not UTF-8, not an object with a string ``text``, a
text over 32 KB, a bad ``t``) gives ``{"error": "line N: ..."}`` at its place and the
run goes on; the command then exits 1 with a count on stderr.
"""
from pathlib import Path

from redline_host.argtypes import heap_size, int_range, utf8_at_most
from redline_host.device.scripts import (DAL_NAMES, PIPELINE_HEAPSIZE, RUNTIME_CHOICES, RuntimeFailed,
                                         encode_pipeline_lines, pipeline_args, run_pipeline, stdin_bytes,
                                         write_results)
from redline_host.errors import UserError
from redline_host.paths import DEFAULT_MODEL


def add_arguments(p):
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory holding redline_model.py")
    p.add_argument("--runtime", default="cpython", choices=RUNTIME_CHOICES, help="where the firmware code runs")
    p.add_argument("--objective", type=utf8_at_most(1024), default="", help="goal text for the drift detector (empty: no drift check)")
    p.add_argument("--dal", default="A", choices=DAL_NAMES, help="design assurance level (A strictest, E advisory)")
    p.add_argument("--max-steps", type=int_range(0, 1024), default=10, help="messages allowed inside one burst window")
    p.add_argument("--window-ms", type=int_range(1, (1 << 29) - 1), default=10000, help="burst window of the reasoning loop, ms")
    p.add_argument("--heapsize", type=heap_size, default=PIPELINE_HEAPSIZE,
                   help="MicroPython heap (unix: hard limit; a message needs about 3x its size free)")
    p.add_argument("--interval-ms", type=int_range(0, (1 << 29) - 1), default=1000, help="time between messages without a \"t\" field, ms")
    p.add_argument("--fresh", action="store_true",
                   help="judge each line by a fresh pipeline (reset before every message): the per-line decision")
    p.add_argument("--profile", default=None,
                   help="directory holding a redline_profile.py (redline calibrate-text) for the model")


def run(args):
    model_dir = Path(args.model)
    if not (model_dir / "redline_model.py").is_file():
        raise UserError("%s has no redline_model.py (train one with `redline train`, or pass --model)" % model_dir)
    items = list(encode_pipeline_lines(stdin_bytes(), args.interval_ms))
    lines = [l for l, err in items if l is not None]
    if args.profile and not (Path(args.profile) / "redline_profile.py").is_file():
        raise UserError("%s has no redline_profile.py (fit one with `redline calibrate-text`)" % args.profile)
    failed = None
    try:
        results = run_pipeline(args.runtime, model_dir, lines,
                               pipeline_args(args.objective, args.dal, args.max_steps, args.window_ms, args.fresh),
                               args.heapsize, profile_dir=args.profile) if lines else []
    except RuntimeFailed as exc:
        results, failed = exc.outputs, exc
    return write_results("pipeline", items, results, failed)
