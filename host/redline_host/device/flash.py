"""Flashing a MicroPython image: esptool for ESP32 chips, a UF2 copy for the RP2040.

    from redline_host.device.flash import esptool_argv, uf2_target
    esptool_argv("esp32", "/dev/ttyUSB0", "build/firmware.bin")   # [[esptool, ..., "write-flash", ...]]

ESP32 images go at 0x1000 (esp32, esp32s2) or 0x0 (esp32s3, esp32c3, esp32c6).
"""
import shutil
import sys
from pathlib import Path

from redline_host.errors import UserError

OFFSETS = {"esp32": "0x1000", "esp32s2": "0x1000", "esp32s3": "0x0", "esp32c3": "0x0", "esp32c6": "0x0"}
CHIPS = tuple(OFFSETS) + ("rp2040",)


def esptool_command():
    exe = Path(sys.executable).with_name("esptool")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("esptool")
    return [found] if found else [sys.executable, "-m", "esptool"]


def esptool_argv(chip, port, image, baud=460800, offset=None, erase=False):
    """The esptool invocations (list of argv lists) for one flash."""
    base = esptool_command() + ["--chip", chip, "--port", port, "--baud", str(baud)]
    cmds = []
    if erase:
        cmds.append(base + ["erase-flash"])
    cmds.append(base + ["write-flash", "-z", offset or OFFSETS[chip], str(image)])
    return cmds


def uf2_target(image, drive, dry_run=False):
    """Where a .uf2 image goes on a mounted RPI-RP2 drive (BOOTSEL held at power-up), checked."""
    image = Path(image)
    drive = Path(drive)
    if image.suffix.lower() != ".uf2":
        raise UserError("the RP2040 takes a .uf2 image")
    if not dry_run and not (drive.is_dir() and (drive / "INFO_UF2.TXT").is_file()):
        raise UserError("%s is not an RPI-RP2 drive: hold BOOTSEL while plugging the board in, "
                        "then give the drive's mount point as --port" % drive)
    return drive / image.name
