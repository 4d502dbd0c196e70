"""The classifier estimator: token-hash counts x idf, logistic regression, firmware-exact.

The features are exactly what the firmware sums: for every emitted token hash
(unigram and bigram, low 32 bits, repeats included) the model adds
``idf * coef``. Training therefore uses the *count* of each hash times its idf
(not presence, which is llmosafe's train/serve skew), and the exported
integer model reproduces ``intercept + sum(count * idf * coef)`` up to rounding::

    from redline_host.text.train import HashLogit, choose_threshold
    est = HashLogit(vocab_size=2000, random_state=42).fit(texts, labels)
    est.decision_function(["ignore previous instructions"])   # float logits
    est.threshold_ = choose_threshold(est.decision_function(val_texts), val_labels)

Recipe (llmosafe's, spec section 3.7, then tuned by measurement, see
models/README.md): candidates are the ``candidates_factor * vocab_size`` most
document-frequent hashes (ties by hash value), the ``vocab_size`` with the
highest mutual information with the label are kept, idf = ln((N+1)/(df+1)) + 1,
logistic regression with ``C`` and ``class_weight``.
"""
import logging

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_selection import mutual_info_classif
from sklearn.linear_model import LogisticRegression

from redline_host.text.fasthash import batch_hashes

log = logging.getLogger(__name__)


def hash_docs(texts):
    """Token-hash lists (as uint32 arrays) for texts (str is UTF-8 encoded, bytes as-is)."""
    flat, _, offsets = batch_hashes(texts)
    return [flat[offsets[i]:offsets[i + 1]] for i in range(len(texts))]


def _as_hashes(X):
    if len(X) and isinstance(X[0], np.ndarray):
        return X
    return hash_docs(X)


def count_matrix(docs, keys):
    """Sparse (docs x keys) matrix of how often each key hash is emitted in each doc."""
    keys = np.asarray(keys, dtype=np.uint32)
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    flat = np.concatenate(docs) if len(docs) else np.zeros(0, np.uint32)
    row = np.repeat(np.arange(len(docs)), lengths)
    if len(keys) == 0 or len(flat) == 0:
        return sparse.csr_matrix((len(docs), len(keys)), dtype=np.float64)
    pos = np.searchsorted(keys, flat)
    pos[pos >= len(keys)] = 0
    hit = keys[pos] == flat
    m = sparse.coo_matrix((np.ones(int(hit.sum())), (row[hit], pos[hit])), shape=(len(docs), len(keys)))
    return m.tocsr()


def document_frequency(docs):
    """(unique hashes sorted, document frequency of each)."""
    uniq = [np.unique(d) for d in docs]
    flat = np.concatenate(uniq) if uniq else np.zeros(0, np.uint32)
    return np.unique(flat, return_counts=True)


class HashLogit(ClassifierMixin, BaseEstimator):
    """Logistic regression on firmware token-hash counts x idf.

    Parameters: ``vocab_size`` entries kept; ``candidates_factor`` x vocab_size
    most document-frequent hashes are scored by mutual information;
    ``feature`` "count" (firmware-exact) or "presence" (llmosafe's skew, kept
    for comparison; its exported model still sums every repeat); ``C``,
    ``class_weight``, ``max_iter`` as in LogisticRegression; ``random_state``
    seeds the mutual-information estimate.
    Learned: ``keys_`` (sorted uint32), ``idf_``, ``coef_``, ``products_`` (idf*coef),
    ``intercept_``, ``threshold_`` (logit, 0.0 until set), ``n_docs_``, ``classes_``.
    """

    def __init__(self, vocab_size=2000, candidates_factor=2, C=0.1, class_weight="balanced", feature="count",
                 max_iter=2000, random_state=42):
        self.vocab_size = vocab_size
        self.candidates_factor = candidates_factor
        self.C = C
        self.class_weight = class_weight
        self.feature = feature
        self.max_iter = max_iter
        self.random_state = random_state

    def _features(self, docs):
        m = count_matrix(docs, self.keys_)
        if self.feature == "presence":
            m.data[:] = 1.0
        return m.multiply(self.idf_[None, :]).tocsr()

    def fit(self, X, y):
        if self.feature not in ("count", "presence"):
            raise ValueError("feature must be 'count' or 'presence'")
        if self.vocab_size < 1 or self.candidates_factor < 1:
            raise ValueError("vocab_size and candidates_factor must be >= 1")
        y = np.asarray(y, dtype=np.int64)
        docs = _as_hashes(X)
        if len(docs) != len(y):
            raise ValueError("X and y differ in length")
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("y needs both labels 0 and 1")
        self.classes_ = np.array([0, 1])
        n = len(docs)
        hashes, df = document_frequency(docs)
        # most frequent first; ties by hash value so the choice is deterministic
        order = np.lexsort((hashes, -df))
        cand = np.sort(hashes[order[: self.candidates_factor * self.vocab_size]])
        presence = count_matrix(docs, cand)
        presence.data[:] = 1.0
        if len(cand) > self.vocab_size:
            mi = mutual_info_classif(presence, y, discrete_features=True, random_state=self.random_state)
            cdf = np.asarray(presence.sum(axis=0)).ravel()
            keep = np.lexsort((cand, -cdf, -np.round(mi, 12)))[: self.vocab_size]
            self.keys_ = np.sort(cand[keep])
        else:
            self.keys_ = cand
        kdf = df[np.searchsorted(hashes, self.keys_)]
        self.idf_ = np.log((n + 1.0) / (kdf + 1.0)) + 1.0
        self.n_docs_ = n
        lr = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        lr.fit(self._features(docs), y)
        self.coef_ = lr.coef_.ravel().copy()
        self.intercept_ = float(lr.intercept_[0])
        self.products_ = self.idf_ * self.coef_
        self.threshold_ = 0.0
        return self

    def decision_function(self, X):
        """Float logits exactly as the firmware sums them: every emitted hash counts."""
        docs = _as_hashes(X)
        counts = count_matrix(docs, self.keys_)
        return self.intercept_ + counts @ self.products_

    def predict_proba(self, X):
        z = self.decision_function(X)
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        return (self.decision_function(X) > self.threshold_).astype(np.int64)


def choose_threshold(scores, labels, rule="fpr", max_fpr=0.01):
    """A logit threshold from validation scores, placed mid-gap between two scores.

    ``rule="f1"``: best F1 (llmosafe's choice). ``rule="fpr"``: the lowest
    threshold whose false-positive rate is <= ``max_fpr`` (most recall under a
    false-alarm budget). Mid-gap placement leaves the most room for rounding.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    uniq = np.unique(s)
    cuts = np.concatenate([[uniq[0] - 1.0], (uniq[:-1] + uniq[1:]) / 2.0, [uniq[-1] + 1.0]])
    order = np.argsort(s)
    ss, ys = s[order], y[order]
    # for each cut: positives predicted = scores > cut
    above = len(ss) - np.searchsorted(ss, cuts, side="right")
    pos_cum = np.concatenate([[0], np.cumsum(ys)])
    idx = np.searchsorted(ss, cuts, side="right")
    tp = pos_cum[-1] - pos_cum[idx]
    fp = above - tp
    P = max(1, int(y.sum()))
    N = max(1, int(len(y) - y.sum()))
    if rule == "f1":
        f1 = 2 * tp / np.maximum(1, above + P)
        return float(cuts[int(np.argmax(f1))])
    if rule != "fpr":
        raise ValueError("rule must be 'f1' or 'fpr'")
    ok = np.nonzero(fp / N <= max_fpr)[0]
    return float(cuts[ok[0]])
