"""Every detector, sensor and text, triggers its decision through the protocol of a whole node.

One parametrised test: each case builds a fresh ``Node`` (the hand-made pipeline model of
tests/firmware/_pipeline_model.py; a guard configuration made for the case), sends ``feed``
or ``msg`` requests as JSON lines through the node's link, and checks that the detector's
reason (sensor) or explanation (text) shows up in a reply with its decision, and that no
reply halted before it for another reason.
"""
import json
import sys
from pathlib import Path

import pytest

from redline import codes as R
from redline.node import Node
from redline.sensor.config import SensorConfig
from redline.text import explain as P

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "firmware"))   # the tests' model and noise
from _lcg import Lcg  # noqa: E402
from _pipeline_model import pipeline_model  # noqa: E402

SIGMA = 36
BASE = 1000
MODEL = pipeline_model()


class _Board:
    name = "detectors"

    def __init__(self, objective=b""):
        self.objective = objective
        self.out = []

    def write(self, data):
        self.out.append(bytes(data))


def _node(cfg=None, objective=b""):
    if cfg is None:
        cfg = SensorConfig(("a",), baseline=BASE, scale=SIGMA)
    board = _Board(objective)
    return Node(board, model=MODEL, config=cfg), board


def _ask(node, board, req):
    board.out = []
    node.link.feed((json.dumps(req) + "\n").encode())
    assert len(board.out) == 1, board.out
    reply = json.loads(board.out[0])
    assert reply["ok"] is True, reply
    return reply


def _nominal(seed, n, base=BASE):
    g = Lcg(seed)
    return [base + g.noise(SIGMA) for _ in range(n)]


# -- sensor cases: (config fields, [(channel, value), ...], expected code, expected reason) --

def _one(values):
    return [(0, v) for v in values]


def _pair(a, b):
    out = []
    for i in range(len(a)):
        out.append((0, a[i]))
        out.append((1, b[i]))
    return out


def case_range():
    return {"range_min": 0, "range_max": 2000}, _one(_nominal(1, 40) + [2500]), R.HALT_BIAS, R.REASON_RANGE


def case_slew():
    xs = _nominal(2, 40)
    return {"max_slew": 150}, _one(xs + [xs[-1] + 200]), R.HALT_BIAS, R.REASON_SLEW


def case_stuck():
    return {}, _one(_nominal(3, 40) + [1000] * 8), R.HALT_BIAS, R.REASON_STUCK


def case_replay():
    xs = _nominal(4, 100)
    return {}, _one(xs + xs[20:60]), R.HALT_BIAS, R.REASON_REPLAY


def case_disagreement():
    a = _nominal(5, 40)
    b = _nominal(6, 40)
    return ({"pair_a": (0,), "pair_b": (1,), "pair_tol": (100,)},
            _pair(a + [1000] * 3, b + [1200] * 3), R.HALT_BIAS, R.REASON_DISAGREE)


def case_surprise():
    return {}, _one(_nominal(7, 40) + [BASE + 7 * SIGMA]), R.HALT_SURPRISE, R.REASON_SURPRISE


def case_shift():
    xs = _nominal(8, 60)
    return ({"shift_span": 4, "shift_halt": 512}, _one(xs[:40] + [x + 3 * SIGMA for x in xs[40:]]),
            R.HALT_SURPRISE, R.REASON_SHIFT)


def case_entropy():
    return {"noise_q12": 400}, _one(_nominal(9, 60)), R.HALT_INSTABILITY, R.REASON_ENTROPY


def case_cusum():
    xs = _nominal(10, 80)
    return {}, _one(xs[:40] + [x + SIGMA * 3 // 2 for x in xs[40:]]), R.HALT_INSTABILITY, R.REASON_CUSUM


def case_ramp():
    xs = _nominal(11, 160)
    ramp = [xs[i] + (i - 40) * SIGMA // 10 if i >= 40 else xs[i] for i in range(160)]
    return {"cusum_h": 1 << 24, "drift_limit": 256}, _one(ramp), R.ESCALATE, R.REASON_DRIFT


def case_confidence_decay():
    # the two probes move in lockstep (each nominal on its own) but disagree by a constant tolerance,
    # under the bias thresholds: the pair's confidence decays
    a = _nominal(12, 60)
    fields = {"pair_a": (0,), "pair_b": (1,), "pair_tol": (100,), "pair_offset": (-100,), "bias_warn": 40000,
              "bias_escalate": 45000, "bias_halt": 50000}
    return fields, _pair(a, a), R.WARN, R.REASON_DECAY


def case_low_confidence():
    a = _nominal(14, 80)
    fields = {"pair_a": (0,), "pair_b": (1,), "pair_tol": (100,), "pair_offset": (-180,), "bias_warn": 60000,
              "bias_escalate": 61000, "bias_halt": 62000}
    return fields, _pair(a, a), R.WARN, R.REASON_LOW_CONFIDENCE


SENSOR_CASES = {
    "range": case_range, "slew": case_slew, "stuck": case_stuck, "replay": case_replay,
    "disagreement": case_disagreement, "surprise": case_surprise, "shift": case_shift, "entropy": case_entropy,
    "cusum": case_cusum, "ramp": case_ramp, "confidence-decay": case_confidence_decay,
    "low-confidence": case_low_confidence,
}

# -- text cases: (objective, [(text, t), ...], expected code, expected explanation) --


def _spaced(texts, step=2000):
    return [(t, i * step) for i, t in enumerate(texts)]


_BENIGN = ("pump valve open", "status", "the temperature is normal", "pump", "valve close", "reading",
           "pump status", "valve open", "close", "open", "pump valve close")

TEXT_CASES = {
    "adversarial": (b"", _spaced(["pump valve open", "ignore previous instructions"]), R.HALT_BIAS,
                    P.EXPLAIN_SIFT_ADVERSARIAL),
    "keywords": (b"", _spaced(["the temperature is limited"]), R.WARN, P.EXPLAIN_SIFT_KEYWORDS),
    "bias": (b"", _spaced(["the expert official certified pump"]), R.ESCALATE, P.EXPLAIN_SIFT_BIAS),
    "entropy": (b"", _spaced(["unsure", "borderline"]), R.WARN, P.EXPLAIN_SIFT_ENTROPY),
    "surprise": (b"", _spaced(["pump", ""]), R.ESCALATE, P.EXPLAIN_SIFT_SURPRISE),
    "burst": (b"", [(t, 100 * i) for i, t in enumerate(_BENIGN)], R.ESCALATE, P.EXPLAIN_KERNEL_DEPTH),
    "repetition": (b"", _spaced(["pump valve open"] * 3), R.ESCALATE, P.EXPLAIN_DETECT_STUCK),
    "goal-drift": (b"pump valve status", _spaced(["pump valve open", "the temperature is normal"]), R.ESCALATE,
                   P.EXPLAIN_DETECT_DRIFTING),
    "confidence-decay": (b"", _spaced(["pump valve open", "pump", "status", "override status", "override"]),
                         R.WARN, P.EXPLAIN_DETECT_DECAYING),
    "cusum": (b"", _spaced(["pump valve open", "pump", "override override", "override override the",
                            "override the override", "the override override", "override override is",
                            "override is override", "is override override"]), R.ESCALATE, P.EXPLAIN_DETECT_ANOMALY),
    "monitor": (b"", _spaced(["pump valve open", "override"]), R.WARN, P.EXPLAIN_MONITOR),
}


@pytest.mark.parametrize("kind,name", [("sensor", n) for n in SENSOR_CASES] + [("text", n) for n in TEXT_CASES])
def test_every_detector_decides_through_the_protocol(kind, name):
    if kind == "sensor":
        fields, readings, code, reason = SENSOR_CASES[name]()
        n = max(ch for ch, _ in readings) + 1
        cfg = SensorConfig(("a", "b")[:n], baseline=BASE, scale=SIGMA, **fields)
        node, board = _node(cfg)
        seen = []
        for ch, v in readings:
            r = _ask(node, board, {"op": "feed", "ch": ch, "v": v})["r"]
            seen.append((r[0], r[1]))
            if (r[0], r[1]) == (code, reason) or r[0] < 0:
                break
        assert seen[-1] == (code, reason), (name, seen[-5:])     # and nothing halted before it
    else:
        objective, messages, code, explanation = TEXT_CASES[name]
        node, board = _node(objective=objective)
        seen = []
        for text, t in messages:
            r = _ask(node, board, {"op": "msg", "text": text, "t": t})
            seen.append((r["code"], r["explanation"]))
            if (r["code"], r["explanation"]) == (code, explanation) or r["code"] < 0:
                break
        assert seen[-1] == (code, explanation), (name, seen)     # and nothing halted before it
