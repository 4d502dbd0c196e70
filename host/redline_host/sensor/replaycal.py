"""Replay-check calibration: how often a channel's nominal windows repeat by chance, and its window.

    from redline_host.sensor.replaycal import choose_replay_windows, replay_history
    windows, on = choose_replay_windows(segments, n_channels, share)

Replay: per sample a fingerprint of the last W steps and one of the last W readings, each compared
with the channel's last 64 of its kind (stride 1) and with the prints of every channel's older
windows kept in the shared store (REPLAY_STORE of them, every REPLAY_STORE_STRIDE-th of the two a
sample per channel the rings drop), so a verbatim
replay is caught at its W-th reading and a replay with an added offset at its (W+1)-th. Each
channel gets the shortest W (3..32) whose chance matches (both kinds) against the windows it
remembers fit the channel's share of the budget (see replay_chance_rate); where the log itself
repeats its windows more often than that model says, W grows until the measured rate, extrapolated,
fits (empirical_replay_window); channels that still repeat by chance get the check off.
(W = 2 would need REPLAY_MIN_ACTIVE 1: a 2-step window has one adjacent pair of steps.)
"""
import math

import numpy as np

REPLAY = {"replay_history": 64, "replay_stride": 1, "replay_min_active": 2, "replay_levels": 1}
REPLAY_STORE = 1024      # 7 KiB on a board: 7 B a print (redline.sensor.prints)
# Only every 4th print a ring drops goes into the store (REPLAY_STORE_STRIDE): 1,024 prints reach
# as far back as 4,096 at stride 1 did (in a quarter of the RAM); a replay older than the rings is
# caught up to 3 readings later, the rings' own (younger) replays as before.
REPLAY_STORE_STRIDE = 4
REPLAY_WINDOWS = range(3, 33)


def match_probabilities(segs, c):
    """``(p_step, p_value)`` of channel ``c``: chance that two steps (x[t] - x[t-1]), resp. two
    readings, are equal (sums of squared frequencies over the nominal log)."""
    out = []
    for diff in (True, False):
        d = np.concatenate([np.diff(v[:, c]) if diff else v[:, c] for v in segs])
        if d.size == 0:
            return 1.0, 1.0
        _, counts = np.unique(d, return_counts=True)
        out.append(float(((counts / d.size) ** 2).sum()))
    return tuple(out)


def window_match_probability(p, window):
    """Chance that two ``window``-step windows are equal, from :func:`match_probabilities`.

    The larger of two models: independent steps (exact for a random walk) and
    independent readings, ``window + 1`` of them (exact for white noise, whose
    steps are not independent: two steps share a reading).
    """
    p_step, p_value = p
    return max(p_step ** window, p_value ** (window + 1))


def level_match_probability(p, window):
    """Chance that two windows of ``window`` readings are equal, from :func:`match_probabilities`.

    The larger of two models: independent readings (exact for white noise) and
    a first reading equal with the chance of any two readings followed by
    ``window - 1`` independent equal steps (a random walk). Equal readings
    imply equal steps, so the true chance is at most that of a ``window - 1``-step
    window, and so is this model: it is ``window_match_probability(p, window - 1)``
    with ``p_step ** (window - 1)`` multiplied by ``p_value <= 1``.
    """
    p_step, p_value = p
    return max(p_value ** window, p_value * p_step ** (window - 1))


def replay_chance_rate(segs, c, window, history=64):
    """Chance fingerprint matches per sample for channel ``c``: ``history`` times the sum of
    :func:`window_match_probability` and :func:`level_match_probability` (a union bound over the
    two kinds of print); ``history`` = the windows of one kind the channel is compared with (its
    ring plus its part of the shared store)."""
    p = match_probabilities(segs, c)
    return history * (window_match_probability(p, window) + level_match_probability(p, window))


def replay_history(n_on, store=REPLAY_STORE, ring=REPLAY["replay_history"]):
    """Windows of one kind one channel is compared with when ``n_on`` channels share the store
    (each of them puts a step print and a level print into it per sample, or every
    REPLAY_STORE_STRIDE-th of them: the store holds ``store`` prints either way, and those are
    what a window can match by chance)."""
    return ring + (store // (2 * max(1, n_on)) if store else 0)


def choose_replay_windows(segs, n_ch, share, store=REPLAY_STORE):
    """``(windows, usable)``: per channel the shortest window whose chance matches fit ``share``.

    The store is shared by the channels whose check is on, so their number
    sets how far back each one remembers; it is found by iterating from all
    channels on (fewer channels on remember further back: longer windows).
    A channel with no window in REPLAY_WINDOWS that fits is not usable (its
    window is then the longest, and REPLAY_QUANT 0 switches it off).
    """
    p = [match_probabilities(segs, c) for c in range(n_ch)]
    n_on = n_ch
    for _ in range(n_ch + 1):
        hist = replay_history(n_on, store)
        windows = []
        usable = []
        for c in range(n_ch):
            w = next((w for w in REPLAY_WINDOWS if hist * (window_match_probability(p[c], w)
                                                          + level_match_probability(p[c], w)) <= share), None)
            windows.append(REPLAY_WINDOWS[-1] if w is None else w)
            usable.append(w is not None)
        if sum(usable) == n_on:
            break
        n_on = max(1, sum(usable))
    return tuple(windows), tuple(usable)


def replay_flag_rate(segs, c, window, history):
    """Replay flags per sample on channel ``c`` of the nominal log: the firmware detector (ring of
    ``history`` prints of each kind, the calibrator's REPLAY settings) run over every log."""
    from redline.sensor.replay import ReplayDetector

    flags = 0
    samples = 0
    for v in segs:
        r = ReplayDetector(window=window, history=history, stride=REPLAY["replay_stride"],
                           min_active=REPLAY["replay_min_active"], quant=1, levels=bool(REPLAY["replay_levels"]))
        col = v[:, c].tolist()
        for x in col:
            if r.update(int(x)):
                flags += 1
        samples += len(col)
    return flags / samples if samples else 0.0


def empirical_replay_window(segs, c, window, share, history):
    """``(window, rate)``: the window the nominal log itself allows, at least ``window``.

    The chance model (:func:`replay_chance_rate`) takes readings or steps as
    independent; a signal with few values that cycles through patterns repeats
    its windows far more often (SKAB's Volume Flow: 514 flags in 9,405 samples
    at W = 8, where the model allows W = 8). The detector is run on the log at
    ``window``, ``window + 1``, ... until a window gives no flag. The flag rate
    falls geometrically with W; its slope (least squares of log rate over the
    windows that flagged; with one such window, through the Poisson 95 % bound
    of 3 flags at the first silent one) is extrapolated to the window where the
    rate meets ``share``. Returns ``(None, rate)`` when that window is beyond
    REPLAY_WINDOWS (the check must be off) and ``(window, 0.0)`` when the log
    never flags at ``window``.
    """
    samples = sum(v.shape[0] for v in segs)
    seen = []
    w = window
    while w <= REPLAY_WINDOWS[-1]:
        rate = replay_flag_rate(segs, c, w, history)
        if rate == 0.0:
            break
        seen.append((w, rate))
        w += 1
    if not seen:
        return window, 0.0
    if w > REPLAY_WINDOWS[-1]:
        return None, seen[-1][1]
    pts = seen if len(seen) > 1 else seen + [(w, 3.0 / samples)]
    xs = np.asarray([p[0] for p in pts], dtype=np.float64)
    ys = np.log(np.asarray([p[1] for p in pts]))
    slope = float(np.polyfit(xs, ys, 1)[0]) if len(pts) > 1 else 0.0
    w_last, r_last = pts[-1]
    if slope >= 0.0:
        return None, seen[-1][1]
    need = w_last + int(math.ceil((math.log(share) - math.log(r_last)) / slope))
    need = max(w, need)
    if need > REPLAY_WINDOWS[-1]:
        return None, float(np.exp(ys[-1] + slope * (REPLAY_WINDOWS[-1] - w_last)))
    return need, float(np.exp(ys[-1] + slope * (need - w_last)))
