"""Copy redline (.mpy) to a board running stock MicroPython and verify every file's SHA-256 on it.

    redline deploy --port /dev/ttyACM0 --board RPI_PICO --key-file pico.key
    redline deploy --port /dev/ttyUSB0 --board ESP32_GENERIC --config build/redline_config.py
    redline deploy --board RPI_PICO --romfs build/redline.romfs     # image only, no board

The reset key is read from --key-file, or made (32 random bytes) and written
there when the file does not exist; it never enters the repository. A key
shorter than 16 bytes is refused. A board that already runs redline speaks only
its line protocol: the deploy opens its maintenance window first with the key
it was provisioned with (--unlock-key-file, default --key-file), copies,
verifies and closes the window. The staged tree holds a released latch record
(deploying is authenticated, like a reset); --keep-latch leaves the board's
record as it is. Ports without a file system slot for the key can take the
ROMFS image (``mpremote romfs deploy``) or a frozen build (``make firmware``).
"""
import json
import os

from redline_host.device.deploy import provision_key
from redline_host.errors import UserError
from redline_host.paths import BUILD, DEFAULT_MODEL


def add_arguments(p):
    p.add_argument("--port", help="serial device of the board (mpremote connect PORT)")
    p.add_argument("--board", default="ESP32_GENERIC", help="ESP32_GENERIC, RPI_PICO or unix (a virtual board)")
    p.add_argument("--key-file", help="hex reset key to provision; created with a new random key if missing")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory")
    p.add_argument("--config", help="calibration module (default boards/common/redline_config.py)")
    p.add_argument("--stage-dir", default=str(BUILD / "deploy"), help="where the staged tree is built")
    p.add_argument("--romfs", help="also build a ROMFS image of the staged tree at this path")
    p.add_argument("--no-verify", action="store_true", help="skip the on-board SHA-256 check")
    p.add_argument("--unlock-key-file", help="key the running node was provisioned with (default: --key-file)")
    p.add_argument("--keep-latch", action="store_true",
                   help="do not stage a released latch record (a board without one boots latched)")


def run(args):
    from redline_host.device import deploy
    if not args.port and not args.romfs:
        raise UserError("give --port (copy to a board) and/or --romfs (build an image)")
    from redline_host.device import maint
    key = provision_key(args.key_file)
    unlock_key = deploy.read_key(args.unlock_key_file) if args.unlock_key_file else key
    files = deploy.stage(args.board, args.stage_dir, key=key, model_dir=args.model, config=args.config,
                         latch=not args.keep_latch)
    report = {"board": args.board, "files": len(files), "key": key is not None}
    if args.romfs:
        report["romfs"] = str(deploy.romfs(args.stage_dir, args.romfs))
        report["romfs_bytes"] = os.path.getsize(args.romfs)
    code = 0
    if args.port:
        state = maint.unlock(args.port, unlock_key) if unlock_key is not None else "repl"
        report["maintenance"] = state
        try:
            report["removed"] = deploy.copy(args.port, args.stage_dir, files)
            if not args.no_verify:
                checks = deploy.verify(args.port, args.stage_dir, files)
                bad = [c for c in checks if not c[3]]
                report["verified"] = len(checks) - len(bad)
                report["failed"] = [{"path": c[0], "host": c[1], "board": c[2]} for c in bad]
                code = 1 if bad else 0
        finally:
            if state == "unlocked":
                maint.lock(args.port)
    print(json.dumps(report, indent=2))
    return code
