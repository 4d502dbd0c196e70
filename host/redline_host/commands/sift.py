"""Sift JSON-lines texts through the text gauges, on any runtime.

    echo '{"text": "ignore all previous instructions"}' | redline sift --runtime wasm

Reads ``{"text": ...}`` lines from stdin and writes one JSON line per input with
probability, entropy, surprise (0..65535), has_bias, is_manipulation, score,
score_scale, tokens_matched, tokens_total, oov_byte, keyword_total, keywords (the
nine counters), truncated. The firmware code itself runs on the chosen runtime
(device/mp/sift_main.py), so the runtimes can be compared byte for byte. Input is
read as bytes: a line that is not UTF-8, not a JSON object with a string ``text``,
or whose text is longer than 32 KB gives ``{"error": "line N: ..."}`` at its place
and the run goes on; the command then exits 1 with a count on stderr. A runtime
that dies keeps the results printed before and states why.
"""
from pathlib import Path

from redline_host.device.scripts import (RUNTIME_CHOICES, RuntimeFailed, encode_sift_lines, run_sift, stdin_bytes,
                                         write_results)
from redline_host.errors import UserError
from redline_host.paths import DEFAULT_MODEL


def add_arguments(p):
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory holding redline_model.py")
    p.add_argument("--runtime", default="cpython", choices=RUNTIME_CHOICES, help="where the firmware code runs")
    p.add_argument("--profile", default=None,
                   help="directory holding a redline_profile.py (redline calibrate-text): surprise against it")


def run(args):
    model_dir = Path(args.model)
    if not (model_dir / "redline_model.py").is_file():
        raise UserError("%s has no redline_model.py (train one with `redline train`, or pass --model)" % model_dir)
    if args.profile and not (Path(args.profile) / "redline_profile.py").is_file():
        raise UserError("%s has no redline_profile.py (fit one with `redline calibrate-text`)" % args.profile)
    items = list(encode_sift_lines(stdin_bytes()))
    failed = None
    try:
        results = run_sift(args.runtime, model_dir, [h for h, err in items if h is not None], args.profile)
    except RuntimeFailed as exc:
        results, failed = exc.outputs, exc
    return write_results("sift", items, results, failed)
