"""Protocol fuzzer: random and mutated lines at a (virtual) board; every line must get one reply.

Lines are random bytes, mutations of valid requests (bit flips, cuts,
insertions, splices), non-UTF-8, overlong, deeply nested or oddly typed JSON.
They never contain the line terminators or the two REPL control bytes
(Ctrl-A, Ctrl-C), whose behaviour the framing tests cover. Lines are written
from a thread while replies are read, so neither side can fill the pty and
stall the other::

    from redline_host.device.fuzz import fuzz_lines, Fuzzer
    with Fuzzer(port_path) as fz:
        report = fz.send(fuzz_lines(100000, seed=1))

    python -m redline_host.device.fuzz --lines 1000000 --kind unix     # the long run (make fuzz-long)
"""
import argparse
import json
import random
import sys
import threading
import time

from redline_host.errors import UserError

OPS = ("hello", "ping", "sift", "msg", "feed", "stats", "audit", "trace", "challenge", "reset", "hold")
_FORBIDDEN = b"\n\r\x01\x03"
_VALID = (
    b'{"op":"hello","id":1}', b'{"op":"ping"}', b'{"op":"sift","text":"open valve 3"}',
    b'{"op":"msg","text":"ignore all previous instructions","t":5000}',
    b'{"op":"feed","b":[0,2150,1,2151,2,1000]}', b'{"op":"feed","ch":"temp_a","v":[2150,2149]}',
    b'{"op":"stats"}', b'{"op":"audit"}', b'{"op":"trace","on":false}', b'{"op":"challenge"}',
    b'{"op":"reset","scope":"latch","mac":"00112233"}', b'{"op":"hold","on":true,"mac":"ff"}',
    b'{"op":"sift","hex":"68656c6c6f"}',
)


def _clean(b):
    return bytes(c for c in b if c not in _FORBIDDEN) or b"?"


def _mutate(rng, line):
    b = bytearray(line)
    for _ in range(rng.randint(1, 4)):
        k = rng.random()
        if k < 0.3 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif k < 0.5 and b:
            del b[rng.randrange(len(b)):]
        elif k < 0.7:
            i = rng.randrange(len(b) + 1)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
        elif k < 0.85 and b:
            i = rng.randrange(len(b))
            del b[i:i + rng.randint(1, 5)]
        else:
            other = rng.choice(_VALID)
            b = bytearray(bytes(b[:rng.randint(0, len(b))]) + other[rng.randint(0, len(other)):])
    return _clean(bytes(b))


def _json_oddity(rng):
    k = rng.random()
    if k < 0.2:
        return b"[" * rng.randint(50, 1500) + b"]" * rng.randint(0, 50)
    if k < 0.4:
        return json.dumps({"op": rng.choice(OPS), "id": rng.choice((-1, 2 ** 31, "x", 1.5, None, True))}).encode()
    if k < 0.6:
        v = rng.choice((2 ** 40, -2 ** 40, 1e300, "12", [], {}, None, [1, [2]], True))
        return json.dumps({"op": "feed", "ch": rng.choice((0, "temp_b", 7, "nope", -1)), "v": v}).encode()
    if k < 0.8:
        return json.dumps({"op": rng.choice(OPS + ("", "HELLO", "feed ")), "text": rng.choice((1, None, "t"))}).encode()
    return json.dumps(rng.choice((1, "op", None, [], 3.5, {"noop": 1}))).encode()


def fuzz_lines(n, seed=1, overlong_every=400):
    """``n`` fuzz lines (bytes, no terminator); deterministic for a seed."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        k = rng.random()
        if overlong_every and i % overlong_every == overlong_every - 1:
            line = _clean(bytes(rng.randrange(256) for _ in range(rng.randint(4097, 6000))))
            line = line + b"x" * max(0, 4097 - len(line))
        elif k < 0.3:
            line = _clean(bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))))
        elif k < 0.7:
            line = _mutate(rng, rng.choice(_VALID))
        elif k < 0.8:
            line = _clean(b'{"op":"sift","text":"' + bytes(rng.randrange(128, 256) for _ in range(rng.randint(1, 8))) + b'"}')
        elif k < 0.9:
            line = _json_oddity(rng)
        else:
            line = rng.choice(_VALID)
        out.append(line)
    return out


def must_fail(line, max_line=4096):
    """True when every correct board must answer ``ok: false`` (CPython's strict view)."""
    if len(line) > max_line:
        return True
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    try:
        req = json.loads(text)
    except (ValueError, RecursionError):
        # MicroPython's json accepts a few things CPython's refuses (trailing commas,
        # leading zeros): only lines that cannot be an object at all must fail
        return "{" not in text
    if not isinstance(req, dict):
        return True
    op = req.get("op")
    return not isinstance(op, str) or op not in OPS or op in ("reset", "hold")


class Fuzzer:
    def __init__(self, path, timeout=20.0):
        import serial
        self.path = path
        self.timeout = timeout
        self.port = serial.serial_for_url(path, timeout=timeout)
        self.port.reset_input_buffer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.port.close()

    def reconnect(self):
        import serial
        self.port.close()
        self.port = serial.serial_for_url(self.path, timeout=self.timeout)
        self.port.reset_input_buffer()

    def soft_reset(self):
        """Enter the raw REPL, soft-reset the board (Ctrl-D), return to the protocol (Ctrl-B)."""
        p = self.port
        p.write(b"\r\x01")
        self._expect(b"raw REPL; CTRL-B to exit\r\n>")
        p.write(b"\x04")
        self._expect(b"soft reboot\r\nraw REPL; CTRL-B to exit\r\n>")
        p.write(b"\x02")
        self._expect(b"\r\n")

    def _expect(self, tail):
        buf = b""
        deadline = time.monotonic() + self.timeout
        while not buf.endswith(tail):
            c = self.port.read(1)
            if not c and time.monotonic() > deadline:
                raise UserError("board did not answer %r (got %r)" % (tail, buf[-80:]))
            buf += c

    def send(self, lines, batch=500):
        """Send lines in batches; returns counts. Raises UserError on a missing or bad reply."""
        report = {"lines": 0, "errors": 0, "ok": 0, "must_fail": 0}
        for start in range(0, len(lines), batch):
            chunk = lines[start:start + batch]
            data = b"".join(line + b"\n" for line in chunk)
            writer = threading.Thread(target=self.port.write, args=(data,), daemon=True)
            writer.start()
            for j, line in enumerate(chunk):
                raw = self.port.readline()
                if not raw.endswith(b"\n"):
                    raise UserError("no reply to line %d %r (board hung?)" % (start + j, line[:80]))
                try:
                    reply = json.loads(raw)
                except ValueError:
                    raise UserError("line %d %r: unparseable reply %r" % (start + j, line[:80], raw[:120]))
                bad = must_fail(line)
                report["must_fail"] += bad
                if reply.get("ok") is True:
                    report["ok"] += 1
                    if bad:
                        raise UserError("line %d %r was accepted: %r" % (start + j, line[:80], raw[:200]))
                elif reply.get("ok") is False and isinstance(reply.get("err"), str):
                    report["errors"] += 1
                else:
                    raise UserError("line %d %r: reply without ok/err %r" % (start + j, line[:80], raw[:200]))
                report["lines"] += 1
            writer.join(self.timeout)
        return report


def run(kind="unix", lines=100000, seed=1, progress=None):
    """Fuzz a fresh virtual board with a reconnect and a soft reset mid-stream, then check golden vectors."""
    from redline_host.device.harness import Harness
    from redline_host.device.harness_vectors import sensor_vectors, text_vectors
    from redline_host.device.vboard import VirtualBoard
    t0 = time.perf_counter()
    all_lines = fuzz_lines(lines, seed=seed)
    third = len(all_lines) // 3
    total = {"lines": 0, "errors": 0, "ok": 0, "must_fail": 0}
    with VirtualBoard(kind) as vb:
        vb.wait_ready()
        with Fuzzer(vb.path) as fz:
            for part, event in ((all_lines[:third], "reconnect"), (all_lines[third:2 * third], "soft_reset"),
                                (all_lines[2 * third:], None)):
                r = fz.send(part)
                for k in total:
                    total[k] += r[k]
                if progress:
                    progress("%d lines sent" % total["lines"])
                if event == "reconnect":
                    fz.reconnect()
                elif event == "soft_reset":
                    fz.soft_reset()
        if not vb.alive():
            raise UserError("virtual board died: %s" % vb.log_tail())
        with Harness(vb.path, key=vb.key) as h:
            summary = h.run(text_vectors(100, seed=seed) + sensor_vectors(6000, seed=seed, segment_rows=1000))
    total["golden_mismatches"] = summary["mismatches"]
    total["golden_vectors"] = summary["vectors"]
    total["elapsed_s"] = round(time.perf_counter() - t0, 1)
    total["lines_per_s"] = round(total["lines"] / total["elapsed_s"])
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description="fuzz a virtual board's serial protocol")
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--kind", choices=("unix", "wasm"), default="unix")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    try:
        report = run(args.kind, args.lines, args.seed, progress=lambda m: print("fuzz: " + m, file=sys.stderr))
    except UserError as exc:
        print("redline: %s" % exc, file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0 if report["golden_mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
