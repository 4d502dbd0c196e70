"""Leave-one-source-out evaluation of text feature designs (issue 17, phase A).

Protocol (the headline number of the text path):

- The corpus (tools/textlab/sources.py) is cut into *units*: one public package's
  data set (or a small family of them) or one file of the device sets. Attack
  units hold only label 1, benign units only label 0.
- A fold is a pair (attack unit A, benign unit B). The model is trained on every
  row of every other unit; A and B are both absent from training. It is tested
  on all rows of A and B: AUROC of A against B, recall on A at the cut where the
  FPR on B is <= 0.05 (ROC point), and recall / FPR at the model's own threshold.
- ``--pairs grouped`` (the reported protocol) scores every pair with a third of the fits:
  a fit holds out one attack unit and one of three fixed groups of four benign units
  (``BENIGN_GROUPS``), and each (A, B) pair with B in that group is scored by it, so the
  model saw neither A nor B (nor three other benign units: slightly pessimistic).
  ``--pairs all`` fits every pair separately; ``--pairs diag`` pairs the i-th attack unit
  with the i-th benign unit (a quick screen for design iteration).
- Per unit, the worst AUROC over its folds and its mean recall are reported; the
  headline is the worst fold and the mean recall over folds.

    python tools/textlab/loso.py --bits 15 --grams 3,4 --pairs diag
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sources  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host"))
from redline_host.text import fold, hashfeat  # noqa: E402


def load_rows(path=None):
    path = Path(path or ROOT / ".cache" / "textlab_rows.jsonl")
    if not path.exists():
        rows, _ = sources.collect(str(ROOT / ".cache"))
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    return [json.loads(l) for l in path.read_text(encoding="utf-8").split("\n") if l.strip()]


def matrix(fz, texts, norm="none", n0=0):
    m = fz.counts(texts).astype(np.float64)
    if n0:
        # length normalisation screen (hashtrain.length_factor; not built into the firmware): a
        # message of n > n0 features has its sum scaled by isqrt(n0 << 10) / isqrt(n << 10)
        from redline_host.text.hashtrain import length_factor

        n = np.asarray(m.sum(axis=1)).ravel().astype(np.int64)
        m = sparse.diags(length_factor(n, n0)) @ m
    if norm == "sqrt":
        n = np.diff(m.indptr).astype(np.float64)
        tot = np.asarray(m.sum(axis=1)).ravel()
        scale = 1.0 / np.sqrt(np.maximum(tot, 1.0))
        m = sparse.diags(scale) @ m
    elif norm == "log":
        m.data = np.log1p(m.data)
    return m.tocsr()


def _slow_counts(fz, texts):
    """Counts from the per-word research featurizer (feats.py: other gram orders, digit folding)."""
    indptr = [0]
    idx = []
    for t in texts:
        idx.extend(fz.indices(t))
        indptr.append(len(idx))
    m = sparse.csr_matrix((np.ones(len(idx)), np.asarray(idx, dtype=np.int64), np.asarray(indptr)),
                          shape=(len(texts), 1 << fz.bits))
    m.sum_duplicates()
    return m


def recall_at_fpr(scores, labels, max_fpr=0.05):
    s = np.asarray(scores)
    y = np.asarray(labels)
    neg = np.sort(s[y == 0])
    if len(neg) == 0:
        return float("nan")
    k = int(np.floor(max_fpr * len(neg)))
    # cut: scores strictly above the (len-k)-th largest negative
    cut = neg[len(neg) - k - 1] if k < len(neg) else -np.inf
    return float(np.mean(s[y == 1] > cut))


def unit_weights(y, unit):
    """Sample weights: each label half of the total, each unit an equal share of its label's half."""
    w = np.zeros(len(y))
    for lab in (0, 1):
        us = sorted(set(unit[y == lab]))
        for u in us:
            m = (unit == u) & (y == lab)
            w[m] = 1.0 / (len(us) * m.sum())
    return w * len(y) / 2.0


def fit(X, y, C, max_iter=3000, weights=None):
    if weights is None:
        lr = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=max_iter)
        lr.fit(X, y)
    else:
        lr = LogisticRegression(C=C, solver="liblinear", max_iter=max_iter)
        lr.fit(X, y, sample_weight=weights)
    return lr


class CurrentRecipe:
    """redline_host.train.HashLogit (today's trainer) refit per fold, or the shipped model as it is."""

    def __init__(self, rows, shipped=False):
        sys.path.insert(0, str(ROOT / "host"))
        sys.path.insert(0, str(ROOT / "firmware"))
        self.texts = [r["text"] for r in rows]
        self.shipped = shipped
        if shipped:
            from redline_host.text.evalmodel import IntegerScorer
            from redline_host.text.modelfile import load_model_dir
            sc = IntegerScorer(load_model_dir(str(ROOT / "models" / "bytes-v1")))
            self.all_scores = np.asarray(sc.scores(self.texts), dtype=np.float64) - sc.threshold
        else:
            from redline_host.text.train import hash_docs
            self.docs = hash_docs(self.texts)

    def fit_score(self, train_mask, test_mask, y):
        if self.shipped:
            return self.all_scores[test_mask]
        from redline_host.text.train import HashLogit
        idx = np.flatnonzero(train_mask)
        est = HashLogit(vocab_size=2000, random_state=42).fit([self.docs[i] for i in idx], y[train_mask])
        return est.decision_function([self.docs[i] for i in np.flatnonzero(test_mask)])


BENIGN_GROUPS = (("ha/en", "chatterbot/xx", "device/commands", "device/logs"),
                 ("ha/xx", "spikee/fp", "device/notes", "device/configs", "device/second-neg"),
                 ("chatterbot/en", "agentic/benign", "telemetry/synth", "device/telemetry", "device/verbs"))


def run(rows, fz, C=1.0, pairs="diag", norm="none", log=print, units=None, balance="label", recipe=None, n0=0, device_weight=1.0):
    texts = [r["text"] for r in rows]
    t0 = time.time()
    y = np.array([r["label"] for r in rows])
    unit = np.array([r["unit"] for r in rows])
    if recipe is None:
        X = matrix(fz, texts, norm, n0)
        log("features %.1fs, nnz %d" % (time.time() - t0, X.nnz))
    att = [u for u in sources.ATTACK_UNITS if u in set(unit)]
    ben = [u for u in sources.BENIGN_UNITS if u in set(unit)]
    if pairs == "diag":
        n = max(len(att), len(ben))
        folds = [(att[i % len(att)], (ben[i % len(ben)],)) for i in range(n)]
    elif pairs == "grouped":
        folds = [(a, tuple(b for b in g if b in ben)) for a in att for g in BENIGN_GROUPS]
    else:
        folds = [(a, (b,)) for a in att for b in ben]
    if units:
        folds = [f for f in folds if f[0] in units or set(f[1]) & units]
    out = []
    for a, bs in folds:
        test = np.isin(unit, (a,) + tuple(bs))
        t1 = time.time()
        if recipe is not None:
            s = recipe.fit_score(~test, test, y)
        else:
            if balance != "unit":
                w = None
            elif device_weight != 1.0:
                from redline_host.text.hashtrain import unit_weights as shares

                w = shares(y[~test], unit[~test], device_weight)
            else:
                w = unit_weights(y[~test], unit[~test])
            lr = fit(X[~test], y[~test], C, weights=w)
            s = lr.decision_function(X[test])
        ut = unit[test]
        for b in bs:
            m = (ut == a) | (ut == b)
            st = s[m]
            yt = y[test][m]
            auc = roc_auc_score(yt, st)
            rec = recall_at_fpr(st, yt)
            pred = st > 0
            res = {"attack": a, "benign": b, "auroc": round(float(auc), 4), "recall@fpr05": round(rec, 4),
                   "recall@0": round(float(pred[yt == 1].mean()), 4),
                   "fpr@0": round(float(pred[yt == 0].mean()), 4), "n_att": int((yt == 1).sum()),
                   "n_ben": int((yt == 0).sum()), "held_out_with": list(bs), "fit_s": round(time.time() - t1, 1)}
            out.append(res)
            log(json.dumps(res))
    return out


def summary(results):
    aucs = [r["auroc"] for r in results]
    worst = min(results, key=lambda r: r["auroc"])
    per_unit = {}
    for r in results:
        for u in (r["attack"], r["benign"]):
            d = per_unit.setdefault(u, {"worst_auroc": 1.0, "recalls": [], "fprs": []})
            d["worst_auroc"] = min(d["worst_auroc"], r["auroc"])
            d["recalls"].append(r["recall@fpr05"])
            d["fprs"].append(r["fpr@0"])
    return {
        "folds": len(results),
        "worst_auroc": worst["auroc"], "worst_fold": [worst["attack"], worst["benign"]],
        "mean_auroc": round(float(np.mean(aucs)), 4),
        "mean_recall@fpr05": round(float(np.mean([r["recall@fpr05"] for r in results])), 4),
        "mean_recall@0": round(float(np.mean([r["recall@0"] for r in results])), 4),
        "mean_fpr@0": round(float(np.mean([r["fpr@0"] for r in results])), 4),
        "per_unit_worst_auroc": {u: round(d["worst_auroc"], 4) for u, d in per_unit.items()},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bits", type=int, default=15)
    ap.add_argument("--grams", default="3")
    ap.add_argument("--no-words", action="store_true")
    ap.add_argument("--no-bigrams", action="store_true")
    ap.add_argument("--fold-digits", action="store_true", help="(research featurizer) digits read as 0")
    ap.add_argument("--keep-digits", action="store_true", help="digits stay distinct (default: all read as 0)")
    ap.add_argument("--leet", action="store_true", help="digits read as leetspeak letters (1 -> i, 3 -> e, 0 -> o, 4 -> a, 5 -> s, 7 -> t; others 0)")
    ap.add_argument("--leet-words", action="store_true", help="as --leet, but only in a run of ASCII letters and digits that holds a letter (decode bit 16)")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--norm", default="none", choices=("sqrt", "none", "log"))
    ap.add_argument("--n0", type=int, default=0, help="length normalisation screen: a sum over n > N0 features is scaled by sqrt(N0 / n) (0 = off; not in the firmware)")
    ap.add_argument("--device-weight", type=float, default=1.0, help="shares of each device/ unit inside its label")
    ap.add_argument("--pairs", default="grouped", choices=("diag", "grouped", "all"))
    ap.add_argument("--units", default="")
    ap.add_argument("--exclude-units", default="", help="comma-separated units left out of the corpus (neither trained nor scored)")
    ap.add_argument("--balance", default="unit", choices=("label", "unit"))
    ap.add_argument("--recipe", default="", choices=("", "current", "shipped"))
    ap.add_argument("--no-lexicon", action="store_true", help="no word-class features (round 1's recipe)")
    ap.add_argument("--decode", type=int, default=14, help="decoding bits with the lexicon: 2 base64/hex, 4 spacing, 8 ROT13/backwards on a cue")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.grams != "3" or a.no_words or a.no_bigrams:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import feats
        grams = tuple(int(g) for g in a.grams.split(",") if g)
        fz = feats.Featurizer(bits=a.bits, grams=grams, words=not a.no_words, bigrams=not a.no_bigrams,
                              digits=not a.fold_digits)
        fz.counts = lambda texts: _slow_counts(fz, texts)
    else:
        digits = "leet" if a.leet or a.leet_words else not a.keep_digits
        rb, pb = fold.encode_table(fold_digits=digits)
        fz = hashfeat.Features(rb, pb, a.bits, fold.ascii_table(digits))
        if not a.no_lexicon:
            from redline_host.text.lexicon import compile_lexicon

            lex, _ = hashfeat.build_lexicon(compile_lexicon(fz))
            fz = hashfeat.Features(rb, pb, a.bits, fold.ascii_table(digits), lex, a.decode | (16 if a.leet_words else 0))
    rows = load_rows()
    if a.exclude_units:
        excl = set(a.exclude_units.split(","))
        rows = [r for r in rows if r["unit"] not in excl]
    recipe = CurrentRecipe(rows, shipped=a.recipe == "shipped") if a.recipe else None
    res = run(rows, fz, a.C, a.pairs, a.norm, log=lambda s: print(s, file=sys.stderr),
              units=set(a.units.split(",")) if a.units else None, balance=a.balance, recipe=recipe, n0=a.n0, device_weight=a.device_weight)
    summ = summary(res)
    summ["config"] = vars(a)
    if a.out:
        Path(a.out).write_text(json.dumps({"summary": summ, "folds": res}, indent=1))
    print(json.dumps(summ))


if __name__ == "__main__":
    main()
