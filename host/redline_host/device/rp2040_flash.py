"""The emulated Pico's 2 MiB flash as a file: firmware area, and MicroPython's littlefs read and written on the host.

    from redline_host.device.rp2040_flash import write_flash_files, read_flash_file
    write_flash_files("flash.bin", {"redline.key": b"00ff...\\n"})     # created (formatted) when missing
    read_flash_file("flash.bin", "redline.key")

The littlefs geometry is the one MicroPython's rp2 port mounts at 0xA0000
(352 blocks of 4 KiB, program size 256), so the firmware reads what is written
here and PyPI ``littlefs-python`` reads what the firmware wrote (the emulator
bridge saves the flash on exit, on reset and after writes).
"""
import logging
import os
from pathlib import Path

from redline_host.errors import UserError

log = logging.getLogger(__name__)

FLASH_SIZE = 2 * 1024 * 1024
FS_OFFSET = 0xA0000            # MICROPY_HW_FLASH_STORAGE_BYTES = 1408 KiB at the end of 2 MiB
FS_BLOCK = 4096
FS_BLOCKS = 352
# the littlefs geometry MicroPython's rp2 port uses (ports/rp2/modules/_boot.py: progsize=256;
# extmod/vfs_lfsx.c: readsize 32, lookahead 32, block_cycles 100, cache min(block, 4*max))
LFS_CONFIG = dict(block_size=FS_BLOCK, block_count=FS_BLOCKS, read_size=32, prog_size=256,
                  lookahead_size=32, cache_size=1024, block_cycles=100, disk_version=0x00020001)


class FlashError(UserError):
    """A flash image file that is not one."""


def _lfs(buffer=None, mount=True):
    from littlefs import LittleFS, UserContext
    ctx = UserContext(buffer=bytearray(buffer) if buffer is not None else bytearray(b"\xff" * (FS_BLOCK * FS_BLOCKS)))
    return LittleFS(context=ctx, mount=mount, **LFS_CONFIG)


def new_flash_image():
    """2 MiB of erased flash with a freshly formatted littlefs at 0xA0000 (firmware added at start)."""
    fs = _lfs(mount=False)
    fs.format()
    fs.mount()
    img = bytearray(b"\xff" * FLASH_SIZE)
    img[FS_OFFSET:] = bytes(fs.context.buffer)
    return img


def write_flash_files(flash_path, files, remove=()):
    """Write ``{name: bytes}`` into the littlefs of the flash image file (created when absent);
    delete the files named in ``remove`` when present."""
    flash_path = Path(flash_path)
    img = bytearray(flash_path.read_bytes()) if flash_path.is_file() else new_flash_image()
    if len(img) != FLASH_SIZE:
        raise FlashError("%s is %d bytes, not a 2 MiB flash image" % (flash_path, len(img)))
    try:
        fs = _lfs(img[FS_OFFSET:])
    except Exception:   # never formatted (or corrupt): format, as _boot.py would
        log.warning("%s has no littlefs; formatting it", flash_path)
        fs = _lfs(mount=False)
        fs.format()
        fs.mount()
    for name, data in files.items():
        with fs.open(name, "wb") as f:
            f.write(data)
    for name in remove:
        try:
            fs.remove(name)
        except Exception:   # littlefs-python raises its own error for a missing file
            pass
    img[FS_OFFSET:] = bytes(fs.context.buffer)
    tmp = flash_path.with_suffix(".tmp")
    tmp.write_bytes(img)
    os.replace(tmp, flash_path)


def read_flash_file(flash_path, name):
    """A file's bytes from the littlefs of a saved flash image, or None."""
    img = Path(flash_path).read_bytes()
    fs = _lfs(img[FS_OFFSET:])
    try:
        with fs.open(name, "rb") as f:
            return f.read()
    except Exception:
        return None


def list_flash_files(flash_path):
    img = Path(flash_path).read_bytes()
    return sorted(_lfs(img[FS_OFFSET:]).listdir("/"))
