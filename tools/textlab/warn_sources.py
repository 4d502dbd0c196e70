"""Where do benign warns come from? Each device unit held out in turn (training corpus only).

For each unit U of the device sets (and telemetry/synth), a format-2 model is fitted on
every other unit, exported with the cuts given in logits (default: those of
models/default/model.json), and every row of U goes through a fresh firmware pipeline
(CPython, DAL A). Prints, per unit, the decision rates and the explanation of every
non-proceed decision (which stage / gauge produced it).

    python tools/textlab/warn_sources.py [--units device/notes,...] [--threshold-logit 3.47 --warn-logit 0.90]
    python tools/textlab/warn_sources.py --keep .cache/lab/folds     # keep each fold's model; a later
                                                                     # run with the same --keep reuses it

``--keep DIR`` stores the model fitted without unit U in ``DIR/<U with / as _>`` and reuses it
when present, so a change of the decision path (policy, pipeline) is compared on the same
out-of-fold models without refitting (a fit is about a minute here).
"""
import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "firmware"))

import build_model  # noqa: E402
import loso  # noqa: E402
from redline_host.text import hashtrain  # noqa: E402
from redline_host.text.modelfile import load_model_dir  # noqa: E402

DEVICE = build_model.DEVICE_BENIGN + build_model.DEVICE_ATTACK


def export(est, thr_logit, warn_logit, out):
    weights, scale, intercept = hashtrain.quantize(est)
    threshold = int(np.floor(thr_logit * scale))
    warn = min(int(np.floor(warn_logit * scale)), threshold - 1)
    p_at, p_scale = hashtrain.ladder_probability(warn, threshold)
    m = {"bits": est.bits, "scale": scale, "intercept": intercept, "threshold": threshold, "warn": warn,
         "p_at": p_at, "p_scale": p_scale, "weights": weights, "fold": est.table_[0], "pages": est.table_[1],
         "ascii": est.table_[2], "patterns": build_model.compile_patterns(build_model.PHRASES),
         "lex": est.lex_[0], "lexf": est.lex_[1], "decode": est.decode_}
    hashtrain.write_module(out, m, "warn_sources fold")
    return load_model_dir(out)


def decisions(model, texts):
    from redline.codes import label
    from redline.ladder import DAL_A
    from redline.text.pipe import CognitivePipeline
    from redline.text.policy import EscalationPolicy

    pipe = CognitivePipeline(model, b"", EscalationPolicy(dal=DAL_A))
    out = []
    for t in texts:
        pipe.reset_full()
        r = pipe.process(t.encode("utf-8", "surrogatepass"), -1, 0)
        lab = label(r.code)
        out.append(("halt" if lab.startswith("halt") else lab, r.explanation))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", default=",".join(DEVICE))
    ap.add_argument("--C", type=float, default=1.0)
    info = json.loads((ROOT / "models" / "default" / "model.json").read_text())
    ap.add_argument("--threshold-logit", type=float, default=info["threshold_logit"])
    ap.add_argument("--warn-logit", type=float, default=info["warn_logit"])
    ap.add_argument("--no-lexicon", action="store_true")
    ap.add_argument("--digits", default=info.get("digits", "zero"), choices=("zero", "keep", "leet", "leetword"),
                    help="digit folding of the fold models (default: the default model's)")
    ap.add_argument("--out")
    ap.add_argument("--keep", help="directory of the fold models (kept, and reused when present)")
    a = ap.parse_args()
    rows = loso.load_rows()
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] for r in rows])
    unit = np.array([r["unit"] for r in rows])
    res = {}
    for u in a.units.split(","):
        t0 = time.time()
        tr = unit != u
        te = [texts[i] for i in np.flatnonzero(~tr)]
        kept = Path(a.keep) / u.replace("/", "_") if a.keep else None
        if kept is not None and (kept / "redline_model.py").is_file():
            got = decisions(load_model_dir(kept), te)
        else:
            digits = {"leet": "leet", "leetword": "leetword", "keep": False}.get(a.digits, True)
            est = hashtrain.HashModel(C=a.C, lexicon=not a.no_lexicon, fold_digits=digits).fit([texts[i] for i in np.flatnonzero(tr)],
                                                                           y[tr], unit[tr])
            with tempfile.TemporaryDirectory() as d:
                out = d
                if kept is not None:
                    kept.mkdir(parents=True, exist_ok=True)
                    out = str(kept)
                got = decisions(export(est, a.threshold_logit, a.warn_logit, out), te)
        c = collections.Counter(d for d, _ in got)
        why = collections.Counter("%s: %s" % (d, x) for d, x in got if d != "proceed")
        n = len(got)
        res[u] = {"n": n, "label": int(y[~tr][0]), "rates": {k: round(v / n, 4) for k, v in sorted(c.items())},
                  "why": {k: round(v / n, 4) for k, v in why.most_common()}}
        print(json.dumps({u: res[u]}), "%.0fs" % (time.time() - t0), flush=True)
    ben = [u for u in res if res[u]["label"] == 0]
    if ben:
        tot = sum(res[u]["n"] for u in ben)
        for k in ("warn", "escalate", "halt"):
            print("benign (row-weighted) %s: %.4f" % (k, sum(res[u]["rates"].get(k, 0) * res[u]["n"] for u in ben) / tot))
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
