"""Train and export the format-2 text model: hashed features, int8 weights, thresholds by budget.

    from redline_host.text.hashtrain import HashModel, choose_cuts, export_hash_model
    est = HashModel(bits=15).fit(texts, labels, units)
    oof = out_of_fold(texts, labels, units, groups)           # honest scores for the cuts
    cuts = choose_cuts(oof, labels, budget_mask, escalate_fpr=0.0025, warn_fpr=0.01)
    export_hash_model(est, cuts, "models/default", provenance={...})

The estimator is logistic regression on the feature counts of
``redline_host.text.hashfeat`` (what the firmware sums), each unit of the corpus
(a public data set or a device file) weighing the same inside its label and
both labels weighing the same. The exported weights are int8 (offset binary,
one byte per bucket): ``acc = INTERCEPT + sum(weight - 128)`` over the
message's features, ``logit = acc / SCALE``.

Two cuts in accumulator units come from out-of-fold scores: THRESHOLD (the
escalate cut, ``is_manipulation <=> acc > THRESHOLD``) and WARN. The reported
probability is calibrated to the policy ladder rather than to the data: p is
0.18 at THRESHOLD and 0.135 at WARN (``prob16(acc - THRESHOLD + P_AT,
P_SCALE)``), so the unchanged entropy rungs (warn 30000 = p 0.132, escalate
40000 = p 0.188, halt 50000 = p 0.257) warn from WARN and escalate from
THRESHOLD + 1 (the classifier verdict), and every message above THRESHOLD is
escalated or halted.
"""
import hashlib
import json
import math
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from . import fold
from .hashfeat import Features, build_lexicon

FORMAT = 2
P_AT_THRESHOLD = 0.18      # ladder probability at THRESHOLD (entropy 38,700 < 40,000)
P_AT_WARN = 0.135          # ladder probability at WARN (entropy 30,600 >= 30,000)
WARN_ENTROPY = 30000
ESCALATE_ENTROPY = 40000


def length_factor(n, n0):
    """Research screen of the text lab (round 6; not built into the firmware): the factor of each
    message's sum, 1 up to ``n0`` features and sqrt(n0 / n) above, as
    floor(sqrt(n0 << 10)) / floor(sqrt(n << 10)) (what an integer build would compute)."""
    n = np.asarray(n, dtype=np.int64)
    out = np.ones(len(n))
    if not n0:
        return out
    big = n > n0
    out[big] = math.isqrt(n0 << 10) / np.array([math.isqrt(int(v) << 10) for v in n[big]], dtype=np.float64)
    return out


def unit_weights(y, units, device_weight=1.0):
    """Each label half of the total weight; inside a label, each unit an equal share.

    ``device_weight``: a unit whose name starts with ``device/`` counts that many shares."""
    y = np.asarray(y)
    units = np.asarray(units)
    w = np.zeros(len(y))
    for lab in (0, 1):
        us = sorted(set(units[y == lab]))
        shares = {u: (device_weight if str(u).startswith("device/") else 1.0) for u in us}
        tot = sum(shares.values())
        for u in us:
            m = (units == u) & (y == lab)
            w[m] = shares[u] / (tot * m.sum())
    return w * len(y) / 2.0


class HashModel(ClassifierMixin, BaseEstimator):
    """Logistic regression on hashed feature counts. Learned: ``coef_`` (2**bits), ``intercept_``, ``table_``."""

    def __init__(self, bits=15, C=1.0, balance="unit", fold_digits=True, tol=1e-4, max_iter=3000,
                 random_state=42, lexicon=True, decode=14, n0=0, device_weight=1.0):
        self.bits = bits
        self.device_weight = device_weight
        self.n0 = n0
        self.lexicon = lexicon
        self.decode = decode
        self.fold_digits = fold_digits
        self.C = C
        self.balance = balance
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def features(self):
        return Features(self.table_[0], self.table_[1], self.bits, self.table_[2], self.lex_[0], self.decode_)

    def _counts(self, X):
        """Feature counts, each row scaled by its length factor (``n0``: a research screen only)."""
        m = self.features().counts(list(X))
        if self.n0:
            from scipy import sparse

            n = np.asarray(m.sum(axis=1)).ravel().astype(np.int64)
            m = (sparse.diags(length_factor(n, self.n0)) @ m).tocsr()
        return m

    def fit(self, X, y, units=None):
        y = np.asarray(y, dtype=np.int64)
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("y needs both labels 0 and 1")
        if not hasattr(self, "table_"):
            # fold_digits="leetword": the leet tables, and decode bit 16 (leet digits only in a run of
            # ASCII letters and digits that holds a letter; a run of digits only reads them as 0)
            fd = "leet" if self.fold_digits == "leetword" else self.fold_digits
            self.table_ = fold.encode_table(fold_digits=fd) + (fold.ascii_table(fd),)
            self.lex_ = (b"", b"")
            if self.lexicon:
                from .lexicon import compile_lexicon

                plain = Features(self.table_[0], self.table_[1], self.bits, self.table_[2])
                self.lex_ = build_lexicon(compile_lexicon(plain))
            self.decode_ = (self.decode | (16 if self.fold_digits == "leetword" else 0)) if self.lex_[0] else 0
        self.classes_ = np.array([0, 1])
        m = self._counts(X)
        if self.balance == "unit" and units is not None:
            w = unit_weights(y, units, self.device_weight)
            lr = LogisticRegression(C=self.C, solver="liblinear", tol=self.tol, max_iter=self.max_iter,
                                    random_state=self.random_state)
            lr.fit(m, y, sample_weight=w)
        else:
            lr = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", tol=self.tol,
                                    max_iter=self.max_iter, random_state=self.random_state)
            lr.fit(m, y)
        self.coef_ = lr.coef_.ravel().copy()
        self.intercept_ = float(lr.intercept_[0])
        return self

    def decision_function(self, X):
        m = self._counts(X)
        return self.intercept_ + m @ self.coef_

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(np.int64)


def quantize(est):
    """(weights bytes offset-binary int8, SCALE, INTERCEPT): weight = round(coef * SCALE) in -127..127."""
    peak = float(np.max(np.abs(est.coef_))) or 1.0
    scale = int(math.floor(127.0 / peak))
    if scale < 1:
        raise ValueError("weights too large for int8")
    q = np.clip(np.rint(est.coef_ * scale), -127, 127).astype(np.int64)
    return bytes((q + 128).astype(np.uint8)), scale, int(round(est.intercept_ * scale))


def integer_scores(weights, intercept, table, bits, texts, lex=b"", decode=0):
    """The firmware's accumulator for each text: INTERCEPT + sum(weight - 128)."""
    acc, n = Features(table[0], table[1], bits, table[2], lex, decode).sums(weights, texts)
    return acc + intercept, n


def cut_for_fpr(scores, max_fpr):
    """Smallest integer cut c with mean(scores > c) <= max_fpr."""
    s = np.sort(np.asarray(scores, dtype=np.int64))
    k = int(math.floor(max_fpr * len(s)))
    return int(s[len(s) - k - 1]) if k < len(s) else int(s[0]) - 1


def ladder_probability(warn, threshold):
    """(P_AT, P_SCALE): p = prob16(acc - THRESHOLD + P_AT, P_SCALE) puts the entropy rungs on the cuts.

    Searched so that, with the firmware's own integer sigmoid and entropy, the
    warn rung (entropy >= 30000) starts exactly at acc = WARN and the escalate
    rung (40000) is not reached at acc = THRESHOLD.
    """
    from redline.text.sig import entropy16, prob16

    gap = max(1, threshold - warn)
    p_scale = max(1, min(32767, int(round(gap / (math.log(P_AT_THRESHOLD / (1 - P_AT_THRESHOLD))
                                                 - math.log(P_AT_WARN / (1 - P_AT_WARN)))))))
    base = int(round(math.log(P_AT_THRESHOLD / (1 - P_AT_THRESHOLD)) * p_scale))

    def ent(acc, p_at):
        return entropy16(prob16(acc - threshold + p_at, p_scale))

    best = None
    for d in range(-4 * p_scale - 8, 4 * p_scale + 9):
        p_at = base + d
        if ent(warn, p_at) >= WARN_ENTROPY and ent(warn - 1, p_at) < WARN_ENTROPY \
                and ent(threshold, p_at) < ESCALATE_ENTROPY:
            if best is None or abs(d) < abs(best - base):
                best = p_at
    if best is None:
        raise ValueError("no ladder calibration for WARN %d, THRESHOLD %d" % (warn, threshold))
    return best, p_scale


def payload(m):
    """The bytes the SHA-256 covers: the firmware's header (redline.text.model.payload_header_v2) + tables."""
    from redline.text.model import payload_header_v2

    lex = m.get("lex", b"")
    lexf = m.get("lexf", b"")
    return [payload_header_v2(m["bits"], m["scale"], m["intercept"], m["threshold"], m["warn"], m["p_at"],
                              m["p_scale"], len(m["fold"]), len(m["pages"]), len(m["patterns"]), len(lex),
                              len(lexf), m.get("decode", 0) if lex else 0),
            m["ascii"], m["weights"], m["fold"], m["pages"], m["patterns"], lex, lexf]


def _literal(name, data, width=24):
    lines = ["%s = (" % name]
    for i in range(0, len(data), width):
        lines.append("    b\"%s\"" % "".join("\\x%02x" % b for b in data[i:i + width]))
    if not data:
        lines.append('    b""')
    lines.append(")")
    return "\n".join(lines) + "\n"


def render_module(m, description=""):
    """Source of a generated format-2 ``redline_model.py``."""
    sha = hashlib.sha256(b"".join(payload(m))).hexdigest()
    out = [
        "# generated by redline - do not edit\n",
        "# format 2; sha256 %s\n" % sha,
        "# %s\n" % (description or "hashed-feature model"),
        '"""redline text model (generated). Checked by redline.model before use."""\n',
        "FORMAT = 2\n",
        "BITS = %d\n" % m["bits"],
        "SCALE = %d\n" % m["scale"],
        "INTERCEPT = %d\n" % m["intercept"],
        "THRESHOLD = %d\n" % m["threshold"],
        "WARN = %d\n" % m["warn"],
        "P_AT = %d\n" % m["p_at"],
        "P_SCALE = %d\n" % m["p_scale"],
        'SHA256 = "%s"\n' % sha,
        _literal("ASCII", m["ascii"]),
        _literal("WEIGHTS", m["weights"]),
        _literal("FOLD", m["fold"]),
        _literal("PAGES", m["pages"]),
        _literal("PATTERNS", m["patterns"]),
    ]
    if m.get("lex"):
        out += ["DECODE = %d\n" % m.get("decode", 0), _literal("LEX", m["lex"]), _literal("LEXF", m["lexf"])]
    return "".join(out), sha


def write_module(out_dir, m, description=""):
    src, sha = render_module(m, description)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "redline_model.py").write_text(src)
    return out / "redline_model.py", sha
