"""Board manifests resolve and cross-compile; deploy to a virtual board; flash argument building."""
import argparse
import subprocess
import sys

import pytest

from redline_host.commands import deploy as cmd_deploy
from redline_host.commands import flash as cmd_flash
from redline_host.device.flash import esptool_argv
from redline_host.errors import UserError
from redline_host.device.manifest_eval import MARCH, cross_compile, evaluate, frozen_name
from redline_host.paths import BOARDS, REPO

TOOLS = REPO / "tools"
from redline_host.device.vboard import VirtualBoard


def _args(module, argv):
    p = argparse.ArgumentParser()
    module.add_arguments(p)
    return p.parse_args(argv)


@pytest.mark.parametrize("board", sorted(MARCH))
def test_manifest_resolves_and_cross_compiles(board):
    m = evaluate(BOARDS / board / "manifest.py")
    targets = {f.target for f in m.files}
    for need in ("main.py", "pins.py", "redline_board.py", "redline_shims.py", "redline_model.py",
                 "redline_config.py", "redline/__init__.py", "redline/link/proto.py", "redline/sensor/guard.py"):
        assert need in targets, need
    assert m.external == ["$(PORT_DIR)/boards/manifest.py"]
    proc = subprocess.run([sys.executable, str(TOOLS / "firmware.py"), "--board", board, "--check-only"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    import json
    report = json.loads(proc.stdout)
    assert report["march"] == MARCH[board] and report["files"] == len(targets)
    print("%s: %d files, %d bytes frozen (%s)" % (board, report["files"], report["frozen_bytes"], report["march"]))


@pytest.mark.parametrize("board", sorted(MARCH))
def test_frozen_module_names_are_unique(board):
    # issue 15: mpy-tool names a frozen module by its path with / as _; redline/model.py and the
    # top-level redline_model.py once both became frozen_module_redline_model
    targets = [f.target for f in evaluate(BOARDS / board / "manifest.py").files if f.target.endswith(".py")]
    names = [frozen_name(t) for t in targets]
    assert len(set(names)) == len(names)
    assert frozen_name("redline/text/model.py") == "redline_text_model" != frozen_name("redline_model.py")


def test_cross_compile_refuses_two_modules_with_one_frozen_name(tmp_path):
    class F:
        def __init__(self, target, source):
            self.target = target
            self.source = source

    class M:
        files = [F("redline/model.py", REPO / "firmware" / "redline" / "text" / "model.py"),
                 F("redline_model.py", REPO / "models" / "default" / "redline_model.py")]

    with pytest.raises(UserError, match="both freeze as frozen_module_redline_model"):
        cross_compile(M(), "armv6m", tmp_path)


def test_firmware_without_micropy_dir_explains(monkeypatch):
    monkeypatch.delenv("MICROPY_DIR", raising=False)
    proc = subprocess.run([sys.executable, str(TOOLS / "firmware.py"), "--board", "RPI_PICO"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert "MICROPY_DIR is not set" in proc.stderr and "firmware.uf2" in proc.stderr


def test_manifest_with_missing_file_fails(tmp_path):
    (tmp_path / "manifest.py").write_text('module("nothere.py")\n')
    with pytest.raises(UserError, match="does not exist"):
        evaluate(tmp_path / "manifest.py")


def test_flash_argv_for_esp32():
    cmds = esptool_argv("esp32", "/dev/ttyUSB0", "fw.bin", baud=115200, erase=True)
    assert cmds[0][-7:] == ["--chip", "esp32", "--port", "/dev/ttyUSB0", "--baud", "115200", "erase-flash"]
    assert cmds[1][-4:] == ["write-flash", "-z", "0x1000", "fw.bin"]
    assert esptool_argv("esp32s3", "P", "x.bin")[0][-4:] == ["write-flash", "-z", "0x0", "x.bin"]


def test_flash_dry_run_and_refusals(tmp_path, capsys):
    img = tmp_path / "fw.bin"
    img.write_bytes(b"\0" * 16)
    assert cmd_flash.run(_args(cmd_flash, [str(img), "--port", "/dev/ttyUSB0", "--chip", "esp32", "--dry-run"])) == 0
    assert "write-flash -z 0x1000 %s" % img in capsys.readouterr().out
    with pytest.raises(UserError, match=".uf2"):
        cmd_flash.run(_args(cmd_flash, [str(img), "--port", str(tmp_path), "--chip", "rp2040"]))
    uf2 = tmp_path / "fw.uf2"
    uf2.write_bytes(b"UF2")
    with pytest.raises(UserError, match="BOOTSEL"):
        cmd_flash.run(_args(cmd_flash, [str(uf2), "--port", str(tmp_path), "--chip", "rp2040"]))
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader")
    assert cmd_flash.run(_args(cmd_flash, [str(uf2), "--port", str(drive), "--chip", "rp2040"])) == 0
    assert (drive / "fw.uf2").read_bytes() == b"UF2"


def test_deploy_to_vboard_verifies_every_file(tmp_path, capsys):
    key_file = tmp_path / "board.key"
    with VirtualBoard("unix") as vb:
        vb.wait_ready()
        running = tmp_path / "running.key"            # the key the running node was provisioned with
        running.write_text(vb.key.hex() + "\n")
        args = _args(cmd_deploy, ["--port", vb.path, "--board", "unix", "--key-file", str(key_file),
                                  "--unlock-key-file", str(running),
                                  "--stage-dir", str(tmp_path / "stage"), "--romfs", str(tmp_path / "r.romfs")])
        assert cmd_deploy.run(args) == 0
        staged = sorted(p.name for p in (tmp_path / "stage").iterdir())
        assert {"redline_latch.0", "redline_latch.1", "redline_model.sha256", "redline.key"} <= set(staged)
    import json
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == [] and report["verified"] == report["files"] > 40
    assert report["maintenance"] == "unlocked"
    # the virtual board's own redline_config.py would have shadowed the deployed .mpy
    assert report["removed"] == ["redline_config.py"]
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(bytes.fromhex(key_file.read_text())) == 32
    assert (tmp_path / "r.romfs").read_bytes()[:3] == b"\xd2\xcd\x31"


def test_deploy_to_a_running_node_needs_its_key(tmp_path):
    from redline_host.errors import UserError
    with VirtualBoard("unix") as vb:
        vb.wait_ready()
        args = _args(cmd_deploy, ["--port", vb.path, "--board", "unix", "--key-file", str(tmp_path / "new.key"),
                                  "--stage-dir", str(tmp_path / "stage")])
        with pytest.raises(UserError, match="refused maintenance \\(auth: authentication failed\\)"):
            cmd_deploy.run(args)
