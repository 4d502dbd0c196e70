"""Calibrate the per-channel detectors from nominal data to a false-halt budget.

    from redline_host.calibrate import calibrate, measure_false_halts
    cal = calibrate(values, channels, rate_hz=1.0, false_halts_per_day=1.0)
    cal.channels[0].thresholds      # {"surprise": 7.1, "cusum": 41.0, ...}
    measure_false_halts(cal, held_back_values)   # (halts, samples, per_day)

How thresholds are chosen (no textbook constants): the budget ``F`` false
halts per day at ``rate`` Hz is a per-sample rate ``F / (86400 * rate)``,
split evenly over every (detector, channel) pair. The nominal log is cut into
run-sized segments by a moving-block bootstrap (``n_boot`` windows of
``run_length`` samples at seeded random offsets, each also taken time-reversed),
each standardised against its own warm-up exactly as the detectors will be
(:mod:`redline_host.refguard`). For every (detector, channel) the segment
maxima of the detector's statistic are fitted with a Gumbel law (method of
moments) and the threshold is the level whose per-segment exceedance
probability equals the pair's share of the budget times the segment length;
the threshold never goes below the largest maximum seen in the bootstrap
when that share is smaller than one per bootstrap. The expected false halts
per day are read back from the same fits, and the expected detection delay
for mean shifts of 1, 2 and 4 std is simulated by injecting them into
bootstrap segments.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from . import refguard
from .refguard import DETECTORS

SECONDS_PER_DAY = 86400
EULER_GAMMA = 0.5772156649015329


@dataclass
class ChannelCalibration:
    """What was learned for one channel (counts are the channel's integer units)."""

    name: str
    baseline: int          # median reading
    scale: int             # std of the readings (at least 1)
    noise: int             # std of successive differences / sqrt(2) (at least 1)
    slew_limit: int        # largest credible |x[t] - x[t-1]|: thresholds["slew"] * scale
    range_lo: int          # credible range: baseline -/+ thresholds["surprise"] * scale
    range_hi: int
    thresholds: dict = field(default_factory=dict)   # detector -> threshold (std units; stuck: samples)
    fits: dict = field(default_factory=dict)         # detector -> (u, beta) of the Gumbel fit


@dataclass
class Calibration:
    rate_hz: float
    false_halts_per_day: float
    warmup: int
    run_length: int
    channels: list
    redundant: list = field(default_factory=list)    # [(name_a, name_b)]
    expected_false_halts_per_day: float = float("nan")
    delays: dict = field(default_factory=dict)       # shift in std -> median samples to halt
    detected: dict = field(default_factory=dict)     # shift in std -> fraction halted within the segment
    samples: int = 0
    seed: int = 0

    def thresholds(self):
        """Thresholds as ReferenceGuard wants them: detector -> per-channel list."""
        return {d: [c.thresholds[d] for c in self.channels] for d in DETECTORS}


def gumbel_fit(maxima):
    """``(u, beta)`` of a Gumbel law by the method of moments (beta 0 when all equal)."""
    m = np.asarray(maxima, dtype=np.float64)
    beta = float(m.std() * math.sqrt(6.0) / math.pi)
    return float(m.mean() - EULER_GAMMA * beta), beta


def gumbel_level(u, beta, p):
    """Level exceeded with probability ``p`` by a Gumbel(u, beta) maximum."""
    p = min(max(p, 1e-300), 1.0 - 1e-12)
    return u - beta * math.log(-math.log1p(-p))


def gumbel_tail(u, beta, h):
    """P(maximum > h) under Gumbel(u, beta)."""
    if beta <= 0.0:
        return 0.0 if h >= u else 1.0
    return -math.expm1(-math.exp(-(h - u) / beta))


def stuck_threshold(x, share):
    """Smallest run length L (repeats of one value) whose per-sample rate is within ``share``.

    The rate of runs reaching L is the larger of the empirical one and a
    geometric tail ``(1 - q) * q**(L - 1)``, q = fraction of samples equal to
    their predecessor (repeats taken as independent); L is always longer than
    the longest run seen. Returns ``(L, rate)``.
    """
    x = np.asarray(x)
    n = len(x)
    same = x[1:] == x[:-1]
    q = float(same.mean()) if n > 1 else 0.0
    lengths = []
    run = 1
    for i in range(1, n):
        if same[i - 1]:
            run += 1
        else:
            lengths.append(run)
            run = 1
    lengths.append(run)
    lengths = np.asarray(lengths)
    L = int(lengths.max()) + 1
    while True:
        emp = float((lengths >= L).sum()) / n
        geo = (1.0 - q) * q ** (L - 1) if q < 1.0 else 1.0
        rate = max(emp, geo)
        if rate <= share or L > 100000:
            return L, rate
        L += 1


def bootstrap_segments(values, run_length, n_boot, seed):
    """Seeded moving-block windows of ``values`` plus their time reversals."""
    n = values.shape[0]
    run_length = min(run_length, n)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - run_length + 1, size=n_boot)
    segs = []
    for s in starts:
        seg = values[s:s + run_length]
        segs.append(seg)
        segs.append(seg[::-1])
    return segs


def _maxima(segs, warmup):
    out = {d: [] for d in DETECTORS}
    for seg in segs:
        st = refguard.statistics(seg, warmup)
        for d in DETECTORS:
            out[d].append(st[d].max(axis=0))
    return {d: np.asarray(v) for d, v in out.items()}   # d -> (segments, channels)


def calibrate(values, channels, rate_hz, false_halts_per_day, warmup=100, run_length=1140,
              n_boot=200, seed=0, redundant=(), delay_shifts=(1, 2, 4), progress=None):
    """Learn per-channel limits and detector thresholds from nominal ``values`` (rows x channels ints)."""
    values = np.asarray(values, dtype=np.int64)
    if values.ndim != 2 or values.shape[1] != len(channels):
        raise ValueError("values must be rows x %d channels" % len(channels))
    if rate_hz <= 0 or false_halts_per_day <= 0:
        raise ValueError("rate and false-halt budget must be positive")
    if values.shape[0] < warmup + 2 * refguard.DRIFT_WINDOW:
        raise ValueError("need at least %d nominal rows" % (warmup + 2 * refguard.DRIFT_WINDOW))
    n_ch = len(channels)
    per_sample = false_halts_per_day / (SECONDS_PER_DAY * rate_hz)
    share = per_sample / (len(DETECTORS) * n_ch)
    segs = bootstrap_segments(values, run_length, n_boot, seed)
    seg_len = segs[0].shape[0] - warmup
    p_seg = share * seg_len
    maxima = _maxima(segs, warmup)
    n_segs = len(segs)
    chans = []
    expected = 0.0
    for c, name in enumerate(channels):
        x = values[:, c].astype(np.float64)
        scale = max(1, int(round(x.std())))
        noise = max(1, int(round(np.diff(x).std() / math.sqrt(2.0))))
        base = int(round(float(np.median(x))))
        th = {}
        fits = {}
        for d in DETECTORS:
            m = maxima[d][:, c]
            u, beta = gumbel_fit(m)
            h = gumbel_level(u, beta, p_seg)
            if p_seg < 1.0 / n_segs:
                h = max(h, float(m.max()))
            if d == "stuck":
                h, rate = stuck_threshold(values[:, c], share)
                th[d] = h
                fits[d] = (rate, 0.0)
                expected += rate
                continue
            th[d] = h
            fits[d] = (u, beta)
            expected += gumbel_tail(u, beta, h) / seg_len
        chans.append(ChannelCalibration(
            name=name, baseline=base, scale=scale, noise=noise,
            slew_limit=int(math.ceil(th["slew"] * scale)),
            range_lo=int(math.floor(base - th["surprise"] * scale)),
            range_hi=int(math.ceil(base + th["surprise"] * scale)),
            thresholds=th, fits=fits))
    cal = Calibration(rate_hz=rate_hz, false_halts_per_day=false_halts_per_day, warmup=warmup,
                      run_length=segs[0].shape[0], channels=chans, redundant=list(redundant),
                      expected_false_halts_per_day=expected * SECONDS_PER_DAY * rate_hz,
                      samples=int(values.shape[0]), seed=seed)
    for k in delay_shifts:
        cal.delays[k], cal.detected[k] = simulate_delay(cal, segs, k, seed=seed)
    return cal


def simulate_delay(cal, segs, shift, n=24, seed=0, horizon=300):
    """Median samples from onset to halt for a mean shift of ``shift`` warm-up stds.

    ``n`` bootstrap segments; in each, one channel (cycling) gets the shift
    from the end of the warm-up on. Returns ``(median delay, fraction halted
    within horizon)``; the median counts misses as ``horizon``.
    """
    from .evaluate import Protocol

    rng = np.random.default_rng(seed + 1000 + int(shift * 10))
    proto = Protocol(warmup=cal.warmup, hold=0)
    delays = []
    hits = 0
    n_ch = len(cal.channels)
    for i in range(n):
        seg = segs[int(rng.integers(0, len(segs)))][:cal.warmup + horizon].astype(np.int64).copy()
        c = i % n_ch
        std = max(1.0, float(seg[:cal.warmup, c].std()))
        seg[cal.warmup:, c] += int(round(shift * std))
        rule = refguard.ReferenceGuard(cal.thresholds())
        halts = proto(_FirstHalt(rule), seg)
        if halts:
            hits += 1
            delays.append(halts[0] - cal.warmup)
        else:
            delays.append(horizon)
    return float(np.median(delays)), hits / n


class _FirstHalt:
    """Wrap a rule so the replay stops caring after the first halt."""

    def __init__(self, rule):
        self.rule = rule
        self.done = False

    def begin_run(self):
        self.rule.begin_run()

    def warm(self, row):
        self.rule.warm(row)

    def reset(self):
        self.rule.reset()

    def update(self, row):
        if self.done:
            return False
        self.done = self.rule.update(row)
        return self.done


def measure_false_halts(cal, values, hold=60):
    """Replay nominal ``values`` in run-sized chunks: ``(halts, samples, halts per day)``."""
    from .evaluate import Protocol

    proto = Protocol(warmup=cal.warmup, hold=hold)
    halts = 0
    samples = 0
    n = values.shape[0]
    for s in range(0, n, cal.run_length):
        chunk = values[s:s + cal.run_length]
        if chunk.shape[0] <= cal.warmup + refguard.DRIFT_WINDOW:
            continue
        halts += len(proto(refguard.ReferenceGuard(cal.thresholds()), chunk))
        samples += chunk.shape[0] - cal.warmup
    per_day = halts / samples * SECONDS_PER_DAY * cal.rate_hz if samples else float("nan")
    return halts, samples, per_day


def report(cal):
    """Human-readable calibration report (Markdown)."""
    lines = [
        "# redline calibration report",
        "",
        "- rate: %g Hz; budget: %g false halts/day; nominal rows: %d; warm-up: %d; segment: %d; seed: %d"
        % (cal.rate_hz, cal.false_halts_per_day, cal.samples, cal.warmup, cal.run_length, cal.seed),
        "- expected false halts/day (from the fits): %.3g" % cal.expected_false_halts_per_day,
        "- expected detection delay (median samples, fraction halted within 300): "
        + ", ".join("%g std: %g (%.0f%%)" % (k, cal.delays[k], 100 * cal.detected[k]) for k in sorted(cal.delays)),
    ]
    if cal.redundant:
        lines.append("- redundant pairs: " + ", ".join("%s=%s" % p for p in cal.redundant))
    lines += ["", "| channel | baseline | scale | noise | slew limit | range | "
              + " | ".join(DETECTORS) + " |",
              "|---|---:|---:|---:|---:|---|" + "---:|" * len(DETECTORS)]
    for c in cal.channels:
        lines.append("| %s | %d | %d | %d | %d | [%d, %d] | %s |" % (
            c.name, c.baseline, c.scale, c.noise, c.slew_limit, c.range_lo, c.range_hi,
            " | ".join(("%d" % c.thresholds[d]) if d == "stuck" else ("%.3g" % c.thresholds[d]) for d in DETECTORS)))
    lines.append("")
    lines.append("Thresholds are in warm-up standard deviations (stuck: samples in a row; "
                 "drift: EWMA of z, weight 1/16; cusum allowance %.1f std, leak 1/64)."
                 % refguard.K)
    return "\n".join(lines) + "\n"


def as_dict(cal):
    """The calibration as plain JSON-able data."""
    from dataclasses import asdict
    return asdict(cal)


def write_config(cal, path, learn_baseline=False):
    """Write the frozen configuration module (firmware format 1) for ``cal``: the one writer call.

    Uses the firmware's SensorConfig for validation and its canonical hash, in
    the module format documented in ``redline.sensor.config``.
    TODO(sensor helper): switch to ``redline_host.sensorconfig``'s writer when it lands.
    """
    from redline.sensor.config import SensorConfig, FORMAT
    from .guardrule import guard_fields

    cfg = SensorConfig([c.name for c in cal.channels], **guard_fields(cal, learn_baseline=learn_baseline))
    lines = ["# generated by redline calibrate -- do not edit.", "FORMAT = %d" % FORMAT,
             'SHA256 = "%s"' % cfg.sha256()]
    for name, v in cfg.fields():
        lines.append("%s = %r" % (name, v))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return cfg
