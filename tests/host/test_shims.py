"""The real boards' shims (boards/common/redline_shims.py, boards/RPI_PICO) with a stand-in ``machine``,
on CPython, the unix and the WebAssembly MicroPython: the reset-cause path a watchdog reset takes to
a latched boot (issue 18, findings 1 and 10), the flash the latch record lives on, the maintenance
pin, and the entropy fallback (issue 15, item 4).
"""
import json
import subprocess
from pathlib import Path

import pytest

from redline_host.device.runtimes import run_script
from redline_host.paths import BOARDS, FIRMWARE

FAKE = Path(__file__).resolve().parent / "fake_machine"

SCRIPT = r'''
import json
import os
import sys
import machine
import pins
import redline_board
from redline.latch import provision, FileFlash

def board_with(cause=1, reason=0, levels=None):
    machine.CAUSE = cause
    machine.mem32.values[0x40058008] = reason
    machine.PIN_LEVELS.clear()
    machine.PIN_LEVELS.update(levels or {})
    del machine.WDT_STARTED[:]
    return redline_board.make()

out = {}
folder = "shim_flash_test"
try:
    os.mkdir(folder)
except OSError:
    pass
os.chdir(folder)
try:
    provision(FileFlash(""))
    from redline.node import Node
    from redline.sensor.config import SensorConfig
    cfg = SensorConfig(("temp_a",), baseline=30000, scale=10)
    b = board_with(cause=machine.WDT_RESET, reason=1)       # a watchdog timeout (REASON TIMER)
    b.serial = None
    b.text = False
    n = Node(b, config=cfg)
    out["timeout"] = [b.reset_cause, n.latched, n.interlock.reason]
    provision(FileFlash(""))
    b = board_with(cause=machine.WDT_RESET, reason=2)       # machine.reset(): REASON FORCE
    b.text = False
    n = Node(b, config=cfg)
    out["forced"] = [b.reset_cause, n.latched]
    out["wdt_started"] = list(machine.WDT_STARTED)
    out["maintenance_off"] = b.maintenance
    b = board_with(levels={pins.MAINT_PIN: pins.MAINT_LEVEL})
    out["maintenance_on"] = [b.maintenance, list(machine.WDT_STARTED)]
    e1 = b.entropy(16)
    e2 = b.entropy(16)
    out["entropy"] = [len(e1), e1 != e2]
    out["flash"] = type(b.flash).__name__
finally:
    for i in range(2):
        try:
            os.remove("redline_latch.%d" % i)
        except OSError:
            pass
    os.chdir("..")
    os.rmdir(folder)
print("RESULT " + json.dumps(out))
'''


@pytest.mark.parametrize("runtime", ["cpython", "unix", "wasm"])
def test_rp2040_shims_reset_cause_flash_maintenance_entropy(runtime, tmp_path):
    script = tmp_path / "shims_check.py"
    script.write_text(SCRIPT)
    try:
        proc = run_script(runtime, script, paths=[FIRMWARE, BOARDS / "common", BOARDS / "RPI_PICO", FAKE],
                          heapsize="512K", precompile=False, timeout=120, cwd=str(tmp_path))
    except subprocess.TimeoutExpired:
        pytest.fail("%s: timed out" % runtime)
    out = proc.stdout.decode(errors="replace")
    lines = [l for l in out.splitlines() if l.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, (out, proc.stderr.decode(errors="replace")[-2000:])
    r = json.loads(lines[0][7:])
    assert r["timeout"] == [3, True, 34]            # a watchdog timeout boots latched ("watchdog")
    assert r["forced"] == [1, False]                # machine.reset() does not
    assert r["wdt_started"] == [8000] and r["maintenance_off"] is False
    assert r["maintenance_on"] == [True, []]        # maintenance pin held: no watchdog started
    assert r["entropy"] == [16, True]
    assert r["flash"] == "FileFlash"
