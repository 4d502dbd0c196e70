"""Judge labelled text lines by decisions: per-source AUROC, recall and FPR, and decision rates per label.

    redline evaluate-text --data tests/data/heldout/benign.jsonl --data tests/data/heldout/attacks.jsonl

Reads JSON lines ``{"text", "label"}`` (optional ``source``, ``kind``, ``lang``).
Scores use the host batch scorer (bit-identical to the firmware); every line's
decision comes from the firmware pipeline on CPython, reset before each line
(as ``redline pipeline --fresh``). Progress goes to stderr; the last JSON object
on stdout is the report: overall AUROC / recall / FPR at the model's own
threshold, decision rates per label (proceed, warn, escalate, halt), the decision
AUROC, per source and per kind.
"""
import json
import sys
from pathlib import Path

from redline_host.errors import UserError
from redline_host.paths import DEFAULT_MODEL
from redline_host.text.corpus import read_jsonl
from redline_host.text.evaltext import evaluate_rows
from redline_host.text.modelfile import import_model_module, load_model_dir


def add_arguments(p):
    p.add_argument("--data", action="append", required=True, help="JSON lines with text and label (repeatable)")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (holds redline_model.py)")
    p.add_argument("--profile", default=None, help="directory holding a redline_profile.py (redline calibrate-text)")
    p.add_argument("--dal", default="A", choices=("A", "B", "C", "D", "E"), help="design assurance level")
    p.add_argument("--scores", help="write one JSON line per row: text, label, score, decision")


def run(args):
    rows = []
    for path in args.data:
        part = read_jsonl(path)
        for r in part:
            r.setdefault("source", Path(path).stem)
        rows.extend(part)
    if not rows:
        raise UserError("no rows in --data")
    model = load_model_dir(args.model)
    if not model.ok:
        raise UserError("model %s failed its checks: %s" % (args.model, model.error))
    profile = None
    if args.profile:
        from redline.text.prof import check_profile

        prof_file = Path(args.profile) / "redline_profile.py"
        if not prof_file.is_file():
            raise UserError("%s has no redline_profile.py" % args.profile)
        import importlib.util

        spec = importlib.util.spec_from_file_location("redline_profile", prof_file)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        profile = check_profile(mod, model)
        if not profile.ok:
            raise UserError("profile %s failed its checks: %s" % (args.profile, profile.error))
    report = evaluate_rows(rows, model, profile, args.dal, progress=lambda s: print(s, file=sys.stderr))
    per_row = report.pop("rows")
    if args.scores:
        with open(args.scores, "w", encoding="utf-8") as f:
            for r, x in zip(rows, per_row):
                f.write(json.dumps({"text": r["text"], "label": r["label"], "score": x["score"],
                                    "decision": x["decision"]}, ensure_ascii=False) + "\n")
    report["model"]["dir"] = str(args.model)
    print(json.dumps(report, indent=1, sort_keys=True))
    return 0
