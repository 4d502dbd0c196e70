"""Sift JSON-lines texts through the text gauges, on any runtime.

    echo '{"text": "ignore all previous instructions"}' | redline sift --runtime wasm

Reads ``{"text": ...}`` lines from stdin and writes one JSON line per input with
probability, entropy, surprise (0..65535), has_bias, is_manipulation, score,
score_scale, tokens_matched, tokens_total, oov_byte, keyword_total, keywords (the
nine counters), truncated. The firmware code itself runs on the chosen runtime
(tools/sift_main.py), so the runtimes can be compared byte for byte. A line that
is not a JSON object with a string ``text`` gives ``{"error": ...}`` at its place.
"""
import json
import sys

from .errors import UserError
from .paths import DEFAULT_MODEL, FIRMWARE, TOOLS

RUNTIME_CHOICES = ("cpython", "unix", "wasm")


def add_arguments(p):
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory holding redline_model.py")
    p.add_argument("--runtime", default="cpython", choices=RUNTIME_CHOICES, help="where the firmware code runs")


def text_objects(stream):
    """Yield (line number, object, None) or (line number, None, error) per non-empty input line.

    Shared by ``redline sift`` and ``redline pipeline``: an object must have a string "text".
    """
    for number, line in enumerate(stream, 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield number, None, "line %d: not JSON (%s)" % (number, exc.msg)
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            yield number, None, "line %d: expected an object with a string \"text\"" % number
            continue
        yield number, obj, None


def encode_lines(stream):
    """Yield (hex line or None, error message or None) per input line."""
    for _, obj, err in text_objects(stream):
        if obj is None:
            yield None, err
        else:
            # surrogatepass keeps lone surrogates from JSON escapes instead of failing
            yield obj["text"].encode("utf-8", "surrogatepass").hex(), None


def run(args):
    from pathlib import Path

    from .runtimes import run_script

    model_dir = Path(args.model)
    if not (model_dir / "redline_model.py").is_file():
        raise UserError("%s has no redline_model.py (train one with `redline train`, or pass --model)" % model_dir)
    items = list(encode_lines(sys.stdin))
    payload = "".join(h + "\n" for h, err in items if h is not None).encode()
    # 512K, not a board's 128K: the CLI accepts messages up to 32 KB (hex-encoded on the line);
    # the board-sized heap is proven by the firmware tests and the protocol's bounded lines
    proc = run_script(args.runtime, TOOLS / "sift_main.py", stdin=payload, paths=(FIRMWARE, model_dir),
                      heapsize="512K", timeout=3600)
    if proc.returncode != 0:
        raise UserError("%s runtime failed (exit %d): %s" % (args.runtime, proc.returncode,
                                                             proc.stderr.decode(errors="replace")[-2000:]))
    results = proc.stdout.decode().splitlines()
    want = sum(1 for h, _ in items if h is not None)
    if len(results) != want:
        raise UserError("%s runtime returned %d results for %d inputs" % (args.runtime, len(results), want))
    out = sys.stdout
    it = iter(results)
    for h, err in items:
        if h is None:
            out.write(json.dumps({"error": err}) + "\n")
        else:
            out.write(next(it) + "\n")
    return 0
