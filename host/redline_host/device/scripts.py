"""The firmware's command-line loops on a runtime: what ``redline sift``, ``pipeline`` and ``guard`` run.

The MicroPython side of each loop is a script in ``device/mp/`` (package data,
so an installed ``redline`` needs no clone): ``sift_main.py``,
``pipeline_main.py``, ``guard_main.py``. The host side encodes the input so
that no runtime's JSON or UTF-8 decoder can change a byte, runs the script on
``cpython``, ``unix`` or ``wasm`` and hands back its output lines::

    from redline_host.device.scripts import run_sift, encode_sift_lines
    lines = [h for h, err in encode_sift_lines(['{"text": "hello"}']) if h is not None]
    run_sift("wasm", "models/default", lines)      # one JSON line per input

``scenarios`` (redline_host.sensor.scenarios) drives the same pipeline and
guard loops.
"""
import json
from pathlib import Path

from redline_host.errors import UserError
from redline_host.paths import FIRMWARE, MP_SCRIPTS

RUNTIME_CHOICES = ("cpython", "unix", "wasm")
DAL_NAMES = ("A", "B", "C", "D", "E")
# the pipeline's modules run from source on the unix/wasm runtimes (frozen on a board)
PIPELINE_HEAPSIZE = "256K"
_IGNORED = ("timestamp", "datetime", "time")
_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


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


def encode_sift_lines(stream):
    """Yield (hex line or None, error message or None) per input line."""
    for _, obj, err in text_objects(stream):
        if obj is None:
            yield None, err
        else:
            # surrogatepass keeps lone surrogates from JSON escapes instead of failing
            yield obj["text"].encode("utf-8", "surrogatepass").hex(), None


def run_sift(runtime, model_dir, lines, profile_dir=None):
    """Hex lines through device/mp/sift_main.py; returns the output lines (str).

    ``profile_dir`` holds a ``redline_profile.py`` (``redline calibrate-text``) for the model."""
    from redline_host.device.runtimes import run_script

    payload = "".join(h + "\n" for h in lines).encode()
    # 512K, not a board's 128K: the CLI accepts messages up to 32 KB (hex-encoded on the line);
    # the board-sized heap is proven by the firmware tests and the protocol's bounded lines
    paths = (FIRMWARE, Path(model_dir)) + ((Path(profile_dir),) if profile_dir else ())
    proc = run_script(runtime, MP_SCRIPTS / "sift_main.py", stdin=payload, paths=paths, heapsize="512K",
                      timeout=3600)
    if proc.returncode != 0:
        raise UserError("%s runtime failed (exit %d): %s" % (runtime, proc.returncode,
                                                             proc.stderr.decode(errors="replace")[-2000:]))
    results = proc.stdout.decode().splitlines()
    if len(results) != len(lines):
        raise UserError("%s runtime returned %d results for %d inputs" % (runtime, len(results), len(lines)))
    return results


def encode_pipeline_lines(stream, interval_ms):
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


def pipeline_args(objective="", dal="A", max_steps=10, window_ms=10000, fresh=False):
    args = ["--objective", objective.encode("utf-8").hex() or "", "--dal", str(DAL_NAMES.index(dal)),
            "--max-steps", str(max_steps), "--window-ms", str(window_ms)]
    if fresh:
        args += ["--fresh", "1"]
    return args


def run_pipeline(runtime, model_dir, lines, args=(), heapsize=PIPELINE_HEAPSIZE, profile_dir=None):
    """Run protocol lines through device/mp/pipeline_main.py; returns the output lines (str).

    ``profile_dir`` holds a ``redline_profile.py`` (``redline calibrate-text``) for the model."""
    from redline_host.device.runtimes import run_script

    # runtimes.py precompiles the paths to .mpy on unix; wasm imports source (its heap grows)
    paths = (FIRMWARE, Path(model_dir)) + ((Path(profile_dir),) if profile_dir else ())
    payload = "".join(l + "\n" for l in lines).encode()
    proc = run_script(runtime, MP_SCRIPTS / "pipeline_main.py", args=list(args), stdin=payload, paths=paths,
                      heapsize=heapsize)
    if proc.returncode != 0:
        raise UserError("%s runtime failed (exit %d): %s" % (runtime, proc.returncode,
                                                             proc.stderr.decode(errors="replace")[-2000:]))
    out = proc.stdout.decode().splitlines()
    if len(out) != len(lines):
        raise UserError("%s runtime returned %d results for %d inputs" % (runtime, len(out), len(lines)))
    return out


def _valid_name(name):
    return isinstance(name, str) and 0 < len(name) <= 32 and set(name) <= _OK


def channels_in(lines, csv):
    """Channel names the input uses: CSV header, or JSON lines in order of first appearance."""
    names = []
    if csv:
        for line in lines:
            if line.strip():
                for cell in line.strip().split(","):
                    cell = cell.strip()
                    if cell.lower() not in _IGNORED and _valid_name(cell) and cell not in names:
                        names.append(cell)
                break
        return names
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and _valid_name(obj.get("ch")) and obj["ch"] not in names:
            names.append(obj["ch"])
    return names


def run_guard_script(runtime, config_dir, stdin, script_args):
    """Run device/mp/guard_main.py with ``config_dir`` (holding redline_config.py) on the path."""
    from redline_host.device.runtimes import run_script

    return run_script(runtime, MP_SCRIPTS / "guard_main.py", args=list(script_args), stdin=stdin,
                      paths=(FIRMWARE, config_dir), timeout=3600)
