"""Issue 18 on the virtual boards (the real firmware, main.py's loop, a pty): what an attacker or a
power cut does to the latch.

- finding 1: trip, kill the process (a power cut), boot again from the same flash: still SAFE,
  with the trip's code and reason; only an authenticated reset releases it; a board never
  provisioned boots latched; a watchdog reset cause boots latched (the real reset-cause path);
- finding 2: the raw-REPL bytes that used to unlatch the node and print its key are bad lines;
- finding 3: a valid reset does not run the actuator on a rejected model (device path);
- finding 4: a key shorter than 16 bytes is refused at boot (and by ``redline deploy``);
- finding 5: a flood of bad resets does not evict the trip from ``audit``.
The emulated Pico (the real RPI_PICO UF2 in rp2040js) runs the power-cut test too when its
image is built (python3 tools/pico_image.py); otherwise that test says why it skips.
"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import serial

from redline.link.mac import hmac_sha256
from redline_host.device.vboard import VirtualBoard, latch_files

REPO = Path(__file__).resolve().parents[2]
TOOLCHAINS = REPO.parent / "shared" / "toolchains"


def ask(port, req):
    port.write((json.dumps(req) + "\n").encode())
    line = port.readline()
    assert line, "no reply to %r" % req
    return json.loads(line)


def authed(port, key, op, message, extra):
    nonce = bytes.fromhex(ask(port, {"op": "challenge"})["nonce"])
    req = {"op": op, "mac": hmac_sha256(key, nonce + message).hex()}
    req.update(extra)
    return ask(port, req)


def trip(port):
    r = ask(port, {"op": "feed", "ch": "pressure", "v": 99999})       # out of calibrated range: halt
    assert r["ok"] and r["r"][9] < 0
    s = ask(port, {"op": "stats"})
    assert s["latched"] == 1 and s["actuator"] == 0
    return s["code"], s["reason"]


def healthy(port, n=12):
    out = []
    for i in range(n):
        r = ask(port, {"op": "feed", "b": [0, 2150 + (i & 1), 1, 2151 - (i & 1), 2, 1000 + (i & 3)]})
        out.extend(r["r"][k * 11 + 10] for k in range(3))             # the actuator field of each reading
    return out


@pytest.mark.parametrize("kind", ["unix", "wasm"])
def test_trip_power_cut_boot_still_safe(kind, tmp_path):
    vb = VirtualBoard(kind, flash=tmp_path / "flash")
    try:
        vb.start()
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            assert ask(port, {"op": "stats"})["latched"] == 0
            assert 1 in healthy(port)                     # the actuator ran before the trip
            code, reason = trip(port)
        assert latch_files(vb.dir) == ["redline_latch.0", "redline_latch.1"]
        vb.kill()                                         # SIGKILL: nothing saved at exit
        vb.start()
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            s = ask(port, {"op": "stats"})
            assert (s["latched"], s["actuator"], s["code"], s["reason"]) == (1, 0, code, reason)
            assert s["latch_record"] == "ok"
            assert ask(port, {"op": "audit"})["trips"] == [[code, reason, -1, -1]]
            assert set(healthy(port)) == {0}              # no reading runs the actuator
            r = authed(port, vb.key, "reset", b"reset:latch", {"scope": "latch"})
            assert r["ok"] and r["latched"] == 0
        vb.kill()
        vb.start()
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            assert ask(port, {"op": "stats"})["latched"] == 0     # the authenticated reset persisted too
    finally:
        vb.stop()


def test_a_board_never_provisioned_boots_latched(tmp_path):
    with VirtualBoard("unix", provision=False) as vb:
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            s = ask(port, {"op": "stats"})
            assert s["latched"] == 1 and s["reason"] == 39 and s["latch_record"] == "missing"
            assert set(healthy(port, 4)) == {0}
            assert authed(port, vb.key, "reset", b"reset:all", {"scope": "all"})["latched"] == 0


def test_a_damaged_record_boots_latched(tmp_path):
    vb = VirtualBoard("unix", flash=tmp_path / "flash")
    try:
        vb.start()
        vb.wait_ready()
        vb.kill()
        rec = Path(vb.flash) / "redline_latch.1"
        rec.write_bytes(rec.read_bytes()[:-1] + b"\x00")
        vb.start()
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            s = ask(port, {"op": "stats"})
            assert s["latched"] == 1 and s["reason"] == 40 and s["latch_record"] == "corrupt"
    finally:
        vb.stop()


def test_watchdog_reset_cause_boots_latched_and_the_record_keeps_it(tmp_path):
    vb = VirtualBoard("unix", flash=tmp_path / "flash", reset_cause="watchdog")
    try:
        vb.start()
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            s = ask(port, {"op": "stats"})
            assert (s["latched"], s["code"], s["reason"]) == (1, -7, 34)
        vb.kill()
        vb.reset_cause = None                              # the next boot is a power-on
        vb.start()
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            assert ask(port, {"op": "stats"})["reason"] == 34
    finally:
        vb.stop()


@pytest.mark.parametrize("kind", ["unix", "wasm"])
def test_raw_repl_bytes_are_bad_lines_not_a_repl(kind):
    with VirtualBoard(kind) as vb:
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            trip(port)
            for attack in (b"\x01node.interlock.reset()\x04\n", b"\r\x03\r\x01node.interlock.reset()\x04\r\n",
                           b"\x01print(node.key.hex())\x04\n", b"\x01import machine\x04\x02\n"):
                port.write(attack)
                for line in (l for l in attack.replace(b"\r", b"\n").split(b"\n") if l):
                    reply = port.readline()
                    assert vb.key.hex().encode() not in reply and b"raw REPL" not in reply
                    r = json.loads(reply)
                    assert r["ok"] is False and r["err"] == "json", (line, r)
            s = ask(port, {"op": "stats"})
            assert s["latched"] == 1 and s["resets"] == 0
            assert ask(port, {"op": "ping"}) == {"ok": True, "op": "ping"}


def test_mpremote_without_the_maintenance_window_gets_no_repl():
    from redline_host.device.deploy import mpremote_command
    with VirtualBoard("unix") as vb:
        vb.wait_ready()
        proc = subprocess.Popen(mpremote_command() + ["connect", vb.path, "resume", "exec",
                                                      "print(node.key.hex())"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:        # mpremote keeps waiting for a banner that never comes
            proc.kill()
            out, err = proc.communicate()
        assert vb.key.hex().encode() not in out + err and proc.returncode != 0
        with serial.serial_for_url(vb.path, timeout=10) as port:
            port.write(b"\n")                      # end the partial line mpremote left
            port.readline()
            assert ask(port, {"op": "ping"})["ok"] is True


def test_a_valid_reset_does_not_run_the_actuator_on_a_rejected_model(tmp_path):
    from redline_host.paths import DEFAULT_MODEL
    model = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, model)
    src = (model / "redline_model.py").read_text()
    i = src.index('SHA256 = "') + len('SHA256 = "')         # one hex digit of the recorded hash flipped
    (model / "redline_model.py").write_text(src[:i] + ("0" if src[i] != "0" else "1") + src[i + 1:])
    with VirtualBoard("unix", model_dir=model) as vb:
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            hello = ask(port, {"op": "hello"})
            assert hello["model"]["ok"] is False and hello["model"]["error"] == "model SHA-256 mismatch"
            for scope in ("latch", "all"):
                r = authed(port, vb.key, "reset", b"reset:" + scope.encode(), {"scope": scope})
                assert r["ok"] and r["latched"] == 1
                assert set(healthy(port, 6)) == {0}
            s = ask(port, {"op": "stats"})
            assert s["latched"] == 1 and s["reason"] == 37 and s["resets"] == 2 and s["actuator"] == 0


def test_a_short_key_is_refused_at_boot():
    with VirtualBoard("unix", key=b"0123456789abcde") as vb:      # 15 bytes
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            hello = ask(port, {"op": "hello"})
            assert hello["key"] is False and hello["key_error"] == "reset key shorter than 16 bytes: refused"
            trip(port)
            assert ask(port, {"op": "challenge"})["err"] == "no_key"
            assert ask(port, {"op": "reset", "mac": "00"})["err"] == "no_key"
            assert ask(port, {"op": "stats"})["latched"] == 1


def test_a_flood_of_bad_resets_keeps_the_trip_in_the_audit():
    with VirtualBoard("unix") as vb:
        vb.wait_ready()
        with serial.serial_for_url(vb.path, timeout=10) as port:
            code, reason = trip(port)
            replies = []
            for i in range(40):
                r = authed(port, b"not the key, but sixteen bytes!!", "reset", b"reset:latch", {"scope": "latch"})
                assert r["err"] in ("auth", "backoff")
                replies.append(r)
            # the wait doubles per failed MAC up to 30 s, so the flood meets it (unless every request
            # took longer than the wait); how much of it is left when stats is read depends on how
            # fast the host is (a loaded machine read 0 ms), so the replies are what is checked
            assert replies[0]["err"] == "auth"
            assert any(r["err"] == "backoff" and r["retry_ms"] > 0 for r in replies)
            a = ask(port, {"op": "audit"})
            assert a["total"] >= 41 and a["trips"] == [[code, reason, a["trips"][0][2], 2]]
            assert all(e[1] == 48 for e in a["entries"][-32:])         # the ring itself is all refusals
            s = ask(port, {"op": "stats"})
            assert s["auth_failures"] == 40 and s["latched"] == 1


# -- the emulated Pico ------------------------------------------------------------------------------

@pytest.fixture
def pico(pico_uf2, tmp_path):
    """The emulated Pico booted from the current UF2 on a fresh flash (skips with the reason when it cannot)."""
    from redline_host.device.rp2040 import RP2040Board
    vb = RP2040Board(flash=tmp_path / "flash.bin", uf2=pico_uf2, bootrom=TOOLCHAINS / "rp2040-bootrom-b1.bin")
    vb.start()
    try:
        vb.wait_ready(timeout=90)
        yield vb
    finally:
        vb.stop()


def test_trip_power_cycle_boot_still_safe_on_the_emulated_pico(pico):
    vb = pico              # booted on a fresh flash
    with serial.serial_for_url(vb.path, timeout=20) as port:
        port.reset_input_buffer()
        s = ask(port, {"op": "stats"})
        assert s["latched"] == 0 and s["latch_record"] == "ok"
        r = ask(port, {"op": "feed", "ch": "pressure", "v": 99999})
        assert r["r"][9] < 0
        s = ask(port, {"op": "stats"})
        code, reason = s["code"], s["reason"]
        assert s["latched"] == 1 and s["actuator"] == 0
    vb.power_cycle()
    vb.wait_ready(timeout=90)
    with serial.serial_for_url(vb.path, timeout=20) as port:
        port.reset_input_buffer()
        s = ask(port, {"op": "stats"})
        assert (s["latched"], s["actuator"], s["code"], s["reason"]) == (1, 0, code, reason)
        assert ask(port, {"op": "audit"})["trips"][0][:2] == [code, reason]
        r = authed(port, vb.key, "reset", b"reset:latch", {"scope": "latch"})
        assert r["ok"] and r["latched"] == 0
    vb.power_cycle()
    vb.wait_ready(timeout=90)
    with serial.serial_for_url(vb.path, timeout=20) as port:
        port.reset_input_buffer()
        assert ask(port, {"op": "stats"})["latched"] == 0


def test_protocol_hardening_on_the_emulated_pico(pico):
    vb = pico              # booted on a fresh flash
    with serial.serial_for_url(vb.path, timeout=20) as port:
        port.reset_input_buffer()
        code, reason = trip(port)
        # finding 2: the raw-REPL bytes are bad lines; the key is never printed
        for attack in (b"\x01node.interlock.reset()\x04\n", b"\x01print(node.key.hex())\x04\n"):
            port.write(attack)
            reply = port.readline()
            assert vb.key.hex().encode() not in reply
            assert json.loads(reply)["err"] == "json"
        # finding 7: the board's JSON is the host's
        for line in (b'{"op":"ping"}\x00junk\n', b'{"op":"ping",}\n', b'{"op":"ping","id":01}\n'):
            port.write(line)
            assert json.loads(port.readline())["err"] == "json", line
        # finding 5: a flood of bad resets does not evict the trip
        for i in range(40):
            authed(port, b"not the key, but sixteen bytes!!", "reset", b"reset:latch", {"scope": "latch"})
        a = ask(port, {"op": "audit"})
        assert a["trips"][0][:2] == [code, reason] and all(e[1] == 48 for e in a["entries"])
        # issue 15, item 4: the node's memory in stats
        s = ask(port, {"op": "stats"})
        assert s["latched"] == 1 and s["resets"] == 0 and s["auth_failures"] == 40
        assert s["heap_free"] > 0 and 0 < s["heap_largest"] <= s["heap_free"]
