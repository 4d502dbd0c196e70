"""The firmware SensorGuard as a halting rule for the evaluation, configured from a Calibration.

    from redline_host.guardrule import GuardRule, guard_fields
    rule = GuardRule(SensorConfig(channels, **guard_fields(cal, learn_baseline=True)))

``update(row)`` feeds one reading per channel and halts when any reading's
decision is a Halt. Warm-up rows are fed the same way (the guard answers Warn
"warming up" while it learns). ``reset()`` (the operator resetting the latch)
clears every channel's detectors but keeps the baseline and scale the channel
learned: it reaches into the per-channel banks for that, which is why this
adapter lives on the host.
"""
from redline.decision import is_halt
from redline.sensor import SensorGuard

from . import calibrate as cb


def _q8(x, hi):
    return max(1, min(hi, int(round(x * 256))))


def guard_fields(cal, learn_baseline=True):
    """SensorConfig keyword fields from a Calibration (the one place that maps units).

    ``learn_baseline``: SCALE 0 so every run learns baseline and scale in its
    warm-up (SKAB's runs sit at different operating points); otherwise the
    calibrated baseline and scale are frozen in and range and slew apply.
    """
    chans = cal.channels
    zh = [_q8(c.thresholds["surprise"], 8191) for c in chans]
    f = {
        "window": 128, "warmup": min(128, cal.warmup),
        "z_halt": tuple(zh),
        "z_escalate": tuple(max(1, (3 * z) // 4) for z in zh),
        "z_warn": tuple(max(1, z // 2) for z in zh),
        "z_gate": tuple(min(1024, z) for z in zh),
        "cusum_k": 128, "cusum_leak": 6,
        "cusum_h": tuple(_q8(c.thresholds["cusum"], 1 << 24) for c in chans),
        "drift_shift": 4,
        "drift_limit": tuple(_q8(c.thresholds["drift"], 8191) for c in chans),
        "stuck_run": tuple(int(c.thresholds["stuck"]) for c in chans),
        "stuck_noise": 0,
    }
    if learn_baseline:
        f["scale"] = 0
    else:
        f["baseline"] = tuple(c.baseline for c in chans)
        f["scale"] = tuple(c.scale for c in chans)
        f["range_min"] = tuple(c.range_lo for c in chans)
        f["range_max"] = tuple(c.range_hi for c in chans)
        f["max_slew"] = tuple(c.slew_limit for c in chans)
    names = [c.name for c in chans]
    if cal.redundant:
        f["pair_a"] = tuple(names.index(a) for a, _ in cal.redundant)
        f["pair_b"] = tuple(names.index(b) for _, b in cal.redundant)
        f["pair_tol"] = tuple(max(1, 3 * max(chans[names.index(a)].noise, chans[names.index(b)].noise))
                              for a, b in cal.redundant)
    return f


class GuardRule:
    """Halting rule around one SensorGuard."""

    def __init__(self, config):
        self.config = config
        self.guard = SensorGuard(config)
        self.n = len(config.channels)
        self.last_reason = None

    def begin_run(self):
        self.guard.reset()

    def warm(self, row):
        g = self.guard
        for c in range(self.n):
            g.update(c, int(row[c]))

    def reset(self):
        for c in range(self.n):
            ch = self.guard.channel(c)
            for det in (ch.stuck, ch.drift, ch.cusum, ch.replay, ch.confidence):
                det.reset()
            ch.has_last = False

    def update(self, row):
        g = self.guard
        halt = False
        for c in range(self.n):
            r = g.update(c, int(row[c]))
            if is_halt(r.code) and not halt:
                halt = True
                self.last_reason = "%d:%d" % (r.reason, c)
        return halt
