"""The sensor guard's threshold ladder: gauges and flags to one decision.

llmosafe's canonical ladder with its later fixes (v0.7.6): halt thresholds
are inclusive (a gauge *at* its halt value halts), every outcome passes the
DAL gate, the default DAL is A, and Warn is reachable. First match wins::

    pressure Emergency            -> Halt    HALT_RESOURCE     "resource emergency"
    bias     >= BIAS_HALT         -> Halt    HALT_BIAS         range/slew/replay/disagreement
    |z|      >= Z_HALT            -> Halt    HALT_SURPRISE     "surprise"
    shift    >= SHIFT_HALT        -> Halt    HALT_SURPRISE     "short-window shift"
    entropy  >= ENTROPY_HALT      -> Halt    HALT_INSTABILITY  "entropy"
    ANOMALY  (CUSUM)              -> Halt    HALT_INSTABILITY  "mean shift (cusum)"
    STUCK                         -> Halt    HALT_BIAS         "stuck"
    pressure Critical             -> Escalate                  "resource pressure"
    bias     >= BIAS_ESCALATE     -> Escalate                  (bias reason)
    |z|      >= Z_ESCALATE        -> Escalate                  "surprise"
    entropy  >= ENTROPY_ESCALATE  -> Escalate                  "entropy"
    DRIFTING                      -> Escalate                  "drift"
    warming up                    -> Warn                      "warming up"
    |z|      >= Z_WARN            -> Warn                      "surprise"
    entropy  >= ENTROPY_WARN      -> Warn                      "entropy"
    bias     >= BIAS_WARN         -> Warn                      (bias reason)
    DECAYING                      -> Warn                      "confidence decaying"
    LOW_CONFIDENCE                -> Warn                      "low confidence"
    otherwise                     -> Proceed                   "ok"

Departures from llmosafe, for a plant rather than a chat: a stuck sensor
halts (llmosafe escalates a stuck agent), and resource Emergency halts
(llmosafe documents it but never does). z is the reading's z-score against
the channel's working memory in Q8; the surprise gauge is |z| * 16 capped at
65535. Default thresholds (SensorConfig): z 3/4/6 sigma, entropy
30000/40000/50000 (llmosafe's), bias 16384/32768/49152.

Every outcome passes the DAL gate last (``redline.ladder.dal_gate``, shared
with the text policy): A unchanged; B Halt -> Escalate; C Halt and Escalate ->
Warn; D everything but Proceed -> Warn; E everything -> Proceed.
"""
from redline.codes import (PROCEED, WARN, ESCALATE, HALT_BIAS, HALT_SURPRISE, HALT_INSTABILITY,
                           HALT_RESOURCE, FLAG_STUCK, FLAG_DRIFTING, FLAG_LOW_CONFIDENCE, FLAG_DECAYING,
                           FLAG_ANOMALY)
from redline import codes as R
from redline.ladder import dal_gate, PRESSURE_CRITICAL, PRESSURE_EMERGENCY


class SensorLadder:
    def __init__(self, cfg):
        self.dal = cfg.dal
        self.entropy_warn = cfg.entropy_warn
        self.entropy_escalate = cfg.entropy_escalate
        self.entropy_halt = cfg.entropy_halt
        self.bias_warn = cfg.bias_warn
        self.bias_escalate = cfg.bias_escalate
        self.bias_halt = cfg.bias_halt

    def decide(self, r, az, zw, ze, zh, bias_reason, pressure, shift=False):
        """Write r.code and r.reason from r.bias, r.entropy, r.flags, r.warming_up, az and
        ``shift`` (the channel's short-window mean reached SHIFT_HALT)."""
        bias = r.bias
        entropy = r.entropy
        flags = r.flags
        if pressure >= PRESSURE_EMERGENCY:
            code = HALT_RESOURCE
            reason = R.REASON_EMERGENCY
        elif bias >= self.bias_halt:
            code = HALT_BIAS
            reason = bias_reason
        elif az >= zh:
            code = HALT_SURPRISE
            reason = R.REASON_SURPRISE
        elif shift:
            code = HALT_SURPRISE
            reason = R.REASON_SHIFT
        elif entropy >= self.entropy_halt:
            code = HALT_INSTABILITY
            reason = R.REASON_ENTROPY
        elif flags & FLAG_ANOMALY:
            code = HALT_INSTABILITY
            reason = R.REASON_CUSUM
        elif flags & FLAG_STUCK:
            code = HALT_BIAS
            reason = R.REASON_STUCK
        elif pressure >= PRESSURE_CRITICAL:
            code = ESCALATE
            reason = R.REASON_PRESSURE
        elif bias >= self.bias_escalate:
            code = ESCALATE
            reason = bias_reason
        elif az >= ze:
            code = ESCALATE
            reason = R.REASON_SURPRISE
        elif entropy >= self.entropy_escalate:
            code = ESCALATE
            reason = R.REASON_ENTROPY
        elif flags & FLAG_DRIFTING:
            code = ESCALATE
            reason = R.REASON_DRIFT
        elif r.warming_up:
            code = WARN
            reason = R.REASON_WARMUP
        elif az >= zw:
            code = WARN
            reason = R.REASON_SURPRISE
        elif entropy >= self.entropy_warn:
            code = WARN
            reason = R.REASON_ENTROPY
        elif bias >= self.bias_warn:
            code = WARN
            reason = bias_reason
        elif flags & FLAG_DECAYING:
            code = WARN
            reason = R.REASON_DECAY
        elif flags & FLAG_LOW_CONFIDENCE:
            code = WARN
            reason = R.REASON_LOW_CONFIDENCE
        else:
            code = PROCEED
            reason = R.REASON_OK
        r.code = dal_gate(code, self.dal)
        r.reason = reason
