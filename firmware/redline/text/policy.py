"""Text escalation policy: the canonical decision ladder and the per-stage gates.

Every stage of the CognitivePipeline asks the policy what its gauge means; any
stage can short-circuit the message with Halt or Escalate, Warn is remembered
and the message goes on. Decisions are the small-int codes of redline.codes,
so deciding allocates nothing::

    from redline.text.policy import EscalationPolicy
    from redline.ladder import DAL_C
    from redline.codes import WARN
    p = EscalationPolicy()             # DAL A, thresholds 30000 / 40000 / 50000
    p.decide(50000, 0, False)          # -2 (HALT_INSTABILITY): the halt rung is inclusive
    p.decide(31000, 0, False) == WARN  # True
    p.why                              # WHY_ENTROPY: the gauge that chose the rung
    EscalationPolicy(dal=DAL_C).decide(50000, 0, False) == WARN   # DAL C caps at Warn

The ladder is llmosafe's later canonical one (v0.7.6): halt on entropy >= halt,
then bias, entropy and surprise escalations, then warnings; every outcome passes
the DAL gate (``redline.ladder.dal_gate``, shared with the sensor ladder), and A
(most strict) is the default. Two redline rungs sit below it
(spec §17 defect 3): keyword evidence counts as bias only from ``bias_keywords``
(300 = three keyword hits) and a lone keyword gives Warn, never Halt.
"""
from redline.compat import const
from redline.codes import (
    ESCALATE,
    EXIT,
    FLAG_ADVERSARIAL,
    FLAG_ANOMALY,
    FLAG_DECAYING,
    FLAG_DRIFTING,
    FLAG_LOW_CONFIDENCE,
    FLAG_STUCK,
    HALT_BIAS,
    HALT_INSTABILITY,
    HALT_RESOURCE,
    PROCEED,
    WARN,
    is_halt,
    label,
    severity,
)
from redline.ladder import DAL_A, DAL_E, PRESSURE_CRITICAL, PRESSURE_EMERGENCY, PRESSURE_NOMINAL, dal_gate

COOLDOWN_ESCALATE_MS = const(5000)
COOLDOWN_DEPTH_MS = const(10000)
COOLDOWN_HALT_MS = const(30000)

# Which gauge chose the last rung (policy.why).
WHY_NONE = const(0)
WHY_ENTROPY = const(1)
WHY_BIAS = const(2)
WHY_SURPRISE = const(3)
WHY_KEYWORDS = const(4)
WHY_PRESSURE = const(5)
WHY_STABILITY = const(6)
WHY_FLAG = const(7)


def cooldown_ms(code):
    """Default cooldown of a decision: Halt 30 s, Escalate 5 s, others 0."""
    if is_halt(code):
        return COOLDOWN_HALT_MS
    if code == ESCALATE:
        return COOLDOWN_ESCALATE_MS
    return 0


class SafetyDecision:
    """One decision with its explanation; preallocated and overwritten (no allocation per use)."""

    def __init__(self, code=PROCEED, explanation="", cooldown=0):
        self.code = code
        self.explanation = explanation
        self.cooldown_ms = cooldown

    def set(self, code, explanation, cooldown):
        self.code = code
        self.explanation = explanation
        self.cooldown_ms = cooldown

    def severity(self):
        return severity(self.code)

    def label(self):
        return label(self.code)

    def can_proceed(self):
        return self.code == PROCEED or self.code == WARN

    def must_halt(self):
        return is_halt(self.code)

    def is_blocking(self):
        return severity(self.code) >= 2

    def should_exit(self):
        return self.code == EXIT

    def halt_reason(self):
        """The halt code (-1..-7) for a Halt, 0 otherwise."""
        return self.code if is_halt(self.code) else 0


class EscalationPolicy:
    """Thresholds on the 0..65535 gauges plus the design assurance level (A strictest, E advisory)."""

    def __init__(self, warn_entropy=30000, escalate_entropy=40000, halt_entropy=50000,
                 warn_surprise=42600, escalate_surprise=55700, bias_escalates=True,
                 escalate_pressure=PRESSURE_CRITICAL, dal=DAL_A, warn_keywords=100, bias_keywords=300):
        if not (0 <= warn_entropy <= escalate_entropy <= halt_entropy <= 65535):
            raise ValueError("policy: need 0 <= warn <= escalate <= halt <= 65535 entropy")
        if not (0 <= warn_surprise <= escalate_surprise <= 65535):
            raise ValueError("policy: need 0 <= warn <= escalate <= 65535 surprise")
        if not (DAL_A <= dal <= DAL_E):
            raise ValueError("policy: dal must be DAL_A..DAL_E")
        if not (PRESSURE_NOMINAL <= escalate_pressure <= PRESSURE_EMERGENCY):
            raise ValueError("policy: escalate_pressure must be a PRESSURE_* level")
        if not (0 < warn_keywords <= bias_keywords < 65536):
            raise ValueError("policy: need 0 < warn_keywords <= bias_keywords < 65536")
        self.warn_entropy = warn_entropy
        self.escalate_entropy = escalate_entropy
        self.halt_entropy = halt_entropy
        self.warn_surprise = warn_surprise
        self.escalate_surprise = escalate_surprise
        self.bias_escalates = bias_escalates
        self.escalate_pressure = escalate_pressure
        self.dal = dal
        self.warn_keywords = warn_keywords
        self.bias_keywords = bias_keywords
        self.why = WHY_NONE

    def gate(self, code):
        """The DAL gate (spec §9.7, ``redline.ladder.dal_gate``) at this policy's DAL."""
        return dal_gate(code, self.dal)

    def canonical(self, entropy, surprise, bias):
        """The ladder before the DAL gate; sets ``why``."""
        if entropy >= self.halt_entropy:
            self.why = WHY_ENTROPY
            return HALT_INSTABILITY
        if bias and self.bias_escalates:
            self.why = WHY_BIAS
            return ESCALATE
        if entropy >= self.escalate_entropy:
            self.why = WHY_ENTROPY
            return ESCALATE
        if surprise >= self.escalate_surprise:
            self.why = WHY_SURPRISE
            return ESCALATE
        if entropy >= self.warn_entropy:
            self.why = WHY_ENTROPY
            return WARN
        if surprise >= self.warn_surprise:
            self.why = WHY_SURPRISE
            return WARN
        self.why = WHY_NONE
        return PROCEED

    def decide(self, entropy, surprise, bias):
        """Canonical ladder, DAL-gated (llmosafe's ``canonical_decision``)."""
        return self.gate(self.canonical(entropy, surprise, bias))

    def decide_sift(self, entropy, surprise, manipulation, keywords):
        """The SIFT gate: ``keywords`` is the keyword weight without emphasis (100 per hit).

        Bias = classifier verdict or keywords >= bias_keywords; below that a keyword hint
        turns Proceed into Warn. One keyword or one ALL-CAPS word never halts.
        """
        bias = manipulation or keywords >= self.bias_keywords
        code = self.canonical(entropy, surprise, bias)
        if code == PROCEED:
            if keywords < self.warn_keywords:
                return PROCEED          # every DAL lets Proceed through: no gate call per message
            self.why = WHY_KEYWORDS
            code = WARN
        return self.gate(code)

    def decide_with_pressure(self, entropy, surprise, bias, level):
        """Entropy halt first, then resource pressure (Critical escalates, Emergency halts), then the ladder."""
        if entropy >= self.halt_entropy:
            self.why = WHY_ENTROPY
            return self.gate(HALT_INSTABILITY)
        code = self.decide_pressure(level)
        if code != PROCEED:
            return code
        return self.decide(entropy, surprise, bias)

    def decide_pressure(self, level):
        """Resource pressure alone: Emergency -> Halt(resource), >= escalate_pressure -> Escalate."""
        if level >= PRESSURE_EMERGENCY:
            self.why = WHY_PRESSURE
            return self.gate(HALT_RESOURCE)
        if level >= self.escalate_pressure:
            self.why = WHY_PRESSURE
            return self.gate(ESCALATE)
        self.why = WHY_NONE
        return PROCEED

    def decide_from_stability(self, stability):
        """0 Stable -> Proceed, 1 Pressure -> Warn, 2 Unstable -> Halt(instability); DAL-gated."""
        self.why = WHY_STABILITY
        if stability == 0:
            self.why = WHY_NONE
            return PROCEED
        if stability == 1:
            return self.gate(WARN)
        return self.gate(HALT_INSTABILITY)

    def decide_from_flags(self, flags):
        """Detection ladder, first match wins (spec §9.8 with calibrated detectors):

        ADVERSARIAL -> Halt(bias); ANOMALY, STUCK, DRIFTING -> Escalate;
        DECAYING, LOW_CONFIDENCE -> Warn. ``deciding_flag(flags)`` names the rung.
        """
        f = deciding_flag(flags)
        if f == 0:
            self.why = WHY_NONE
            return PROCEED
        self.why = WHY_FLAG
        if f == FLAG_ADVERSARIAL:
            return self.gate(HALT_BIAS)
        if f == FLAG_ANOMALY or f == FLAG_STUCK or f == FLAG_DRIFTING:
            return self.gate(ESCALATE)
        return self.gate(WARN)


def deciding_flag(flags):
    """The flag that decides under ``decide_from_flags`` (0 if none)."""
    if flags & FLAG_ADVERSARIAL:
        return FLAG_ADVERSARIAL
    if flags & FLAG_ANOMALY:
        return FLAG_ANOMALY
    if flags & FLAG_STUCK:
        return FLAG_STUCK
    if flags & FLAG_DRIFTING:
        return FLAG_DRIFTING
    if flags & FLAG_DECAYING:
        return FLAG_DECAYING
    if flags & FLAG_LOW_CONFIDENCE:
        return FLAG_LOW_CONFIDENCE
    return 0

