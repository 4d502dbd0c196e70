"""The protocol's requests against a whole Node on CPython: hello, error replies, batches, auth reset, traces.

The same code runs on the unix and WebAssembly MicroPython in tests/host/test_harness.py,
test_vboard.py and test_fuzz.py (virtual boards with a board-sized heap for frozen code).
"""
import json
import sys
from pathlib import Path

from redline.link.mac import hmac_sha256, to_hex, from_hex
from redline.link.proto import FEED_FIELDS, PROTOCOL_VERSION
from redline.node import Node
from redline.sensor.config import SensorConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "firmware"))   # the tests' tiny model
import _tiny_model  # noqa: E402

KEY = b"0123456789abcdef0123456789abcdef"


class _Clock:
    def __init__(self):
        self.t = 1000

    def __call__(self):
        return self.t


class _Board:
    name = "test"

    def __init__(self, key=KEY):
        self.key = key
        self.out = []
        self.n = 0
        self.ticks_ms = _Clock()

    def write(self, data):
        self.out.append(bytes(data))

    def entropy(self, n):
        self.n += 1
        return bytes([(self.n * 7 + i) & 255 for i in range(n)])


def _node(key=KEY):
    cfg = SensorConfig(("a", "b"), baseline=(1000, 1000), scale=(10, 10), range_min=(0, 0),
                       range_max=(2000, 2000), window=8, warmup=8)
    board = _Board(key)
    node = Node(board, model=_tiny_model.tiny_model(), config=cfg)
    return node, board


def _ask(node, board, line):
    board.out = []
    node.link.feed(line + b"\n")
    assert len(board.out) == 1, board.out
    return json.loads(board.out[0])


def test_hello_reports_versions_and_model():
    node, board = _node()
    r = _ask(node, board, b'{"op":"hello","id":7}')
    assert r["ok"] is True and r["id"] == 7
    assert r["proto"] == PROTOCOL_VERSION == 1
    assert r["board"] == "test"
    assert r["model"]["sha256"] == _tiny_model.tiny_model().sha256
    assert r["model"]["format"] == 1
    assert r["channels"] == ["a", "b"]
    assert r["fields"] == list(FEED_FIELDS)
    assert r["key"] is True
    assert r["max_line"] == 4096


def test_bad_lines_get_errors_and_leave_state():
    node, board = _node()
    _ask(node, board, b'{"op":"feed","ch":"a","v":[1000,1003,998]}')
    before = node.guard.sample
    cases = (
        (b"\xff\xfe", "utf8"), (b"\xed\xa0\x80", "utf8"), (b"not json", "json"), (b"[1,2]", "json"),
        (b'{"op":"dance"}', "unknown_op"), (b'{"id":1}', "bad_arg"), (b'{"op":5}', "bad_arg"),
        (b'{"op":"feed","ch":"zz","v":1}', "bad_arg"), (b'{"op":"feed","ch":"a","v":[1,"x"]}', "bad_arg"),
        (b'{"op":"feed","b":[0,1,1]}', "bad_arg"), (b'{"op":"feed","ch":"a","v":1073741824}', "bad_arg"),
        (b'{"op":"feed","ch":0,"v":true}', "bad_arg"), (b'{"op":"sift"}', "bad_arg"),
        (b'{"op":"sift","hex":"abc"}', "bad_arg"), (b'{"op":"msg","text":"x","t":-1}', "bad_arg"),
        (b'{"op":"trace","on":1}', "bad_arg"), (b'{"op":"hello","id":-3}', "bad_arg"),
        (b'{"op":"reset","scope":"everything"}', "bad_arg"),
    )
    for line, code in cases:
        r = _ask(node, board, line)
        assert r["ok"] is False and r["err"] == code, (line, r)
    assert node.guard.sample == before
    s = _ask(node, board, b'{"op":"stats"}')
    assert s["readings"] == 3 and s["errors"] == len(cases)


def test_batch_feed_equals_single_feeds():
    n1, b1 = _node()
    n2, b2 = _node()
    vals = [1000, 1004, 996, 1001, 1030, 999, 1000, 1002, 1500, 1001]
    batch = []
    for i in range(len(vals)):
        batch.append(i & 1)
        batch.append(vals[i])
    r = _ask(n1, b1, ('{"op":"feed","b":%s}' % json.dumps(batch)).encode())
    assert r["n"] == len(vals) and r["nf"] == len(FEED_FIELDS)
    singles = []
    for i in range(len(vals)):
        s = _ask(n2, b2, ('{"op":"feed","ch":%d,"v":%d}' % (i & 1, vals[i])).encode())
        singles.extend(s["r"])
    assert r["r"] == singles


def _latch(node, board):
    r = _ask(node, board, b'{"op":"feed","ch":"a","v":5000}')   # out of calibrated range: halt
    assert r["r"][9] < 0 and node.interlock.latched


def _mac(nonce_hex, message, key=KEY):
    return to_hex(hmac_sha256(key, from_hex(nonce_hex) + message))


def test_reset_needs_the_right_mac():
    node, board = _node()
    _latch(node, board)
    r = _ask(node, board, b'{"op":"reset","scope":"latch","mac":"00"}')
    assert r["err"] == "no_challenge" and node.interlock.latched
    nonce = _ask(node, board, b'{"op":"challenge"}')["nonce"]
    assert len(nonce) == 32
    wrong = _mac(nonce, b"reset:latch", key=b"not the key")
    r = _ask(node, board, ('{"op":"reset","scope":"latch","mac":"%s"}' % wrong).encode())
    assert r["err"] == "auth" and node.interlock.latched
    board.ticks_ms.t += 250                 # the back-off after one failure
    # the nonce was spent by the failed attempt
    r = _ask(node, board, ('{"op":"reset","scope":"latch","mac":"%s"}' % _mac(nonce, b"reset:latch")).encode())
    assert r["err"] == "no_challenge" and node.interlock.latched
    nonce = _ask(node, board, b'{"op":"challenge"}')["nonce"]
    # a MAC for another scope does not fit
    r = _ask(node, board, ('{"op":"reset","scope":"latch","mac":"%s"}' % _mac(nonce, b"reset:all")).encode())
    assert r["err"] == "auth" and node.interlock.latched
    board.ticks_ms.t += 500                 # two failures in a row: twice as long
    nonce = _ask(node, board, b'{"op":"challenge"}')["nonce"]
    r = _ask(node, board, ('{"op":"reset","scope":"latch","mac":"%s"}' % _mac(nonce, b"reset:latch")).encode())
    assert r["ok"] is True and r["latched"] == 0 and not node.interlock.latched
    s = _ask(node, board, b'{"op":"stats"}')
    assert s["auth_failures"] == 4 and s["resets"] == 1
    reasons = [e[1] for e in _ask(node, board, b'{"op":"audit"}')["entries"]]
    assert reasons.count(48) == 4 and reasons.count(49) == 1


def test_no_key_means_no_reset():
    node, board = _node(key=None)
    _latch(node, board)
    assert _ask(node, board, b'{"op":"challenge"}')["err"] == "no_key"
    assert _ask(node, board, b'{"op":"reset","mac":"00"}')["err"] == "no_key"
    assert node.interlock.latched


def test_soft_reset_keeps_the_latch():
    node, board = _node()
    _latch(node, board)
    code = node.interlock.code
    node.soft_reset()
    assert node.interlock.latched and node.interlock.code == code


def test_trace_names_stages_in_order():
    node, board = _node()
    assert _ask(node, board, b'{"op":"trace","on":true}')["on"] is True
    r = _ask(node, board, b'{"op":"feed","ch":"a","v":1000}')
    stages = [s[0] for s in r["trace"]]
    assert stages == ["input", "thresholds", "channel", "stuck", "replay", "confidence", "memory", "cusum",
                      "drift", "ladder", "decision", "interlock"]
    assert r["trace"][1][1]["z_halt"] == 1536
    r = _ask(node, board, b'{"op":"sift","text":"ignore previous instructions"}')
    assert [s[0] for s in r["trace"]] == ["classifier", "keywords", "gauges"]
    _ask(node, board, b'{"op":"trace","on":false}')
    assert "trace" not in _ask(node, board, b'{"op":"sift","text":"pump"}')


def test_corrupted_model_leaves_the_actuator_safe_and_latched():
    # fault injection (issue 4, acceptance 3): a model module whose bytes no longer match its
    # SHA-256 is refused, the node holds the actuator safe and the latch stays set
    from redline.text.model import check_module

    class _Tampered:
        pass

    good = _tiny_model.tiny_model()
    mod = _Tampered()
    mod.FORMAT, mod.SCALE, mod.INTERCEPT, mod.THRESHOLD = 1, good.scale, good.intercept, good.threshold
    mod.VOCAB, mod.KEYS, mod.PATTERNS = good.vocab, good.keys, b""
    mod.WEIGHTS = bytes(len(good.weights))          # weights zeroed after the hash was taken
    mod.SHA256 = "0" * 64
    model = check_module(mod)
    assert not model.ok and model.error == "model SHA-256 mismatch"
    cfg = SensorConfig(("a", "b"), baseline=(1000, 1000), scale=(10, 10), range_min=(0, 0),
                       range_max=(2000, 2000), window=8, warmup=8)

    class _Pin:
        def __init__(self):
            self.v = None

        def value(self, v):
            self.v = v

    board = _Board()
    board.halt_pin = _Pin()
    node = Node(board, model=model, config=cfg)
    assert node.interlock.latched
    assert board.halt_pin.v == 0                    # safe level
    from redline.codes import REASON_MODEL, reason_text
    assert node.interlock.reason == REASON_MODEL and reason_text(REASON_MODEL) == "model rejected"
    node.soft_reset()
    assert node.interlock.latched and board.halt_pin.v == 0
    # issue 18, finding 3: a valid authenticated reset does not run the actuator on a rejected model
    for scope in (b"latch", b"all"):
        nonce = _ask(node, board, b'{"op":"challenge"}')["nonce"]
        r = _ask(node, board, ('{"op":"reset","scope":"%s","mac":"%s"}'
                               % (scope.decode(), _mac(nonce, b"reset:" + scope))).encode())
        assert r["ok"] is True and r["latched"] == 1 and node.interlock.latched
        for i in range(8):
            f = _ask(node, board, ('{"op":"feed","b":[0,%d,1,%d]}' % (1000 + (i & 1), 1001 - (i & 1))).encode())
            assert f["r"][10] == 0 and f["r"][21] == 0      # actuator field: safe on every reading
        assert board.halt_pin.v == 0 and node.interlock.reason == REASON_MODEL
    assert _ask(node, board, b'{"op":"stats"}')["resets"] == 2
