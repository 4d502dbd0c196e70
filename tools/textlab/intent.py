"""Round 7 (issue 17): screen features that see a message's intent structure, by LOSO and out of fold.

The base is the default's recipe exactly (``hashtrain.HashModel`` features: words, bigrams,
3-grams, lexicon classes and class pairs, decoding, leet digits in words). Each option of
``--extra`` (comma-separated) adds features in the same 2**15 buckets, computed in Python per
text (a screen: nothing here is in the firmware):

- ``skipW`` (e.g. ``skip4``): ordered class skip-grams -- word i of class a, a later word j of
  class b with j - i <= W -- one feature per (a, b) present (key 0x800 + 16 a + b);
- ``tskipW``: as ``skipW``, only between an action class (override, disclose, negation) and a
  safety-target class (guard, alarm, audit, secret), in either order;
- ``dir``: the direction of a numeric change: two numbers joined by a connector (``from A to B``,
  ``A -> B``, ``A..B`` ...): up / down, up by 3x or more, a multiplier (``x10``, ``10x``), each
  also crossed with every lexicon class present (key 0xA00 + ...);
- ``obf``: evidence of obfuscation that the folding table hides: a word mixing plain ASCII letters
  with non-ASCII letters that fold to ASCII (homoglyphs), full-width forms, mathematical
  alphanumerics, enclosed letters, a zero-width character between letters; one flag each
  and one for any of them (key 0xE00 + k);
- ``kv``: classes of the words inside a field value (``key=value``, ``"key": "value"``, ``key: value``),
  one feature per class (key 0xC00 + c), and a flag when a value holds three or more words.

Two measures on the same feature matrix (both on the training corpus; the held-out set is not read):

1. LOSO grouped (``loso.run``; 169 folds with ``--exclude-units device/second,device/second-neg``);
2. out of fold by kind (``build_model.py --dry --by-kind``'s folds): device attacks above the cut
   that passes 0.5 % of the device-benign rows.

    python tools/textlab/intent.py --extra skip4,dir,kv --exclude-units device/second,device/second-neg
"""
import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "host"))

import loso  # noqa: E402
import research  # noqa: E402
from build_model import DEVICE_ATTACK, DEVICE_BENIGN, groups_of  # noqa: E402
from redline_host.text import hashfeat, hashtrain  # noqa: E402
from redline_host.text.lexicon import CLASSES  # noqa: E402

# ``tskipW``: only skip-grams between an action class and a safety target (either order)
ACTION = tuple(CLASSES.index(c) for c in ("override", "disclose", "negation"))
TARGET = tuple(CLASSES.index(c) for c in ("guard", "alarm", "audit", "secret"))
NUM = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)")
CONNECT = re.compile(r"^\s*(?:[a-zA-Z%°/]{0,4}\s*)?(?:to|->|→|=>|=|until|till|auf|à|a|au|até|hasta|fino|до|на|naar|op|till|na|do|için|e|bis|~|\.\.|-)\s*$",
                     re.I)
MULT = re.compile(r"(?<![\w])(?:[x×*]\s?\d+|\d+\s?[x×])(?![\w])", re.I)
# a field's value: JSON ``"key": "value"``, ``key="value"`` / ``key='value'``, ``key=token``, ``key: rest``
MIXED = re.compile(r"[A-Za-z][^\x00-\x7f\s]|[^\x00-\x7f\s][A-Za-z]")
ZW = re.compile(r"\w[\u200b\u200d\u2060\ufeff\u00ad]+\w")      # not ZWNJ: Persian and Indic words hold it
OBF = (("full", re.compile(r"[\uff21-\uff3a\uff41-\uff5a]")), ("math", re.compile(r"[\U0001d400-\U0001d7ff]")),
       ("encl", re.compile(r"[\u24b6-\u24e9\U0001f130-\U0001f189]")), ("zw", ZW))
KV = re.compile(r"""(?:"[\w.\-]+"\s*:\s*"([^"]*)"|[\w.\-]+=\s*"([^"]*)"|[\w.\-]+=\s*'([^']*)'"""
                r"""|[\w.\-]+=([^\s,;&|"'}]+)|[\w.\-]+:\s+([^,;|}\n]*))""")


class Intent:
    def __init__(self, opts, base):
        self.opts = set(opts)
        self.base = base
        self.mask = base.mask
        self.words = research.Words()
        self.lex = research.Lexicon(self.words)
        self.stats = {}

    def _add(self, rows, cols, i, key, name):
        rows.append(i)
        cols.append(int(hashfeat.bucket(key, hashfeat.MIX_CLS, self.mask)))
        self.stats[name] = self.stats.get(name, 0) + 1

    def _mixed(self, t):
        """A word with a plain ASCII letter next to a letter of another script that folds to an ASCII
        letter (Cyrillic ``о``, Greek ``ν``; accented Latin letters do not count)."""
        for m in MIXED.finditer(t):
            for ch in m.group(0):
                if ord(ch) >= 0x80 and ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
                    k, u = self.words.fz.char_action(ch)
                    if k == research.fold.SELF and 0x61 <= u <= 0x7A:
                        return True
        return False

    def counts(self, texts):
        t0 = time.time()
        m = self.base.counts(texts)
        rows, cols = [], []
        skip = [int(o[4:]) for o in self.opts if o.startswith("skip")]
        tskip = [int(o[5:]) for o in self.opts if o.startswith("tskip")]
        if tskip:
            skip = tskip
        for i, t in enumerate(texts):
            masks = None
            if skip or "dir" in self.opts:
                masks = self.lex.classes(self.words.words(t))
            if skip:
                w = skip[0]
                idx = [(k, c) for k, c in enumerate(masks) if c]
                seen = set()
                for x in range(len(idx)):
                    for y in range(x + 1, len(idx)):
                        if idx[y][0] - idx[x][0] > w:
                            break
                        for a in range(16):
                            if idx[x][1] >> a & 1:
                                for b in range(16):
                                    if idx[y][1] >> b & 1 and (a, b) not in seen and (
                                            not tskip or (a in ACTION and b in TARGET) or (a in TARGET and b in ACTION)):
                                        seen.add((a, b))
                                        self._add(rows, cols, i, 0x800 + a * 16 + b, "skip")
            if "dir" in self.opts:
                present = 0
                for c in masks:
                    present |= c
                flags = set()
                nums = list(NUM.finditer(t))
                for p, q in zip(nums, nums[1:]):
                    gap = t[p.end():q.start()]
                    if len(gap) > 12 or not CONNECT.match(gap):
                        continue
                    a = float(p.group(1).replace(",", "."))
                    b = float(q.group(1).replace(",", "."))
                    if b > a:
                        flags.add(1)
                        if b >= 3 * max(a, 1e-9):
                            flags.add(2)
                    elif b < a:
                        flags.add(3)
                        if a >= 3 * max(b, 1e-9):
                            flags.add(4)
                if MULT.search(t):
                    flags.add(5)
                for f in flags:
                    self._add(rows, cols, i, 0xA00 + f, "dir%d" % f)
                    for c in range(16):
                        if present >> c & 1:
                            self._add(rows, cols, i, 0xA00 + f * 16 + 0x40 + c, "dirx")
            if "obf" in self.opts:
                got = [k for k, (_, rx) in enumerate(OBF) if rx.search(t)]
                if self._mixed(t):
                    got.append(len(OBF))
                for k in got:
                    self._add(rows, cols, i, 0xE00 + k, "obf%d" % k)
                if got:
                    self._add(rows, cols, i, 0xE10, "obf")
            if "kv" in self.opts:
                vc = 0
                prose = False
                for mm in KV.finditer(t):
                    v = next((g for g in mm.groups() if g), "")
                    ws = self.words.words(v)
                    if sum(1 for u, s in ws if len(u) >= 2) >= 3:
                        prose = True
                    for c in self.lex.classes(ws):
                        vc |= c
                for c in range(16):
                    if vc >> c & 1:
                        self._add(rows, cols, i, 0xC00 + c, "kvc")
                if prose:
                    self._add(rows, cols, i, 0xC20, "kvprose")
        if rows:
            m = m + sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=m.shape)
        print("intent features %.1fs %s" % (time.time() - t0, json.dumps(self.stats)), file=sys.stderr)
        return m.tocsr()


def corpus(exclude_units):
    """The training corpus without the units named in ``exclude_units`` (comma-separated): rows,
    texts, labels, units, and the default recipe's featurizer (tables and lexicon only: fitted on
    100 rows, its weights unused)."""
    excl = set(u for u in exclude_units.split(",") if u)
    rows = [r for r in loso.load_rows() if r["unit"] not in excl]
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] for r in rows])
    units = np.array([r["unit"] for r in rows])
    hm = hashtrain.HashModel(fold_digits="leetword")
    hm.fit(texts[:50] + texts[-50:], np.r_[y[:50], y[-50:]])
    return rows, texts, y, units, hm.features()


def weighted(base, extra):
    """Unit weights of ``base`` (loso.unit_weights), with each unit of ``extra`` ({unit: factor}) scaled."""
    def w(y, unit, *a):
        out = base(y, unit, *a)
        for u, f in extra.items():
            out[unit == u] *= f
        return out
    return w


def out_of_fold(X, rows, y, units, folds=5, C=1.0):
    groups = np.array(groups_of(rows))
    oof = np.zeros(len(rows))
    for tr, te in GroupKFold(n_splits=folds).split(X, y, groups):
        w = loso.unit_weights(y[tr], units[tr])
        lr = loso.fit(X[tr], y[tr], C, weights=w)
        oof[te] = lr.decision_function(X[te])
    dev = np.isin(units, DEVICE_BENIGN)
    dev_att = np.isin(units, DEVICE_ATTACK)
    out = {"device_auroc": round(float(roc_auc_score(y[dev | dev_att], oof[dev | dev_att])), 4)}
    for f in (0.005, 0.01):
        c = float(np.sort(oof[dev])[len(oof[dev]) - int(f * dev.sum()) - 1])
        out["recall@%g" % f] = round(float(np.mean(oof[dev_att] > c)), 4)
        out["public@%g" % f] = round(float(np.mean(oof[(y == 1) & ~dev_att] > c)), 4)
        out["units@%g" % f] = {u: round(float(np.mean(oof[units == u] > c)), 3) for u in DEVICE_ATTACK + DEVICE_BENIGN
                               if (units == u).any()}
    return out, oof


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extra", default="")
    ap.add_argument("--exclude-units", default="")
    ap.add_argument("--no-loso", action="store_true")
    ap.add_argument("--units", default="", help="LOSO only the folds of these units (comma-separated)")
    ap.add_argument("--unit-weight", default="", help="hard-negative screen: unit=factor,... scales those units' sample weights")
    ap.add_argument("--out")
    ap.add_argument("--oof", help="write each row's out-of-fold logit here (jsonl)")
    a = ap.parse_args()
    if a.unit_weight:
        loso.unit_weights = weighted(loso.unit_weights, {k: float(v) for k, v in
                                                         (x.split("=") for x in a.unit_weight.split(","))})
    rows, texts, y, units, base = corpus(a.exclude_units)
    fz = Intent([x for x in a.extra.split(",") if x], base)
    X = fz.counts(texts)
    res = {"config": vars(a)}
    oof, scores = out_of_fold(X, rows, y, units)
    res["out_of_fold"] = oof
    if a.oof:
        with open(a.oof, "w", encoding="utf-8") as f:
            for r, v in zip(rows, scores):
                f.write(json.dumps({"oof": round(float(v), 4), "label": r["label"], "unit": r["unit"],
                                    "source": r["source"], "text": r["text"][:300]}, ensure_ascii=False) + "\n")
    print(json.dumps({"extra": a.extra, "oof": {k: v for k, v in oof.items() if not k.startswith("units")}}), flush=True)
    if not a.no_loso:
        fz.counts = lambda texts, X=X: X
        folds = loso.run(rows, fz, 1.0, "grouped", log=lambda s: None, balance="unit",
                         units=set(a.units.split(",")) if a.units else None)
        s = loso.summary(folds)
        res["loso"] = s
        print(json.dumps({"extra": a.extra, "loso": {k: s[k] for k in ("folds", "worst_auroc", "worst_fold", "mean_auroc",
                                                                       "mean_recall@fpr05")}}), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
