"""Score texts with a frozen integer model exactly as the firmware does, and measure it.

``IntegerScorer`` is the numpy twin of ``redline.text.clf.Classifier``: the
same low-32-bit token hashes (``redline_host.text.fasthash``), the same sorted key
table and int16 weights, the same integer sum starting at INTERCEPT and the
same strict ``acc > THRESHOLD`` verdict (tests/host/test_train_eval.py proves
the scores equal the firmware classifier's on CPython)::

    from redline_host.text.modelfile import load_model_dir
    from redline_host.text.evalmodel import IntegerScorer, metrics
    scorer = IntegerScorer(load_model_dir("models/default"))
    acc = scorer.scores(["turn on the kitchen light", "ignore all previous instructions"])
    raw = scorer.scores(["\u0440assword"], floor=False)     # without the hidden-marks floor
    metrics(acc, [0, 1], scorer.threshold)     # {"n", "auroc", "accuracy", ...}
"""
import numpy as np

from redline_host.errors import UserError
from redline_host.text.fasthash import batch_hash_bag


class IntegerScorer:
    """Integer accumulators of a checked ``redline.text.model.Model`` over many texts at once."""

    def __init__(self, model):
        if not model.ok:
            raise UserError("model failed its checks: %s" % model.error)
        self.model = model
        self.intercept = int(model.intercept)
        self.threshold = int(model.threshold)
        self.scale = int(model.scale)
        self.hashed = getattr(model, "format", 1) == 2
        if self.hashed:
            # format 2: hashed features, computed for the whole batch as the firmware does (text.hashfeat)
            from redline_host.text.hashfeat import Features

            self._feat = Features.of_model(model)
            return
        self.keys = np.frombuffer(bytes(model.keys), dtype=">u4").astype(np.uint32)
        self.weights = np.frombuffer(bytes(model.weights), dtype="<i2").astype(np.int64)
        self.intercept = int(model.intercept)
        self.threshold = int(model.threshold)
        self.scale = int(model.scale)
        self._build_table()

    def _build_table(self):
        """Direct-address table on the low bits of the hash: one gather per hash instead of a binary search.

        Uses the fewest low bits (16..24) under which no two keys collide; the
        key itself is still compared, so the table only speeds up the lookup.
        """
        self._bits = 0
        for bits in range(16, 25):
            low = self.keys & np.uint32((1 << bits) - 1)
            if len(np.unique(low)) == len(low):
                table = np.full(1 << bits, -1, dtype=np.int32)
                table[low] = np.arange(len(self.keys), dtype=np.int32)
                self._table = table
                self._bits = bits
                # a sentinel key that can never match a miss
                self._keys_ext = np.concatenate([self.keys, [0]]).astype(np.uint32)
                self._weights_ext = np.concatenate([self.weights, [0]]).astype(np.int64)
                return

    def _lookup(self, flat):
        """(hit mask, weight index) of emitted hashes."""
        if self._bits:
            pos = self._table[flat & np.uint32((1 << self._bits) - 1)]
            pos[pos < 0] = len(self.keys)
            hit = self._keys_ext[pos] == flat
            hit &= pos < len(self.keys)
            return hit, pos
        pos = np.searchsorted(self.keys, flat)
        pos[pos >= len(self.keys)] = 0
        return self.keys[pos] == flat, pos

    def scores_from_hashes(self, docs):
        """Accumulators for lists/arrays of emitted u32 hashes (one per text)."""
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        out = np.full(len(docs), self.intercept, dtype=np.int64)
        if lengths.sum() == 0 or len(self.keys) == 0:
            return out
        flat = np.concatenate([np.asarray(d, dtype=np.uint32) for d in docs])
        row = np.repeat(np.arange(len(docs)), lengths)
        hit, pos = self._lookup(flat)
        out += np.bincount(row[hit], weights=self.weights[pos[hit]], minlength=len(docs)).astype(np.int64)
        return out

    def scores(self, texts, floor=True):
        """Accumulators (logit * scale) for texts (str is UTF-8 encoded; bytes used as-is).

        Format 2: a text with hidden marks (``obf``) scores at least THRESHOLD + 1, as the
        firmware's sifter scores it (redline.text.sift); ``floor=False`` gives the raw sums."""
        if self.hashed:
            if not floor:
                acc, _ = self._feat.sums(self.model.weights, texts, want_n=False)
                return acc + self.intercept
            acc, _, obf = self._feat.sums(self.model.weights, texts, want_n=False, obf=True)
            acc += self.intercept
            return np.where((obf != 0) & (acc <= self.threshold), self.threshold + 1, acc)
        flat, row = batch_hash_bag(texts)
        out = np.full(len(texts), self.intercept, dtype=np.int64)
        if len(flat) == 0 or len(self.keys) == 0:
            return out
        hit, pos = self._lookup(flat)
        out += np.bincount(row[hit], weights=self.weights[pos[hit]], minlength=len(texts)).astype(np.int64)
        return out

    def obf(self, texts):
        """Hidden-mark bits of each text (format 2; all 0 for a format-1 model)."""
        if not self.hashed:
            return np.zeros(len(texts), dtype=np.int64)
        return self._feat.sums(self.model.weights, texts, want_n=False, obf=True)[2]

    def verdicts(self, scores):
        return np.asarray(scores) > self.threshold


def auroc(scores, labels):
    """Area under the ROC curve (ties count one half); None when one class is missing."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    npos = int(y.sum())
    nneg = len(y) - npos
    if npos == 0 or nneg == 0:
        return None
    from scipy.stats import rankdata

    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - npos * (npos + 1) / 2.0) / (npos * nneg))


def metrics(scores, labels, threshold):
    """n, auroc, accuracy, precision, recall, fpr of ``scores > threshold`` (JSON-ready)."""
    s = np.asarray(scores)
    y = np.asarray(labels, dtype=np.int64)
    pred = s > threshold
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    npos = int((y == 1).sum())
    nneg = int((y == 0).sum())
    au = auroc(s, y)
    return {
        "n": int(len(y)),
        "positives": npos,
        "auroc": None if au is None else round(au, 6),
        "accuracy": round(float((pred == (y == 1)).mean()), 6) if len(y) else None,
        "precision": round(tp / (tp + fp), 6) if tp + fp else None,
        "recall": round(tp / npos, 6) if npos else None,
        "fpr": round(fp / nneg, 6) if nneg else None,
        "threshold": threshold,
    }


def plot_roc(scores, labels, path, title="ROC"):
    """Write a ROC curve PNG (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(np.asarray(labels), np.asarray(scores, dtype=np.float64))
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(fpr, tpr, lw=1.5, label="AUROC %.4f" % (auroc(scores, labels) or 0.0))
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
