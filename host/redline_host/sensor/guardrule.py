"""The firmware SensorGuard as a halting rule for the evaluation, configured from a Calibration.

    from redline_host.sensor.guardrule import GuardRule, guard_fields
    rule = GuardRule(SensorConfig(channels, **guard_fields(cal)))

``update(row)`` feeds one reading per channel and halts when any reading's
decision is a Halt. Warm-up rows are fed the same way (the guard answers Warn
"warming up" while it learns). ``reset()`` (the operator resetting the latch)
clears every channel's detectors but keeps the baseline and scale the channel
learned: it reaches into the per-channel banks for that, which is why this
adapter lives on the host.
"""
from redline.codes import is_halt
from redline.sensor.guard import SensorGuard



def guard_fields(cal):
    """SensorConfig keyword fields of a Calibration (the calibrator chose them in the guard's units)."""
    return dict(cal.fields)


# Halting checks of the guard, each switchable on its own for per-detector rows.
GUARD_DETECTORS = ("surprise", "shift", "cusum", "entropy", "stuck", "slew", "range", "replay")
_OFF = {
    "surprise": {"z_warn": 16384, "z_escalate": 16384, "z_halt": 16384},
    "cusum": {"cusum_h": 1 << 24},
    "shift": {"shift_halt": 16384},
    "entropy": {"entropy_warn": 65535, "entropy_escalate": 65535, "entropy_halt": 65535, "noise_q12": 65535},
    "stuck": {"stuck_run": 1 << 20, "stuck_noise": 0},
    "slew": {"max_slew": 0},
    "range": {"range_min": -(1 << 29) + 1, "range_max": (1 << 29) - 1},
    "replay": {"replay_quant": 0},
}


def only_fields(fields, detector, channels):
    """``fields`` with every halting check but ``detector`` switched off."""
    if detector not in _OFF:
        raise ValueError("unknown detector %s" % detector)
    f = dict(fields)
    for d, off in _OFF.items():
        if d == detector:
            continue
        for k, v in off.items():
            f[k] = v if k in ("entropy_warn", "entropy_escalate", "entropy_halt") else (v,) * channels
    f.pop("pair_a", None)
    f.pop("pair_b", None)
    f.pop("pair_tol", None)
    f.pop("pair_scale", None)
    f.pop("pair_k", None)
    f.pop("pair_h", None)
    f.pop("pair_offset", None)
    f.pop("pair_slow_k", None)
    f.pop("pair_slow_h", None)
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
        self.guard.rearm()          # what the firmware does when the operator resets the latch

    def update(self, row):
        g = self.guard
        halt = False
        for c in range(self.n):
            r = g.update(c, int(row[c]))
            if is_halt(r.code) and not halt:
                halt = True
                self.last_reason = "%d:%d" % (r.reason, c)
        return halt
