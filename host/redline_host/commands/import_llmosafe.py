"""Convert llmosafe's vocab_model.bin into a redline model directory.

    redline import-llmosafe ../shared/reference/vocab_model.bin --out build/llmosafe
"""
import json

from redline_host.text.llmosafe_import import convert, read_vocab_model


def add_arguments(p):
    p.add_argument("path", help="llmosafe vocab_model.bin")
    p.add_argument("--out", required=True, help="output model directory (gets redline_model.py)")


def run(args):
    report = convert(read_vocab_model(args.path), args.out)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0
