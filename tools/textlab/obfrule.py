"""Round 8 (issue 17): a FIXED obfuscation rule outside the learned weights, screened by LOSO and out of fold.

The rule (set from domain knowledge before any LOSO run; tools/textlab/README.md, round 8): a
message that carries evidence of obfuscation scores at least ``FLOOR`` logits -- the default
model's escalate cut (``threshold_logit`` 3.421 of models/default) plus 0.01 -- so it escalates
at least; an unflagged message keeps its score, a flagged one never scores lower than it would.

Evidence (``evidence(text)`` returns the names of the kinds found; any one flags the message):

- ``runs``: a base64 / hex run the firmware decodes (``decoded_text`` keeps it: >= 90 % printable,
  >= 50 % letters);
- ``spaced``: letters spelled out one by one (3+ one-letter words) that join into a word of 4+
  letters, 3+ of them different (``A B C`` phase names, ``a a a a a``: not evidence);
- ``turned``: a letter run whose ROT13 or backwards reading is a lexicon word, in a message that
  names an encoding (the firmware's decode bit 8 trigger);
- ``leet``: a word of ASCII letters and leet digits (0 1 3 4 5 7) of 4+ characters, 2+ letters, a
  leet digit between two letters, whose leet reading has a lexicon class and whose letters alone
  have none (``1gn0r3``; ``PT101``, ``alarm4`` are not);
- ``full`` / ``math`` / ``encl``: full-width Latin letters, mathematical alphanumerics, enclosed letters;
- ``zw``: a zero-width character (not ZWNJ) between two word characters;
- ``homo``: a word with at least as many ASCII letters as other letters (2+ ASCII) whose other
  letters are all Cyrillic or Greek letters shaped like Latin ones (``раssword``, ``іgnore``); a
  Cyrillic or CJK word, a Cyrillic word with one stray Latin letter (``тентa``) or a Cyrillic word
  glued to an English one (``сценуcoffee``) is not evidence;
- ``esc``: four or more ``\\xNN`` escapes in a row that spell text (>= 90 % printable, 3+ letters).

Measures (training corpus only; the held-out set is not read):

1. counts of each kind per unit (``--counts``);
2. out of fold by kind (``intent.out_of_fold``): device attacks above the cut that passes 0.5 % /
   1 % of the device-benign rows, the rule applied to every row's out-of-fold score first;
3. LOSO grouped (``loso.run``, 169 folds with ``--exclude-units device/second,device/second-neg``),
   the rule applied to each fold's scores (the score LOSO ranks).

``--no-rule`` gives the baseline with the same code path (reproduces round 7's baseline).

The hidden marks as BUILT (firmware ``HashScorer.obf``, its host twin ``IntegerScorer.obf``):
``--firmware-marks`` flags a row when the default model's scorer marks it (instead of the screen's
regular expressions; ``--kinds`` is then ignored), and ``--check-firmware`` scores every corpus row
with the firmware scorer and sifter (CPython) and the host batch scorer and counts disagreements::

    python tools/textlab/obfrule.py --exclude-units device/second,device/second-neg --firmware-marks
    python tools/textlab/obfrule.py --check-firmware

    python tools/textlab/obfrule.py --exclude-units device/second,device/second-neg --out .cache/lab/r8.json
"""
import argparse
import binascii
import collections
import json
import re
import sys
from pathlib import Path

import numpy as np
from scipy import sparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "host"))

import intent  # noqa: E402
import loso  # noqa: E402
import research  # noqa: E402
from redline_host.text.hashdecode import decoded_text, _turned  # noqa: E402

FLOOR = 3.421 + 0.01        # models/default threshold_logit + 0.01: a flagged message escalates at least

LEET_TOK = re.compile(r"(?<![A-Za-z0-9])[A-Za-z013457]{4,}(?![A-Za-z0-9])")
INNER = re.compile(r"[A-Za-z][013457]+[A-Za-z]")
LEET = str.maketrans("013457", "oieast")
ESC = re.compile(r"(?:\\x[0-9A-Fa-f]{2}){4,}")
LETTER_RUN = re.compile(r"[^\W\d_]+")
# Cyrillic and Greek letters drawn like Latin ones
HOMO = set("аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХІЈЅ" "οαντρικυΑΒΕΖΗΙΚΜΝΟΡΤΥΧ")
CUES = ("rot13", "rot-13", "rot 13", "backwards", "reversed", "reverse", "caesar")
KINDS = ("runs", "spaced", "turned", "leet", "full", "math", "encl", "zw", "homo", "esc")


class Evidence:
    def __init__(self):
        self.words = research.Words()
        self.lex = research.Lexicon(self.words)
        self.cue = None

    def _has_class(self, s):
        return any(self.lex.classes(self.words.words(s)))

    def __call__(self, text, cue_class=False):
        got = []
        data = text.encode("utf-8", "surrogatepass")
        buf, f = decoded_text(data, runs=True, spaced=False)
        if f:
            got.append("runs")
        buf, f = decoded_text(data, runs=False, spaced=True)
        if f and any(len(w) >= 4 and len(set(w.lower())) >= 3 for w in buf.split()):
            got.append("spaced")
        if cue_class:
            hit = lambda k: self._has_class(k.decode("ascii"))      # noqa: E731
            if _turned(data, bytearray(), 255, hit):
                got.append("turned")
        for m in LEET_TOK.finditer(text):
            t = m.group(0)
            if sum(1 for c in t if c.isalpha()) >= 2 and INNER.search(t):
                plain = "".join(c for c in t if c.isalpha())
                if self._has_class(t.lower().translate(LEET)) and not self._has_class(plain):
                    got.append("leet")
                    break
        for name, rx in intent.OBF:
            if rx.search(text):
                got.append(name)
        for m in LETTER_RUN.finditer(text):
            w = m.group(0)
            asc = sum(1 for c in w if c < "\x80")
            other = [c for c in w if c >= "\x80"]
            if asc >= 2 and asc * 2 >= len(w) and other and all(c in HOMO for c in other):
                got.append("homo")
                break
        for m in ESC.finditer(text):
            seg = binascii.unhexlify(m.group(0).replace("\\x", ""))
            good = sum(1 for b in seg if 0x20 <= b < 0x7F or b in (9, 10, 13))
            letters = sum(1 for b in seg if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A)
            if good * 10 >= len(seg) * 9 and letters >= 3:
                got.append("esc")
                break
        return got


def flags_of(texts, base):
    """(flag per text, kinds per text). The ROT13 / backwards reading needs the firmware's cue (the
    lexicon class ``encoding`` present), taken from the base features' class masks."""
    from redline_host.text.hashfeat import CUE_CLASS

    got = base._words(texts)
    _, _, _, _, cls, _, _ = base._base(got, len(texts))
    ev = Evidence()
    kinds = [ev(t, bool((int(c) >> CUE_CLASS) & 1)) for t, c in zip(texts, cls)]
    return np.array([bool(k) for k in kinds]), kinds


MARK_NAMES = ("full", "math", "encl", "zw", "homo")      # HashScorer.obf bits 1, 2, 4, 8, 16


def _default_scorer():
    from redline_host.text.evalmodel import IntegerScorer
    from redline_host.text.modelfile import load_model_dir

    return IntegerScorer(load_model_dir(str(ROOT / "models" / "default")))


def firmware_kinds(texts):
    """The kinds the built rule finds (the default model's hidden-mark bits, host twin)."""
    obf = _default_scorer().obf(texts)
    return [[n for b, n in enumerate(MARK_NAMES) if (int(o) >> b) & 1] for o in obf]


def check_firmware(exclude_units=""):
    """Every corpus row: firmware HashScorer.obf / raw acc / sifter score vs IntegerScorer (twin)."""
    from redline.text.feat import HashScorer
    from redline.text.sift import Sifter

    rows = [r for r in loso.load_rows() if r["unit"] not in set(u for u in exclude_units.split(",") if u)]
    texts = [r["text"] for r in rows]
    sc = _default_scorer()
    raw = sc.scores(texts, floor=False)
    floored = sc.scores(texts)
    obf = sc.obf(texts)
    hs = HashScorer(sc.model)
    sf = Sifter(sc.model)
    bad = 0
    for i, t in enumerate(texts):
        data = t.encode("utf-8", "surrogatepass")
        hs.score(data, len(data))
        n = min(len(data), 32768)
        if (hs.obf, hs.acc) != (int(obf[i]), int(raw[i])) or (n == len(data) and sf.sift(data).score != int(floored[i])):
            bad += 1
            if bad <= 5:
                print("differs: %r" % t[:80])
    per = collections.Counter()
    for r, o, lab in zip(rows, obf, (int(r["label"]) for r in rows)):
        if o:
            per[r["unit"]] += 1
    print(json.dumps({"rows": len(texts), "differ": bad, "marked": int(np.sum(obf != 0)),
                      "marked_benign": int(sum(1 for r, o in zip(rows, obf) if o and not r["label"])),
                      "lifted": int(np.sum(floored != raw)), "marked_by_unit": dict(sorted(per.items()))}))


class Ruled:
    """A fitted model whose decision_function applies the rule: the last column of X is the flag."""

    def __init__(self, lr, floor):
        self.lr = lr
        self.floor = floor

    def decision_function(self, X):
        s = self.lr.decision_function(X[:, :-1])
        flag = np.asarray(X[:, -1].todense()).ravel() > 0
        if self.floor is not None:
            s = np.where(flag, np.maximum(s, self.floor), s)
        return s


def own_cut(scores, flag, y, units, budgets=(0.005, 0.01)):
    """The rule at the decision level on out-of-fold scores: a flagged message escalates (its score
    is raised to the escalate cut, so it passes it); the cut is the one that lets ``budget`` of the
    device-benign rows escalate, the flagged device-benign rows counted first. [without, with] each."""
    from build_model import DEVICE_ATTACK, DEVICE_BENIGN

    dev = np.isin(units, DEVICE_BENIGN)
    att = np.isin(units, DEVICE_ATTACK)
    obf = units == "device/obfuscated"
    out = {}
    for f in budgets:
        k = int(f * dev.sum())
        c0 = float(np.sort(scores[dev])[dev.sum() - k - 1])
        fb = int(np.sum(dev & flag))
        rest = np.sort(scores[dev & ~flag])
        c = float(rest[len(rest) - (k - fb) - 1]) if k - fb >= 0 else float("inf")
        esc = flag | (scores > c)
        out["cut@%g" % f] = [round(c0, 3), round(c, 3)]
        out["recall@%g" % f] = [round(float(np.mean(scores[att] > c0)), 4), round(float(np.mean(esc[att])), 4)]
        out["obfuscated@%g" % f] = [round(float(np.mean(scores[obf] > c0)), 3), round(float(np.mean(esc[obf])), 3)]
        out["public@%g" % f] = [round(float(np.mean(scores[(y == 1) & ~att] > c0)), 4),
                                round(float(np.mean(esc[(y == 1) & ~att])), 4)]
        out["device_benign_escalated@%g" % f] = [int(np.sum(dev & (scores > c0))), int(np.sum(dev & esc))]
        out["device_benign_flagged"] = fb
    return out


def install(floor):
    fit = loso.fit

    def ruled_fit(X, y, C, max_iter=3000, weights=None):
        return Ruled(fit(X[:, :-1], y, C, max_iter, weights), floor)
    loso.fit = ruled_fit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exclude-units", default="")
    ap.add_argument("--no-rule", action="store_true", help="baseline: the same code path without the floor")
    ap.add_argument("--floor", type=float, default=FLOOR)
    ap.add_argument("--kinds", default=",".join(KINDS), help="evidence kinds that flag (comma-separated)")
    ap.add_argument("--counts", action="store_true", help="only the counts of evidence per unit")
    ap.add_argument("--no-loso", action="store_true")
    ap.add_argument("--firmware-marks", action="store_true",
                    help="flag by the built hidden marks (the default model's scorer), not the screen")
    ap.add_argument("--check-firmware", action="store_true",
                    help="only: firmware scorer / sifter vs the host twin on every corpus row")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.check_firmware:
        check_firmware(a.exclude_units)
        return
    rows, texts, y, units, base = intent.corpus(a.exclude_units)
    if a.firmware_marks:
        kinds = firmware_kinds(texts)
        a.kinds = ",".join(MARK_NAMES)
    else:
        _, kinds = flags_of(texts, base)
    use = set(a.kinds.split(","))
    flag = np.array([bool(set(k) & use) for k in kinds])
    per = collections.defaultdict(collections.Counter)
    for u, k, lab in zip(units, kinds, y):
        per[u]["rows"] += 1
        for x in k:
            per[u][x] += 1
        if set(k) & use:
            per[u]["flagged"] += 1
    counts = {u: dict(c) for u, c in sorted(per.items()) if c.get("flagged") or any(x in c for x in KINDS)}
    print(json.dumps({"flagged_by_unit": counts}), flush=True)
    res = {"config": vars(a), "counts": counts}
    if a.counts:
        if a.out:
            Path(a.out).write_text(json.dumps(res, indent=1, ensure_ascii=False))
        for t, k, u in zip(texts, kinds, units):
            if k and y[units == u][0] == 0:
                print("%-22s %-12s %r" % (u, ",".join(k), t[:110]))
        return
    X = sparse.hstack([base.counts(texts), sparse.csr_matrix(flag.astype(np.float64)[:, None])]).tocsr()
    install(None if a.no_rule else a.floor)
    oof, scores = intent.out_of_fold(X, rows, y, units)
    res["out_of_fold"] = oof
    if a.no_rule:
        # the rule applied afterwards to the same out-of-fold scores, its floor at THIS evaluation's
        # cut (+ 0.01): what "escalates at least" means for a model whose cut is that one
        np.save(str(ROOT / ".cache" / "lab" / "r8_oof_raw.npy"), scores)
        res["own_cut"] = own_cut(scores, flag, y, units)
        print(json.dumps({"own_cut": res["own_cut"]}), flush=True)
    print(json.dumps({"rule": not a.no_rule, "oof": {k: v for k, v in oof.items() if not k.startswith("units")},
                      "obfuscated@0.005": oof["units@0.005"].get("device/obfuscated")}), flush=True)
    if not a.no_loso:
        fz = type("F", (), {"counts": lambda self, t, X=X: X})()
        folds = loso.run(rows, fz, 1.0, "grouped", log=lambda s: None, balance="unit")
        s = loso.summary(folds)
        res["loso"] = s
        res["folds"] = folds
        worst3 = sorted(folds, key=lambda r: r["auroc"])[:3]
        print(json.dumps({"rule": not a.no_rule, "loso": {k: s[k] for k in ("folds", "worst_auroc", "worst_fold", "mean_auroc",
                                                                          "mean_recall@fpr05")},
                          "worst3": [(r["attack"], r["benign"], r["auroc"]) for r in worst3]}), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
