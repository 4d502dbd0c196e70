"""Calibrate the firmware sensor guard from nominal data to a false-halt budget.

    from redline_host.sensor.calibrate import calibrate, measure_false_halts, write_config
    cal = calibrate(values, channels, rate_hz=1.0, false_halts_per_day=1.0)
    cal.fields                      # SensorConfig keyword fields (ints only)
    measure_false_halts(cal, held_back_values)   # (halts, samples, per_day)
    write_config(cal, "build/redline_config.py")

How thresholds are chosen (no textbook constants). The nominal log is cut
into runs of ``run_length`` samples, at several offsets, and every run is fed
through the firmware ``SensorGuard`` itself with its halting thresholds out of
reach; after each reading the guard's own per-channel statistics are read
back: |z| against the working memory (surprise), the CUSUM score, the drift
EWMA, the stuck run, the raw step (slew) and the memory variance (entropy).
So the statistics are exactly what the board computes, in its integer units.

The budget ``F`` false halts per day at ``rate`` Hz is a per-sample rate
``F / (86400 * rate)``, split evenly over every (halting detector, channel)
pair. A false halt is an *excursion* of a statistic over its threshold, so
each statistic is declustered: the peaks of its excursions above its 90th
percentile are collected over all runs, and the excesses of the top
``TAIL_PEAKS`` peaks over the next one are fitted with a generalised Pareto
law (peaks over threshold; method of moments, shape kept in [0, 0.5]: at
least as heavy as exponential). The threshold is the level
whose excursion rate equals the pair's share of the budget; when the share
is below one excursion per calibration log, the threshold is also kept above
every peak seen. Stuck runs use the geometric tail of repeated values
(:func:`stuck_threshold`). Drift only escalates; its limit gets the same
share. Range limits (frozen mode only) are the nominal span widened by half
of itself on each side.

Two modes: ``learn_baseline=False`` (the default; a deployment with a known
plant) freezes the baseline (median) and scale of the whole log into the
configuration -- the scale is the short-term noise (standard deviation of
successive differences over sqrt 2), because a slowly wandering level says
nothing about how far one reading may jump from the last ones; ``learn_baseline=True`` (SKAB: every run at
its own operating point) leaves SCALE 0, so the guard learns baseline and
scale from each run's first ``warmup`` readings, and calibrates in that mode.
The expected false halts per day are read back from the fits, and the
detection delay for mean shifts of 1, 2 and 4 standard deviations is
simulated with the guard on calibration runs.

Layout: the statistics' tails are ``redline_host.sensor.tails``, the replay
check's windows ``redline_host.sensor.replaycal``, the report
``redline_host.sensor.calreport``. This module stays above 400 lines because
``calibrate()`` is one recipe -- guard statistics, budget split, thresholds,
pairs, read-back of the expected rates and delays -- and its helpers belong to
it alone.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from redline_host.sensor.replaycal import (REPLAY, REPLAY_STORE, REPLAY_STORE_STRIDE, choose_replay_windows, empirical_replay_window,
                                           replay_chance_rate, replay_history)
from redline_host.sensor.tails import stuck_threshold, tail_level

SECONDS_PER_DAY = 86400
HALTING = ("surprise", "cusum", "stuck", "slew", "entropy", "shift")
DETECTORS = HALTING + ("drift",)
OFFSETS = 3              # runs start at this many offsets within run_length
Z_GATE = 1024            # readings 4 sigma from memory do not enter it (Q8)
WINDOW = 128             # working memory slots
# FORECAST 1 (surprise and CUSUM against the memory's line one sample ahead) and MEMORY_FILL 32
# (the memory learns the current level from the first readings and after a rearm), with a
# 32-slot memory, CUSUM_K 512 and Z_GATE 768, cut the SKAB scenario delays (4-sigma step 153 ->
# 5.5, 0.1-sigma ramp 92 -> 60) but broke the held-back false-halt promise (interleaved SKAB,
# 0.864/day: 3 halts in 4560 samples against 0); with FORECAST 0 they still cost 7 held-back
# halts instead of 1 at 10/day. Both firmware modes stay available; the calibrator keeps them off.
FORECAST = 0
MEMORY_FILL = 0
CUSUM_K = 128            # allowance 0.5 sigma (Q8)
# Short-window shift: the mean of the last SHIFT_SPAN z-scores against the working memory
# (redline.sensor.shift), its halt level fitted like the others. Measured with `redline evaluate`
# (learned mode, 1 false halt per 100k): without it SKAB 31/34 halted, median delay 40, 164 false
# halts, NAB 8/22, 23 false halts, score 27.3; span 4: SKAB median 35, 163, NAB 8/22, 26, 26.6;
# span 8: SKAB median 32, 165, NAB 12/22, 65, 32.6 (and 5 false halts on the scenario library's
# held-back stream instead of 6). Neither span moved a scenario median.
SHIFT_SPAN = 8
# A redundant pair's disagreement CUSUM: allowance 1.25 sigma of the disagreement (Q8), tuned for a
# 4-sigma split (about 2.8 sigma of a pair whose disagreement is sqrt 2 channel sigmas) within 4 samples.
# A 1-sigma split (0.7 disagreement sigma) never gathers evidence against that allowance, so a slow
# twin CUSUM has half of it (_pair_slow_k; with it alone, measured on SKAB's scenarios, 4-sigma splits
# slowed to a median of 4 samples: the smaller allowance needs a far higher level at the same budget).
PAIR_K = 320
PAIR_SLOW_K_MIN = 16
CUSUM_LEAK = 6
DRIFT_SHIFT = 4
ENTROPY_HALT = 50000
ENTROPY_ESCALATE = 40000
ENTROPY_WARN = 30000
_LIM = (1 << 29) - 1
NOISE_MAX = 1 << 22      # firmware bound; beyond the largest memory variance, so the entropy halt is off
_OFF = {"z": 8191, "cusum": 1 << 24, "stuck": 1 << 20}


@dataclass
class ChannelCalibration:
    """What was learned for one channel (counts are the channel's integer units)."""

    name: str
    baseline: int          # median reading
    scale: int             # std of the readings (at least 1)
    noise: int             # std of successive differences / sqrt(2) (at least 1): the frozen SCALE
    range_lo: int
    range_hi: int
    thresholds: dict = field(default_factory=dict)   # detector -> level in the guard's units
    expected: dict = field(default_factory=dict)     # detector -> expected excursions per sample
    replay_chance: int = 0                           # replay flags on the nominal log


@dataclass
class Calibration:
    rate_hz: float
    false_halts_per_day: float
    warmup: int
    run_length: int
    learn_baseline: bool
    channels: list
    fields: dict = field(default_factory=dict)       # SensorConfig keyword fields
    redundant: list = field(default_factory=list)    # [(name_a, name_b)]
    expected_false_halts_per_day: float = float("nan")
    delays: dict = field(default_factory=dict)       # shift in std -> median samples to halt
    detected: dict = field(default_factory=dict)     # shift in std -> fraction halted
    samples: int = 0


def config_name(name):
    """A channel name the firmware accepts: 1..32 of letters, digits, ``_-.`` (others become ``_``)."""
    out = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "_-." else "_" for ch in str(name))[:32]
    return out or "_"


def _segments(values):
    """A log (rows x channels) or a list of separate logs -> list of int64 arrays."""
    if isinstance(values, (list, tuple)):
        return [np.asarray(v, dtype=np.int64) for v in values]
    return [np.asarray(values, dtype=np.int64)]


def _runs(values, run_length, warmup, offsets=OFFSETS):
    out = []
    for seg in _segments(values):
        n = seg.shape[0]
        rl = min(run_length, n)
        step = max(1, rl // offsets)
        for off in range(0, min(rl, n - rl + 1), step):
            for s in range(off, n - rl + 1, rl):
                out.append(seg[s:s + rl])
    return out


def _probe_fields(base, n):
    f = dict(base)
    f.update(z_warn=_OFF["z"], z_escalate=_OFF["z"], z_halt=_OFF["z"], cusum_h=_OFF["cusum"],
             drift_limit=0, stuck_run=_OFF["stuck"], max_slew=0, entropy_warn=65535,
             entropy_escalate=65535, entropy_halt=65535, bias_halt=65535)
    if f.get("pair_a"):
        f["pair_h"] = (_OFF["cusum"],) * len(f["pair_a"])
        f["pair_slow_h"] = (_OFF["cusum"],) * len(f["pair_a"])
    f["shift_halt"] = 16384
    return f


def guard_statistics(values, channels, base_fields, warmup, run_length, offsets=OFFSETS):
    # ``warmup``: samples at the start of every run that are not recorded (0: all of them)
    """Feed nominal runs through the firmware guard; per detector a list (per run) of (samples x channels) arrays."""
    from redline.sensor.guard import SensorGuard
    from redline.sensor.config import SensorConfig
    from redline.codes import FLAG_ADVERSARIAL

    n_ch = len(channels)
    cfg = SensorConfig(channels, **_probe_fields(base_fields, n_ch))
    g = SensorGuard(cfg)
    out = {d: [] for d in DETECTORS + ("replay", "pair", "pair_slow")}
    for seg in _runs(values, run_length, warmup, offsets):
        g.reset()
        rows = seg.tolist()
        st = {d: [] for d in out}
        prev = None
        for t, row in enumerate(rows):
            rec = {d: [0] * n_ch for d in out}
            live = True
            for c in range(n_ch):
                r = g.update(c, row[c])
                if r.warming_up:
                    live = False
                    continue
                ch = g.channel(c)
                rec["surprise"][c] = abs(r.z)
                rec["shift"][c] = r.shift
                rec["cusum"][c] = ch.cusum.score
                rec["drift"][c] = abs(ch.drift.value_q8())
                rec["stuck"][c] = ch.stuck.run
                rec["slew"][c] = abs(row[c] - prev[c]) if prev is not None else 0
                rec["entropy"][c] = ch.memory.variance_q12()
                rec["replay"][c] = 1 if r.flags & FLAG_ADVERSARIAL else 0
                rec["pair"][c] = ch.pair_cusum.score if ch.pair_cusum is not None else 0
                rec["pair_slow"][c] = ch.pair_slow.score if ch.pair_slow is not None else 0
            prev = row
            if live and t >= warmup:
                for d in out:
                    st[d].append(rec[d])
        for d in out:
            out[d].append(np.asarray(st[d], dtype=np.float64).reshape(-1, n_ch))
    return out


def _base_fields(cal_channels, learn_baseline, warmup, replay_store=REPLAY_STORE,
                 replay_store_stride=REPLAY_STORE_STRIDE):
    # learned mode: the memory holds the warm-up (WARMUP <= WINDOW), so it is as long as the firmware allows
    window = 128 if learn_baseline else WINDOW
    f = {"window": window, "warmup": max(4, min(window, warmup)), "z_gate": Z_GATE, "forecast": FORECAST,
         "memory_fill": min(MEMORY_FILL, window), "shift_span": SHIFT_SPAN,
         "cusum_k": CUSUM_K, "cusum_leak": CUSUM_LEAK, "drift_shift": DRIFT_SHIFT, "stuck_noise": 0,
         "entropy_warn": ENTROPY_WARN, "entropy_escalate": ENTROPY_ESCALATE, "entropy_halt": ENTROPY_HALT}
    f.update(REPLAY)
    f["replay_store"] = replay_store
    f["replay_store_stride"] = replay_store_stride
    if learn_baseline:
        f["scale"] = 0          # and no range: every run has its own operating point
    else:
        f["range_min"] = tuple(c.range_lo for c in cal_channels)
        f["range_max"] = tuple(c.range_hi for c in cal_channels)
        f["baseline"] = tuple(c.baseline for c in cal_channels)
        f["scale"] = tuple(c.noise for c in cal_channels)
    return f


def _int_level(x, lo, hi):
    return int(max(lo, min(hi, math.floor(x) + 1)))


def calibrate(values, channels, rate_hz, false_halts_per_day, warmup=100, run_length=1140,
              redundant=(), delay_shifts=(1, 2, 4), learn_baseline=False, progress=None,
              replay_store=REPLAY_STORE, replay_store_stride=REPLAY_STORE_STRIDE, **_ignored):
    """Learn per-channel limits and detector thresholds from nominal ``values``.

    ``values``: rows x channels ints, or a list of such logs (separate days or
    runs: no run crosses from one log into the next). ``replay_store``: prints
    in the shared replay store (0 or a power of two up to 16384; 0 = none, each
    channel then remembers only its ring; 7 bytes of a board's RAM per print).
    ``replay_store_stride`` K (1..64): every K-th print a ring drops goes into the store,
    which then reaches K times as far back; a replay older than the rings is caught up to
    K - 1 readings later.
    """
    if replay_store and (replay_store < 2 or replay_store > 16384 or replay_store & (replay_store - 1)):
        raise ValueError("replay store must be 0 or a power of two from 2 to 16384")
    if not 1 <= replay_store_stride <= 64:
        raise ValueError("replay store stride must be 1..64")
    segs = _segments(values)
    if any(v.ndim != 2 or v.shape[1] != len(channels) for v in segs):
        raise ValueError("values must be rows x %d channels" % len(channels))
    values = np.vstack(segs)
    if values.ndim != 2 or values.shape[1] != len(channels):
        raise ValueError("values must be rows x %d channels" % len(channels))
    if rate_hz <= 0 or false_halts_per_day <= 0:
        raise ValueError("rate and false-halt budget must be positive")
    if values.shape[0] < warmup + 64:
        raise ValueError("need at least %d nominal rows" % (warmup + 64))
    if np.abs(values).max() > _LIM:
        raise ValueError("readings must stay below 2**29 in magnitude (use --scale to shrink them)")
    names = list(channels)
    channels = [config_name(c) for c in names]
    if len(set(channels)) != len(channels):
        raise ValueError("channel names collide once made firmware-safe: %s" % ", ".join(channels))
    n_ch = len(channels)
    per_sample = false_halts_per_day / (SECONDS_PER_DAY * rate_hz)
    # + 1: the replay check; and two CUSUMs (fast and slow) per redundant pair
    share = per_sample / ((len(HALTING) + 1) * n_ch + 2 * len(redundant))
    chans = []
    for c, name in enumerate(channels):
        x = values[:, c].astype(np.float64)
        lo, hi = int(x.min()), int(x.max())
        half = max(1, (hi - lo) // 2)
        chans.append(ChannelCalibration(
            name=name, baseline=int(round(float(np.median(x)))), scale=max(1, int(round(x.std()))),
            noise=max(1, int(round(np.concatenate([np.diff(v[:, c].astype(np.float64)) for v in segs]).std()
                               / math.sqrt(2.0)))),
            range_lo=max(-_LIM, lo - half), range_hi=min(_LIM, hi + half)))
    base = _base_fields(chans, learn_baseline, warmup, replay_store, replay_store_stride)
    windows, replay_ok = choose_replay_windows(segs, n_ch, share, replay_store)
    replay_hist = replay_history(sum(replay_ok), replay_store)
    # the model is a floor: a channel that repeats its own windows more often gets a longer one
    replay_emp = [0.0] * n_ch
    windows = list(windows)
    replay_ok = list(replay_ok)
    for c in range(n_ch):
        if replay_ok[c]:
            w, replay_emp[c] = empirical_replay_window(segs, c, windows[c], share, replay_hist)
            if w is None:
                replay_ok[c] = False
            else:
                windows[c] = w
    windows = tuple(windows)
    base["replay_window"] = windows
    base["replay_quant"] = tuple(1 if ok else 0 for ok in replay_ok)
    if redundant:
        base["pair_a"] = tuple(names.index(a) for a, _ in redundant)
        base["pair_b"] = tuple(names.index(b) for _, b in redundant)
        base["pair_tol"] = tuple(_pair_tol(values, names.index(a), names.index(b)) for a, b in redundant)
        base["pair_scale"] = tuple(_pair_scale(segs, names.index(a), names.index(b)) for a, b in redundant)
        base["pair_k"] = (PAIR_K,) * len(redundant)
        base["pair_offset"] = tuple(_pair_offset(segs, chans, names.index(a), names.index(b), learn_baseline)
                                    for a, b in redundant)
        base["pair_slow_k"] = tuple(_pair_slow_k(chans[names.index(a)], chans[names.index(b)], s)
                                    for (a, b), s in zip(redundant, base["pair_scale"]))
    if progress:
        progress("recording guard statistics on %d nominal rows" % values.shape[0])
    # frozen mode: runs differ only in where they start, one offset is enough
    stats = guard_statistics(segs, channels, base, warmup if learn_baseline else 0, run_length,
                             OFFSETS if learn_baseline else 1)
    samples = int(sum(s.shape[0] for s in stats["surprise"]))
    if samples == 0:
        raise ValueError("no nominal samples after the warm-up (log shorter than one run?)")
    expected = 0.0
    for c, ch in enumerate(chans):
        for d in ("surprise", "cusum", "slew", "entropy", "drift", "shift"):
            level, e = tail_level([s[:, c] for s in stats[d]], samples, share)
            ch.thresholds[d] = level
            ch.expected[d] = e
            if d != "drift":
                expected += e
        L, rate = stuck_threshold(values[:, c], share)
        ch.thresholds["stuck"] = L
        ch.expected["stuck"] = rate
        expected += rate
        ch.replay_chance = int(sum(s[:, c].sum() for s in stats["replay"]))
        ch.expected["replay"] = (max(replay_chance_rate(segs, c, windows[c], replay_hist), replay_emp[c])
                                 if replay_ok[c] else 0.0)
        expected += ch.expected["replay"]
    pair_h = {"pair": [], "pair_slow": []}
    for j in range(len(base.get("pair_b", ()))):
        # the pair's later channel (the one read second in a row) holds its CUSUMs
        b = max(base["pair_a"][j], base["pair_b"][j])
        for d in pair_h:
            level, e = tail_level([s[:, b] for s in stats[d]], samples, share)
            chans[b].thresholds[d] = level
            chans[b].expected[d] = e
            expected += e
            pair_h[d].append(_int_level(level, 1, 1 << 24))
    f = dict(base)
    if pair_h["pair"]:
        f["pair_h"] = tuple(pair_h["pair"])
        f["pair_slow_h"] = tuple(pair_h["pair_slow"])
    zh = tuple(_int_level(c.thresholds["surprise"], 4, 16384) for c in chans)
    f.update(
        z_halt=zh, z_escalate=tuple(max(2, (3 * z) // 4) for z in zh), z_warn=tuple(max(1, z // 2) for z in zh),
        cusum_h=tuple(_int_level(c.thresholds["cusum"], 1, 1 << 24) for c in chans),
        shift_halt=tuple(_int_level(c.thresholds["shift"], 1, 16384) for c in chans),
        drift_limit=tuple(_int_level(c.thresholds["drift"], 1, 8191) for c in chans),
        stuck_run=tuple(int(c.thresholds["stuck"]) for c in chans),
        max_slew=tuple(_int_level(c.thresholds["slew"], 1, _LIM) for c in chans),
        # entropy = var * 16384 / NOISE_Q12 reaches ENTROPY_HALT exactly at the calibrated variance
        replay_quant=tuple(0 if c.replay_chance or not ok else 1 for c, ok in zip(chans, replay_ok)),
        noise_q12=tuple(_noise_q12(c) for c in chans))
    cal = Calibration(rate_hz=rate_hz, false_halts_per_day=false_halts_per_day, warmup=warmup,
                      run_length=min(run_length, values.shape[0]), learn_baseline=learn_baseline,
                      channels=chans, fields=f, redundant=[(channels[names.index(a)], channels[names.index(b)])
                                                       for a, b in redundant],
                      expected_false_halts_per_day=expected * SECONDS_PER_DAY * rate_hz,
                      samples=int(values.shape[0]))
    for k in delay_shifts:
        if progress:
            progress("simulating %g-sigma shifts" % k)
        cal.delays[k], cal.detected[k] = simulate_delay(cal, segs, k)
    return cal


def _noise_q12(ch):
    """NOISE_Q12 so that entropy = var * 16384 / NOISE_Q12 reaches ENTROPY_HALT at the calibrated variance.

    A memory variance that never moved on the nominal log (expected rate 0: no
    excursions to fit) says nothing about how much it may move: entropy is off.
    """
    if ch.expected.get("entropy", 1.0) == 0.0:
        return NOISE_MAX
    return max(1, min(NOISE_MAX, int(math.ceil(ch.thresholds["entropy"] * 16384 / ENTROPY_HALT))))


def _pair_scale(segs, a, b):
    """PAIR_SCALE: standard deviation of the pair's disagreement (readings of one row), at least 1."""
    d = np.concatenate([v[:, b].astype(np.float64) - v[:, a].astype(np.float64) for v in segs])
    return max(1, int(round(float(d.std()))))


def _pair_offset(segs, chans, a, b, learn_baseline):
    """PAIR_OFFSET: median disagreement of the pair, later channel minus earlier, each against its
    frozen baseline (0 in learned mode: each run's baselines are learned from the same warm-up)."""
    if learn_baseline:
        return 0
    e, l = min(a, b), max(a, b)
    d = np.concatenate([(v[:, l] - chans[l].baseline) - (v[:, e] - chans[e].baseline) for v in segs])
    return int(np.median(d))


def _pair_slow_k(ca, cb_, pair_scale):
    """PAIR_SLOW_K: half a split of one noise sigma (the smaller of the two channels') in the pair's
    disagreement sigmas (Q8), the allowance that gathers a 1-sigma split's evidence fastest; between
    PAIR_SLOW_K_MIN and PAIR_K (a split the fast CUSUM's allowance covers needs no slow twin, but
    keeping one costs only its budget share)."""
    k = (128 * min(ca.noise, cb_.noise) + pair_scale // 2) // pair_scale
    return max(PAIR_SLOW_K_MIN, min(PAIR_K, k))


def _pair_tol(values, a, b):
    """Tolerance of a redundant pair: the largest nominal disagreement (after removing the median offset), x1.5."""
    d = values[:, a].astype(np.float64) - values[:, b].astype(np.float64)
    d -= np.median(d)
    return max(1, int(math.ceil(1.5 * np.abs(d).max())))


def config(cal):
    """The validated SensorConfig of ``cal``."""
    from redline.sensor.config import SensorConfig
    return SensorConfig([c.name for c in cal.channels], **cal.fields)


def simulate_delay(cal, values, shift, n=24, horizon=300):
    """Median samples from onset to halt for a mean shift of ``shift`` sigma (frozen: the noise; learned: warm-up std).

    ``n`` calibration runs (cycling over channels); in each, the shift starts
    right after the warm-up (frozen mode: at sample 32). Returns ``(median
    delay, fraction halted within horizon)``; misses count as ``horizon``.
    """
    from redline_host.sensor.guardrule import GuardRule
    from redline_host.sensor.evaluate import Protocol

    runs = _runs(values, cal.warmup + horizon, cal.warmup)
    if not runs:
        return float("nan"), 0.0
    onset = cal.warmup if cal.learn_baseline else 32
    proto = Protocol(warmup=onset, hold=0)
    delays = []
    hits = 0
    n_ch = len(cal.channels)
    for i in range(n):
        seg = runs[(i * 7) % len(runs)].astype(np.int64).copy()
        c = i % n_ch
        std = cal.channels[c].noise if not cal.learn_baseline else max(1.0, float(seg[:onset, c].std()))
        seg[onset:, c] += int(round(shift * std))
        rule = GuardRule(config(cal))
        first = []
        proto(rule, seg, on_halt=lambda t, r: first.append(t))
        if first:
            hits += 1
            delays.append(first[0] - onset)
        else:
            delays.append(horizon)
    return float(np.median(delays)), hits / n


def measure_false_halts(cal, values, hold=60):
    """Replay nominal ``values`` (a log or a list of logs) through the guard in run-sized chunks.

    Returns ``(halts, samples, halts per day)``.
    """
    from redline_host.sensor.guardrule import GuardRule
    from redline_host.sensor.evaluate import Protocol

    warm = cal.warmup if cal.learn_baseline else 0
    proto = Protocol(warmup=warm, hold=hold)
    halts = 0
    samples = 0
    for seg in _segments(values):
        for s in range(0, seg.shape[0], cal.run_length):
            chunk = seg[s:s + cal.run_length]
            if chunk.shape[0] <= warm + 32:
                continue
            halts += len(proto(GuardRule(config(cal)), chunk))
            samples += chunk.shape[0] - warm
    per_day = halts / samples * SECONDS_PER_DAY * cal.rate_hz if samples else float("nan")
    return halts, samples, per_day


def write_config(cal, path, learn_baseline=None, max_line=None):
    """Write the frozen configuration module (firmware format) for ``cal``; returns the SensorConfig.

    ``learn_baseline``, when given, must match the mode ``cal`` was calibrated in; ``max_line``,
    when given, becomes the module's MAX_LINE (the node's line buffer, redline.node).
    """
    from redline_host.sensor.sensorconfig import write_config_module

    if learn_baseline is not None and bool(learn_baseline) != cal.learn_baseline:
        raise ValueError("calibration was made with learn_baseline=%s; calibrate again in the other mode"
                         % cal.learn_baseline)
    cfg = config(cal)
    write_config_module(cfg, path, source="redline calibrate (budget %g false halts/day at %g Hz)"
                        % (cal.false_halts_per_day, cal.rate_hz), max_line=max_line)
    return cfg
