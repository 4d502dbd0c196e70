"""Evaluate a frozen model on labelled JSON lines, scoring exactly as the firmware does.

    redline eval --model models/default --data .cache/corpus/test.jsonl --scores scores.jsonl --plot roc.png

Prints JSON: n, positives, auroc, accuracy, precision, recall, fpr, threshold
(integer accumulator units; the logit threshold is threshold / scale).
"""
import json
from pathlib import Path

from redline_host.text.corpus import read_jsonl
from redline_host.text.evalmodel import IntegerScorer, metrics, plot_roc
from redline_host.text.modelfile import load_model_dir
from redline_host.paths import DEFAULT_MODEL


def add_arguments(p):
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (holds redline_model.py)")
    p.add_argument("--data", required=True, help="JSON lines with text and label (0 benign, 1 manipulation)")
    p.add_argument("--scores", help="write one JSON line per row: text, label, score, verdict")
    p.add_argument("--plot", help="write the ROC curve to this PNG")
    p.add_argument("--json", action="store_true", help="(default) print JSON; kept for symmetry")


def run(args):
    rows = read_jsonl(args.data)
    scorer = IntegerScorer(load_model_dir(args.model))
    labels = [r["label"] for r in rows]
    acc = scorer.scores([r["text"] for r in rows])
    out = metrics(acc, labels, scorer.threshold)
    out["scale"] = scorer.scale
    out["model"] = str(args.model)
    if args.scores:
        with open(args.scores, "w", encoding="utf-8") as f:
            for r, s in zip(rows, acc):
                f.write(json.dumps({"text": r["text"], "label": r["label"], "score": int(s),
                                    "is_manipulation": bool(s > scorer.threshold)}, ensure_ascii=False) + "\n")
    if args.plot:
        plot_roc(acc, labels, args.plot, title=Path(args.model).name)
    print(json.dumps(out, indent=2, sort_keys=True))
    return 0
