"""Run a virtual board (unix or WebAssembly MicroPython behind a pty) until interrupted.

    redline vboard --trace trace.csv --link /tmp/redline0
    redline vboard --wasm --key-file vboard.key

Prints the device path to open with pyserial, mpremote or ``redline harness
--port``. The reset key is written to --key-file (hex, mode 600) when given.
"""
import os
import sys
import time

from redline_host.errors import UserError


def add_arguments(p):
    p.add_argument("--wasm", action="store_true", help="the WebAssembly MicroPython instead of the unix port")
    p.add_argument("--trace", help="integer CSV sensor trace (header = channel names) the board samples")
    p.add_argument("--config", help="redline_config.py to flash (default: the vboard default configuration)")
    p.add_argument("--link", help="also make this symlink to the pty")
    p.add_argument("--key-file", help="read the reset key from this file, or write a new one there")
    p.add_argument("--rate", type=int, help="sample rate in Hz (default: the configuration's, else 10)")
    p.add_argument("--seconds", type=float, default=0, help="stop after this many seconds (0: until Ctrl-C)")


def run(args):
    from redline_host.device.vboard import VirtualBoard
    key = None
    if args.key_file and os.path.isfile(args.key_file):
        try:
            key = bytes.fromhex(open(args.key_file).read().strip())
        except ValueError:
            raise UserError("key file %s is not hex" % args.key_file)
    vb = VirtualBoard("wasm" if args.wasm else "unix", trace=args.trace, config=args.config, key=key,
                      link=args.link, rate=args.rate)
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
