"""The emulated Pico: the real RPI_PICO UF2 (redline frozen) in rp2040js behind a pty.

Boots the cached image once (about 7 s of wall time) and checks, over the USB
CDC serial port: the frozen main.py answers hello with the configuration and key
written into its littlefs; a file written on the board survives machine.reset()
(a new emulator from the saved flash) and is readable from the saved flash image;
the marker pin gives exact cycle counts (an empty loop iteration costs ~390
cycles, not the ~1,230 of a bridge that storms the chip with USB interrupts).

Skips when ../shared/toolchains (bootrom, MicroPython source) is absent, when the
UF2 for the current sources is not built (python3 tools/pico_image.py), or when
rp2040js / littlefs-python are not installed.
"""
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
TOOLCHAINS = REPO.parent / "shared" / "toolchains"
BOOTROM = TOOLCHAINS / "rp2040-bootrom-b1.bin"
for _p in (TOOLS, TOOLS / "rp2040"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))


def _uf2_or_skip():
    if not BOOTROM.is_file() or not (TOOLCHAINS / "micropython-v1.27.0-rp2-pruned.tar.gz").is_file():
        pytest.skip("no ../shared/toolchains (RP2040 bootrom and MicroPython source): the emulated Pico is not tested")
    if not (TOOLS / "node_modules" / "rp2040js").is_dir():
        pytest.skip("rp2040js is not installed in tools/node_modules: run make setup")
    pytest.importorskip("littlefs", reason="PyPI littlefs-python is not installed")
    from pico_image import cached_uf2
    uf2 = cached_uf2()
    if uf2 is None:
        pytest.skip("the RPI_PICO UF2 for the current sources is not built: run python3 tools/pico_image.py")
    return uf2


@pytest.fixture(scope="module")
def pico(tmp_path_factory):
    uf2 = _uf2_or_skip()
    from vboard_rp2040 import RP2040Board, pico_default_config
    flash = tmp_path_factory.mktemp("pico") / "flash.bin"
    # a configuration unlike the frozen one, so hello proves the filesystem copy is read
    cfg = pico_default_config(window=24, warmup=24)
    vb = RP2040Board(flash=flash, uf2=uf2, bootrom=BOOTROM, config=cfg, key=bytes(range(32)))
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
    from vboard_rp2040 import adc_u16_seen
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


def test_file_survives_machine_reset(pico):
    from vboard_rp2040 import read_flash_file
    pico.exec_raw("f = open('survive.txt', 'w')\nf.write('written before the reset')\nf.close()\n")
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
    before = len(pico.markers())
    pico.exec_raw(code)
    marks = pico.wait_markers(6, since=before, timeout=10)
    assert [e["value"] for e in marks] == [1, 0, 1, 0, 1, 0]
    spans = [marks[i + 1]["cycles"] - marks[i]["cycles"] for i in (0, 2, 4)]
    per_100 = (spans[1] - spans[0]) / 100
    per_1000 = (spans[2] - spans[0]) / 1000
    # ~390 cycles per iteration on the chip model; ~1,230 when the bridge storms the chip
    assert 300 < per_100 < 500, spans
    assert abs(per_1000 - per_100) < 2, spans
