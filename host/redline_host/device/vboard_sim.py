"""Inputs for the virtual boards: the default node configuration and synthetic sensor traces.

The vboard's default configuration is a small greenhouse node: two redundant
temperature probes (centi-degrees) and a pressure sensor (Pa offset). Traces
are integer CSV files (header = channel names), deterministic for a seed, with
optional injected faults::

    from redline_host.device.vboard_sim import default_config, make_trace, write_trace
    cfg = default_config()
    rows = make_trace(600, seed=1, spoof_at=300)      # replayed window on temp_a from row 300
    write_trace("trace.csv", cfg.channels, rows)
"""
import random
from pathlib import Path

from redline.sensor.config import SensorConfig

CHANNELS = ("temp_a", "temp_b", "pressure")
BASELINE = (2150, 2150, 1000)
SCALE = (12, 12, 40)


def default_config(**overrides):
    """The SensorConfig every virtual board starts with (unless given another)."""
    fields = dict(
        window=32, warmup=32,
        baseline=BASELINE, scale=SCALE,
        range_min=(1500, 1500, 0), range_max=(2800, 2800, 2000),
        max_slew=(120, 120, 400),
        z_warn=768, z_escalate=1024, z_halt=1536, z_gate=1024,
        pair_a=(0,), pair_b=(1,), pair_tol=(80,),
    )
    fields.update(overrides)
    return SensorConfig(CHANNELS, **fields)


def make_trace(n, seed=0, spoof_at=None, spoof="replay", spoof_channel=0):
    """``n`` rows of nominal readings; from row ``spoof_at`` one channel is spoofed.

    spoof: ``replay`` (an earlier window played back, drifting from its partner),
    ``step`` (a jump of 6 sigma), ``stuck`` (the value freezes), ``ramp`` (slow drift).
    """
    rng = random.Random(seed)
    rows = []
    slow = 0.0
    for t in range(n):
        slow += rng.gauss(0, 0.05)
        slow *= 0.98
        common = slow * SCALE[0]
        row = [int(round(BASELINE[0] + common + rng.gauss(0, SCALE[0] * 0.9))),
               int(round(BASELINE[1] + common + rng.gauss(0, SCALE[1] * 0.9))),
               int(round(BASELINE[2] + rng.gauss(0, SCALE[2] * 0.9)))]
        rows.append(row)
    if spoof_at is not None and 0 <= spoof_at < n:
        c = spoof_channel
        if spoof == "replay":
            period = 16
            start = max(0, spoof_at - 3 * period)
            for t in range(spoof_at, n):
                rows[t][c] = rows[start + (t - spoof_at) % period][c] + 60
        elif spoof == "step":
            for t in range(spoof_at, n):
                rows[t][c] += 6 * SCALE[c]
        elif spoof == "stuck":
            for t in range(spoof_at, n):
                rows[t][c] = rows[spoof_at][c]
        elif spoof == "ramp":
            for t in range(spoof_at, n):
                rows[t][c] += (t - spoof_at) * SCALE[c] // 8
        else:
            raise ValueError("unknown spoof %r" % spoof)
    return rows


def write_trace(path, channels, rows):
    path = Path(path)
    with open(path, "w") as f:
        f.write(",".join(channels) + "\n")
        for r in rows:
            f.write(",".join("%d" % v for v in r) + "\n")
    return path


def read_trace(path):
    """(channels, rows) of an integer CSV trace."""
    channels = None
    rows = []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split(",")]
        if channels is None:
            channels = tuple(cells)
        else:
            rows.append([int(c) for c in cells])
    return channels, rows
