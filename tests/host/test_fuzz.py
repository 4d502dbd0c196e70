"""The differential fuzz (issue 18, finding 7): a virtual board and the host reference fed the same bytes.

The CI version: 20,000 pieces at the unix board and 3,000 at the WebAssembly board, with
control bytes, raw-REPL attack lines, NUL, line breaks inside lines and partial lines;
every reply must equal the reference's, the latch and sampling are checked after every
batch, and the golden vectors still match afterwards (unix). ``make fuzz-long`` runs
1,100,000 pieces (over a million replies) at the unix board.
"""
from redline_host.device import fuzz, fuzzlines


def test_must_fail_classification_is_cpython_strict():
    assert fuzzlines.must_fail(b"\xff{}")
    assert fuzzlines.must_fail(b"x" * 4097)
    assert fuzzlines.must_fail(b"[1,2]")
    assert fuzzlines.must_fail(b'{"op":"nope"}')
    assert fuzzlines.must_fail(b'{"op":"reset","mac":"00"}')
    assert fuzzlines.must_fail(b'{"op":"maint","on":true,"mac":"00"}')
    assert fuzzlines.must_fail(b"garbage")
    assert fuzzlines.must_fail(b'{"op":"ping",}')           # MicroPython's json took it; the node must not
    assert fuzzlines.must_fail(b'{"op":"ping"}\x00junk')
    assert fuzzlines.must_fail(b'\x01{"op":"ping"}')
    assert not fuzzlines.must_fail(b'{"op":"ping"}')
    assert not fuzzlines.must_fail(b'{"op":"maint","on":false}')


def test_fuzz_pieces_carry_control_bytes_breaks_and_partial_lines():
    pieces = fuzzlines.fuzz_pieces(3000, seed=9)
    assert len(pieces) == 3000 and pieces == fuzzlines.fuzz_pieces(3000, seed=9)
    blob = b"".join(pieces)
    for c in b"\x00\x01\x02\x03\x04\x05\x7f":
        assert bytes([c]) in blob, c
    assert sum(1 for p in pieces if not p.endswith((b"\n", b"\r"))) > 150          # partial lines
    assert sum(1 for p in pieces if b"\n" in p.rstrip(b"\r\n") or b"\r" in p.rstrip(b"\r\n")) > 50
    assert b"\x01node.interlock.reset()\x04" in blob and b"\x01print(node.key.hex())\x04" in blob
    assert sum(len(p) > 4096 for p in pieces) == 3000 // 400


def test_pin_time_gives_every_msg_a_time():
    data = b'{"op":"msg","text":"x"}\n{"op":"msg","text":"y","t":5}\r{"op":"sift","text":"msg"}'
    out = fuzzlines.pin_time(data, 77)
    assert out == b'{"op": "msg", "text": "x", "t": 77}\n{"op":"msg","text":"y","t":5}\r{"op":"sift","text":"msg"}'


def test_replies_agree_allows_only_volatile_fields_and_auth_refusal_kinds():
    a = {"ok": True, "op": "stats", "lines": 4, "heap_free": 10, "uptime_ms": 3}
    assert fuzz.replies_agree(a, dict(a, heap_free=99, uptime_ms=7)) is None
    assert fuzz.replies_agree(a, dict(a, lines=5)) == ("lines", 4, 5)
    r = {"ok": False, "op": "reset", "err": "auth", "msg": "authentication failed"}
    assert fuzz.replies_agree(r, {"ok": False, "op": "reset", "err": "backoff", "msg": "...", "retry_ms": 3}) is None
    assert fuzz.replies_agree(r, {"ok": False, "op": "reset", "err": "bad_arg", "msg": "x"}) is not None
    assert fuzz.replies_agree({"ok": False, "op": "ping", "err": "auth"}, {"ok": False, "op": "ping", "err": "backoff"})


def _check(report, pieces):
    assert report["pieces"] == pieces and report["crashes"] == 0
    assert report["disagreements"] == 0, report["first_disagreements"]
    assert report["replies"] == report["ok"] + report["errors"] > 0.9 * pieces
    assert report["errors"] >= report["must_fail"] > pieces // 2
    assert report["latch_checks"] == report["batches"] and report["samples_checked"] >= report["batches"]
    assert report["latched_at_batch"] is not None          # the fuzz trips it; nothing released it


def test_differential_fuzz_on_the_unix_board():
    report = fuzz.run("unix", lines=20000, seed=1, batch=1000)
    _check(report, 20000)
    assert report["golden_mismatches"] == 0
    assert report["golden_vectors"]["sensor_steps"] == 6000


def test_differential_fuzz_on_the_wasm_board():
    report = fuzz.run("wasm", lines=3000, seed=2, batch=500, golden=False)
    _check(report, 3000)
