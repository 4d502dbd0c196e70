"""Round 9 (issue 17): a group-robust fit (group DRO style unit reweighting), screened by LOSO and out of fold.

The default's recipe gives every training unit an equal share of its label
(``loso.unit_weights``) and fits one logistic regression. LOSO scores the worst (attack unit,
benign unit) pair, so this screen moves weight towards the training units the fit serves worst:

1. fit with the default's unit shares;
2. each training unit's mean logistic loss L_u over its rows (in sample, on the score that is
   ranked: with the rule, a flagged row's score is max(logit, floor) first);
3. each unit's share q_u is multiplied by exp(eta * L_u), then the shares are renormalised inside
   each label (each label keeps half of the total weight; rows inside a unit stay equal);
4. refit; steps 2-4 ``iters`` times (``--dro ETA,ITERS``).

``--rows ETA`` (focal-style, per-unit worst-case margin; optional, may be combined): inside each unit
the rows' weights are multiplied by exp(ETA * row loss) and renormalised to the unit's share, at
the same steps.

The reweighting is done inside every fit: each LOSO fit (the two held-out units are not in the
training rows, so they get no weight) and each out-of-fold fit. The feature matrix, the LOSO
protocol (``loso.run``, grouped) and the round 8 hidden-marks rule (``obfrule.py --kinds
full,math,encl,zw,homo``: a flagged row scores at least obfrule.FLOOR; the fit never sees the flag)
are exactly those of ``obfrule.py``, so ``--dro 0,0`` is the same code path as round 8's numbers.

The eta grid (10, 30) and ITERS = 3 were fixed from the scale of the in-sample unit losses of one
fit on all rows (``--losses``: the units' mean losses run from 0.000 to 0.047, so eta = 10 moves the
worst-served unit's share about 1.6x per step against the best-served one, eta = 30 about 4x), before
any LOSO run.

Round 9's runs (tools/textlab/README.md; the full 169 folds were not run with a DRO fit: on the
shared machine one LOSO fit with 3 steps took 100-170 s, so the 13 fits of the benign group that
holds agentic/benign, ``--units agentic/benign``, 65 folds, were run instead):

    python tools/textlab/dro.py --exclude-units device/second,device/second-neg --losses
    python tools/textlab/dro.py --exclude-units device/second,device/second-neg --dro 0,0 --no-loso --out .cache/lab/r9_base_oof.json
    python tools/textlab/dro.py --exclude-units device/second,device/second-neg --dro 0,0 --no-rule --no-loso --out .cache/lab/r9_base_norule_oof.json
    python tools/textlab/dro.py --exclude-units device/second,device/second-neg --dro 10,3 --no-rule --no-loso --out .cache/lab/r9_dro10_norule_oof.json
    python tools/textlab/dro.py --exclude-units device/second,device/second-neg --dro 0,0 --no-oof --units agentic/benign --out .cache/lab/r9_base_g3.json
    python tools/textlab/dro.py --exclude-units device/second,device/second-neg --dro 10,3 --no-oof --units agentic/benign --out .cache/lab/r9_dro10_g3.json
    python tools/textlab/dro.py --exclude-units device/second,device/second-neg --dro 30,3 --units agentic/benign --out .cache/lab/r9_dro30_g3.json
    python tools/textlab/dro.py --combine .cache/lab/r9_dro10_g3.json        # worst folds, per-unit recall

(eta 10's out-of-fold numbers with the rule come from a full run, ``--dro 10,3``, stopped after its
out-of-fold part; the full LOSO is ``--dro ETA,ITERS`` without ``--units``.)
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import intent  # noqa: E402
import loso  # noqa: E402
import obfrule  # noqa: E402

HIDDEN = "full,math,encl,zw,homo"     # round 8's hidden-marks kinds (no benign training row flagged)


def row_loss(s, y):
    """Logistic loss of each row: log(1 + exp(-m)), m = s for attacks and -s for benign rows."""
    return np.logaddexp(0.0, -np.where(y == 1, s, -s))


def reweight(w, y, unit, loss, eta, eta_rows=0.0):
    """New sample weights from ``w`` (every row of a unit the same weight when ``eta_rows`` is 0).

    A unit's share q_u = sum of its rows' weights; q_u *= exp(eta * mean loss of its rows); the
    shares are renormalised so each label keeps its total. ``eta_rows``: inside a unit the rows are
    reweighted by exp(eta_rows * row loss) and renormalised to the unit's new share.

    >>> reweight(np.ones(4), np.array([0, 0, 1, 1]), np.array(["a", "b", "c", "c"]),
    ...          np.array([0.0, np.log(3.0), 1.0, 1.0]), 1.0).round(6).tolist()
    [0.5, 1.5, 1.0, 1.0]
    """
    out = np.array(w, dtype=np.float64)
    for lab in (0, 1):
        lm = y == lab
        tot = out[lm].sum()
        us = sorted(set(unit[lm]))
        new = {}
        for u in us:
            m = lm & (unit == u)
            new[u] = out[m].sum() * np.exp(eta * float(loss[m].mean()))
        z = sum(new.values())
        for u in us:
            m = lm & (unit == u)
            r = out[m] * (np.exp(eta_rows * (loss[m] - loss[m].max())) if eta_rows else 1.0)
            out[m] = r / r.sum() * new[u] / z * tot
    return out


class DRO:
    """Patches ``loso.unit_weights`` / ``loso.fit`` (both used by ``loso.run`` and ``intent.out_of_fold``):
    the weights call records the training rows' units, the fit reweights ``iters`` times. The last
    column of X is the rule's flag (as in obfrule.Ruled)."""

    def __init__(self, eta, iters, floor, eta_rows=0.0):
        self.eta, self.iters, self.floor, self.eta_rows = eta, iters, floor, eta_rows
        self.base_weights = loso.unit_weights
        self.base_fit = loso.fit
        self.unit = None
        self.log = []

    def weights(self, y, unit, *a):
        self.unit = np.asarray(unit)
        return self.base_weights(y, unit, *a)

    def fit(self, X, y, C, max_iter=3000, weights=None):
        Xm = X[:, :-1]
        flag = np.asarray(X[:, -1].todense()).ravel() > 0
        w = weights
        lr = self.base_fit(Xm, y, C, max_iter, w)
        for _ in range(self.iters if weights is not None else 0):
            s = lr.decision_function(Xm)
            if self.floor is not None:
                s = np.where(flag, np.maximum(s, self.floor), s)
            w = reweight(w, y, self.unit, row_loss(s, y), self.eta, self.eta_rows)
            lr = self.base_fit(Xm, y, C, max_iter, w)
        if weights is not None:
            shares = {u: round(float(w[self.unit == u].sum() / w[y == y[self.unit == u][0]].sum()), 4)
                      for u in sorted(set(self.unit))}
            self.log.append(shares)
        return obfrule.Ruled(lr, self.floor)

    def install(self):
        loso.unit_weights = self.weights
        loso.fit = self.fit


def combine(paths, worst=13):
    """LOSO folds of several ``--out`` files (e.g. the benign groups run apart with ``--units``) as one
    run: the summary, the ``worst`` lowest folds, each unit's mean recall @ FPR <= 0.05 over its folds."""
    folds = {}
    for p in paths:
        for r in json.loads(Path(p).read_text())["folds"]:
            folds[(r["attack"], r["benign"])] = r
    folds = list(folds.values())
    s = loso.summary(folds)
    rec = {}
    for r in folds:
        for u in (r["attack"], r["benign"]):
            rec.setdefault(u, []).append(r["recall@fpr05"])
    return {"loso": {k: s[k] for k in ("folds", "worst_auroc", "worst_fold", "mean_auroc", "mean_recall@fpr05")},
            "worst": [(r["attack"], r["benign"], r["auroc"], r["recall@fpr05"])
                      for r in sorted(folds, key=lambda r: r["auroc"])[:worst]],
            "unit_mean_recall": {u: round(float(np.mean(v)), 4) for u, v in sorted(rec.items())},
            "unit_worst_auroc": s["per_unit_worst_auroc"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--combine", nargs="+", help="only: summarise the LOSO folds of these --out files as one run")
    ap.add_argument("--exclude-units", default="")
    ap.add_argument("--dro", default="0,0", help="ETA,ITERS: unit reweighting (0,0 = the default's equal shares)")
    ap.add_argument("--rows", type=float, default=0.0, help="focal-style row reweighting inside each unit (eta)")
    ap.add_argument("--no-rule", action="store_true", help="no hidden-marks floor (same code path)")
    ap.add_argument("--kinds", default=HIDDEN)
    ap.add_argument("--losses", action="store_true", help="only: in-sample unit losses of one fit on all rows")
    ap.add_argument("--no-loso", action="store_true")
    ap.add_argument("--no-oof", action="store_true")
    ap.add_argument("--units", default="", help="LOSO only the folds of these units (comma-separated)")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.combine:
        for k, v in combine(a.combine).items():
            print(k, json.dumps(v))
        return
    eta, iters = a.dro.split(",")
    eta, iters = float(eta), int(iters)
    t0 = time.time()
    rows, texts, y, units, base = intent.corpus(a.exclude_units)
    _, kinds = obfrule.flags_of(texts, base)
    use = set(a.kinds.split(","))
    flag = np.array([bool(set(k) & use) for k in kinds])
    X = sparse.hstack([base.counts(texts), sparse.csr_matrix(flag.astype(np.float64)[:, None])]).tocsr()
    print("features %.0fs, flagged %d" % (time.time() - t0, flag.sum()), file=sys.stderr, flush=True)
    floor = None if a.no_rule else obfrule.FLOOR
    dro = DRO(eta, iters, floor, a.rows)
    dro.install()
    res = {"config": vars(a)}
    if a.losses:
        w = loso.unit_weights(y, units)
        lr = loso.fit(X, y, 1.0, weights=w)
        loss = row_loss(lr.decision_function(X), y)
        res["unit_loss"] = {u: round(float(loss[units == u].mean()), 4) for u in sorted(set(units))}
        res["shares"] = dro.log[-1]
        print(json.dumps(res), flush=True)
        return
    if not a.no_oof:
        oof, scores = intent.out_of_fold(X, rows, y, units)
        res["out_of_fold"] = oof
        # decision level as round 8 reports it: a flagged row escalates, the cut passes 0.5 % / 1 % of
        # the device-benign rows (no device-benign row carries a hidden mark: the cut is that of the scores)
        res["own_cut"] = obfrule.own_cut(scores, flag, y, units)
        print(json.dumps({"dro": a.dro, "rows": a.rows, "rule": floor is not None,
                          "oof": {k: v for k, v in oof.items() if not k.startswith("units")},
                          "own_cut": res["own_cut"], "units@0.005": oof["units@0.005"],
                          "s": round(time.time() - t0)}), flush=True)
    if not a.no_loso:
        fz = type("F", (), {"counts": lambda self, t, X=X: X})()
        folds = loso.run(rows, fz, 1.0, "grouped", log=lambda s: print(s, file=sys.stderr, flush=True),
                         balance="unit", units=set(a.units.split(",")) if a.units else None)
        s = loso.summary(folds)
        res["loso"] = s
        res["folds"] = folds
        worst = sorted(folds, key=lambda r: r["auroc"])[:13]
        print(json.dumps({"dro": a.dro, "rows": a.rows, "rule": floor is not None,
                          "loso": {k: s[k] for k in ("folds", "worst_auroc", "worst_fold", "mean_auroc",
                                                     "mean_recall@fpr05")},
                          "worst3": [(r["attack"], r["benign"], r["auroc"]) for r in worst[:3]],
                          "s": round(time.time() - t0)}), flush=True)
    res["shares"] = dro.log
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
