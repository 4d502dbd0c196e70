"""Per-stage traces for the protocol's trace mode: what each stage holds after a step.

A trace is a list of ``[stage, {field: int}]`` pairs in data-flow order, so
the harness can name the first stage (and field) where a board and the host
reference part ways. Detector state is read generically -- every int or bool
attribute of the stage object -- so a new detector field shows up without
touching this file::

    from redline.link.trace import sensor_trace
    stages = sensor_trace(guard, interlock, channel_index, value)
    # [["input", {...}], ["thresholds", {"z_halt": 1536, ...}], ["stuck", {...}], ...]

Host and protocol use only (allocates).
"""


# clock readings: they differ between any two runs (a board and the host reference), so no trace shows them
_CLOCK_FIELDS = ("last_ok",)


def int_state(obj):
    """{name: value} of the int and bool attributes of obj (names sorted), clock readings left out."""
    out = {}
    d = getattr(obj, "__dict__", None)
    if not d:
        return out
    for k in sorted(d.keys()):
        if k in _CLOCK_FIELDS:
            continue
        v = d[k]
        if isinstance(v, bool):
            out[k] = 1 if v else 0
        elif isinstance(v, int):
            out[k] = v
    return out


def sensor_trace(guard, interlock, ch_index, value):
    from redline.sensor.ladder import SensorLadder      # its thresholds (the kernel runs the ladder)
    ch = guard.channel(ch_index)
    r = guard.result
    stages = [
        ["input", {"channel": ch_index, "value": value}],
        ["thresholds", {
            "z_warn": ch.zw, "z_escalate": ch.ze, "z_halt": ch.zh, "z_gate": ch.gate,
            "range_min": ch.lo, "range_max": ch.hi, "max_slew": ch.slew, "pair_tol": ch.tol,
            "noise_q12": ch.noise, "baseline": ch.base0, "scale": ch.scale0,
        }],
        ["channel", int_state(ch)],
        ["stuck", int_state(ch.stuck)],
        ["replay", int_state(ch.replay)],
        ["confidence", int_state(ch.confidence)],
        ["memory", int_state(ch.memory)],
        ["cusum", int_state(ch.cusum)],
        ["drift", int_state(ch.drift)],
        ["ladder", int_state(SensorLadder(guard.config))],
        ["decision", int_state(r)],
        ["interlock", int_state(interlock)],
    ]
    return stages


def sift_trace(result):
    """Stages of one sift: classifier, keyword breakdown, gauges."""
    kw = result.keywords.as_dict() if hasattr(result.keywords, "as_dict") else int_state(result.keywords)
    kw["total"] = result.keyword_total
    return [
        ["classifier", {"score": result.score, "tokens_total": result.tokens_total,
                        "tokens_matched": result.tokens_matched,
                        "is_manipulation": 1 if result.is_manipulation else 0,
                        "length": result.length, "truncated": 1 if result.truncated else 0}],
        ["keywords", kw],
        ["gauges", {"probability": result.probability, "entropy": result.entropy,
                    "surprise": result.surprise, "has_bias": 1 if result.has_bias else 0,
                    "oov_byte": result.oov_byte, "anchor_hi": result.anchor_hi,
                    "anchor_lo": result.anchor_lo}],
    ]


def pipeline_trace(pipe, interlock):
    """Stages of one message through the CognitivePipeline, then the interlock."""
    stages = sift_trace(pipe.sifter.result)
    stages.append(["policy", int_state(pipe.policy)])
    stages.append(["memory", int_state(pipe.memory)])
    stages.append(["kernel", int_state(pipe.loop)])
    # repetition, confidence, CUSUM and the monitor are folded into one array (redline.text.fold)
    det = pipe.detection
    for name in ("repetition", "drift", "confidence", "cusum", "adversarial"):
        stages.append([name, int_state(getattr(pipe, name)) if name in ("drift", "adversarial")
                       else det.stage(name)])
    stages.append(["monitor", det.stage("monitor")])
    res = pipe.result
    d = int_state(res)
    stages.append(["result", d])
    stages.append(["interlock", int_state(interlock)])
    return stages
