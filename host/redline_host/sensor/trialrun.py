"""Running scenario trials through the firmware's loops, and the per-trial metrics.

    from redline_host.sensor.trialrun import run_trials
    results = run_trials(trials, runtime="wasm")     # TrialResults, in order
    results[0].delay, results[0].actuator_on, results[0].false_halts

A sensor trial runs through device/mp/guard_main.py (``redline guard``'s loop:
firmware SensorGuard plus Interlock), the text trial through
device/mp/pipeline_main.py, one process per trial; ``trial_metrics`` turns the
per-row decision stream into the delay, the samples the actuator stayed on and
the false halts before the onset (see ``redline_host.sensor.scenarios``).
"""
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from redline_host.sensor.scenarios import ESCALATE_DWELL, RELEASE_DWELL, Scenario, Trial


@dataclass
class Row:
    """One sample of a decision stream: any Halt decision in it, actuator state at its end."""

    halt: bool
    safe: bool
    reason: str = ""


def rows_from_guard(lines, n_channels):
    """Per-row Rows from `redline guard` JSON lines (one line per reading, ``n_channels`` per row)."""
    if n_channels < 1 or len(lines) % n_channels:
        raise ValueError("%d guard lines are not whole rows of %d readings" % (len(lines), n_channels))
    rows = []
    for r in range(len(lines) // n_channels):
        halt = False
        reason = ""
        obj = None
        for j in range(n_channels):
            obj = json.loads(lines[r * n_channels + j])
            if "error" in obj:
                raise ValueError("guard error: %s" % obj["error"])
            if obj["decision"] == "halt" and not halt:
                halt = True
                reason = obj["reason"]
        rows.append(Row(halt=halt, safe=obj["actuator"] == "safe", reason=reason))
    return rows


def rows_from_pipeline(lines, escalate_dwell=ESCALATE_DWELL, release_dwell=RELEASE_DWELL):
    """Per-message Rows from `redline pipeline` JSON lines, the decisions driving the firmware Interlock."""
    from redline.interlock import Interlock, VirtualPin

    lock = Interlock(VirtualPin(), safe_level=0, escalate_dwell=escalate_dwell, release_dwell=release_dwell)
    rows = []
    for i, line in enumerate(lines):
        obj = json.loads(line)
        if "error" in obj:
            raise ValueError("pipeline error: %s" % obj["error"])
        lock.apply(obj["code"], 0, i, 0)   # the pipeline's reason is its halt code, not an audit reason
        halt = obj["decision"] in ("halt", "exit")
        rows.append(Row(halt=halt, safe=not lock.actuator_on, reason=obj["explanation"] if halt else ""))
    return rows


@dataclass
class TrialResult:
    delay: int = None           # samples from onset to the first Halt at or after it; None: none
    actuator_on: int = None     # samples from onset until the actuator is safe; None: never
    false_halts: int = 0        # runs of Halt samples before the onset
    pre_onset: int = 0          # samples before the onset
    reason: str = ""            # of the first Halt at or after the onset

    @property
    def halted(self):
        return self.delay is not None


def trial_metrics(rows, onset):
    """TrialResult of one decision stream (a list of Row) whose fault starts at row ``onset``."""
    if not 0 <= onset <= len(rows):
        raise ValueError("onset outside the stream")
    res = TrialResult(pre_onset=onset)
    res.false_halts = sum(1 for i in range(onset) if rows[i].halt and (i == 0 or not rows[i - 1].halt))
    for i in range(onset, len(rows)):
        if res.delay is None and rows[i].halt:
            res.delay = i - onset
            res.reason = rows[i].reason
        if res.actuator_on is None and rows[i].safe:
            res.actuator_on = i - onset
        if res.delay is not None and res.actuator_on is not None:
            break
    return res


def trial_csv(trial):
    """The CSV `redline guard --csv` reads for a sensor trial."""
    out = io.StringIO()
    out.write(",".join(trial.info.channels) + "\n")
    for row in trial.values:
        out.write(",".join(str(int(v)) for v in row) + "\n")
    return out.getvalue()


def run_trial(trial, runtime="cpython"):
    """Run one trial on ``runtime``; returns its TrialResult."""
    if trial.scenario.kind == "text":
        from redline_host.device.scripts import encode_pipeline_lines, pipeline_args, run_pipeline
        from redline_host.paths import DEFAULT_MODEL

        stream = io.StringIO("".join(json.dumps({"text": m}) + "\n" for m in trial.messages))
        lines = [l for l, err in encode_pipeline_lines(stream, 1000)]
        out = run_pipeline(runtime, DEFAULT_MODEL, lines, pipeline_args())
        return trial_metrics(rows_from_pipeline(out), trial.onset)
    from redline_host.device.scripts import run_guard_script

    args = ["--csv", "--escalate-dwell", str(ESCALATE_DWELL), "--release-dwell", str(RELEASE_DWELL)]
    proc = run_guard_script(runtime, trial.info.dir, trial_csv(trial).encode(), args)
    if proc.returncode != 0:
        # MicroPython prints an uncaught exception (e.g. MemoryError) to stdout
        tail = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError("%s guard run of %s trial %d failed (exit %d): %s"
                           % (runtime, trial.scenario.name, trial.index, proc.returncode, " ".join(tail)))
    lines = proc.stdout.decode().splitlines()
    return trial_metrics(rows_from_guard(lines, len(trial.info.channels)), trial.onset)


def nominal_trial(setup):
    """The whole held-back stream, nothing injected (onset = its end): false halts on clean data."""
    info = setup.base
    values = setup.values[setup.split:][:, info.columns].copy()
    return Trial(scenario=Scenario("held-back-nominal", "nominal", text="no injection"), index=0,
                 onset=values.shape[0], start=setup.split, info=info, values=values)


def run_trials(trials, runtime="cpython", jobs=None, progress=None):
    """TrialResults in the order of ``trials``, ``jobs`` processes at a time (default: CPU count)."""
    jobs = jobs or os.cpu_count() or 1
    say = progress or (lambda text: None)
    results = [None] * len(trials)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_trial, t, runtime): i for i, t in enumerate(trials)}
        done = 0
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            done += 1
            if done % 10 == 0 or done == len(trials):
                say("%d/%d trials run on %s" % (done, len(trials), runtime))
    return results
