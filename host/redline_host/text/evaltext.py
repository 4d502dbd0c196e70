"""Decisions as the measure: per-source AUROC, recall and FPR, and pipeline decision rates per label.

    from redline_host.text.evaltext import evaluate_rows
    report = evaluate_rows(rows, model, profile=None, dal="A")

Scores come from the host batch scorer (``IntegerScorer``: numpy, bit-identical to
the firmware's accumulator). Decisions come from the firmware pipeline itself
(``redline.text.pipe.CognitivePipeline``) running in this process on CPython, reset
before every line (``reset_full``: each line is judged by a fresh pipeline, as
``redline pipeline --fresh`` does on any runtime), at the given DAL.

Rows are ``{"text", "label"}`` with optional ``source``, ``kind``, ``lang``;
groups are reported by ``source`` (else ``kind``, else "all").
"""
import time

import numpy as np

from redline_host.text.evalmodel import IntegerScorer, auroc

DECISIONS = ("proceed", "warn", "escalate", "halt")


def _rate(values, n):
    return round(values / n, 6) if n else None


def decision_rates(labels):
    """{"n", "proceed", "warn", "escalate", "halt", "escalate_or_halt"} as fractions."""
    n = len(labels)
    c = {d: sum(1 for x in labels if x == d) for d in DECISIONS}
    out = {"n": n}
    for d in DECISIONS:
        out[d] = _rate(c[d], n)
    out["escalate_or_halt"] = _rate(c["escalate"] + c["halt"], n)
    return out


def pipeline_decisions(model, texts, profile=None, dal="A", objective=b"", progress=None):
    """Decision label of each text, each through a freshly reset firmware pipeline (CPython)."""
    from redline.codes import label
    from redline.ladder import DAL_A
    from redline.text.pipe import CognitivePipeline
    from redline.text.policy import EscalationPolicy

    pol = EscalationPolicy(dal=DAL_A + "ABCDE".index(dal))
    pipe = CognitivePipeline(model, objective, pol, profile=profile)
    out = []
    t0 = time.time()
    for i, t in enumerate(texts):
        data = t.encode("utf-8", "surrogatepass") if isinstance(t, str) else bytes(t)
        pipe.reset_full()
        r = pipe.process(data, -1, 0)
        lab = label(r.code)
        out.append("halt" if lab.startswith("halt") else lab)
        if progress and (i + 1) % 2000 == 0:
            progress("pipeline %d/%d (%.0f lines/s)" % (i + 1, len(texts), (i + 1) / max(1e-9, time.time() - t0)))
    return out


def evaluate_rows(rows, model, profile=None, dal="A", progress=None):
    scorer = IntegerScorer(model)
    texts = [r["text"] for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    acc = scorer.scores(texts)
    verdict = acc > scorer.threshold
    decisions = pipeline_decisions(model, texts, profile, dal, progress=progress)
    groups = {}
    for i, r in enumerate(rows):
        g = r.get("source") or r.get("kind") or "all"
        groups.setdefault(g, []).append(i)
    per_source = {}
    for g in sorted(groups):
        ix = np.array(groups[g])
        yy = y[ix]
        npos = int(yy.sum())
        nneg = len(yy) - npos
        a = auroc(acc[ix], yy)
        per_source[g] = {
            "n": int(len(ix)), "positives": npos,
            "auroc": None if a is None else round(a, 6),
            "recall": round(float(verdict[ix][yy == 1].mean()), 6) if npos else None,
            "fpr": round(float(verdict[ix][yy == 0].mean()), 6) if nneg else None,
            "decisions": decision_rates([decisions[i] for i in ix]),
        }
    a = auroc(acc, y)
    overall = {
        "n": int(len(y)), "positives": int(y.sum()),
        "auroc": None if a is None else round(a, 6),
        "recall": round(float(verdict[y == 1].mean()), 6) if y.sum() else None,
        "fpr": round(float(verdict[y == 0].mean()), 6) if (y == 0).sum() else None,
        "threshold": int(scorer.threshold),
    }
    by_label = {
        "benign": decision_rates([d for d, l in zip(decisions, y) if l == 0]),
        "attack": decision_rates([d for d, l in zip(decisions, y) if l == 1]),
    }
    # decision AUROC: proceed < warn < escalate < halt
    rank = {d: i for i, d in enumerate(DECISIONS)}
    da = auroc([rank[d] for d in decisions], y)
    by_kind = {}
    for i, r in enumerate(rows):
        if "kind" in r:
            by_kind.setdefault(r["kind"], []).append(decisions[i])
    return {
        "model": {"format": getattr(model, "format", 1), "sha256": model.sha256},
        "profile": None if profile is None else {"ok": profile.ok, "warn_surprise": profile.warn,
                                                 "escalate_surprise": profile.escalate},
        "dal": dal,
        "overall": overall,
        "decisions": by_label,
        "decision_auroc": None if da is None else round(da, 6),
        "per_source": per_source,
        "per_kind": {k: decision_rates(v) for k, v in sorted(by_kind.items())},
        "rows": [{"score": int(acc[i]), "decision": decisions[i]} for i in range(len(rows))],
    }
