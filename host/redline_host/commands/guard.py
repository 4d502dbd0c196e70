"""Run sensor readings through the guard and the interlock, on any runtime.

    printf '{"ch": "temp", "value": 2013}\\n' | redline guard --config build/redline_config.py --runtime wasm
    redline guard --csv < readings.csv

Reads JSON lines ``{"ch": NAME, "value": INT}`` (or, with ``--csv``, a header of
channel names and one row of integers per time step) from stdin and writes one
JSON line per reading: ch, sample, decision (proceed/warn/escalate/halt), code,
surprise, entropy, bias, flags, actuator (on/safe), reason, warming_up, latched.
The loop itself is firmware code (device/mp/guard_main.py) run on the chosen
runtime, so the runtimes can be compared byte for byte. Input is read as bytes;
a malformed line (not UTF-8, longer than 4 KB, not JSON, a bad cell, an unknown
channel) gives ``{"error": "line N: ..."}`` at its place, leaves the guard
untouched and the run goes on; the command then exits 1 with a count on stderr.
A CSV header that names a column twice is refused before anything runs. A
runtime that dies keeps the lines it printed before and states why.

Without ``--config`` every channel found in the input (JSON: in order of first
appearance; CSV: the header) gets the default configuration and learns its
baseline during the warm-up. A configuration module that fails its format or
hash check is refused by the firmware: every reading is answered halt with
the actuator safe, and the command exits 1.
"""
import json
import shutil
import sys
import tempfile
from pathlib import Path
from redline_host.argtypes import int_range

from redline_host.device.scripts import (RUNTIME_CHOICES, byte_lines, channels_in, csv_header, failure_reason,
                                         run_guard_script, stdin_bytes, summarize)
from redline_host.errors import UserError


def add_arguments(p):
    p.add_argument("--config", help="sensor config module (redline_config.py from `redline calibrate`); "
                                    "default: every input channel learns its baseline in the warm-up")
    p.add_argument("--runtime", default="cpython", choices=RUNTIME_CHOICES, help="where the firmware code runs")
    p.add_argument("--csv", action="store_true", help="input is CSV: a header of channel names, one row per time step")
    p.add_argument("--escalate-dwell", type=int_range(1, 1000), default=2, help="consecutive Escalates before the actuator goes safe")
    p.add_argument("--release-dwell", type=int_range(1, 1000), default=4,
                   help="consecutive healthy decisions before the actuator turns (back) on")


def run(args):
    from redline.sensor.config import SensorConfig
    from redline.sensor.config import ConfigError
    from redline_host.sensor.sensorconfig import read_config_module, write_config_module

    data = stdin_bytes()
    lines = [line.decode("utf-8", "replace") for line in byte_lines(data)]
    if args.csv:
        csv_header(lines)               # refuses a header naming a column twice
    rejected = None
    with tempfile.TemporaryDirectory(prefix="redline-guard-") as tmp:
        target = Path(tmp) / "redline_config.py"
        if args.config:
            src = Path(args.config)
            if not src.is_file():
                raise UserError("config %s does not exist" % src)
            shutil.copyfile(src, target)      # unchanged: the firmware checks the hash
            try:
                read_config_module(src)
            except ConfigError as exc:
                rejected = str(exc)
            except SyntaxError as exc:
                raise UserError("config %s is not a Python module: %s" % (src, exc))
        else:
            names = channels_in(lines, args.csv) or ["none"]
            if len(names) > 64:
                raise UserError("more than 64 channels in the input")
            write_config_module(SensorConfig(names), target, source="redline guard defaults")
        script_args = ["--escalate-dwell", str(args.escalate_dwell), "--release-dwell", str(args.release_dwell)]
        if args.csv:
            script_args.append("--csv")
        proc = run_guard_script(args.runtime, Path(tmp), data, script_args)
    out = [line for line in proc.stdout.decode(errors="replace").splitlines() if line.startswith("{")]
    sys.stdout.write("".join(line + "\n" for line in out))
    sys.stdout.flush()
    if proc.returncode != 0:
        raise UserError("%s runtime failed (exit %d) after %d output lines (printed): %s"
                        % (args.runtime, proc.returncode, len(out), failure_reason(proc)))
    if rejected:
        raise UserError("config %s rejected (%s): every reading answered halt, actuator safe" % (args.config, rejected))
    errors = [json.loads(line)["error"] for line in out if line.startswith('{"error"')]
    return summarize("guard", len(lines), errors)
