"""Virtual boards: pyserial and mpremote on the unix board's pty, the wasm board, reconnects, traces."""
import json
import subprocess
import time

import pytest
import serial

from redline_host.device.deploy import mpremote_command
from redline_host.device.maint import lock, unlock
from redline_host.device.vboard import VirtualBoard
from redline_host.device.vboard_sim import default_config, make_trace, write_trace


def ask(port, req):
    port.write((json.dumps(req) + "\n").encode())
    line = port.readline()
    assert line, "no reply to %r" % req
    return json.loads(line)


@pytest.fixture(scope="module")
def unix_board():
    with VirtualBoard("unix") as vb:
        vb.wait_ready()
        yield vb


@pytest.mark.parametrize("kind", ["unix", "wasm"])
def test_hello_over_pyserial(kind):
    with VirtualBoard(kind) as vb:
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            r = ask(port, {"op": "hello", "id": 3})
    assert r["ok"] is True and r["id"] == 3 and r["proto"] == 1
    assert r["board"] == "vboard-" + kind
    assert r["config"]["sha256"] == default_config().sha256()
    assert r["channels"] == ["temp_a", "temp_b", "pressure"]
    assert r["key"] is True


def test_reconnect_keeps_serving(unix_board):
    for i in range(3):
        with serial.serial_for_url(unix_board.path, timeout=5) as port:
            port.reset_input_buffer()
            assert ask(port, {"op": "ping", "id": i}) == {"ok": True, "op": "ping", "id": i}


def test_mpremote_resume_exec_through_the_maintenance_window_then_protocol_again(unix_board):
    # the deliberate path: the authenticated maint request, then mpremote as usual
    assert unlock(unix_board.path, unix_board.key) == "unlocked"
    cmd = mpremote_command() + ["connect", unix_board.path, "resume", "exec", "print(node.hello()['board'], 6 * 7)"]
    proc = subprocess.run(cmd, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().strip() == "vboard-unix 42"
    assert lock(unix_board.path)
    with serial.serial_for_url(unix_board.path, timeout=5) as port:
        port.reset_input_buffer()
        assert ask(port, {"op": "ping"})["ok"] is True


def test_symlink_names_the_device(tmp_path):
    link = tmp_path / "board0"
    with VirtualBoard("unix", link=str(link)) as vb:
        vb.wait_ready()
        assert link.is_symlink() and vb.device == str(link)
        with serial.serial_for_url(str(link), timeout=5) as port:
            assert ask(port, {"op": "ping"})["ok"] is True
    assert not link.exists()


def test_trace_file_is_sampled_and_spoof_latches(tmp_path):
    cfg = default_config()
    rows = make_trace(80, seed=3, spoof_at=50, spoof="step", spoof_channel=2)
    trace = write_trace(tmp_path / "t.csv", cfg.channels, rows)
    with VirtualBoard("unix", trace=trace, rate=100) as vb:
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=5) as port:
            deadline = time.monotonic() + 20
            while True:
                s = ask(port, {"op": "stats"})
                if s["samples"] >= 3 * len(rows) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
    assert s["samples"] == 3 * len(rows)     # the trace ends: sampling stops, no looping replay
    assert s["latched"] == 1 and s["actuator"] == 0


def test_redline_maint_opens_and_closes_the_window(unix_board, tmp_path):
    import os
    import sys
    from redline_host.paths import FIRMWARE, REPO
    key = tmp_path / "board.key"
    key.write_text(unix_board.key.hex() + "\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "host"), str(FIRMWARE)]))
    run = lambda *a: subprocess.run([sys.executable, "-m", "redline_host.cli", "maint", "--port", unix_board.path] + list(a),
                                    capture_output=True, env=env, timeout=60)
    proc = run("--key-file", str(key))
    assert proc.returncode == 0 and proc.stdout.decode().strip() == "unlocked", proc.stderr
    cmd = mpremote_command() + ["connect", unix_board.path, "resume", "exec", "print(node.link.maintenance())"]
    out = subprocess.run(cmd, capture_output=True, timeout=60)
    assert out.returncode == 0 and out.stdout.decode().strip() == "True"
    proc = run("--off")
    assert proc.returncode == 0 and proc.stdout.decode().strip() == "locked"
    with serial.serial_for_url(unix_board.path, timeout=5) as port:
        port.reset_input_buffer()
        port.write(b"\r\x01")
        port.write(b"\n")
        assert json.loads(port.readline())["err"] == "json"       # Ctrl-A is a protocol byte again
