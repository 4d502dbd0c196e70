"""Export a fitted ``HashLogit`` as a frozen integer model, with a quantization report and a gate.

    from redline_host.text.export import export_model
    report = export_model(est, "models/mine", val_docs, val_labels, val_texts, provenance={...})
    report["quantization"]["flips"]     # validation inputs whose verdict rounding changed (target: none)

Weights are ``round(idf * coef * SCALE)`` in int16 at the largest scale that
fits (``redline_host.text.modelfile.quantize``). The float model and the integer
model are compared on the validation set: largest logit error, decision
agreement, and the inputs whose decision flips. When some flip, the integer
threshold is moved to the nearest value (within the rounding error) that
makes every validation decision agree. Export refuses with ``UserError`` when
the integer model's validation quality is below ``GATE``.
"""
import json
import platform
from pathlib import Path

import numpy as np

from redline_host.errors import UserError
from redline_host.text.evalmodel import IntegerScorer, metrics
from redline_host.text.modelfile import load_model_dir, quantize, write_model

# Validation quality the exported integer model must reach (at its threshold).
GATE = {"auroc_min": 0.95, "recall_min": 0.85, "fpr_max": 0.05}
MAX_FLIPS_LISTED = 50


def library_versions():
    import scipy
    import sklearn

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__}


def _flips(float_scores, thr, acc, q_thr):
    return np.nonzero((float_scores > thr) != (acc > q_thr))[0]


def settle_threshold(float_scores, thr, acc, q_thr, scale, max_error):
    """Integer threshold nearest ``q_thr`` with no validation flips (``q_thr`` itself when none flip).

    Only thresholds within the rounding error of the float one are tried, so the
    integer rule stays the float rule plus at most ``max_error`` logits.
    """
    if len(_flips(float_scores, thr, acc, q_thr)) == 0:
        return q_thr
    reach = int(np.ceil(max_error * scale)) + 1
    for d in range(1, reach + 1):
        for cand in (q_thr - d, q_thr + d):
            if len(_flips(float_scores, thr, acc, cand)) == 0:
                return cand
    return q_thr


def quantization_report(est, q, val_docs, val_texts):
    """Compare the float model and the integer tables on validation docs."""
    from redline.text.model import Model

    keys = b"".join(int(k).to_bytes(4, "big") for k in est.keys_)
    weights = b"".join(int(w).to_bytes(2, "little", signed=True) for w in q.weights)
    model = Model(keys, weights, q.scale, q.intercept, q.threshold, len(est.keys_))
    acc = IntegerScorer(model).scores_from_hashes(val_docs)
    f = est.decision_function(val_docs)
    err = np.abs(acc / q.scale - f)
    max_err = float(err.max()) if len(err) else 0.0
    flips = _flips(f, est.threshold_, acc, q.threshold)
    return acc, f, {
        "n": int(len(f)),
        "largest_logit_error": round(max_err, 6),
        "largest_weight_error": round(float(q.max_weight_error), 6),
        "decision_agreement": round(1.0 - len(flips) / max(1, len(f)), 6),
        "flips": [{"text": val_texts[i][:200], "float_logit": round(float(f[i]), 6),
                   "integer_logit": round(float(acc[i] / q.scale), 6)} for i in flips[:MAX_FLIPS_LISTED]],
        "n_flips": int(len(flips)),
    }


def export_model(est, out_dir, val_docs, val_labels, val_texts, provenance=None, gate=GATE, description="",
                 phrases=None):
    """Quantize, check, gate and write ``out_dir/redline_model.py`` + ``model.json``; returns the report."""
    q = quantize(list(map(float, est.products_)), est.intercept_, est.threshold_)
    acc, f, report = quantization_report(est, q, val_docs, val_texts)
    settled = settle_threshold(f, est.threshold_, acc, q.threshold, q.scale, report["largest_logit_error"])
    if settled != q.threshold:
        report["threshold_moved"] = {"from": q.threshold, "to": settled}
        q.threshold = settled
        acc, f, report2 = quantization_report(est, q, val_docs, val_texts)
        report2["threshold_moved"] = report["threshold_moved"]
        report = report2
    val = metrics(acc, val_labels, q.threshold)
    problems = []
    if val["auroc"] is None or val["auroc"] < gate["auroc_min"]:
        problems.append("AUROC %s < %.2f" % (val["auroc"], gate["auroc_min"]))
    if val["recall"] is None or val["recall"] < gate["recall_min"]:
        problems.append("recall %s < %.2f" % (val["recall"], gate["recall_min"]))
    if val["fpr"] is None or val["fpr"] > gate["fpr_max"]:
        problems.append("false-positive rate %s > %.2f" % (val["fpr"], gate["fpr_max"]))
    if problems:
        raise UserError("model below the validation gate (%s); not exported" % ", ".join(problems))
    keys = [int(k) for k in est.keys_]
    # adversarial patterns ship with the model (token-hash sequences, redline.text.pat format)
    from redline_host.text.patterns import DEFAULT_PHRASES, compile_phrases
    phrases = tuple(DEFAULT_PHRASES if phrases is None else phrases)
    patterns = compile_phrases(phrases)
    path, sha, size = write_model(out_dir, keys, q.weights, q.scale, q.intercept, q.threshold,
                                  patterns=patterns, description=description)
    model = load_model_dir(out_dir)
    if not model.ok:
        raise UserError("written model fails its own check: %s" % model.error)
    info = {
        "format_version": __import__("redline.text.model", fromlist=["FORMAT_VERSION"]).FORMAT_VERSION,
        "sha256": sha,
        "payload_bytes": size,
        "module_bytes": Path(path).stat().st_size,
        "vocab": len(keys),
        "patterns": list(phrases),
        "pattern_bytes": len(patterns),
        "scale": q.scale,
        "intercept": q.intercept,
        "threshold": q.threshold,
        "threshold_logit": round(float(est.threshold_), 6),
        "intercept_logit": round(float(est.intercept_), 6),
        "gate": gate,
        "validation": val,
        "quantization": report,
        "libraries": library_versions(),
    }
    info.update(provenance or {})
    Path(out_dir, "model.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return info
