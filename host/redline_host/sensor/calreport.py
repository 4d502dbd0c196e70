"""The calibration's report and JSON: thresholds, expected false halts, simulated delays.

    from redline_host.sensor.calreport import report, as_dict
    print(report(cal))            # Markdown, written beside the configuration by ``redline calibrate``
"""
import math


from redline_host.sensor.calibrate import DETECTORS


_UNITS = {"surprise": "abs z, Q8", "shift": "abs mean z, Q8", "cusum": "Q8", "slew": "counts", "entropy": "var Q12",
          "drift": "Q8", "stuck": "samples"}


def report(cal):
    """Human-readable calibration report (Markdown)."""
    lines = [
        "# redline calibration report",
        "",
        "- rate: %g Hz; budget: %g false halts/day; nominal rows: %d; warm-up: %d; run: %d; baseline: %s"
        % (cal.rate_hz, cal.false_halts_per_day, cal.samples, cal.warmup, cal.run_length,
           "learned per run" if cal.learn_baseline else "frozen"),
        "- expected false halts/day (from the tail fits): %.3g" % cal.expected_false_halts_per_day,
        "- expected detection delay (median samples, fraction halted within 300): "
        + (", ".join("%g std: %g (%.0f%%)" % (k, cal.delays[k], 100 * cal.detected[k]) for k in sorted(cal.delays))
           or "not simulated"),
    ]
    if cal.redundant:
        f = cal.fields
        lines.append("- redundant pairs (disagreement PAIR_SCALE, PAIR_OFFSET in counts; CUSUMs fast PAIR_K, PAIR_H "
                     "and slow PAIR_SLOW_K, PAIR_SLOW_H in Q8): " + ", ".join(
                         "%s=%s (%d, %d; %d, %d; %d, %d)" % (a, b, s, o, k, h, sk, sh)
                         for (a, b), s, o, k, h, sk, sh in zip(cal.redundant, f["pair_scale"], f["pair_offset"],
                                                               f["pair_k"], f["pair_h"], f["pair_slow_k"],
                                                               f["pair_slow_h"])))
    lines += ["", "| channel | baseline | scale | noise | range | " + " | ".join(
        "%s (%s)" % (d, _UNITS[d]) for d in DETECTORS) + " | replay on nominal |",
              "|---|---:|---:|---:|---|" + "---:|" * (len(DETECTORS) + 1)]
    for c in cal.channels:
        lines.append("| %s | %d | %d | %d | [%d, %d] | %s | %d |" % (
            c.name, c.baseline, c.scale, c.noise, c.range_lo, c.range_hi,
            " | ".join("%d" % math.floor(c.thresholds[d]) for d in DETECTORS), c.replay_chance))
    lines.append("")
    lines.append("Levels are the guard's own units (Q8: 256 = one sigma of the channel's scale). A surprise level "
                 "at 16384 (64 sigma) or a CUSUM level at 2**24 means the detector never fires on this channel.")
    return "\n".join(lines) + "\n"


def as_dict(cal):
    """The calibration as plain JSON-able data."""
    from dataclasses import asdict
    return asdict(cal)
