"""MicroPython-side loop of ``redline pipeline``: the same code on CPython, unix and wasm MicroPython.

    pipeline_main.py [--objective HEX] [--dal 0..4] [--max-steps N] [--window-ms N]

Reads stdin, one message per line: ``T PRESSURE HEX`` — T the message time in ms
(the reasoning loop's clock, so every runtime sees the same bursts), PRESSURE the
resource pressure 0..100 or -1 for none, HEX the message bytes (empty for the
empty message; the host encodes, so no runtime's decoder can change the bytes).
Writes one JSON line per message with a fixed field order::

    {"decision": "proceed", "code": 0, "reason": 0, "stages": 31, "flags": 0, "entropy": 59,
     "surprise": 0, "probability": 15, "confidence": 65505, "step_count": 1, "depth": 1,
     "cooldown_ms": 0, "explanation": "proceed: every stage clear"}

A malformed line gives ``{"error": "..."}`` and leaves the pipeline untouched.
The model is ``redline_model`` on the path (fail closed when absent or corrupt).
"""
import sys
from binascii import unhexlify

import mp_io
from redline.codes import label
from redline.text.pipe import CognitivePipeline
from redline.text.policy import EscalationPolicy

_FORMAT = ('{"decision": "%s", "code": %d, "reason": %d, "stages": %d, "flags": %d, "entropy": %d, '
           '"surprise": %d, "probability": %d, "confidence": %d, "step_count": %d, "depth": %d, '
           '"cooldown_ms": %d, "explanation": "%s"}')


def _options(argv):
    opts = {"objective": b"", "dal": 0, "max_steps": 10, "window_ms": 10000, "fresh": 0}
    i = 1
    while i < len(argv):
        key = argv[i]
        if i + 1 >= len(argv):
            raise ValueError("option %s needs a value" % key)
        val = argv[i + 1]
        if key == "--objective":
            opts["objective"] = unhexlify(val)
        elif key == "--dal":
            opts["dal"] = int(val)
        elif key == "--max-steps":
            opts["max_steps"] = int(val)
        elif key == "--window-ms":
            opts["window_ms"] = int(val)
        elif key == "--fresh":
            opts["fresh"] = int(val)
        else:
            raise ValueError("unknown option %s" % key)
        i += 2
    return opts


def _parse(line):
    parts = line.split()
    if len(parts) == 2:
        parts.append(b"")
    if len(parts) != 3:
        raise ValueError("expected T PRESSURE HEX")
    return int(parts[0]), int(parts[1]), unhexlify(parts[2])


def main():
    opts = _options(sys.argv)
    pipe = CognitivePipeline(None, opts["objective"], EscalationPolicy(dal=opts["dal"]),
                             max_steps=opts["max_steps"], window_ms=opts["window_ms"])
    if not pipe.model.ok:
        sys.stderr.write("redline: model rejected (%s): failing closed\n" % pipe.model.error)
    while True:
        line = mp_io.read_line()
        if not line:
            break
        if not line.strip():
            continue
        try:
            t, pressure, data = _parse(line)
        except (ValueError, TypeError):
            mp_io.write_line(b'{"error": "line is not T PRESSURE HEX"}')
            continue
        if t < 0 or t >= (1 << 29):
            mp_io.write_line(b'{"error": "time out of range 0..2**29-1"}')
            continue
        if opts["fresh"]:
            pipe.reset_full()
        r = pipe.process(data, -1, t, pressure)
        out = _FORMAT % (label(r.code), r.code, r.halt_reason, r.stages, r.flags, r.entropy, r.surprise,
                         r.probability, r.confidence, r.step_count, r.depth, r.cooldown_ms, r.explanation)
        mp_io.write_line(out.encode())


main()
