"""Calibrate the sensor guard from a nominal log to a false-halt budget.

    redline calibrate nominal.csv --rate 1 --false-halts-per-day 1 --out build/redline_config.py \\
        --scale Temperature=1000 --redundant temp_a=temp_b

Reads a CSV with a header row (``timestamp``/``datetime``/``time`` ignored,
``;`` or ``,``), learns each channel's baseline, scale, slew and range limits
and the detector thresholds (see :mod:`redline_host.sensor.calibrate`), writes the
frozen configuration module to ``--out`` and the report to ``--report``
(default: ``--out`` with ``.md``). A bad row (not UTF-8, a wrong number of fields,
a cell that is not a number) is reported with its line number on stderr and left
out; the command then exits 1 with a count. A header that names a column twice is
refused.
"""
import json
import sys
from pathlib import Path

from redline_host.sensor import calibrate as cb
from redline_host.sensor import calreport as crep
from redline_host.sensor import replaycal as rcal
from redline_host.sensor import datasets as ds
from redline_host.argtypes import float_above, int_range, power_of_two_or_zero
from redline_host.errors import UserError

MAX_LINE = 2048


def add_arguments(p):
    p.add_argument("nominal", help="CSV of nominal readings, one column per channel")
    p.add_argument("--rate", type=float_above(0), required=True, help="samples per second")
    p.add_argument("--false-halts-per-day", type=float_above(0), required=True, help="false-halt budget")
    p.add_argument("--out", required=True, help="configuration module to write")
    p.add_argument("--report", help="report file (default: OUT with .md)")
    p.add_argument("--scale", action="append", default=[], metavar="NAME=K",
                   help="multiply decimal column NAME by K (repeatable)")
    p.add_argument("--redundant", action="append", default=[], metavar="A=B",
                   help="channels A and B measure the same quantity (repeatable)")
    p.add_argument("--warmup", type=int_range(1, 1 << 20), default=100, help="warm-up samples per run (default 100)")
    p.add_argument("--segment", type=int_range(2, 1 << 24), default=1140, help="run length the log is cut into (samples, default 1140)")
    p.add_argument("--learn-baseline", action="store_true",
                   help="leave SCALE 0: the guard learns baseline and scale in every run's warm-up "
                        "(default: baseline and noise scale of the log frozen in, with range limits)")
    p.add_argument("--replay-store", type=power_of_two_or_zero(16384), default=rcal.REPLAY_STORE, metavar="N",
                   help="prints in the shared replay store, 0 or a power of two up to 16384; 7 bytes of "
                        "board RAM each (1024: about 7 KiB); 0 keeps only each channel's 64-window ring")
    p.add_argument("--replay-store-stride", type=int_range(1, 64), default=rcal.REPLAY_STORE_STRIDE, metavar="K",
                   help="only every K-th print a channel's ring drops goes into the store: it then reaches "
                        "as far back as K times as many prints at stride 1, and a replay older than the "
                        "rings is caught up to K - 1 readings later")
    p.add_argument("--max-line", type=int_range(256, 16384), default=MAX_LINE, metavar="N",
                   help="the longest request line the node accepts (MAX_LINE): its line buffer takes N "
                        "bytes of heap; a longer line is answered 'overlong'. 2048 holds every text the "
                        "harness sends (the longest is 1,642 B); the protocol's default without it is 4096")
    p.add_argument("--json", action="store_true", help="print the calibration as JSON")


def _pairs(items, channels):
    out = []
    for item in items:
        a, sep, b = item.partition("=")
        if not sep or a not in channels or b not in channels or a == b:
            raise UserError("--redundant %r: give A=B with two different channel names" % item)
        out.append((a, b))
    return out


def run(args):
    bad_rows = []
    try:
        scales = ds.parse_scales(args.scale)
        table = ds.read_table(args.nominal, scales, errors=bad_rows)
    except FileNotFoundError:
        raise UserError("no such file: %s" % args.nominal) from None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    pairs = _pairs(args.redundant, table.channels)
    try:
        cal = cb.calibrate(table.values, table.channels, args.rate, args.false_halts_per_day,
                           warmup=args.warmup, run_length=args.segment, redundant=pairs,
                           learn_baseline=args.learn_baseline, replay_store=args.replay_store,
                           replay_store_stride=args.replay_store_stride,
                           progress=lambda m: print("redline calibrate: %s" % m, file=sys.stderr, flush=True))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cb.write_config(cal, out, max_line=args.max_line)
    rep = Path(args.report) if args.report else out.with_suffix(".md")
    rep.write_text(crep.report(cal))
    print("redline calibrate: wrote %s and %s (expected %.3g false halts/day)"
          % (out, rep, cal.expected_false_halts_per_day), file=sys.stderr)
    if args.json:
        print(json.dumps(crep.as_dict(cal), indent=1))
    for err in bad_rows:
        print("redline calibrate: %s: %s (row left out)" % (args.nominal, err), file=sys.stderr)
    if bad_rows:
        print("redline calibrate: %d rows of %s failed and were left out (first: %s)"
              % (len(bad_rows), args.nominal, bad_rows[0]), file=sys.stderr)
        return 1
    return 0
