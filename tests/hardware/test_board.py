"""On a board (or virtual board): hello, golden vectors against the host, error replies, the latch."""
import json

import pytest
import serial

from redline.link.mac import hmac_sha256
from redline_host.harness import Harness
from redline_host.harness_vectors import sensor_vectors, text_vectors


def _ask(port, req):
    port.write((json.dumps(req) + "\n").encode())
    while True:
        line = port.readline()
        assert line, "no reply to %r" % req
        if line.strip().startswith(b"{"):
            return json.loads(line)


def test_hello(board):
    path, key = board
    with serial.serial_for_url(path, timeout=10) as port:
        port.reset_input_buffer()
        r = _ask(port, {"op": "hello"})
    assert r["ok"] is True and r["proto"] == 1 and r["model"]["ok"] is True
    assert r["config"]["ok"] is True


def test_golden_vectors_match(board):
    path, key = board
    with Harness(path, key=key) as h:
        s = h.run(text_vectors(200, seed=21) + sensor_vectors(9000, seed=22, segment_rows=1000))
    assert s["mismatches"] == 0, s["first_divergence"]


def test_bad_lines_get_errors(board):
    path, _ = board
    with serial.serial_for_url(path, timeout=10) as port:
        port.reset_input_buffer()
        for line, code in ((b"\xff\xfe", "utf8"), (b"nonsense", "json"), (b'{"op":"dance"}', "unknown_op"),
                           (b"x" * 5000, "overlong")):
            port.write(line + b"\n")
            r = json.loads(port.readline())
            assert r["ok"] is False and r["err"] == code
        assert _ask(port, {"op": "ping"})["ok"] is True


def test_latch_needs_authenticated_reset(board):
    path, key = board
    if key is None:
        pytest.skip("needs --key-file for a real board")
    with serial.serial_for_url(path, timeout=10) as port:
        port.reset_input_buffer()
        channel = _ask(port, {"op": "hello"})["channels"][0]
        _ask(port, {"op": "feed", "ch": channel, "v": 2 ** 29})        # out of any calibrated range
        assert _ask(port, {"op": "stats"})["latched"] == 1
        nonce = bytes.fromhex(_ask(port, {"op": "challenge"})["nonce"])
        bad = hmac_sha256(b"wrong", nonce + b"reset:all").hex()
        assert _ask(port, {"op": "reset", "scope": "all", "mac": bad})["err"] == "auth"
        assert _ask(port, {"op": "stats"})["latched"] == 1
        nonce = bytes.fromhex(_ask(port, {"op": "challenge"})["nonce"])
        good = hmac_sha256(key, nonce + b"reset:all").hex()
        assert _ask(port, {"op": "reset", "scope": "all", "mac": good})["latched"] == 0
