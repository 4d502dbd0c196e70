"""Compare a board with the host reference, vector by vector, over its serial port.

    redline harness --port vboard                 # start a unix virtual board and test it
    redline harness --port wasm --texts 100 --steps 3000
    redline harness --port /dev/ttyUSB0 --key-file board.key --config build/redline_config.py

Prints a JSON summary (vectors, mismatches, first divergence with stage and
field, latency p50/p95) and exits 1 on any mismatch. Refuses a board whose
model SHA-256 differs from the host's.
"""
import json
import sys

from redline_host.errors import UserError
from redline_host.paths import DEFAULT_MODEL


def add_arguments(p):
    p.add_argument("--port", required=True,
                   help="serial device or pyserial URL, or 'vboard' / 'wasm' to start a virtual board")
    p.add_argument("--vectors", help="JSON-lines vector file (requests and {\"action\": \"reset\"} markers) "
                                     "instead of generated vectors")
    p.add_argument("--texts", type=int, default=2500,
                   help="generated texts; each is sent as a sift and as a msg request")
    p.add_argument("--steps", type=int, default=100000, help="generated sensor readings")
    p.add_argument("--seed", type=int, default=1, help="seed of the generated vectors")
    p.add_argument("--key-file", help="hex HMAC reset key of a real board (virtual boards make their own)")
    p.add_argument("--config", help="redline_config.py the host reference uses (default: the vboard default)")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (redline_model.py)")
    p.add_argument("--write-vectors", help="also write the vectors used to this JSON-lines file")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for one reply")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def run(args):
    from redline_host.device.harness import Harness, read_key_file
    from redline_host.device.harness_vectors import read_vectors, sensor_vectors, text_vectors, write_vectors
    if args.vectors:
        try:
            vectors = read_vectors(args.vectors)
        except (OSError, ValueError) as exc:
            raise UserError("cannot read vectors %s: %s" % (args.vectors, exc))
    else:
        vectors = text_vectors(args.texts, seed=args.seed) + sensor_vectors(args.steps, seed=args.seed + 1)
    if args.write_vectors:
        write_vectors(args.write_vectors, vectors)
    key = read_key_file(args.key_file) if args.key_file else None
    progress = None if args.quiet else (lambda m: print("harness: " + m, file=sys.stderr))
    with Harness(args.port, key=key, config=args.config, model_dir=args.model, timeout=args.timeout) as h:
        summary = h.run(vectors, progress=progress)
    print(json.dumps(summary, indent=2, default=str))
    return 0 if summary["ok"] else 1
