"""Run a virtual board (unix or WebAssembly MicroPython, or the emulated Pico) behind a pty until interrupted.

    redline vboard --trace trace.csv --link /tmp/redline0
    redline vboard --board wasm --key-file vboard.key
    redline vboard --board rp2040 --flash build/pico/flash.bin --link /tmp/pico0

Prints the device path to open with pyserial, mpremote or ``redline harness
--port``. The reset key is written to --key-file (hex, mode 600) when given; a
key file holding fewer than 16 bytes is refused, as a board refuses it. The trace
is checked before the board starts (a header naming a channel twice, a row with
a missing or non-integer cell: refused with its line number). --flash keeps the
board's flash between runs (unix/wasm: a folder with the configuration, key and
latch record; rp2040: the 2 MiB flash image file): a board tripped, stopped and
started again comes back latched. ``--board rp2040`` boots the real RPI_PICO UF2
(``make firmware BOARD=RPI_PICO``) in the rp2040js emulator. SIGTERM stops the
board process too.
"""
import os
import sys
import time

from redline_host.argtypes import float_range, heap_size, int_range
from redline_host.errors import UserError

BOARDS = ("unix", "wasm", "rp2040")


def add_arguments(p):
    p.add_argument("--board", choices=BOARDS, default="unix",
                   help="unix or wasm MicroPython, or rp2040: the RPI_PICO image in an emulated RP2040")
    p.add_argument("--wasm", action="store_true", help="same as --board wasm")
    p.add_argument("--trace", help="integer CSV sensor trace (header = channel names) the board samples")
    p.add_argument("--config", help="redline_config.py to flash (default: the vboard default configuration; "
                                    "rp2040: one scaled to its 12-bit ADC, or the one already on --flash)")
    p.add_argument("--link", help="also make this symlink to the pty")
    p.add_argument("--key-file", help="read the reset key from this file, or write the board's key there")
    p.add_argument("--rate", type=int_range(1, 1000), help="sample rate in Hz (default: the configuration's, else 10)")
    p.add_argument("--seconds", type=float_range(0), default=0, help="stop after this many seconds (0: until Ctrl-C)")
    p.add_argument("--flash", help="keep the board's flash between runs: unix/wasm a folder (provisioned the first "
                                   "time), rp2040 the 2 MiB image file (created when missing; default: a temporary one)")
    p.add_argument("--uf2", help="rp2040: firmware image (default: build/pico/RPI_PICO.uf2)")
    p.add_argument("--bootrom", help="rp2040: RP2040 B1 bootrom (default: ../shared/toolchains/, or REDLINE_BOOTROM)")
    p.add_argument("--heap", type=heap_size, help="rp2040: leave only this much heap free at boot (e.g. 110K, an "
                                                  "ESP32_GENERIC without PSRAM): a ballast allocated before the node "
                                                  "is built (default: the whole heap)")


def make_board(args, key):
    kind = "wasm" if args.wasm else args.board
    if kind == "rp2040":
        from redline_host.device.rp2040 import RP2040Board
        return RP2040Board(trace=args.trace, config=args.config, key=key, link=args.link, rate=args.rate,
                           flash=args.flash, uf2=args.uf2, bootrom=args.bootrom, heap=args.heap)
    for opt in ("uf2", "bootrom", "heap"):
        if getattr(args, opt):
            raise UserError("--%s is for --board rp2040" % opt)
    from redline_host.device.vboard import VirtualBoard
    return VirtualBoard(kind, trace=args.trace, config=args.config, key=key, link=args.link, rate=args.rate,
                        flash=args.flash)


def run(args):
    from redline_host.device.deploy import read_key
    from redline_host.device.vboard import check_trace
    key = None
    if args.key_file and os.path.isfile(args.key_file):
        key = read_key(args.key_file)
    if args.trace:
        check_trace(args.trace)
    vb = make_board(args, key)
    with vb:
        vb.wait_ready()
        if args.key_file and key is None:
            fd = os.open(args.key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(vb.key.hex() + "\n")
        print(vb.device, flush=True)
        print("redline: virtual %s board on %s; Ctrl-C stops it" % (vb.kind, vb.device), file=sys.stderr)
        t0 = time.monotonic()
        try:
            while vb.alive() and (not args.seconds or time.monotonic() - t0 < args.seconds):
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        if not vb.alive():
            raise UserError("virtual board exited: %s" % vb.log_tail())
    return 0
