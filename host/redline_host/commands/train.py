"""Train the classifier on the corpus (plus your own rows) and export a frozen integer model.

    redline train                                  # -> models/custom
    redline train --extra my_traffic.jsonl --out models/greenhouse
    redline train --out models/default             # regenerate the shipped model

Builds the corpus first when it is missing (``redline data``). Rows of
``--extra`` (JSON lines ``{"text": ..., "label": 0|1}``) are split into
train/val/test by the same deterministic hash as the corpus. Same inputs give a
byte-identical ``redline_model.py`` and ``model.json``.
"""
import json
import sys
from pathlib import Path
from redline_host.argtypes import float_above, float_range, int_range

from redline_host.errors import UserError
from redline_host.paths import CACHE, MODELS
from redline_host.text.build import DEFAULTS, MAX_VAL_FPR, THRESHOLD_RULE, train_and_export
from redline_host.text.corpus import build_corpus, corpus_dir


def add_arguments(p):
    p.add_argument("--data", default=None, help="corpus folder with train/val/test.jsonl (default <cache>/corpus)")
    p.add_argument("--cache", default=str(CACHE), help="cache folder used to build the corpus when missing")
    p.add_argument("--extra", action="append", default=[], help="extra labelled JSON lines (repeatable)")
    p.add_argument("--out", default=str(MODELS / "custom"), help="output model directory")
    p.add_argument("--vocab", type=int_range(1, 1 << 20), default=DEFAULTS["vocab_size"], help="vocabulary entries kept")
    p.add_argument("--C", type=float_above(0), default=DEFAULTS["C"], help="inverse regularisation strength")
    p.add_argument("--max-fpr", type=float_range(0, 1), default=MAX_VAL_FPR,
                   help="threshold: most recall with validation false-positive rate <= this")
    p.add_argument("--threshold-rule", choices=("fpr", "f1"), default=THRESHOLD_RULE,
                   help="'fpr' (false-alarm budget) or 'f1' (llmosafe's best F1)")
    p.add_argument("--patterns", default=None,
                   help="adversarial phrase file, one phrase per line (default: redline's built-in list)")
    p.add_argument("--json", action="store_true", help="print the model report as JSON")


def run(args):
    progress = lambda msg: print("redline train: %s" % msg, file=sys.stderr, flush=True)
    data_dir = Path(args.data) if args.data else corpus_dir(args.cache)
    if args.data is None and not (data_dir / "train.jsonl").is_file():
        progress("no corpus yet; building it")
        build_corpus(args.cache, progress=progress)
    phrases = None
    if args.patterns:
        from redline_host.text.patterns import read_phrase_file
        try:
            phrases = read_phrase_file(args.patterns)
        except OSError as exc:
            raise UserError("cannot read %s: %s" % (args.patterns, exc.strerror))
    info = train_and_export(data_dir, args.out, args.extra, {"vocab_size": args.vocab, "C": args.C},
                            args.threshold_rule, args.max_fpr, progress, phrases)
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
    else:
        q = info["quantization"]
        print("model %s: %d entries, %d payload bytes, sha256 %s" % (args.out, info["vocab"], info["payload_bytes"],
                                                                      info["sha256"][:16]))
        print("validation: %s" % json.dumps(info["validation"], sort_keys=True))
        print("test:       %s" % json.dumps(info["test"], sort_keys=True))
        print("test FPR on device commands + telemetry: %s (n %d)" % (info["test_device_and_telemetry_fpr"],
                                                                     info["test_device_and_telemetry_n"]))
        print("quantization: largest logit error %.6f, agreement %.6f, flips %d" % (
            q["largest_logit_error"], q["decision_agreement"], q["n_flips"]))
    return 0
