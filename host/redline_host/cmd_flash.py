"""Write a MicroPython firmware image: esptool for ESP32 chips, a UF2 copy for the RP2040.

    redline flash --port /dev/ttyUSB0 --chip esp32 build/firmware.bin
    redline flash --port /media/$USER/RPI-RP2 --chip rp2040 firmware.uf2   # BOOTSEL drive
    redline flash --port /dev/ttyUSB0 --chip esp32 firmware.bin --dry-run  # print the command

ESP32 images from ``make firmware`` go at 0x1000 (esp32) or 0x0 (esp32s3, esp32c3,
esp32c6); --erase erases the flash first.
"""
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import UserError

OFFSETS = {"esp32": "0x1000", "esp32s2": "0x1000", "esp32s3": "0x0", "esp32c3": "0x0", "esp32c6": "0x0"}
CHIPS = tuple(OFFSETS) + ("rp2040",)


def add_arguments(p):
    p.add_argument("image", help="firmware image (.bin for ESP32, .uf2 for RP2040)")
    p.add_argument("--port", required=True, help="serial port (ESP32) or the mounted RPI-RP2 drive (RP2040)")
    p.add_argument("--chip", required=True, choices=CHIPS)
    p.add_argument("--baud", type=int, default=460800)
    p.add_argument("--offset", help="flash offset (default by chip: 0x1000 for esp32/esp32s2, else 0x0)")
    p.add_argument("--erase", action="store_true", help="erase the whole flash first")
    p.add_argument("--dry-run", action="store_true", help="print what would run, do nothing")


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


def run(args):
    image = Path(args.image)
    if not image.is_file():
        raise UserError("no firmware image %s" % image)
    if args.chip == "rp2040":
        if image.suffix.lower() != ".uf2":
            raise UserError("the RP2040 takes a .uf2 image")
        drive = Path(args.port)
        if not args.dry_run and not (drive.is_dir() and (drive / "INFO_UF2.TXT").is_file()):
            raise UserError("%s is not an RPI-RP2 drive: hold BOOTSEL while plugging the board in, "
                            "then give the drive's mount point as --port" % drive)
        print("copy %s -> %s" % (image, drive / image.name))
        if not args.dry_run:
            shutil.copyfile(image, drive / image.name)
        return 0
    if image.suffix.lower() == ".uf2":
        raise UserError("ESP32 chips take a .bin image, not .uf2")
    for cmd in esptool_argv(args.chip, args.port, image, args.baud, args.offset, args.erase):
        print(" ".join(cmd))
        if not args.dry_run:
            rc = subprocess.call(cmd)
            if rc:
                raise UserError("esptool failed with exit status %d" % rc)
    return 0
