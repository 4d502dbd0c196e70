"""Compare a board with the host reference, vector by vector, over its serial port.

    redline harness --port vboard                 # start a unix virtual board and test it
    redline harness --port wasm --texts 100 --steps 3000
    redline harness --port rp2040                 # the RPI_PICO image in the emulated RP2040
    redline harness --port /dev/ttyACM0 --key-file pico.key --config build/redline_config.py

Prints a JSON summary (vectors, mismatches, first divergence with stage and
field, latency p50/p95, the board's free heap at boot, after building the node
and at the worst point, and on the emulated Pico cycles per 64-byte sift,
pipeline message and sensor reading from its marker pin) and exits 1 on any
mismatch. Refuses a board whose model SHA-256 differs from the host's.
"""
import json
import sys
from redline_host.argtypes import float_above, heap_size, int_range

from redline_host.errors import UserError
from redline_host.paths import DEFAULT_MODEL


def add_arguments(p):
    p.add_argument("--port", required=True,
                   help="serial device or pyserial URL, or 'vboard' / 'wasm' / 'rp2040' to start a virtual board "
                        "(rp2040: the RPI_PICO UF2 of make firmware BOARD=RPI_PICO in the emulated chip)")
    p.add_argument("--vectors", help="JSON-lines vector file (requests and {\"action\": \"reset\"} markers) "
                                     "instead of generated vectors")
    p.add_argument("--texts", type=int_range(0, 10 ** 7), default=2500,
                   help="generated texts; each is sent as a sift and as a msg request")
    p.add_argument("--steps", type=int_range(0, 10 ** 9), default=100000,
                   help="generated sensor readings (on rp2040, whose emulated chip runs ~0.2x a real Pico, "
                        "a full run takes about 15-20 min)")
    p.add_argument("--seed", type=int_range(0, 2 ** 31), default=1, help="seed of the generated vectors")
    p.add_argument("--key-file", help="hex HMAC reset key of a real board (virtual boards make their own)")
    p.add_argument("--config", help="redline_config.py the host reference uses (default: the vboard default)")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (redline_model.py)")
    p.add_argument("--write-vectors", help="also write the vectors used to this JSON-lines file")
    p.add_argument("--timeout", type=float_above(0), default=20.0, help="seconds to wait for one reply")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--flash", help="rp2040: keep the emulated board's flash image in this file")
    p.add_argument("--uf2", help="rp2040: firmware image (default: build/pico/RPI_PICO.uf2)")
    p.add_argument("--bootrom", help="rp2040: RP2040 B1 bootrom (default: ../shared/toolchains/, or REDLINE_BOOTROM)")
    p.add_argument("--heap", type=heap_size, help="rp2040: leave only this much heap free at boot (e.g. 110K, an "
                                                  "ESP32_GENERIC without PSRAM): a ballast allocated before the node "
                                                  "is built (default: the whole heap)")
    p.add_argument("--speed", choices=("realtime", "max"),
                   help="rp2040: the emulator's clock: realtime holds it to the wall clock while the chip "
                        "sleeps; max skips idle time (cycle figures then repeat run to run) "
                        "(default: realtime)")


def run(args):
    from redline_host.device.harness import Harness, read_key_file
    from redline_host.device.harness_vectors import read_vectors, sensor_vectors, text_vectors, write_vectors
    if args.vectors:
        try:
            vectors = read_vectors(args.vectors)
        except (OSError, ValueError) as exc:
            raise UserError("cannot read vectors %s: %s" % (args.vectors, exc))
    else:
        steps = args.steps
        vectors = text_vectors(args.texts, seed=args.seed) + sensor_vectors(steps, seed=args.seed + 1)
    if args.write_vectors:
        write_vectors(args.write_vectors, vectors)
    key = read_key_file(args.key_file) if args.key_file else None
    progress = None if args.quiet else (lambda m: print("harness: " + m, file=sys.stderr))
    options = None
    if args.port == "rp2040":
        options = {k: getattr(args, k) for k in ("flash", "uf2", "bootrom", "heap", "speed") if getattr(args, k)}
    elif args.flash or args.uf2 or args.bootrom or args.heap or args.speed:
        raise UserError("--flash, --uf2, --bootrom, --heap and --speed are for --port rp2040")
    with Harness(args.port, key=key, config=args.config, model_dir=args.model, timeout=args.timeout,
                 vboard_options=options) as h:
        summary = h.run(vectors, progress=progress)
    print(json.dumps(summary, indent=2, default=str))
    return 0 if summary["ok"] else 1
