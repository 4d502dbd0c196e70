"""The emulated Pico: the real RPI_PICO UF2 (redline frozen) in rp2040js behind a pty.

Boots the cached image once (about 7 s of wall time) and checks, over the USB
CDC serial port: the frozen main.py answers hello with the configuration and key
written into its littlefs; a file written on the board survives machine.reset()
(a new emulator from the saved flash) and is readable from the saved flash image,
and the node is not latched by that deliberate reset; a watchdog timeout does
latch it; a held node keeps feeding the watchdog while latched; the marker pin
gives exact cycle counts (an empty loop iteration costs ~390 cycles, not the
~1,230 of a bridge that storms the chip with USB interrupts) and the node pulses
it around each guard step; the README's provisioning steps (mpremote copies the
calibration and a key, then resets) and its harness command work as written.

Skips when ../shared/toolchains (bootrom, MicroPython source) is absent, when the
UF2 for the current sources is not built (make firmware BOARD=RPI_PICO; make
test builds it), or when rp2040js / littlefs-python are not installed.
"""
import json

import pytest

from redline.codes import REASON_WATCHDOG


@pytest.fixture(scope="module")
def pico(tmp_path_factory, pico_uf2):
    from redline_host.device.rp2040 import RP2040Board
    from redline_host.device.rp2040_sensors import pico_default_config
    flash = tmp_path_factory.mktemp("pico") / "flash.bin"
    # a configuration unlike the frozen one, so hello proves the filesystem copy is read
    cfg = pico_default_config(window=24, warmup=24)
    vb = RP2040Board(flash=flash, uf2=pico_uf2, config=cfg, key=bytes(range(32)))
    vb.start()
    try:
        vb.wait_ready(timeout=60)
        vb.test_config = cfg
        yield vb
    finally:
        vb.stop()


def ask(port, req):
    port.write((json.dumps(req) + "\n").encode())
    line = port.readline()
    assert line, "no reply to %r" % req
    return json.loads(line)


def ask_board(board, req, timeout=30):
    import serial
    with serial.serial_for_url(board.path, timeout=timeout) as port:
        return ask(port, req)


def authed(board, op, arg, **fields):
    """An authenticated op (challenge, then HMAC over the nonce) with the board's key."""
    from redline.link.mac import hmac_sha256
    import serial
    with serial.serial_for_url(board.path, timeout=30) as port:
        nonce = bytes.fromhex(ask(port, {"op": "challenge"})["nonce"])
        req = dict(fields, op=op, mac=hmac_sha256(board.key, nonce + arg).hex())
        return ask(port, req)


def test_hello_from_the_frozen_main(pico):
    import serial
    from redline_host.device.vboard_sim import default_config
    with serial.serial_for_url(pico.path, timeout=10) as port:
        r = ask(port, {"op": "hello", "id": 7})
    assert r["ok"] is True and r["id"] == 7 and r["proto"] == 1
    assert r["board"] == "RPI_PICO"
    assert r["model"]["ok"] is True
    assert r["config"]["ok"] is True
    assert r["config"]["sha256"] == pico.test_config.sha256() != default_config().sha256()
    assert r["key"] is True
    assert r["channels"] == ["temp_a", "temp_b", "pressure"]


def test_sensors_read_from_the_csv_and_node_healthy(pico):
    import csv
    from redline_host.device.rp2040_sensors import adc_u16_seen
    out = pico.exec_raw("il = node.interlock\nprint(il.latched, il.reason, node.counters['samples'])\n"
                        "print([r.read() for r in node.readers])\n")
    lines = out.split()
    latched, reason, samples = lines[0], lines[1], int(lines[2])
    values = [int(v.strip("[],")) for v in lines[3:6]]
    assert (latched, reason) == ("False", "0") and samples > 0
    assert pico.instances() == 1, pico.events("boot")          # no watchdog reset so far
    with open(pico.trace) as f:
        rows = list(csv.DictReader(f))
    # ADC channels pass the 12-bit converter; the I2C register is exact
    assert values[0] in {adc_u16_seen(int(r["temp_a"])) for r in rows}
    assert values[1] in {adc_u16_seen(int(r["temp_b"])) for r in rows}
    assert values[2] in {int(r["pressure"]) for r in rows}


def _held_state(pico):
    """Hold the node (no sampling: the trace stops moving), then its sample count and every
    channel's arrays (kernel slots, memory, guard slots) through the maintenance window."""
    assert authed(pico, "hold", b"hold:1", on=True)["ok"] is True
    s = ask_board(pico, {"op": "stats"})
    out = pico.exec_raw("for c in node.guard._channels:\n    print(list(c.cs) + list(c.mem) + list(c.gs))\n")
    lines = [ln for ln in out.replace("\r", "").split("\n") if ln.startswith("[")]
    return s, [json.loads(ln) for ln in lines]


def _twin_state(cfg, rows, start, n):
    """The host twin: a fresh guard over trace rows ``start .. start + n`` (what the board reads:
    ADC columns through the 12-bit converter); its last decision and every channel's arrays."""
    from redline.sensor.guard import SensorGuard
    from redline.interlock import Interlock, VirtualPin
    from redline.audit import AuditRing
    from redline_host.device.rp2040_sensors import adc_u16_seen
    g = SensorGuard(cfg)
    il = Interlock(VirtualPin(), audit=AuditRing(32), clock=lambda: 0)
    for k in range(start, start + n):
        row = rows[k]
        for c in range(3):
            v = adc_u16_seen(row[c]) if c < 2 else row[c]
            r = g.update(c, v)
            il.apply(r.code, r.reason, r.sample, c)
    return (il.code, il.reason), [list(ch.cs) + list(ch.mem) + list(ch.gs) for ch in g._channels]


def test_file_survives_machine_reset(pico):
    import csv
    from redline_host.device.rp2040_flash import read_flash_file
    pico.exec_raw("f = open('survive.txt', 'w')\nf.write('written before the reset')\nf.close()\n")
    before, _ = _held_state(pico)          # held through the reset: the trace row it stopped at is known
    boots = pico.instances()
    pico.reset(timeout=60)
    assert pico.instances() == boots + 1
    assert pico.events("boot")[-1]["reason"] == "watchdog_trigger"
    out = pico.exec_raw("print(open('survive.txt').read())\nimport os\nprint(sorted(os.listdir()))\n")
    lines = out.split("\r\n") if "\r\n" in out else out.split("\n")
    assert lines[0] == "written before the reset"
    assert "redline.key" in lines[1] and "redline_config.py" in lines[1]
    # and the host sees it in the flash image the emulator saved on reset
    assert read_flash_file(pico.flash, "survive.txt") == b"written before the reset"
    # A deliberate reset is no watchdog timeout: the RPI_PICO shim reads WATCHDOG REASON's TIMER bit.
    # The guard starts afresh after the reset (its state is not kept across a reset) while the
    # emulator's trace goes on from the row it had reached, so the last decision is the host
    # twin's on those rows. On this nominal trace rows 54..59 warn on entropy (the pressure
    # channel's 24-reading memory variance crosses ENTROPY_WARN) for any fresh guard that starts
    # at row 35 or earlier; the old form of this test (no hold, exact (0, 0)) asked at a
    # wall-clock-dependent row, and the warn it saw since the sensor kernel (code 1, reason 7)
    # is, by the twin, what a node reading rows 54..59 answers (not re-observed: the rows read
    # then were not recorded). Held here, the rows are known: the board's decision and every
    # channel's arrays must equal the host twin's on the rows the board read since the reset.
    after, board = _held_state(pico)
    try:
        s = after
        assert s["latched"] == 0 and s["reason"] != REASON_WATCHDOG and s["code"] >= 0, s
        n = s["samples"] // 3
        assert s["samples"] == 3 * n and n > 0, s
        with open(pico.trace) as f:
            rows = [[int(r["temp_a"]), int(r["temp_b"]), int(r["pressure"])] for r in csv.DictReader(f)]
        # the rows read before the reset: this instance's samples, plus one row per earlier read
        # outside the loop (test_sensors_read_from_the_csv_and_node_healthy reads one): look a few ahead
        first = before["samples"] // 3
        hits = []
        for start in range(first, first + 8):
            decision, twin = _twin_state(pico.test_config, rows, start, n)
            if twin == board:
                hits.append((start, decision))
        assert len(hits) == 1, (first, n, len(hits))
        assert hits[0][1] == (s["code"], s["reason"]), (hits, s)
    finally:
        authed(pico, "hold", b"hold:0", on=False)


def test_node_pulses_the_marker_around_each_step(pico):
    assert authed(pico, "hold", b"hold:1", on=True)["ok"] is True       # no sampling in between
    try:
        pico.stats()                      # every edge sent so far has arrived (events come in order)
        before = pico.edge_count()
        r = ask_board(pico, {"op": "feed", "b": [0, 32768, 1, 32768, 2, 1000, 0, 32760, 1, 32770]})
        assert r["ok"] is True and r["n"] == 5
        steps = pico.pulses(5, since=before)
        before = pico.edge_count()
        assert ask_board(pico, {"op": "sift", "text": "open the vent to 40 percent"})["ok"] is True
        sift = pico.pulses(1, since=before)
        assert pico.edge_count() == before + 2                 # one pulse, nothing else moved the pin
    finally:
        authed(pico, "hold", b"hold:0", on=False)
    # a guard step costs 10^4..10^6 cycles on the chip model; a sift of 27 bytes more than one step
    assert all(10000 < c < 2000000 for c in steps), steps
    assert 20000 < sift[0] < 5000000, sift


def test_held_node_feeds_the_watchdog_while_latched(pico):
    from redline.codes import REASON_RANGE
    boots = pico.instances()
    assert authed(pico, "hold", b"hold:1", on=True)["ok"] is True
    try:
        r = ask_board(pico, {"op": "feed", "b": [0, 2 ** 29]})        # out of range: halt, latched
        assert r["r"][1] == REASON_RANGE and r["r"][8] & 4
        import time
        time.sleep(11)          # the watchdog is 8 s; the idle chip's clock follows the wall clock
        s = ask_board(pico, {"op": "stats"})
        assert pico.instances() == boots and s["latched"] == 1 and s["reason"] == REASON_RANGE, s
    finally:
        assert authed(pico, "reset", b"reset:all", scope="all")["ok"] is True
        authed(pico, "hold", b"hold:0", on=False)


def test_watchdog_timeout_boots_latched(pico):
    """The main loop stopped (the raw REPL sleeps 12 s): the watchdog resets the chip after 8 s with
    REASON TIMER, and the node boots latched until an authenticated reset."""
    from redline.codes import HALT_DEADLINE, REASON_WATCHDOG
    boots = pico.instances()
    pico.exec_raw("import time\ntime.sleep(12)\n", wait=False)
    pico.wait_event(lambda e: e.get("ev") == "boot" and e.get("instance", 0) > boots, timeout=60)
    assert pico.events("boot")[-1]["reason"] == "watchdog_timeout"
    pico.wait_ready(timeout=60)
    s = ask_board(pico, {"op": "stats"})
    assert (s["latched"], s["code"], s["reason"]) == (1, HALT_DEADLINE, REASON_WATCHDOG), s
    assert authed(pico, "reset", b"reset:all", scope="all")["ok"] is True
    assert ask_board(pico, {"op": "stats"})["latched"] == 0


def test_marker_pin_counts_cycles_without_usb_storm(pico):
    code = (
        "import machine\n"
        "p = machine.Pin(22, machine.Pin.OUT, value=0)\n"
        "def f(n):\n"
        "    p.value(1)\n"
        "    for i in range(n):\n"
        "        pass\n"
        "    p.value(0)\n"
        "f(0)\nf(100)\nf(1000)\n"
    )
    # the node pulses the same pin around each sampled reading: hold sampling, and let every edge
    # sent so far arrive (the bridge's events come in order) before counting
    assert authed(pico, "hold", b"hold:1", on=True)["ok"] is True
    try:
        pico.stats()
        before = pico.edge_count()
        pico.exec_raw(code)
        marks = pico.wait_markers(6, since=before, timeout=10)
    finally:
        authed(pico, "hold", b"hold:0", on=False)
    assert [e["value"] for e in marks] == [1, 0, 1, 0, 1, 0]
    spans = [marks[i + 1]["cycles"] - marks[i]["cycles"] for i in (0, 2, 4)]
    per_100 = (spans[1] - spans[0]) / 100
    per_1000 = (spans[2] - spans[0]) / 1000
    # ~390 cycles per iteration on the chip model; ~1,230 when the bridge storms the chip
    assert 300 < per_100 < 500, spans
    assert abs(per_1000 - per_100) < 2, spans


def test_readme_provisioning_then_harness(pico, tmp_path):
    """README "Flash a Pico" steps 3-5 on the emulated board: the calibration and a new key copied
    with mpremote in the maintenance window (README step 4's later-copy path, opened with
    ``redline maint`` and the running key: the emulator has no GP14 jumper), then a reset, and the
    harness with that key and configuration."""
    import secrets
    import subprocess
    import sys
    from redline_host.device.deploy import mpremote_command
    from redline_host.device.rp2040_sensors import pico_default_config
    from redline_host.sensor.sensorconfig import write_config_module
    cfg = pico_default_config(window=20, warmup=20)
    write_config_module(cfg, tmp_path / "redline_config.py", source="test_readme_provisioning")
    (tmp_path / "pico.key").write_text(secrets.token_hex(32) + "\n")
    (tmp_path / "running.key").write_text(pico.key.hex() + "\n")
    r = subprocess.run([sys.executable, "-m", "redline_host.cli", "maint", "--port", pico.path, "--key-file",
                        str(tmp_path / "running.key")], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    mp = mpremote_command() + ["connect", pico.path, "resume"]
    r = subprocess.run(mp + ["fs", "cp", str(tmp_path / "redline_config.py"), ":redline_config.py"],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    boots = pico.instances()
    r = subprocess.run(mp + ["fs", "cp", str(tmp_path / "pico.key"), ":redline.key", "+", "reset"],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    pico.wait_event(lambda e: e.get("ev") == "boot" and e.get("instance", 0) > boots, timeout=60)
    pico.wait_ready(timeout=60)
    pico.key = bytes.fromhex((tmp_path / "pico.key").read_text().strip())
    hello = ask_board(pico, {"op": "hello"})
    assert hello["config"]["sha256"] == cfg.sha256() and hello["key"] is True
    assert ask_board(pico, {"op": "stats"})["latched"] == 0          # reset is no watchdog timeout
    from redline_host.device.harness_vectors import sensor_vectors, text_vectors, write_vectors
    write_vectors(tmp_path / "v.jsonl", text_vectors(5, seed=31) + sensor_vectors(600, seed=32, segment_rows=200))
    h = subprocess.run([sys.executable, "-m", "redline_host.cli", "harness", "--port", pico.path, "--key-file",
                        str(tmp_path / "pico.key"), "--config", str(tmp_path / "redline_config.py"),
                        "--vectors", str(tmp_path / "v.jsonl"), "--quiet"], capture_output=True, timeout=600)
    assert h.returncode == 0, (h.stdout[-2000:], h.stderr[-2000:])
    s = json.loads(h.stdout)
    assert s["ok"] is True and s["config_match"] is True and s["board"] == "RPI_PICO"
    assert s["vectors"]["text"] == 10 and s["vectors"]["sensor_steps"] == 600
    assert s["heap_free_boot"] > s["heap_free_after_build"] > 0


def test_heap_ballast_leaves_an_esp32_sized_heap(tmp_path, pico_uf2):
    """--heap 110K (issue 16): a ballast allocated at boot, before the node is built, leaves
    112,640 B free (an ESP32_GENERIC without PSRAM); the node builds whole in it and answers. The
    same flash started again without --heap gets its whole heap back."""
    from redline_host.device.rp2040 import HEAP_FILE, RP2040Board
    from redline_host.device.rp2040_flash import read_flash_file
    flash = tmp_path / "flash.bin"
    with RP2040Board(flash=flash, uf2=pico_uf2, heap="110K") as vb:
        vb.wait_ready(timeout=60)
        s = ask_board(vb, {"op": "stats"})
        h = ask_board(vb, {"op": "hello"})
    assert read_flash_file(flash, HEAP_FILE) == b"112640\n"
    assert s["ok"] is True and abs(s["heap_free_boot"] - 110 * 1024) <= 2048, s
    assert 0 < s["heap_free_built"] < s["heap_free_boot"]
    assert (s["latched"], s["reason"]) == (0, 0), s         # built whole: no memory error, no fail-closed
    assert h["config"]["ok"] is True and h["model"]["ok"] is True and h.get("build_error") in (None, "")
    with RP2040Board(flash=flash, uf2=pico_uf2) as vb:
        vb.wait_ready(timeout=60)
        s2 = ask_board(vb, {"op": "stats"})
    assert read_flash_file(flash, HEAP_FILE) is None
    assert s2["heap_free_boot"] > 200 * 1024
