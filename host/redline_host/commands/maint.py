"""Open (or close) a node's maintenance window, so mpremote can reach its raw REPL.

    redline maint --port /dev/ttyACM0 --key-file pico.key        # then: mpremote connect /dev/ttyACM0 resume ...
    redline maint --port /dev/ttyACM0 --off

A deployed node's serial port speaks only the line protocol; its raw REPL opens
after an authenticated ``maint`` request (HMAC with the reset key) and closes
with ``--off``, a reboot, or ten minutes without raw-REPL traffic
(docs/protocol.md, "Maintenance"). Prints ``unlocked``, ``locked``, or ``repl``
for a board that does not run redline (its REPL is open anyway).
"""
from redline_host.errors import UserError


def add_arguments(p):
    p.add_argument("--port", required=True, help="serial device or pyserial URL of the node")
    p.add_argument("--key-file", help="hex reset key the node was provisioned with (needed to open)")
    p.add_argument("--off", action="store_true", help="close the window instead (no key needed)")


def run(args):
    from redline_host.device.deploy import read_key
    from redline_host.device.maint import lock, unlock
    if args.off:
        if not lock(args.port):
            raise UserError("no redline node answered on %s" % args.port)
        print("locked")
        return 0
    if not args.key_file:
        raise UserError("opening the window needs --key-file (the node's reset key)")
    print(unlock(args.port, read_key(args.key_file)))
    return 0
