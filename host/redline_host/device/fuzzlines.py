"""The fuzzer's lines: random and mutated requests with everything a serial line can carry.

Control bytes (Ctrl-A/B/C/D/E, NUL, DEL), raw-REPL attack lines
(``\\x01node.interlock.reset()\\x04``), line breaks inside pieces, partial lines
(pieces without a terminator, continued by the next), non-UTF-8, overlong,
deeply nested and oddly typed JSON; deterministic for a seed. Used by
redline_host.device.fuzz::

    from redline_host.device.fuzzlines import fuzz_pieces, pin_time, must_fail
    data = pin_time(b"".join(fuzz_pieces(1000, seed=1)), 5000)
"""
import json
import random

OPS = ("hello", "ping", "sift", "msg", "feed", "stats", "audit", "trace", "challenge", "reset", "hold", "maint")
AUTH_OPS = ("reset", "hold", "maint")
_VALID = (
    b'{"op":"hello","id":1}', b'{"op":"ping"}', b'{"op":"sift","text":"open valve 3"}',
    b'{"op":"msg","text":"ignore all previous instructions","t":5000}',
    b'{"op":"feed","b":[0,2150,1,2151,2,1000]}', b'{"op":"feed","ch":"temp_a","v":[2150,2149]}',
    b'{"op":"stats"}', b'{"op":"audit"}', b'{"op":"trace","on":false}', b'{"op":"challenge"}',
    b'{"op":"reset","scope":"latch","mac":"00112233"}', b'{"op":"hold","on":true,"mac":"ff"}',
    b'{"op":"sift","hex":"68656c6c6f"}', b'{"op":"maint","on":true,"mac":"00"}', b'{"op":"maint","on":false}',
    b'{"op":"trace","on":true}', b'{"op":"msg","hex":"7374617475730a","t":9000}',
)
_ATTACKS = (
    b"\x01node.interlock.reset()\x04", b"\x01print(node.key.hex())\x04", b"\x01", b"\x03", b"\x04", b"\x02",
    b"\x05A\x01", b"\x01\x04", b"\x03\x03\x01import machine\x04", b'\x01{"op":"ping"}',
    b'{"op":"ping"}\x00junk', b'{"op":"ping",}', b'{"op":"ping","id":01}', b'{"op":"ping"}\x04',
)
_CONTROL = bytes(range(0, 32)) + b"\x7f"


def _mutate(rng, line):
    b = bytearray(line)
    for _ in range(rng.randint(1, 4)):
        k = rng.random()
        if k < 0.25 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif k < 0.4 and b:
            del b[rng.randrange(len(b)):]
        elif k < 0.6:
            i = rng.randrange(len(b) + 1)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
        elif k < 0.7:
            i = rng.randrange(len(b) + 1)
            b[i:i] = bytes([rng.choice(_CONTROL)])
        elif k < 0.85 and b:
            i = rng.randrange(len(b))
            del b[i:i + rng.randint(1, 5)]
        else:
            other = rng.choice(_VALID)
            b = bytearray(bytes(b[:rng.randint(0, len(b))]) + other[rng.randint(0, len(other)):])
    return bytes(b)


def _json_oddity(rng):
    k = rng.random()
    if k < 0.2:
        return b"[" * rng.randint(20, 1500) + b"]" * rng.randint(0, 50)
    if k < 0.4:
        return json.dumps({"op": rng.choice(OPS), "id": rng.choice((-1, 2 ** 31, "x", 1.5, None, True))}).encode()
    if k < 0.6:
        v = rng.choice((2 ** 40, -2 ** 40, 1e300, "12", [], {}, None, [1, [2]], True))
        return json.dumps({"op": "feed", "ch": rng.choice((0, "temp_b", 7, "nope", -1)), "v": v}).encode()
    if k < 0.8:
        return json.dumps({"op": rng.choice(OPS + ("", "HELLO", "feed ")), "text": rng.choice((1, None, "t"))}).encode()
    return json.dumps(rng.choice((1, "op", None, [], 3.5, {"noop": 1}))).encode()


def fuzz_pieces(n, seed=1, overlong_every=400):
    """``n`` fuzz pieces (bytes), each usually ending with a line break; deterministic for a seed.

    About one piece in twelve has no terminator (a partial line the next piece continues), and
    pieces may hold line breaks of their own: the framing decides the lines, on both sides alike.
    """
    rng = random.Random(seed)
    out = []
    for i in range(n):
        k = rng.random()
        if overlong_every and i % overlong_every == overlong_every - 1:
            body = bytes(rng.randrange(256) for _ in range(rng.randint(4097, 6000)))
            body = body.replace(b"\n", b"x").replace(b"\r", b"x")
        elif k < 0.2:
            body = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        elif k < 0.55:
            body = _mutate(rng, rng.choice(_VALID))
        elif k < 0.62:
            body = b'{"op":"sift","text":"' + bytes(rng.randrange(128, 256) for _ in range(rng.randint(1, 8))) + b'"}'
        elif k < 0.7:
            body = _json_oddity(rng)
        elif k < 0.78:
            body = rng.choice(_ATTACKS)
        elif k < 0.82:
            body = rng.choice(_VALID) + rng.choice((b"\r", b"\n", b"\r\n")) + rng.choice(_VALID)
        else:
            body = rng.choice(_VALID)
        r = rng.random()
        if r < 0.08:
            end = b""
        elif r < 0.2:
            end = b"\r\n"
        elif r < 0.25:
            end = b"\r"
        else:
            end = b"\n"
        out.append(body + end)
    return out


def segments(data):
    """What the framing turns ``data`` into: the pieces between line breaks (empty ones included)."""
    out = []
    start = 0
    for i, c in enumerate(data):
        if c == 10 or c == 13:
            out.append((start, i))
            start = i + 1
    out.append((start, len(data)))
    return out


def pin_time(data, t):
    """Every segment of ``data`` that is a ``msg`` request without ``t`` gets ``"t": t`` (re-encoded)."""
    from redline.link.jsonck import JsonCheck
    ck = JsonCheck()
    out = bytearray()
    last = 0
    for start, end in segments(data):
        seg = data[start:end]
        if b'"msg"' in seg and ck.check(seg) == "":
            try:
                req = json.loads(seg.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                req = None
            if isinstance(req, dict) and req.get("op") == "msg" and "t" not in req:
                req["t"] = t
                out += data[last:start] + json.dumps(req).encode()
                last = end
    out += data[last:]
    return bytes(out)


def must_fail(line, max_line=4096):
    """True when every correct node must answer ``ok: false`` (strict JSON, CPython's view)."""
    if len(line) > max_line:
        return True
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    try:
        req = json.loads(text)
    except (ValueError, RecursionError):
        return True
    if not isinstance(req, dict):
        return True
    op = req.get("op")
    return not isinstance(op, str) or op not in OPS or op in ("reset", "hold") or (op == "maint" and req.get("on") is not False)
