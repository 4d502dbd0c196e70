"""``redline vboard --board rp2040`` and ``redline deploy`` to it, kept across a restart of the virtual board.

Starts the emulated Pico with the CLI (a kept --flash file, a --link), deploys redline's
.mpy files, a calibration and a new key with ``redline deploy`` (mpremote over
the board's raw REPL, each file's SHA-256 checked on the board), stops the virtual board
(SIGTERM: the flash is saved) and starts it again from the same flash: the node then runs
the deployed modules (they shadow the frozen ones), the deployed configuration and the
deployed key. About 4 minutes (the deploy's ~600 raw-REPL round trips run on a chip
emulated at ~0.2x), so it runs with ``make board-test`` (``REDLINE_BOARD_TEST=1``) and
skips in ``make test``, where test_rp2040_emulator.py's README test drives the same
mpremote path (fs cp, reset) in 40 s. When the serial port stops being a REPL outside
a deliberate maintenance path (issue 18) both show how deploy changes.
"""
import json
import os
import signal
import subprocess
import sys

import pytest
import serial

from redline.link.mac import hmac_sha256
from redline_host.device.deploy import mpremote_command


def ask(port, req):
    port.write((json.dumps(req) + "\n").encode())
    line = port.readline()
    assert line, "no reply to %r" % req
    return json.loads(line)


def start_vboard(tmp_path, uf2, flash, link, name, trace):
    log = open(tmp_path / (name + ".log"), "wb")
    proc = subprocess.Popen([sys.executable, "-m", "redline_host.cli", "vboard", "--board", "rp2040", "--uf2", str(uf2),
                             "--flash", str(flash), "--link", str(link), "--trace", str(trace)],
                            stdout=subprocess.PIPE, stderr=log)
    line = proc.stdout.readline().decode().strip()      # the device path, once main.py answers
    assert line == str(link), (line, (tmp_path / (name + ".log")).read_text()[-2000:])
    return proc


def stop_vboard(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0


@pytest.mark.skipif(os.environ.get("REDLINE_BOARD_TEST") != "1",
                    reason="about 4 minutes on the emulated Pico: make board-test runs it (REDLINE_BOARD_TEST=1)")
def test_deploy_survives_a_restart_of_the_virtual_board(tmp_path, pico_uf2):
    from redline_host.device.rp2040_flash import read_flash_file
    from redline_host.device.rp2040_sensors import pico_default_config, write_nominal_trace
    from redline_host.sensor.sensorconfig import write_config_module
    flash, link, key_file = tmp_path / "flash.bin", tmp_path / "pico0", tmp_path / "pico.key"
    # the calibration deployed: one for the Pico's 12-bit ADC (the repository's default
    # calibration sits under one ADC step, halts on stuck readings, and a latched node is reset by
    # its watchdog every 8 s), unlike the one the virtual board starts with
    cfg = pico_default_config(window=24, warmup=24)
    write_config_module(cfg, tmp_path / "redline_config.py", source="test_rp2040_deploy")
    trace = tmp_path / "nominal.csv"
    write_nominal_trace(trace, cfg, n=6000)
    proc = start_vboard(tmp_path, pico_uf2, flash, link, "first", trace)
    try:
        with serial.serial_for_url(str(link), timeout=30) as port:
            first = ask(port, {"op": "hello"})
        deploy = subprocess.run([sys.executable, "-m", "redline_host.cli", "deploy", "--port", str(link), "--board",
                                 "RPI_PICO", "--key-file", str(key_file), "--stage-dir", str(tmp_path / "stage"),
                                 "--config", str(tmp_path / "redline_config.py")],
                                capture_output=True, timeout=1200)
        assert deploy.returncode == 0, deploy.stderr.decode(errors="replace")[-2000:]
    finally:
        stop_vboard(proc)
    report = json.loads(deploy.stdout)
    assert report["failed"] == [] and report["verified"] == report["files"] > 40
    # the virtual board's own configuration and marker pin map would shadow the deployed .mpy files
    assert sorted(report["removed"]) == ["pins.py", "redline_config.py"]
    key = bytes.fromhex(key_file.read_text().strip())
    assert read_flash_file(flash, "redline.key").decode().strip() == key.hex()    # saved on SIGTERM

    proc = start_vboard(tmp_path, pico_uf2, flash, link, "second", trace)
    try:
        with serial.serial_for_url(str(link), timeout=30) as port:
            hello = ask(port, {"op": "hello"})
            deployed_sha = cfg.sha256()
            assert first["config"]["sha256"] != deployed_sha
            assert hello["config"] == {"sha256": deployed_sha, "ok": True, "error": ""}
            assert hello["board"] == "RPI_PICO" and hello["model"]["sha256"] == first["model"]["sha256"]
            # the deployed key: a latch reset authenticated with it is accepted
            ask(port, {"op": "feed", "ch": hello["channels"][0], "v": 2 ** 29})
            assert ask(port, {"op": "stats"})["latched"] == 1
            nonce = bytes.fromhex(ask(port, {"op": "challenge"})["nonce"])
            r = ask(port, {"op": "reset", "scope": "all", "mac": hmac_sha256(key, nonce + b"reset:all").hex()})
            assert r["ok"] is True and r["latched"] == 0
        # and the modules come from the filesystem, not the frozen image
        out = subprocess.run(mpremote_command() + ["connect", str(link), "resume", "exec",
                                                   "import redline.node\nprint(redline.node.__file__)"],
                             capture_output=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.decode().split() == ["redline/node.mpy"]
    finally:
        stop_vboard(proc)
