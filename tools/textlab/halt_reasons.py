"""Every non-proceed decision of labelled lines, with the stage and gauge that produced it.

Each line goes through a fresh firmware pipeline (CPython, DAL A, ``reset_full`` per line, as
``redline pipeline --fresh`` and ``redline evaluate-text`` judge it) and every warn, escalate
and halt is printed with its explanation, entropy, probability and adversarial-pattern weight;
the last line is the decision count per label::

    python tools/textlab/halt_reasons.py models/corpus/validation/device-lines.jsonl [--model DIR]
    python tools/textlab/halt_reasons.py FILE.jsonl --patterns-alone   # the rule before round 3:
                                                                        # a phrase halts on its own
"""
import argparse
import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "firmware"))

from redline_host.paths import DEFAULT_MODEL  # noqa: E402
from redline_host.text.modelfile import load_model_dir  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="+", help="JSON lines with text and label")
    ap.add_argument("--model", default=str(DEFAULT_MODEL))
    ap.add_argument("--patterns-alone", action="store_true",
                    help="let an adversarial phrase halt without support (the rule before round 3)")
    ap.add_argument("--all", action="store_true", help="print warns too (default: escalate and halt)")
    a = ap.parse_args()
    from redline.codes import label
    from redline.text.pipe import CognitivePipeline

    pipe = CognitivePipeline(load_model_dir(a.model))
    if a.patterns_alone:
        pipe._adversarial_alone = True
    counts = collections.Counter()
    for path in a.data:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            row = json.loads(line)
            pipe.reset_full()
            r = pipe.process(row["text"].encode("utf-8", "surrogatepass"), -1, 0)
            d = label(r.code)
            d = "halt" if d.startswith("halt") else d
            counts[(int(row["label"]), d)] += 1
            if d in ("escalate", "halt") or (a.all and d == "warn"):
                print("%d %-8s %-30s e=%5d p=%5d adv=%d %r" % (row["label"], d, r.explanation, r.entropy,
                                                               r.probability, pipe.adversarial.weight,
                                                               row["text"][:100]))
    for lab in (0, 1):
        n = sum(v for (l, _), v in counts.items() if l == lab)
        if n:
            print("label %d: n %d  %s" % (lab, n, "  ".join("%s %d" % (d, counts[(lab, d)])
                                                           for d in ("proceed", "warn", "escalate", "halt"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
