"""Scenario library: seeded faults and spoofs injected into real nominal data, run through the guard.

    from redline_host.sensor import scenarios as sc, trialrun, scenreport
    from redline_host.sensor.datasets import load_skab, resolve_data_dir
    nominal, _ = load_skab(resolve_data_dir(None))
    setup = sc.prepare(nominal, workdir, seed=0)            # calibrates on the first 2/3
    trials = sc.make_trials(setup, sc.SCENARIOS, trials=8, seed=0)
    results = trialrun.run_trials(trials, runtime="cpython")
    summaries = scenreport.summarize(trials, results)
    print(scenreport.report_markdown(summaries, scenreport.check_targets(summaries)))

This module defines the scenarios and builds the trials; the faults themselves
are ``redline_host.sensor.inject``, running a trial and its metrics
``redline_host.sensor.trialrun``, summaries, targets and the report
``redline_host.sensor.scenreport``.

Data: the nominal table (SKAB ``anomaly-free``, integers scaled with
``datasets.SKAB_SCALES``) is cut at two thirds. Without a configuration the
guard is calibrated on the first two thirds (``calibrate.calibrate``, 1 false
halt per day at 1 Hz, ``write_config(learn_baseline=False)``) and every fault
is injected into a segment of the last third only, so nothing is tested on
the data it was calibrated on. A given configuration is used as it is; the
injections still go into the last third.

Units: sigma is the channel's calibrated SCALE from the configuration (a
configuration that learns its scale in the warm-up, SCALE 0, falls back to the
standard deviation of the channel over the first two thirds, as the
calibrator computes it). A *sample* is one row of readings (one time step of
every channel); for the text stream it is one message.

Trials: each trial is one segment of held-back rows, ``onset + horizon`` long,
from a seeded start; the onset is seeded in ``[2 * WARMUP, 2 * WARMUP + 200)``
(well after the guard's warm-up), the faulted channel and the sign of the
fault are seeded too. Every trial draws from its own generator seeded with
(seed, scenario name, trial index), so a trial does not depend on which
other scenarios run. Each trial runs through ``host/redline_host/device/mp/guard_main.py`` -- the
loop of ``redline guard``: firmware SensorGuard plus Interlock, escalate dwell
2, release dwell 4 -- on the chosen runtime, one process per trial.

Metrics per trial (``trial_metrics``), from the per-row decision stream:
``delay`` = first row at or after the onset where the guard decided Halt,
minus the onset (0: halted on the first faulted sample; None: no halt within
the horizon); ``actuator_on`` = rows from the onset until the first row that
ends with the actuator safe (0 when it was already safe at the onset);
``false_halts`` = false halts before the onset, each a run of consecutive rows
with a Halt decision (one halting condition usually lasts a few rows). Medians over a
scenario's trials count a miss as never (a median that is a miss is None).

Redundant pairs: every data channel gets a synthetic twin ``NAME_twin`` = the
channel plus independent Gaussian noise of std equal to the std of the
channel's successive differences (seeded); the split scenario runs on a
second configuration calibrated with ``redundant=[(NAME, NAME_twin), ...]``
(or on the given configuration's pairs; with none it is not run).
Single-channel scenarios fault a channel that is in no pair, so a redundant
partner never helps them.
"""
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from redline_host.sensor.inject import (inject_level, inject_noise, inject_ramp, inject_replay, inject_replay_window,
                                        inject_spikes, inject_step, inject_stuck, noise_added, spike_positions, SPIKE_GAP,
                                        text_stream)

CONFIG_MODULE = "redline_config.py"
TWIN_SUFFIX = "_twin"
HORIZON = 300                  # rows after the onset in every sensor trial
ONSET_SPREAD = 200             # onset in [2 * WARMUP, 2 * WARMUP + ONSET_SPREAD)
TEXT_ONSET = (10, 30)          # text stream: onset message index range
TEXT_HORIZON = 20              # messages after the onset
REPLAY_LENGTH = 60             # loop length of the replay spoofs (samples)
ESCALATE_DWELL = 2             # the interlock settings of `redline guard` (its defaults)
RELEASE_DWELL = 4
CALIBRATION_BUDGET = 1.0       # false halts per day
CALIBRATION_RATE = 1.0         # Hz (SKAB anomaly-free is sampled at 1 Hz)
_READING_FULL_SCALE = (1 << 29) - 1   # the firmware's READING_LIMIT - 1


@dataclass(frozen=True)
class Scenario:
    """One kind of fault or spoof and its size.

    ``magnitude`` is in sigma units (step, spike and split size; ramp slope
    per sample) or a factor (noise flood: the std is multiplied by it).
    ``target`` is the issue's limit on the median samples from onset to halt.
    """

    name: str
    kind: str
    magnitude: float = 0.0
    spoof: bool = False
    target: int = None
    text: str = ""


SCENARIOS = (
    Scenario("step-1sigma", "step", 1, text="step of 1 sigma, seeded sign"),
    Scenario("step-2sigma", "step", 2, text="step of 2 sigma"),
    Scenario("step-4sigma", "step", 4, target=3, text="step of 4 sigma"),
    Scenario("step-8sigma", "step", 8, target=3, text="step of 8 sigma"),
    Scenario("ramp-0.1sigma", "ramp", 0.1, target=60, text="ramp of 0.1 sigma per sample"),
    Scenario("stuck-at", "stuck", spoof=True, target=3, text="the channel freezes at its last value"),
    Scenario("replay-window", "replay_window", spoof=True, target=3,
             text="the last %d readings replayed in a loop" % REPLAY_LENGTH),
    Scenario("replay-recorded", "replay_recorded", spoof=True,
             text="a stretch of %d readings recorded before the node started (before the trial's segment: the "
                  "guard never saw it), replayed in a loop; no fingerprint can know it, so no delay target: "
                  "it is caught once the loop repeats itself" % REPLAY_LENGTH),
    Scenario("replay-uptime", "replay_uptime", spoof=True, target=3,
             text="a stretch of %d readings recorded while the node ran (from the trial's own readings before "
                  "the onset, older than the last %d), replayed in a loop" % (REPLAY_LENGTH, REPLAY_LENGTH)),
    Scenario("noise-x4", "noise", 4, text="noise std multiplied by 4 (added Gaussian noise, std sqrt(15) sigma)"),
    Scenario("spikes-10sigma", "spikes", 10,
             text="isolated spikes of 10 sigma, seeded sign, every %d..%d samples" % SPIKE_GAP),
    Scenario("dropout", "dropout", text="the reading goes to 0"),
    Scenario("saturation", "saturation", text="the reading goes to the calibrated range limit (else full scale)"),
    Scenario("redundant-split-1sigma", "split", 1, spoof=True,
             text="one channel of a redundant pair departs by 1 sigma (informative: no test finds a 1-sigma "
                  "split in 3 samples at 1 false halt per day)"),
    Scenario("redundant-split-4sigma", "split", 4, spoof=True, target=3,
             text="one channel of a redundant pair departs by 4 sigma"),
    Scenario("text-injection", "text", spoof=True,
             text="benign device commands and telemetry, then injected instructions (one sample = one message)"),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


def scenario(name):
    """The Scenario called ``name`` (ValueError when unknown)."""
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise ValueError("unknown scenario %r (choose from %s)" % (name, ", ".join(SCENARIO_NAMES)))


# --- data and configurations ---------------------------------------------------------------

def twin_columns(values, seed):
    """One synthetic twin per column: the column plus seeded noise of its successive-difference std."""
    values = np.asarray(values, dtype=np.int64)
    rng = np.random.default_rng([seed, 0x7717])
    out = np.empty_like(values)
    for c in range(values.shape[1]):
        sd = float(np.diff(values[:, c].astype(np.float64)).std())
        out[:, c] = values[:, c] + np.round(rng.normal(0.0, sd, size=values.shape[0])).astype(np.int64)
    return out


@dataclass
class ConfigInfo:
    """One guard configuration: its folder (holding redline_config.py) and what scenarios need of it."""

    dir: Path
    config: object              # redline.sensor.SensorConfig
    columns: list               # per config channel: its column in Setup.values
    sigma: list                 # per config channel: the scale in reading units
    pairs: list                 # [(config index a, config index b)]

    @property
    def channels(self):
        return list(self.config.channels)

    def single_candidates(self):
        """Config channel indices in no redundant pair (all when every channel is paired)."""
        paired = {i for p in self.pairs for i in p}
        free = [i for i in range(len(self.config.channels)) if i not in paired]
        return free or list(range(len(self.config.channels)))

    def saturation_level(self, i):
        hi = self.config.range_max[i]
        return hi if hi < _READING_FULL_SCALE else _READING_FULL_SCALE


@dataclass
class Setup:
    """Nominal data (with twins) cut at ``split``, and the configurations the trials use."""

    channels: list              # data channels then their twins
    values: np.ndarray          # rows x channels
    split: int                  # first held-back row
    base: ConfigInfo = None
    pairs: ConfigInfo = None    # None: no redundant pair to split
    source: str = ""            # where the configurations came from (for the report)
    notes: list = field(default_factory=list)

    @property
    def held_rows(self):
        return int(self.values.shape[0] - self.split)


def _info(setup_channels, values, split, cfg, folder):
    names = list(setup_channels)
    cols = []
    for ch in cfg.channels:
        if ch not in names:
            raise ValueError("config channel %s is not in the data (have %s)" % (ch, ", ".join(names)))
        cols.append(names.index(ch))
    sigma = []
    for i, c in enumerate(cols):
        s = cfg.scale[i]
        if s == 0:       # learns its scale in the warm-up: use the calibrator's estimate
            s = max(1, int(round(float(values[:split, c].astype(np.float64).std()))))
        sigma.append(int(s))
    pairs = [(cfg.pair_a[j], cfg.pair_b[j]) for j in range(len(cfg.pair_a))]
    return ConfigInfo(dir=Path(folder), config=cfg, columns=cols, sigma=sigma, pairs=pairs)


def prepare(nominal, workdir, config=None, seed=0, pairs=True, progress=None):
    """The Setup for ``nominal`` (a datasets.Table); configurations are written under ``workdir``.

    ``config``: a configuration module to use as it is (channels must be data
    channels or their ``_twin``s); None calibrates on the first two thirds --
    and, when ``pairs``, a second time with every channel paired with its twin
    (for the split scenario).
    """
    from redline.sensor.config import ConfigError
    from redline_host.sensor import calibrate as cb
    from redline_host.sensor.sensorconfig import read_config_module

    say = progress or (lambda text: None)
    names = [cb.config_name(c) for c in nominal.channels]
    data = np.asarray(nominal.values, dtype=np.int64)
    split = 2 * data.shape[0] // 3
    twins = twin_columns(data, seed)
    values = np.concatenate([data, twins], axis=1)
    channels = names + [n + TWIN_SUFFIX for n in names]
    workdir = Path(workdir)
    setup = Setup(channels=channels, values=values, split=split)
    if config is not None:
        src = Path(config)
        try:
            cfg = read_config_module(src)
        except ConfigError as exc:
            raise ValueError("config %s rejected: %s" % (src, exc)) from None
        folder = workdir / "given"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, folder / CONFIG_MODULE)
        info = _info(channels, values, split, cfg, folder)
        setup.base = info
        setup.pairs = info if info.pairs else None
        setup.source = "given config %s" % src
        if not info.pairs:
            setup.notes.append("the config declares no redundant pair: the split scenario is not run")
        return setup
    n = len(names)
    say("calibrating %d channels on rows 0..%d (%g false halts/day at %g Hz)"
        % (n, split - 1, CALIBRATION_BUDGET, CALIBRATION_RATE))
    base = cb.calibrate(data[:split], names, CALIBRATION_RATE, CALIBRATION_BUDGET, seed=seed)
    folder = workdir / "base"
    folder.mkdir(parents=True, exist_ok=True)
    setup.base = _info(channels, values, split, cb.write_config(base, folder / CONFIG_MODULE, learn_baseline=False),
                       folder)
    setup.source = ("calibrated on rows 0..%d of %d (%g false halts/day at %g Hz); faults injected into rows %d..%d"
                    % (split - 1, values.shape[0], CALIBRATION_BUDGET, CALIBRATION_RATE, split,
                       values.shape[0] - 1))
    if not pairs:
        return setup
    say("calibrating %d channels with %d redundant twins" % (n, n))
    paired = cb.calibrate(values[:split], channels, CALIBRATION_RATE, CALIBRATION_BUDGET, seed=seed,
                          redundant=[(a, a + TWIN_SUFFIX) for a in names])
    folder = workdir / "pairs"
    folder.mkdir(parents=True, exist_ok=True)
    setup.pairs = _info(channels, values, split,
                        cb.write_config(paired, folder / CONFIG_MODULE, learn_baseline=False), folder)
    return setup


# --- trials --------------------------------------------------------------------------------

@dataclass
class Trial:
    """One scenario instance: the stream to run and where its fault starts."""

    scenario: Scenario
    index: int
    onset: int                  # first faulted row (message for text)
    channel: str = ""           # faulted channel ("" for text)
    start: int = 0              # first nominal row of the segment
    sign: int = 0
    info: ConfigInfo = None     # None for text
    values: np.ndarray = None   # rows x config channels, faulted
    messages: list = None       # text trials


def trial_rng(seed, name, index):
    """The generator of one trial: independent of the other scenarios in the run."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode()), int(index)])


def make_trial(setup, sc, index, seed=0, horizon=HORIZON):
    """One seeded instance of scenario ``sc``; None when the setup cannot run it (no pair)."""
    rng = trial_rng(seed, sc.name, index)
    if sc.kind == "text":
        onset = int(rng.integers(TEXT_ONSET[0], TEXT_ONSET[1]))
        return Trial(scenario=sc, index=index, onset=onset, messages=text_stream(rng, onset, onset + TEXT_HORIZON))
    info = setup.pairs if sc.kind == "split" else setup.base
    if info is None:
        return None
    onset = 2 * info.config.warmup + int(rng.integers(0, ONSET_SPREAD))
    if sc.kind == "replay_uptime":
        onset = max(onset, 2 * REPLAY_LENGTH)     # room for a stretch older than the last REPLAY_LENGTH
    length = onset + horizon
    if setup.held_rows < length:
        raise ValueError("held-back data has %d rows, a trial needs %d" % (setup.held_rows, length))
    start = setup.split + int(rng.integers(0, setup.held_rows - length + 1))
    if sc.kind == "split":
        a, b = info.pairs[int(rng.integers(len(info.pairs)))]
        ci = (a, b)[int(rng.integers(2))]
    else:
        cand = info.single_candidates()
        ci = cand[int(rng.integers(len(cand)))]
    sign = 1 if rng.integers(2) else -1
    seg = setup.values[start:start + length][:, info.columns].copy()
    col = seg[:, ci]
    sigma = info.sigma[ci]
    kind = sc.kind
    if kind in ("step", "split"):
        new = inject_step(col, onset, sign * int(round(sc.magnitude * sigma)))
    elif kind == "ramp":
        new = inject_ramp(col, onset, sigma, sc.magnitude, sign)
    elif kind == "stuck":
        new = inject_stuck(col, onset)
    elif kind == "replay_window":
        new = inject_replay_window(col, onset, REPLAY_LENGTH)
    elif kind == "replay_recorded":
        # recorded by the attacker earlier: a stretch of the full nominal series before this segment
        r0 = int(rng.integers(0, start - REPLAY_LENGTH + 1))
        new = inject_replay(col, onset, setup.values[r0:r0 + REPLAY_LENGTH, info.columns[ci]])
    elif kind == "replay_uptime":
        # recorded by the attacker while the node ran: a stretch the guard has seen, ending before
        # the last REPLAY_LENGTH readings (those are replay-window's)
        r0 = int(rng.integers(0, onset - 2 * REPLAY_LENGTH + 1))
        new = inject_replay(col, onset, col[r0:r0 + REPLAY_LENGTH])
    elif kind == "noise":
        new = inject_noise(col, onset, noise_added(rng, length - onset, sigma, sc.magnitude))
    elif kind == "spikes":
        pos = spike_positions(rng, onset, length)
        deltas = [int(round(sc.magnitude * sigma)) * (1 if rng.integers(2) else -1) for _ in pos]
        new = inject_spikes(col, onset, pos, deltas)
    elif kind == "dropout":
        new = inject_level(col, onset, 0)
    elif kind == "saturation":
        new = inject_level(col, onset, info.saturation_level(ci))
    else:
        raise ValueError("unknown scenario kind %r" % kind)
    seg[:, ci] = new
    return Trial(scenario=sc, index=index, onset=onset, channel=info.config.channels[ci], start=start,
                 sign=sign, info=info, values=seg)


def make_trials(setup, scenarios=SCENARIOS, trials=8, seed=0, horizon=HORIZON):
    """``trials`` seeded instances of every scenario the setup can run."""
    if trials < 1:
        raise ValueError("trials must be >= 1")
    out = []
    for sc in scenarios:
        for i in range(trials):
            t = make_trial(setup, sc, i, seed=seed, horizon=horizon)
            if t is not None:
                out.append(t)
    return out
