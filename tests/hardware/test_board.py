"""On a board (or virtual board): hello, golden vectors against the host, error replies, the latch."""
import time

import pytest

from redline.link.mac import hmac_sha256
from redline_host.device.harness_vectors import sensor_vectors, text_vectors


def test_hello(board):
    r = board.ask({"op": "hello"})
    assert r["ok"] is True and r["proto"] == 1 and r["model"]["ok"] is True
    assert r["config"]["ok"] is True


def test_golden_vectors_match(harness):
    s = harness.run(text_vectors(200, seed=21) + sensor_vectors(9000, seed=22, segment_rows=1000))
    assert s["mismatches"] == 0, s["first_divergence"]


def test_bad_lines_get_errors(board):
    for line, code in ((b"\xff\xfe", "utf8"), (b"nonsense", "json"), (b'{"op":"dance"}', "unknown_op"),
                       (b"x" * 5000, "overlong")):
        r, _ = board.request(line + b"\n")
        assert r["ok"] is False and r["err"] == code
    assert board.ask({"op": "ping"})["ok"] is True


def test_latch_needs_authenticated_reset(harness, board):
    key = harness.key
    if key is None:
        pytest.skip("needs --key-file for a real board")
    channel = board.ask({"op": "hello"})["channels"][0]
    board.ask({"op": "feed", "ch": channel, "v": 2 ** 29})        # out of any calibrated range
    assert board.ask({"op": "stats"})["latched"] == 1
    nonce = bytes.fromhex(board.ask({"op": "challenge"})["nonce"])
    bad = hmac_sha256(b"wrong", nonce + b"reset:all").hex()
    assert board.ask({"op": "reset", "scope": "all", "mac": bad})["err"] == "auth"
    stats = board.ask({"op": "stats"})
    assert stats["latched"] == 1 and stats["backoff_ms"] > 0
    time.sleep(stats["backoff_ms"] / 1000.0 + 0.05)      # failed MACs back off (docs/protocol.md)
    nonce = bytes.fromhex(board.ask({"op": "challenge"})["nonce"])
    good = hmac_sha256(key, nonce + b"reset:all").hex()
    assert board.ask({"op": "reset", "scope": "all", "mac": good})["latched"] == 0
