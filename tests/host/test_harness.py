"""The serial harness against virtual boards: agreement, a planted threshold change, model refusal, auth."""
import json
import time

import pytest
import serial

from redline.link.mac import hmac_sha256
from redline_host.errors import UserError
from redline_host.device.harness import Harness, first_difference, first_stage_difference
from redline_host.device.harness_vectors import sensor_vectors, text_vectors
from redline_host.device.vboard import VirtualBoard
from redline_host.device.vboard_sim import default_config


def small_vectors():
    return text_vectors(60, seed=4) + sensor_vectors(12000, seed=5, segment_rows=1000)


@pytest.mark.parametrize("port", ["vboard", "wasm"])
def test_virtual_boards_match_the_host_reference(port):
    with Harness(port) as h:
        s = h.run(small_vectors())
    assert s["mismatches"] == 0, s["first_divergence"]
    assert s["vectors"]["text"] == 120
    assert s["vectors"]["sensor_steps"] == 12000
    assert s["config_match"] is True and s["ok"] is True
    assert s["latency_ms"]["p50"] > 0


@pytest.mark.parametrize("port", ["vboard", "wasm"])
def test_full_size_run_matches(port):
    # issue 6, acceptance 1: >= 5,000 text vectors and >= 100,000 sensor steps, 0 mismatches
    # (the command's defaults: 2,500 texts sent as sift and as msg, 108,000 readings)
    with Harness(port) as h:
        s = h.run(text_vectors(2500, seed=1) + sensor_vectors(100000, seed=2))
    assert s["mismatches"] == 0, s["first_divergence"]
    assert s["vectors"]["text"] >= 5000 and s["vectors"]["sensor_steps"] >= 100000


def test_changed_threshold_is_named_by_stage_and_field():
    board_cfg = default_config(z_halt=(1100, 1536, 1536))
    with VirtualBoard("unix", config=board_cfg) as vb:
        vb.wait_ready()
        with Harness(vb.path, key=vb.key, config=default_config()) as h:
            # nominal readings, then temp_a 5 sigma high: Escalate under Z_HALT 1536, Halt under 1100
            s = h.run([{"action": "reset"}, {"op": "feed", "b": [0, 2151, 1, 2149, 2, 1001, 0, 2148]},
                       {"op": "feed", "b": [2, 1000, 0, 2210, 1, 2150]}])
    assert s["config_match"] is False
    assert s["mismatches"] > 0 and s["ok"] is False
    d = s["first_divergence"]
    assert d["op"] == "feed" and d["vector"] == 2 and d["field"] == "r[1].code"
    assert d["stage"] == "thresholds" and d["stage_field"] == "z_halt"
    assert d["stage_expected"] == 1536 and d["stage_received"] == 1100


def test_a_board_with_another_model_is_refused():
    with Harness("vboard") as h:
        h.model.sha256 = "0" * 64
        with pytest.raises(UserError, match="refusing to compare"):
            h.run(text_vectors(2))


def test_first_difference_names_feed_fields():
    assert first_difference({"ok": True, "r": [1, 2, 3]}, {"ok": True, "r": [1, 5, 3]}) == ("r.1", 2, 5)
    assert first_difference({"ok": True, "heap_free": 1}, {"ok": True, "heap_free": 9}) is None
    assert first_difference({"a": 1}, {"a": 1, "b": 2}) == ("b", "<missing>", 2)
    assert first_stage_difference([["x", {"a": 1}], ["y", {"b": 2}]],
                                  [["x", {"a": 1}], ["y", {"b": 3}]]) == ("y", "b", 2, 3)


def _ask(port, req):
    port.write((json.dumps(req) + "\n").encode())
    return json.loads(port.readline())


def test_latch_reset_needs_the_board_key():
    with VirtualBoard("unix") as vb:
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            r = _ask(port, {"op": "feed", "ch": "pressure", "v": 99999})    # far out of range: halt
            assert r["r"][9] < 0
            assert _ask(port, {"op": "reset", "scope": "latch", "mac": "00" * 32})["err"] == "no_challenge"
            assert _ask(port, {"op": "stats"})["latched"] == 1
            nonce = bytes.fromhex(_ask(port, {"op": "challenge"})["nonce"])
            wrong = hmac_sha256(b"guessed key", nonce + b"reset:latch").hex()
            assert _ask(port, {"op": "reset", "scope": "latch", "mac": wrong})["err"] == "auth"
            assert _ask(port, {"op": "stats"})["latched"] == 1
            time.sleep(0.3)                     # the back-off after one failed MAC (250 ms)
            nonce = bytes.fromhex(_ask(port, {"op": "challenge"})["nonce"])
            right = hmac_sha256(vb.key, nonce + b"reset:latch").hex()
            r = _ask(port, {"op": "reset", "scope": "latch", "mac": right})
            assert r["ok"] is True and r["latched"] == 0
            s = _ask(port, {"op": "stats"})
            assert s["latched"] == 0 and s["auth_failures"] == 2


def test_config_file_sizes_the_boards_line_buffer(tmp_path):
    # a configuration file with MAX_LINE goes to the virtual board as it is: the board's hello
    # says 1024, the harness fits its feeds to that, the texts longer than that are answered
    # 'overlong' by the board and the reference alike (its node has the same buffer), and the
    # node goes on: the run matches the reference
    from redline_host.sensor.sensorconfig import write_config_module
    cfg = tmp_path / "redline_config.py"
    write_config_module(default_config(), cfg, source="test_harness", max_line=1024)
    texts = text_vectors(20, seed=3)
    long_texts = [v for v in texts if len(json.dumps(v, ensure_ascii=False).encode()) > 1024]
    with Harness("unix", config=str(cfg)) as h:
        s = h.run(texts + sensor_vectors(3000, seed=4))
        errors = h.ref.node.counters["errors"]
    assert len(long_texts) == 2 and errors >= len(long_texts)      # one text, as sift and as msg
    assert s["mismatches"] == 0, s["first_divergence"]
    assert s["request_limits"]["max_line"] == 1024 and 0 < s["request_limits"]["max_feed"] <= 256
