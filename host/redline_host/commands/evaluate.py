"""Evaluate redline's calibrated detectors against river and llmosafe on SKAB and NAB.

    redline evaluate --data-dir ../shared/datasets --out docs/evaluation.md

SKAB: calibrate on ``anomaly-free``, evaluate every faulted run (all 8
channels). NAB: the sensor series, each calibrated on its first 15%. Every
method gets the same false-halt budget (``--budget`` halts per 100,000 nominal
samples) and the same replay protocol (:mod:`redline_host.sensor.evaluate`); the work is
:mod:`redline_host.sensor.evalreport`. Writes the Markdown tables to ``--out``
and PNG plots beside it in ``img/``.
"""
import json
import sys
import time
from pathlib import Path
from redline_host.argtypes import float_above

from redline_host.errors import UserError
from redline_host.paths import REPO
from redline_host.sensor import baselines as bl
from redline_host.sensor import datasets as ds
from redline_host.sensor.evalreport import build_report


def add_arguments(p):
    p.add_argument("--data-dir", help="folder with skab/ and nab/ (default: ../shared/datasets)")
    p.add_argument("--out", default=str(REPO / "docs" / "evaluation.md"), help="Markdown report to write")
    p.add_argument("--budget", type=float_above(0), default=1.0, help="false halts per 100,000 nominal samples")
    p.add_argument("--baselines", default=",".join(bl.BASELINES), help="comma-separated baselines to run")
    p.add_argument("--no-nab", action="store_true", help="skip NAB")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON on stdout")


def run(args):
    t_start = time.time()
    data = ds.resolve_data_dir(args.data_dir)
    if data is None or not (data / "skab").is_dir():
        raise UserError("no data sets found (give --data-dir DIR holding skab/ and nab/; SKAB: "
                        "https://github.com/waico/SKAB, NAB: https://github.com/numenta/NAB)")
    names = [n.strip() for n in args.baselines.split(",") if n.strip()]
    for n in names:
        if n not in bl.BASELINES:
            raise UserError("unknown baseline %s (known: %s)" % (n, ", ".join(bl.BASELINES)))
    out = Path(args.out)
    md, summary = build_report(data, out, args.budget, names, nab=not args.no_nab, plots=not args.no_plots)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    print("redline evaluate: wrote %s (%.0f s)" % (out, time.time() - t_start), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(summary, default=float, indent=1))
    return 0
