"""Fit one LOSO fold with the research featurizer and list the benign rows that score highest and the
attacks that score lowest (training corpus only; for design).

    python tools/textlab/inspect_fold.py --extra cls,pairs --attack device/attacks --group 2
"""
import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import loso  # noqa: E402
import research  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extra", default="")
    ap.add_argument("--attack", required=True)
    ap.add_argument("--group", type=int, required=True)
    ap.add_argument("--benign", default="")
    ap.add_argument("--n", type=int, default=15)
    ap.add_argument("--C", type=float, default=1.0)
    a = ap.parse_args()
    rows = loso.load_rows()
    fz = research.Extra([x for x in a.extra.split(",") if x])
    X = fz.counts([r["text"] for r in rows])
    y = np.array([r["label"] for r in rows])
    unit = np.array([r["unit"] for r in rows])
    bs = loso.BENIGN_GROUPS[a.group]
    test = np.isin(unit, (a.attack,) + bs)
    lr = loso.fit(X[~test], y[~test], a.C, weights=loso.unit_weights(y[~test], unit[~test]))
    s = lr.decision_function(X)
    ben = [i for i in np.flatnonzero(test) if y[i] == 0 and (not a.benign or unit[i] == a.benign)]
    att = [i for i in np.flatnonzero(test) if y[i] == 1]
    print("attack scores: median %.2f, 10%% %.2f" % (np.median(s[att]), np.percentile(s[att], 10)))
    print("--- highest benign")
    for i in sorted(ben, key=lambda i: -s[i])[:a.n]:
        print("%6.2f %-16s %r" % (s[i], unit[i], rows[i]["text"][:150]))
    print("--- lowest attacks")
    for i in sorted(att, key=lambda i: s[i])[:a.n]:
        print("%6.2f %-16s %r" % (s[i], rows[i]["source"], rows[i]["text"][:150]))


if __name__ == "__main__":
    main()


def explain(fz, lr, text):
    """Score of the text and the drop when each word is removed (a rough attribution)."""
    import re
    words = re.findall(r"\S+", text)
    base = float(lr.decision_function(fz.counts([text]))[0])
    out = []
    variants = [" ".join(words[:k] + words[k + 1:]) for k in range(len(words))]
    if variants:
        s = lr.decision_function(fz.counts(variants))
        out = sorted(((base - float(v), w) for v, w in zip(s, words)), reverse=True)
    return base, out
