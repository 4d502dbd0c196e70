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

The commands never lose a line: input is read as bytes (``stdin_bytes``), each
bad line gets an error naming its line number at its place, and a runtime that
dies keeps the results it printed before and says why (``RuntimeFailed``,
``failure_reason``: the exception line of its traceback, e.g. a MemoryError).
``summarize`` ends a command: the count of failed lines on stderr, exit 1.
"""
import json
import sys
from pathlib import Path

from redline_host.errors import UserError
from redline_host.paths import FIRMWARE, MP_SCRIPTS

RUNTIME_CHOICES = ("cpython", "unix", "wasm")
DAL_NAMES = ("A", "B", "C", "D", "E")
# the pipeline's modules run from source on the unix/wasm runtimes (frozen on a board)
PIPELINE_HEAPSIZE = "256K"
_IGNORED = ("timestamp", "datetime", "time")
_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
# the longest text ``redline sift``/``pipeline`` take (its hex line must fit the runtime's heap)
MAX_TEXT_BYTES = 32768


class RuntimeFailed(Exception):
    """A runtime exited non-zero: ``outputs`` are the result lines it printed before, ``reason`` why."""

    def __init__(self, runtime, code, outputs, reason):
        Exception.__init__(self, "%s runtime failed (exit %d): %s" % (runtime, code, reason))
        self.runtime = runtime
        self.code = code
        self.outputs = outputs
        self.reason = reason


def stdin_bytes():
    """All of stdin as bytes (a text-only stand-in, as tests use, is encoded)."""
    buf = getattr(sys.stdin, "buffer", None)
    if buf is not None:
        return buf.read()
    return sys.stdin.read().encode("utf-8", "surrogateescape")


def byte_lines(data):
    """The lines of ``data`` (bytes) split like a file's, terminators dropped."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def failure_reason(proc):
    """Why a runtime exited non-zero: the exception line of its traceback (stdout or stderr), else the tail."""
    for stream in (proc.stderr, proc.stdout):
        text = (stream or b"").decode(errors="replace")
        lines = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith("{")]
        for l in reversed(lines):
            if "Error" in l.split(":")[0] or l.startswith(("MemoryError", "KeyboardInterrupt", "SystemExit")):
                return l[:300]
    tail = (proc.stderr or proc.stdout or b"").decode(errors="replace").strip()
    return tail[-300:] or "no output"


def result_lines(proc):
    """The JSON lines a runtime printed (a traceback's lines left out)."""
    return [l for l in proc.stdout.decode(errors="replace").splitlines() if l.startswith("{")]


def summarize(command, total, errors):
    """Print ``redline COMMAND: N of M lines failed (first: ...)`` to stderr when any did; the exit code."""
    if not errors:
        return 0
    print("redline %s: %d of %d input lines failed (first: %s)" % (command, len(errors), total, errors[0]),
          file=sys.stderr)
    return 1


def write_results(command, items, results, failed):
    """One output line per input line in order: its result or its error; the exit code (1: a line failed).

    ``items``: [(input for the runtime or None, error or None)]; ``failed``: a RuntimeFailed or None.
    """
    out = sys.stdout
    errors = []
    done = 0
    for item, err in items:
        if item is None:
            out.write(json.dumps({"error": err}) + "\n")
            errors.append(err)
        elif done < len(results):
            out.write(results[done] + "\n")
            done += 1
        else:
            break
    out.flush()
    if failed is not None:
        raise UserError("%s; the results of the first %d texts were printed, the rest lost"
                        % (failed, done))
    return summarize(command, len(items), errors)


def text_objects(data):
    """Yield (line number, object, None) or (line number, None, error) per non-empty input line.

    ``data``: bytes (or an iterable of str lines). Shared by ``redline sift`` and ``redline
    pipeline``: a line must be UTF-8 and a JSON object with a string "text" of at most
    MAX_TEXT_BYTES bytes.
    """
    lines = byte_lines(data) if isinstance(data, (bytes, bytearray)) else \
        [l.encode("utf-8", "surrogateescape") for l in data]
    for number, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            yield number, None, "line %d: not UTF-8 (byte %d)" % (number, exc.start)
            continue
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield number, None, "line %d: not JSON (%s)" % (number, getattr(exc, "msg", exc))
            continue
        except RecursionError:
            yield number, None, "line %d: not JSON (nested too deep)" % number
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            yield number, None, "line %d: expected an object with a string \"text\"" % number
            continue
        if len(obj["text"].encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
            yield number, None, "line %d: text longer than %d bytes" % (number, MAX_TEXT_BYTES)
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

    ``profile_dir`` holds a ``redline_profile.py`` (``redline calibrate-text``) for the model.
    RuntimeFailed (with the results printed before) when the runtime dies.
    """
    from redline_host.device.runtimes import run_script

    payload = "".join(h + "\n" for h in lines).encode()
    # 512K, not a board's 128K: the CLI accepts messages up to 32 KB (hex-encoded on the line);
    # the board-sized heap is proven by the firmware tests and the protocol's bounded lines
    paths = (FIRMWARE, Path(model_dir)) + ((Path(profile_dir),) if profile_dir else ())
    proc = run_script(runtime, MP_SCRIPTS / "sift_main.py", stdin=payload, paths=paths, heapsize="512K",
                      timeout=3600)
    results = result_lines(proc)
    if proc.returncode != 0:
        raise RuntimeFailed(runtime, proc.returncode, results, failure_reason(proc))
    if len(results) != len(lines):
        raise UserError("%s runtime returned %d results for %d inputs" % (runtime, len(results), len(lines)))
    return results


def encode_pipeline_lines(data, interval_ms):
    """Yield (protocol line or None, error message or None) per non-empty input line."""
    index = 0
    for number, obj, err in text_objects(data):
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
    out = result_lines(proc)
    if proc.returncode != 0:
        raise RuntimeFailed(runtime, proc.returncode, out, failure_reason(proc))
    if len(out) != len(lines):
        raise UserError("%s runtime returned %d results for %d inputs" % (runtime, len(out), len(lines)))
    return out


def _valid_name(name):
    return isinstance(name, str) and 0 < len(name) <= 32 and set(name) <= _OK


def csv_header(lines):
    """(line number, [cell, ...]) of the first non-empty line; UserError when it names a column twice."""
    for number, line in enumerate(lines, 1):
        if line.strip():
            cells = [c.strip() for c in line.strip().split(",")]
            seen = set()
            for c in cells:
                if c in seen:
                    raise UserError("CSV header (line %d) names column %r twice: every channel needs its own column"
                                    % (number, c))
                seen.add(c)
            return number, cells
    return 0, []


def channels_in(lines, csv):
    """Channel names the input uses: CSV header, or JSON lines in order of first appearance."""
    names = []
    if csv:
        for cell in csv_header(lines)[1]:
            if cell.lower() not in _IGNORED and _valid_name(cell):
                names.append(cell)
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
