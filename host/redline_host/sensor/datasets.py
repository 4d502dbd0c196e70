"""Labelled sensor data as integer readings: CSV tables, SKAB runs and NAB series.

Everything redline evaluates is an integer stream, so decimals are turned into
integers here, once, with an exact decimal scale (``--scale NAME=K`` multiplies
column NAME by K and rounds half to even)::

    from redline_host.sensor.datasets import parse_scales, read_table, load_skab
    table = read_table("nominal.csv", parse_scales(["Temperature=1000"]))
    table.values.shape            # (rows, channels), int64
    nominal, runs = load_skab(data_dir)
    runs[0].episodes              # [(onset, end), ...], end exclusive

A fault *episode* is a maximal run of rows labelled anomalous; its onset is its
first row. The public data sets come from:
SKAB https://github.com/waico/SKAB (GPL-3.0) and NAB
https://github.com/numenta/NAB (MIT); ``--data-dir`` points at a folder holding
``skab/data/...`` and ``nab/data/...`` + ``nab/labels/combined_windows.json``.
"""
import csv
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from redline_host.paths import shared_dir

# Columns that are never channels.
TIME_COLUMNS = ("timestamp", "datetime", "time")
LABEL_COLUMNS = ("anomaly", "changepoint")

# Integer scales for SKAB's decimal columns: chosen so the nominal noise of
# every channel spans hundreds of counts while the largest reading stays far
# below 2**30 (the 32-bit small-int limit of the boards).
SKAB_SCALES = {
    "Accelerometer1RMS": 100000,
    "Accelerometer2RMS": 100000,
    "Current": 1000,
    "Pressure": 1000,
    "Temperature": 1000,
    "Thermocouple": 10000,
    "Voltage": 100,
    "Volume Flow RateRMS": 1000,
}
SKAB_GROUPS = ("valve1", "valve2", "other")

# NAB's sensor-like series (issue 5): machine and ambient temperature, road
# traffic, and the artificial jump and flat-line series.
NAB_SENSOR_SERIES = (
    "realKnownCause/machine_temperature_system_failure.csv",
    "realKnownCause/ambient_temperature_system_failure.csv",
    "realTraffic/TravelTime_387.csv",
    "realTraffic/TravelTime_451.csv",
    "realTraffic/occupancy_6005.csv",
    "realTraffic/occupancy_t4013.csv",
    "realTraffic/speed_6005.csv",
    "realTraffic/speed_7578.csv",
    "realTraffic/speed_t4013.csv",
    "artificialWithAnomaly/art_daily_jumpsup.csv",
    "artificialWithAnomaly/art_daily_jumpsdown.csv",
    "artificialWithAnomaly/art_daily_flatmiddle.csv",
)
# NAB values have up to 8 decimals; 1000 keeps the resolution that matters
# (temperatures to 0.001, traffic counts exact) inside the small-int range.
NAB_SCALE = 1000


@dataclass
class Table:
    """An integer table: ``values[t, c]`` is channel ``channels[c]`` at row t."""

    name: str
    channels: list
    values: np.ndarray
    labels: np.ndarray = None          # per row 0/1, or None when unlabelled
    timestamps: list = field(default_factory=list)
    episodes: list = field(default_factory=list)  # [(onset, end)], end exclusive

    @property
    def rows(self):
        return int(self.values.shape[0])


def parse_scales(items):
    """``["NAME=K", ...]`` -> ``{NAME: K}`` with K a positive integer."""
    scales = {}
    for item in items or ():
        name, sep, k = str(item).rpartition("=")
        if not sep or not name:
            raise ValueError("scale %r is not NAME=K" % (item,))
        try:
            k = int(k)
        except ValueError:
            raise ValueError("scale %r: K must be an integer" % (item,)) from None
        if k < 1:
            raise ValueError("scale %r: K must be >= 1" % (item,))
        scales[name] = k
    return scales


def to_int(text, scale, column):
    """One cell as an integer: ``round(Decimal(text) * scale)`` (half to even)."""
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("column %s: %r is not a number" % (column, text)) from None
    if not d.is_finite():
        raise ValueError("column %s: %r is not a finite number" % (column, text))
    v = d * scale
    if scale == 1 and v != v.to_integral_value():
        raise ValueError("column %s has decimals (%s); give --scale %s=K" % (column, text, column))
    return int(v.to_integral_value())


def episodes_from_labels(labels):
    """Maximal runs of non-zero labels as ``[(onset, end)]``, end exclusive."""
    out = []
    start = None
    for i, v in enumerate(labels):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(labels)))
    return out


def _sniff_delimiter(header_line):
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _has_surrogate(cells):
    return any("\udc80" <= ch <= "\udcff" for c in cells for ch in c)


def read_table(path, scales=None, name=None, errors=None):
    """Read a CSV with a header row into a :class:`Table`.

    ``timestamp``/``datetime``/``time`` columns become ``timestamps``;
    ``anomaly`` becomes ``labels`` (and ``episodes``); ``changepoint`` is
    dropped; every other column is a channel, integer or scaled by ``scales``.
    The delimiter is ``;`` or ``,``, whichever the header uses more. A header
    that names a column twice is refused (ValueError). A bad row (not UTF-8, a
    wrong number of fields, a cell that is not a number) raises ValueError, or,
    when ``errors`` is a list, is skipped and ``"line N: why"`` appended to it.
    """
    scales = dict(scales or {})
    path = Path(path)
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        first = f.readline()
        if not first.strip():
            raise ValueError("%s: empty file or no header row" % path)
        f.seek(0)
        reader = csv.reader(f, delimiter=_sniff_delimiter(first))
        header = [h.strip() for h in next(reader)]
        if _has_surrogate(header):
            raise ValueError("%s:1: the header is not UTF-8" % path)
        dup = sorted(set(h for h in header if header.count(h) > 1))
        if dup:
            raise ValueError("%s:1: the header names column %r twice: every channel needs its own column"
                             % (path, dup[0]))
        unknown = sorted(set(scales) - set(header))
        if unknown:
            raise ValueError("%s: --scale names unknown columns: %s" % (path, ", ".join(unknown)))
        time_col = None
        label_col = None
        channel_cols = []
        for i, h in enumerate(header):
            low = h.lower()
            if low in TIME_COLUMNS:
                time_col = i
            elif low == "anomaly":
                label_col = i
            elif low in LABEL_COLUMNS:
                continue
            else:
                channel_cols.append(i)
        if not channel_cols:
            raise ValueError("%s: no channel columns" % path)
        rows = []
        labels = []
        stamps = []
        for rec in reader:
            lineno = reader.line_num
            if not rec or all(not c.strip() for c in rec):
                continue
            try:
                if _has_surrogate(rec):
                    raise ValueError("not UTF-8")
                if len(rec) != len(header):
                    raise ValueError("%d fields, header has %d" % (len(rec), len(header)))
                row = [to_int(rec[i], scales.get(header[i], 1), header[i]) for i in channel_cols]
                label = None
                if label_col is not None:
                    try:
                        label = 1 if float(rec[label_col]) != 0.0 else 0
                    except ValueError:
                        raise ValueError("column %s: %r is not a number" % (header[label_col], rec[label_col]))
            except ValueError as exc:
                if errors is None or "has decimals" in str(exc):
                    raise ValueError("%s:%d: %s" % (path, lineno, exc)) from None
                errors.append("line %d: %s" % (lineno, exc))
                continue
            rows.append(row)
            if label is not None:
                labels.append(label)
            if time_col is not None:
                stamps.append(rec[time_col].strip())
    values = np.array(rows, dtype=np.int64).reshape(len(rows), len(channel_cols))
    lab = np.array(labels, dtype=np.int8) if label_col is not None else None
    return Table(
        name=name or path.stem,
        channels=[header[i] for i in channel_cols],
        values=values,
        labels=lab,
        timestamps=stamps,
        episodes=episodes_from_labels(lab) if lab is not None else [],
    )


def resolve_data_dir(data_dir=None):
    """The datasets folder: ``data_dir`` or ``<shared>/datasets``; None if absent."""
    if data_dir:
        p = Path(data_dir)
        return p if p.is_dir() else None
    s = shared_dir()
    if s is None or not (s / "datasets").is_dir():
        return None
    return s / "datasets"


def load_skab(data_dir, scales=None):
    """SKAB as ``(nominal, runs)``: the anomaly-free Table and every faulted run.

    Runs are sorted by group (valve1, valve2, other) then run number and named
    ``group/N``.
    """
    root = Path(data_dir) / "skab" / "data"
    if not root.is_dir():
        raise FileNotFoundError("no SKAB data under %s" % root)
    scales = SKAB_SCALES if scales is None else scales
    nominal = read_table(root / "anomaly-free" / "anomaly-free.csv", scales, name="anomaly-free")
    runs = []
    for group in SKAB_GROUPS:
        files = sorted((root / group).glob("*.csv"), key=lambda p: int(p.stem) if p.stem.isdigit() else p.stem)
        for p in files:
            runs.append(read_table(p, scales, name="%s/%s" % (group, p.stem)))
    return nominal, runs


def _parse_time(text):
    return datetime.fromisoformat(text.strip())


def windows_to_episodes(timestamps, windows):
    """NAB windows (timestamp pairs, inclusive) -> ``[(start, end)]`` row ranges, end exclusive."""
    times = [_parse_time(t) for t in timestamps]
    out = []
    for lo, hi in windows:
        lo_t, hi_t = _parse_time(lo), _parse_time(hi)
        idx = [i for i, t in enumerate(times) if lo_t <= t <= hi_t]
        if idx:
            out.append((idx[0], idx[-1] + 1))
    return out


def load_nab(data_dir, names=NAB_SENSOR_SERIES, scale=NAB_SCALE):
    """NAB series as Tables with one channel ``value``, labels and ``episodes`` = windows."""
    root = Path(data_dir) / "nab"
    with open(root / "labels" / "combined_windows.json") as f:
        windows = json.load(f)
    out = []
    for name in names:
        t = read_table(root / "data" / name, {"value": scale}, name=name)
        t.episodes = windows_to_episodes(t.timestamps, windows.get(name, []))
        lab = np.zeros(t.rows, dtype=np.int8)
        for a, b in t.episodes:
            lab[a:b] = 1
        t.labels = lab
        out.append(t)
    return out
