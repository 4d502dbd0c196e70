"""A model from the corpus: splits, fit, threshold, export, test metrics (what ``redline train`` does).

    from redline_host.text.build import train_and_export
    info = train_and_export(corpus_dir, "models/custom", extras=["my_traffic.jsonl"])
    info["test"], info["sha256"]

Rows of the extra files (JSON lines ``{"text": ..., "label": 0|1}``) are split
into train/val/test by the same deterministic hash as the corpus. Same inputs
give a byte-identical ``redline_model.py`` and ``model.json``.
"""
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from redline_host.errors import UserError
from redline_host.paths import MODELS
from redline_host.text.corpus import normalise, read_jsonl, split_of
from redline_host.text.evalmodel import IntegerScorer, metrics
from redline_host.text.export import export_model
from redline_host.text.modelfile import load_model_dir
from redline_host.text.train import HashLogit, choose_threshold, hash_docs

# Chosen by measurement (models/README.md, "What each choice bought").
DEFAULTS = {"vocab_size": 2000, "candidates_factor": 2, "C": 0.1, "class_weight": "balanced",
            "feature": "count", "max_iter": 2000, "random_state": 42}
THRESHOLD_RULE = "fpr"
MAX_VAL_FPR = 0.01
DEVICE_SOURCES = ("ha/intents", "telemetry")


def _sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def load_splits(data_dir, extras=()):
    """{"train": rows, "val": rows, "test": rows} from the corpus plus extra files."""
    splits = {}
    for name in ("train", "val", "test"):
        path = Path(data_dir) / ("%s.jsonl" % name)
        if not path.is_file():
            raise UserError("%s is missing; run `redline data` first" % path)
        splits[name] = read_jsonl(path)
    for extra in extras:
        for r in read_jsonl(extra):
            r = dict(r)
            r.setdefault("source", "extra")
            r.setdefault("licence", "user-supplied")
            splits[split_of(normalise(r["text"]))].append(r)
    return splits


def train_and_export(data_dir, out_dir, extras=(), params=None, rule=THRESHOLD_RULE, max_fpr=MAX_VAL_FPR,
                     progress=None, phrases=None):
    """Fit, threshold, export and evaluate; returns the model.json dict."""
    say = progress or (lambda msg: None)
    params = dict(DEFAULTS, **(params or {}))
    t0 = time.time()
    splits = load_splits(data_dir, extras)
    say("rows: train %d, val %d, test %d" % tuple(len(splits[k]) for k in ("train", "val", "test")))
    docs = {k: hash_docs([r["text"] for r in v]) for k, v in splits.items()}
    labels = {k: np.array([r["label"] for r in v], dtype=np.int64) for k, v in splits.items()}
    say("hashed in %.1f s; fitting (vocab %d, C %g)" % (time.time() - t0, params["vocab_size"], params["C"]))
    est = HashLogit(**params).fit(docs["train"], labels["train"])
    est.threshold_ = choose_threshold(est.decision_function(docs["val"]), labels["val"], rule, max_fpr)
    say("fitted in %.1f s; exporting" % (time.time() - t0))
    inputs = {}
    for k in ("train", "val", "test"):
        p = Path(data_dir) / ("%s.jsonl" % k)
        inputs[k] = _sha256_bytes(p.read_bytes())
    for e in extras:
        inputs["extra:" + Path(e).name] = _sha256_bytes(Path(e).read_bytes())
    manifest = MODELS / "data-manifest.json"
    provenance = {
        "params": params,
        "seed": params["random_state"],
        "threshold_rule": {"rule": rule, "max_val_fpr": max_fpr},
        "inputs_sha256": inputs,
        "data_manifest_sha256": _sha256_bytes(manifest.read_bytes()) if manifest.is_file() else None,
        "rows": {k: int(len(v)) for k, v in splits.items()},
    }
    info = export_model(est, out_dir, docs["val"], labels["val"], [r["text"] for r in splits["val"]],
                        provenance=provenance, phrases=phrases,
                        description="HashLogit vocab %d C %g, trained by `redline train`" % (len(est.keys_), params["C"]))
    scorer = IntegerScorer(load_model_dir(out_dir))
    acc = scorer.scores_from_hashes(docs["test"])
    test = metrics(acc, labels["test"], scorer.threshold)
    dev = np.array([r.get("source") in DEVICE_SOURCES for r in splits["test"]])
    dev_m = metrics(acc[dev], labels["test"][dev], scorer.threshold) if dev.any() else None
    info["test"] = test
    info["test_device_and_telemetry_fpr"] = None if dev_m is None else dev_m["fpr"]
    info["test_device_and_telemetry_n"] = int(dev.sum())
    Path(out_dir, "model.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    say("done in %.1f s: %s (%d payload bytes)" % (time.time() - t0, out_dir, info["payload_bytes"]))
    return info
