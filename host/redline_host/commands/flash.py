"""Write a MicroPython firmware image: esptool for ESP32 chips, a UF2 copy for the RP2040.

    redline flash --port /dev/ttyUSB0 --chip esp32 build/firmware.bin
    redline flash --port /media/$USER/RPI-RP2 --chip rp2040 firmware.uf2   # BOOTSEL drive
    redline flash --port /dev/ttyUSB0 --chip esp32 firmware.bin --dry-run  # print the command

ESP32 images from ``make firmware`` go at 0x1000 (esp32) or 0x0 (esp32s3, esp32c3,
esp32c6); --erase erases the flash first.
"""
import shutil
import subprocess
from pathlib import Path
from redline_host.argtypes import int_range

from redline_host.device.flash import CHIPS, esptool_argv, uf2_target
from redline_host.errors import UserError


def add_arguments(p):
    p.add_argument("image", help="firmware image (.bin for ESP32, .uf2 for RP2040)")
    p.add_argument("--port", required=True, help="serial port (ESP32) or the mounted RPI-RP2 drive (RP2040)")
    p.add_argument("--chip", required=True, choices=CHIPS)
    p.add_argument("--baud", type=int_range(1200, 10000000), default=460800)
    p.add_argument("--offset", help="flash offset (default by chip: 0x1000 for esp32/esp32s2, else 0x0)")
    p.add_argument("--erase", action="store_true", help="erase the whole flash first")
    p.add_argument("--dry-run", action="store_true", help="print what would run, do nothing")


def run(args):
    image = Path(args.image)
    if not image.is_file():
        raise UserError("no firmware image %s" % image)
    if args.chip == "rp2040":
        target = uf2_target(image, args.port, args.dry_run)
        print("copy %s -> %s" % (image, target))
        if not args.dry_run:
            shutil.copyfile(image, target)
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
