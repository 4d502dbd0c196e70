"""Run the scenario library (seeded faults and spoofs in real nominal data) through the guard.

    redline scenarios --runtime wasm --trials 4 --scenarios step-4sigma,stuck-at
    redline scenarios --config build/redline_config.py --json
    redline scenarios --out docs/scenarios.md

Injects every scenario of :mod:`redline_host.sensor.scenarios` into held-back rows
of SKAB ``anomaly-free`` (the last third; without ``--config`` the guard is
first calibrated on the first two thirds at 1 false halt per day), runs each
trial through the loop of ``redline guard`` (firmware guard + interlock) on
the chosen runtime -- the text scenario through ``redline pipeline`` -- and
prints, per scenario: trials halted, median samples from onset to halt,
median samples the actuator stayed on after the onset, trials with a false
halt before the onset; then the issue's targets, met or not, and for the step
and ramp targets how far any window rule could go on the same data
(``scenarios.window_bounds``). Progress goes to
stderr; ``--json`` prints the whole result (per trial too) as JSON.
"""
import json
import sys
import tempfile
from redline_host.argtypes import int_range

from redline_host.sensor import scenarios as sc
from redline_host.sensor import scenreport as srep
from redline_host.sensor import trialrun as trun
from redline_host.errors import UserError

RUNTIME_CHOICES = ("cpython", "unix", "wasm")


def add_arguments(p):
    p.add_argument("--config", help="sensor config module (from `redline calibrate`) used as it is; default: "
                                    "calibrate on the first 2/3 of anomaly-free (1 false halt/day at 1 Hz)")
    p.add_argument("--runtime", default="cpython", choices=RUNTIME_CHOICES, help="where the firmware code runs")
    p.add_argument("--data-dir", help="folder holding skab/data/...; unset: ../shared/datasets")
    p.add_argument("--seed", type=int_range(0, 2 ** 31), default=0, help="seed of onsets, channels, signs, noise and twins")
    p.add_argument("--trials", type=int_range(1, 100000), default=16, help="trials per scenario")
    p.add_argument("--scenarios", default="all",
                   help="comma-separated scenario names, or all: " + ", ".join(sc.SCENARIO_NAMES))
    p.add_argument("--jobs", type=int_range(0, 1024), default=0, help="trials run at once (0: one per CPU)")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    p.add_argument("--out", help="also write the Markdown report to this file (e.g. docs/scenarios.md)")


def _selected(text):
    if text.strip() == "all":
        return sc.SCENARIOS
    out = []
    for name in text.split(","):
        name = name.strip()
        if not name:
            continue
        try:
            s = sc.scenario(name)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        if s not in out:
            out.append(s)
    if not out:
        raise UserError("--scenarios names no scenario")
    return tuple(out)


def _progress(text):
    print("scenarios: %s" % text, file=sys.stderr, flush=True)


def _command_line(args):
    parts = ["redline scenarios"]
    if args.config:
        parts.append("--config %s" % args.config)
    parts.append("--runtime %s --seed %d --trials %d" % (args.runtime, args.seed, args.trials))
    if args.scenarios.strip() != "all":
        parts.append("--scenarios %s" % args.scenarios)
    return " ".join(parts)


def run(args):
    from redline_host.sensor.datasets import load_skab, resolve_data_dir

    chosen = _selected(args.scenarios)
    data_dir = resolve_data_dir(args.data_dir)
    if data_dir is None:
        raise UserError("no data sets at %s: pass --data-dir (a folder with skab/data/anomaly-free; "
                        "SKAB is https://github.com/waico/SKAB)" % (args.data_dir or "../shared/datasets"))
    try:
        nominal, _ = load_skab(data_dir)
    except (OSError, ValueError) as exc:
        raise UserError("cannot read SKAB under %s: %s" % (data_dir, exc)) from None
    with tempfile.TemporaryDirectory(prefix="redline-scenarios-") as tmp:
        try:
            setup = sc.prepare(nominal, tmp, config=args.config, seed=args.seed,
                               pairs=any(s.kind == "split" for s in chosen), progress=_progress)
            trials = sc.make_trials(setup, chosen, trials=args.trials, seed=args.seed)
        except FileNotFoundError:
            raise UserError("config %s does not exist" % args.config) from None
        except SyntaxError as exc:
            raise UserError("config %s is not a Python module: %s" % (args.config, exc)) from None
        except ValueError as exc:
            raise UserError(str(exc)) from None
        if not trials:
            raise UserError("none of the chosen scenarios can run with this setup: %s" % "; ".join(setup.notes))
        _progress("%d trials of %d scenarios on %s" % (len(trials), len({t.scenario.name for t in trials}),
                                                      args.runtime))
        # the whole held-back stream without injection runs first (the longest trial)
        clean = [trun.nominal_trial(setup)] if any(t.scenario.kind != "text" for t in trials) else []
        try:
            results = trun.run_trials(clean + trials, runtime=args.runtime,
                                    jobs=args.jobs or None, progress=_progress)
        except RuntimeError as exc:
            raise UserError(str(exc)) from None
    nominal_result = results.pop(0) if clean else None
    summaries = srep.summarize(trials, results)
    targets = srep.check_targets(summaries)
    header = ["Generated by `%s --out FILE` -- do not edit; rerun the command." % _command_line(args), "",
              "- data: SKAB anomaly-free (%d rows, 1 Hz); %s" % (setup.values.shape[0], setup.source),
              "- runtime: %s; seed %d; %d trials per scenario; %d samples after each onset (text: %d messages)"
              % (args.runtime, args.seed, args.trials, sc.HORIZON, sc.TEXT_HORIZON)]
    header += ["- note: %s" % n for n in setup.notes]
    header += ["- sigma = the channel's SCALE in the configuration; a sample = one row of readings "
               "(text: one message); delays count from the first faulted sample (0 = halted on it); "
               "a median over trials counts a miss as never; a false halt = a run of rows with a Halt decision "
               "before the onset; a halt after the onset counts as a detection even when it may be by chance "
               "(see the rates below the table)",
               "- how trials are built (segments, onsets, twins, exact injections): `redline_host/sensor/scenarios.py`",
               "- the loop is `redline guard`'s: firmware SensorGuard + Interlock (escalate dwell %d, release dwell %d)"
               % (sc.ESCALATE_DWELL, sc.RELEASE_DWELL)]
    bounds = srep.window_bounds(setup, chosen)
    report = srep.report_markdown(summaries, targets, header, nominal_result, bounds)
    if args.out:
        try:
            with open(args.out, "w") as f:
                f.write(report)
        except OSError as exc:
            raise UserError("cannot write %s: %s" % (args.out, exc)) from None
        _progress("report written to %s" % args.out)
    if args.json:
        doc = {"command": _command_line(args), "runtime": args.runtime, "seed": args.seed, "trials": args.trials,
               "source": setup.source, "notes": setup.notes,
               "scenarios": [s.as_dict() for s in summaries],
               "held_back_nominal": None if nominal_result is None else {
                   "false_halts": nominal_result.false_halts, "samples": nominal_result.pre_onset},
               "targets": [{"target": t, "met": m, "detail": d} for t, m, d in targets],
               "window_bounds": [b.as_dict() for b in bounds]}
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    else:
        sys.stdout.write(srep.table_markdown(summaries) + "\n" + srep.pre_onset_markdown(summaries)
                         + (srep.nominal_markdown(nominal_result) if nominal_result else "") + "\n"
                         + srep.targets_markdown(targets) + ("\n" + srep.bounds_markdown(bounds) if bounds else ""))
    return 0
