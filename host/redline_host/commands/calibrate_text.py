"""Fit the text gauges to a deployment's own traffic: a frozen profile and surprise cuts to a budget.

    redline calibrate-text nominal.log --model models/default --out site/ --budget 0.005

NOMINAL is the node's ordinary command and telemetry log, one message per line
(a ``.jsonl`` file is read by its ``text`` fields). The profile marks the model's
feature buckets that log uses; surprise is the share of a message's features
outside them. The cuts hold the budgets out of fold on the log itself (each line
scored by a profile built without it): at most ``--budget`` of nominal lines
escalate on surprise, at most ``--warn-budget`` warn. Writes
``OUT/redline_profile.py`` (generated, SHA-256 checked, tied to the model's
SHA-256) and prints a JSON report; freeze it next to the model, or pass
``--profile OUT`` to ``redline pipeline`` / ``redline evaluate-text``.
"""
import json
from pathlib import Path

from redline_host.argtypes import float_range, int_range
from redline_host.errors import UserError
from redline_host.paths import DEFAULT_MODEL
from redline_host.text.modelfile import load_model_dir
from redline_host.text.profile import fit_profile, write_profile


def add_arguments(p):
    p.add_argument("nominal", help="nominal traffic: one message per line (or JSON lines with \"text\")")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model directory (a format-2 model)")
    p.add_argument("--out", required=True, help="directory to write redline_profile.py into")
    p.add_argument("--budget", type=float_range(0, 1), default=0.005, help="largest share of nominal lines that escalate")
    p.add_argument("--warn-budget", type=float_range(0, 1), default=0.02, help="largest share of nominal lines that warn")
    p.add_argument("--folds", type=int_range(2, 100), default=5, help="out-of-fold parts of the nominal log")


def read_lines(path):
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError("cannot read %s: %s" % (path, exc))
    if str(path).endswith(".jsonl"):
        out = []
        for n, line in enumerate(raw.split("\n"), 1):
            if line.strip():
                try:
                    out.append(json.loads(line)["text"])
                except (ValueError, KeyError, TypeError):
                    raise UserError("%s:%d: need {\"text\": ...}" % (path, n))
        return out
    return [l for l in raw.split("\n") if l.strip()]


def run(args):
    if not (0 <= args.budget <= 1 and 0 <= args.warn_budget <= 1):
        raise UserError("budgets are fractions 0..1")
    if args.folds < 2:
        raise UserError("--folds must be >= 2")
    model = load_model_dir(args.model)
    if not model.ok:
        raise UserError("model %s failed its checks: %s" % (args.model, model.error))
    if getattr(model, "format", 1) != 2:
        raise UserError("%s is a format-%d model; a text profile needs a format-2 (hashed-feature) model"
                        % (args.model, getattr(model, "format", 1)))
    lines = read_lines(args.nominal)
    try:
        prof = fit_profile(model, lines, args.budget, args.warn_budget, args.folds)
    except ValueError as exc:
        raise UserError(str(exc))
    path = write_profile(args.out, prof)
    rep = dict(prof["report"])
    rep.update({"profile": str(path), "warn_surprise": prof["warn"], "escalate_surprise": prof["escalate"],
                "model_sha256": prof["model_sha256"]})
    print(json.dumps(rep, indent=1, sort_keys=True))
    return 0
