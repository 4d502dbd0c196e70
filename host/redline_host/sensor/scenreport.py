"""Scenario results: per-scenario summaries, the issue's targets, window bounds and the Markdown report.

    from redline_host.sensor.scenreport import summarize, check_targets, report_markdown
    summaries = summarize(trials, results)
    print(report_markdown(summaries, check_targets(summaries)))

``window_bounds`` says how far any window rule could go on the same data for
the step and ramp targets (``redline_host.sensor.separability``).
"""
import math
from dataclasses import dataclass

import numpy as np

from redline_host.sensor.scenarios import CALIBRATION_BUDGET, HORIZON, SCENARIOS, Scenario


def median_or_none(values):
    """Median where None counts as never (infinite); None when the median is never."""
    if not values:
        return None
    m = float(np.median([math.inf if v is None else v for v in values]))
    return None if math.isinf(m) else m


@dataclass
class Summary:
    scenario: Scenario
    trials: int
    halted: int
    median_delay: float         # None: the median trial never halted
    median_actuator_on: float   # None: the median trial's actuator never went safe
    false_halt_trials: int      # trials with a Halt before the onset
    false_halts: int            # false halts (runs of Halt samples) before the onset, all trials
    pre_onset: int              # samples before the onset, all trials
    reasons: dict               # reason of the first Halt after onset -> trials
    results: list
    trial_list: list

    def as_dict(self):
        sc = self.scenario
        return {
            "name": sc.name, "kind": sc.kind, "magnitude": sc.magnitude, "spoof": sc.spoof, "target": sc.target,
            "description": sc.text, "trials": self.trials, "halted": self.halted,
            "median_delay": self.median_delay, "median_actuator_on": self.median_actuator_on,
            "false_halt_trials": self.false_halt_trials, "false_halts": self.false_halts,
            "pre_onset_samples": self.pre_onset, "reasons": self.reasons,
            "per_trial": [{"index": t.index, "channel": t.channel, "onset": t.onset, "start": t.start,
                           "sign": t.sign, "delay": r.delay, "actuator_on": r.actuator_on,
                           "false_halts": r.false_halts, "reason": r.reason}
                          for t, r in zip(self.trial_list, self.results)],
        }


def summarize(trials, results):
    """One Summary per scenario, in the order the scenarios first appear in ``trials``."""
    order = []
    groups = {}
    for t, r in zip(trials, results):
        if t.scenario.name not in groups:
            order.append(t.scenario)
            groups[t.scenario.name] = ([], [])
        groups[t.scenario.name][0].append(t)
        groups[t.scenario.name][1].append(r)
    out = []
    for sc in order:
        ts, rs = groups[sc.name]
        reasons = {}
        for r in rs:
            if r.halted:
                reasons[r.reason] = reasons.get(r.reason, 0) + 1
        out.append(Summary(
            scenario=sc, trials=len(rs), halted=sum(1 for r in rs if r.halted),
            median_delay=median_or_none([r.delay for r in rs]),
            median_actuator_on=median_or_none([r.actuator_on for r in rs]),
            false_halt_trials=sum(1 for r in rs if r.false_halts),
            false_halts=sum(r.false_halts for r in rs), pre_onset=sum(r.pre_onset for r in rs),
            reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            results=rs, trial_list=ts))
    return out


def check_targets(summaries):
    """The issue's scenario targets as ``[(target text, met, detail)]``."""
    out = []
    spoofs = [s for s in summaries if s.scenario.spoof]
    if spoofs:
        met = all(s.halted == s.trials for s in spoofs)
        out.append(("every spoof halted", met,
                    ", ".join("%s %d/%d" % (s.scenario.name, s.halted, s.trials) for s in spoofs)))
    for s in summaries:
        if s.scenario.target is None:
            continue
        m = s.median_delay
        out.append(("%s: median samples to halt <= %d" % (s.scenario.name, s.scenario.target),
                    m is not None and m <= s.scenario.target, "median %s" % _fmt(m, "never")))
    return out


def _fmt(v, none="-"):
    if v is None:
        return none
    return "%d" % v if float(v).is_integer() else "%.1f" % v


def table_markdown(summaries):
    """The per-scenario table (Markdown)."""
    lines = ["| scenario | spoof | halted | median samples onset->halt | median samples actuator on after onset "
             "| trials with a false halt before onset | false halts / pre-onset samples | first halt reasons |",
             "|---|:-:|---:|---:|---:|---:|---:|---|"]
    for s in summaries:
        reasons = "; ".join("%s (%d)" % (k, v) for k, v in s.reasons.items()) or "-"
        lines.append("| %s | %s | %d/%d | %s | %s | %d/%d | %d/%d | %s |" % (
            s.scenario.name, "yes" if s.scenario.spoof else "", s.halted, s.trials,
            _fmt(s.median_delay, "never"), _fmt(s.median_actuator_on, "never"),
            s.false_halt_trials, s.trials, s.false_halts, s.pre_onset, reasons))
    return "\n".join(lines) + "\n"


def nominal_markdown(result):
    """One line on the whole held-back stream run without injection (a nominal_trial's TrialResult)."""
    return ("- the whole held-back stream without injection: %d false halts in %d samples (%.1f per day at 1 Hz; "
            "the calibration budget is %g)\n"
            % (result.false_halts, result.pre_onset, 86400.0 * result.false_halts / max(1, result.pre_onset),
               CALIBRATION_BUDGET))


def pre_onset_markdown(summaries):
    """One line on the nominal stretch before the onsets of the sensor trials (false halts)."""
    sensor = [s for s in summaries if s.scenario.kind != "text"]
    halts = sum(s.false_halts for s in sensor)
    samples = sum(s.pre_onset for s in sensor)
    trials = sum(s.trials for s in sensor)
    latched = sum(s.false_halt_trials for s in sensor)
    if not samples:
        return ""
    return ("- before the onsets (held-back nominal data, all sensor trials): %d false halts in %d samples "
            "(%.2f per 1,000, i.e. %.2f expected by chance in the %d samples after an onset); "
            "%d of %d trials halted before their onset\n"
            % (halts, samples, 1000.0 * halts / samples, HORIZON * halts / samples, HORIZON, latched, trials))


def targets_markdown(targets):
    return "".join("- %s %s (%s)\n" % ("met:" if met else "NOT met:", text, detail) for text, met, detail in targets)


@dataclass
class WindowBound:
    """How far two-window and band rules can go on this data for one step or ramp scenario."""

    scenario: Scenario
    channels: list
    oracle: list                # per channel: share of onsets caught, thresholds from the held-back stream
    calib: list                 # per channel: share caught, thresholds at the calibration rows' maxima
    calib_false_alarms: int     # alarms of those thresholds on the clean held-back stream, all channels
    held_samples: int

    @property
    def oracle_mean(self):
        return float(np.mean(self.oracle))

    @property
    def calib_mean(self):
        return float(np.mean(self.calib))

    def as_dict(self):
        return {"scenario": self.scenario.name, "channels": self.channels, "oracle": self.oracle,
                "oracle_mean": self.oracle_mean, "calibration_max": self.calib, "calibration_max_mean": self.calib_mean,
                "calibration_max_false_alarms": self.calib_false_alarms, "held_back_samples": self.held_samples}


def window_bounds(setup, scenarios=SCENARIOS):
    """A WindowBound per step or ramp scenario with a delay target (``separability.window_oracle``).

    Channels: the base configuration's single-fault candidates, the ones the
    trials fault; sigma as in the trials. The share of onsets caught within
    the target, averaged over those channels, is what a median over trials on
    uniformly drawn channels needs above one half.
    """
    from redline_host.sensor.separability import window_oracle

    info = setup.base
    held = setup.values[setup.split:]
    calib = setup.values[:setup.split]
    out = []
    for sc in scenarios:
        if sc.kind not in ("step", "ramp") or sc.target is None:
            continue
        names, oracle, cal = [], [], []
        alarms = 0
        for i in info.single_candidates():
            col = info.columns[i]
            a = window_oracle(held[:, col], info.sigma[i], sc.kind, sc.magnitude, sc.target)
            b = window_oracle(held[:, col], info.sigma[i], sc.kind, sc.magnitude, sc.target, reference=calib[:, col])
            names.append(info.channels[i])
            oracle.append(a[0])
            cal.append(b[0])
            alarms += b[2]
        out.append(WindowBound(scenario=sc, channels=names, oracle=oracle, calib=cal, calib_false_alarms=alarms,
                               held_samples=int(held.shape[0])))
    return out


def bounds_markdown(bounds):
    """The window-rule bounds as a Markdown section ("" when there are none)."""
    if not bounds:
        return ""
    names = bounds[0].channels
    lines = ["## How far can a window rule go on this data?", "",
             "Rules: |mean of the last m readings - mean of the l before them| for m in 1..64 and l in 4..256, "
             "and the reading outside a [min, max] band, every rule on every channel "
             "(`redline_host.sensor.separability.window_oracle`). Share of onsets (every held-back row, both signs) "
             "that some rule catches within the scenario's target. *Oracle*: each threshold just above the rule's "
             "largest value on the clean held-back stream itself -- zero false halts on the data the faults go "
             "into, which no calibration can know, so no rule of these families nor any union of them catches "
             "more at zero false halts. *Calibration max*: each threshold at the rule's largest value on the "
             "calibration rows (no extrapolation margin at all); its false alarms are counted on the clean "
             "held-back stream. A median delay within the target needs more than half of the trials.", "",
             "| scenario (target) | thresholds | " + " | ".join(names) + " | mean | false alarms on held-back |",
             "|---|---|" + "---:|" * (len(names) + 2)]
    for b in bounds:
        label = "%s (<= %d)" % (b.scenario.name, b.scenario.target)
        lines.append("| %s | oracle | %s | %.2f | 0 |" % (label, " | ".join("%.2f" % v for v in b.oracle),
                                                         b.oracle_mean))
        lines.append("| %s | calibration max | %s | %.2f | %d in %d samples |" % (
            label, " | ".join("%.2f" % v for v in b.calib), b.calib_mean, b.calib_false_alarms, b.held_samples))
    lines.append("")
    lines.append("The calibration budget (1 false halt per day at 1 Hz) allows %.2f false halts in the %d held-back "
                 "samples." % (CALIBRATION_BUDGET * bounds[0].held_samples / 86400.0, bounds[0].held_samples))
    return "\n".join(lines) + "\n"


def report_markdown(summaries, targets, header=(), nominal=None, bounds=()):
    """The full report: header lines, the table, false halts, the targets, the scenario definitions.

    ``nominal``: the TrialResult of ``nominal_trial`` (optional); ``bounds``: ``window_bounds`` (optional).
    """
    lines = ["# redline scenario library", ""]
    lines += list(header)
    lines += ["", "## Results", "", table_markdown(summaries),
              pre_onset_markdown(summaries) + (nominal_markdown(nominal) if nominal is not None else ""),
              "## Targets (issue 5)", "", targets_markdown(targets)]
    if bounds:
        lines += [bounds_markdown(bounds)]
    lines += ["## Scenarios", ""]
    for s in summaries:
        sc = s.scenario
        lines.append("- `%s`: %s%s." % (sc.name, sc.text, " (spoof)" if sc.spoof else ""))
    return "\n".join(lines) + "\n"
