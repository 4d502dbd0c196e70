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
from redline.ladder import dal_gate

# redline.codes / redline.ladder numbers as private constants (no globals entry, no look-up;
# tests/firmware/test_text_consts.py checks them against the public names)
_ESCALATE = const(2)
_FLAG_ADVERSARIAL = const(0x20)
_FLAG_ANOMALY = const(0x10)
_FLAG_DECAYING = const(0x08)
_FLAG_DRIFTING = const(0x02)
_FLAG_LOW_CONFIDENCE = const(0x04)
_FLAG_STUCK = const(0x01)
_HALT_BIAS = const(-3)
_HALT_INSTABILITY = const(-2)
_HALT_RESOURCE = const(-5)
_PROCEED = const(0)
_WARN = const(1)
_DAL_A = const(0)
_DAL_E = const(4)
_PRESSURE_CRITICAL = const(2)
_PRESSURE_EMERGENCY = const(3)
_PRESSURE_NOMINAL = const(0)

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
    if -7 <= code <= -1:       # redline.codes.is_halt(code)
        return COOLDOWN_HALT_MS
    if code == _ESCALATE:
        return COOLDOWN_ESCALATE_MS
    return 0


class EscalationPolicy:
    """Thresholds on the 0..65535 gauges plus the design assurance level (A strictest, E advisory)."""

    def __init__(self, warn_entropy=30000, escalate_entropy=40000, halt_entropy=50000,
                 warn_surprise=42600, escalate_surprise=55700, bias_escalates=True,
                 escalate_pressure=_PRESSURE_CRITICAL, dal=_DAL_A, warn_keywords=100, bias_keywords=300):
        if not (0 <= warn_entropy <= escalate_entropy <= halt_entropy <= 65535):
            raise ValueError("policy: need 0 <= warn <= escalate <= halt <= 65535 entropy")
        if not (0 <= warn_surprise <= escalate_surprise <= 65535):
            raise ValueError("policy: need 0 <= warn <= escalate <= 65535 surprise")
        if not (_DAL_A <= dal <= _DAL_E):
            raise ValueError("policy: dal must be DAL_A..DAL_E")
        if not (_PRESSURE_NOMINAL <= escalate_pressure <= _PRESSURE_EMERGENCY):
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
        dal = self.dal
        return code if dal == _DAL_A else dal_gate(code, dal)    # DAL A lets every code through

    def canonical(self, entropy, surprise, bias):
        """The ladder before the DAL gate; sets ``why``."""
        if entropy >= self.halt_entropy:
            self.why = WHY_ENTROPY
            return _HALT_INSTABILITY
        if bias and self.bias_escalates:
            self.why = WHY_BIAS
            return _ESCALATE
        if entropy >= self.escalate_entropy:
            self.why = WHY_ENTROPY
            return _ESCALATE
        if surprise >= self.escalate_surprise:
            self.why = WHY_SURPRISE
            return _ESCALATE
        if entropy >= self.warn_entropy:
            self.why = WHY_ENTROPY
            return _WARN
        if surprise >= self.warn_surprise:
            self.why = WHY_SURPRISE
            return _WARN
        self.why = WHY_NONE
        return _PROCEED

    def decide(self, entropy, surprise, bias):
        """Canonical ladder, DAL-gated (llmosafe's ``canonical_decision``)."""
        return self.gate(self.canonical(entropy, surprise, bias))

    def decide_sift(self, entropy, surprise, manipulation, keywords):
        """The SIFT gate: ``keywords`` is the keyword weight without emphasis (100 per hit).

        Bias = classifier verdict or keywords >= bias_keywords; below that a keyword hint
        turns Proceed into Warn. One keyword or one ALL-CAPS word never halts.
        """
        bias = manipulation or keywords >= self.bias_keywords
        # self.canonical(entropy, surprise, bias) written out: every message asks, and a Python
        # call costs ~3,000 cycles on the Pico
        if entropy >= self.halt_entropy:
            self.why = WHY_ENTROPY
            code = _HALT_INSTABILITY
        elif bias and self.bias_escalates:
            self.why = WHY_BIAS
            code = _ESCALATE
        elif entropy >= self.escalate_entropy:
            self.why = WHY_ENTROPY
            code = _ESCALATE
        elif surprise >= self.escalate_surprise:
            self.why = WHY_SURPRISE
            code = _ESCALATE
        elif entropy >= self.warn_entropy:
            self.why = WHY_ENTROPY
            code = _WARN
        elif surprise >= self.warn_surprise:
            self.why = WHY_SURPRISE
            code = _WARN
        else:
            if keywords < self.warn_keywords:
                self.why = WHY_NONE
                return _PROCEED          # every DAL lets Proceed through: no gate call per message
            self.why = WHY_KEYWORDS
            code = _WARN
        dal = self.dal
        return code if dal == _DAL_A else dal_gate(code, dal)

    def decide_with_pressure(self, entropy, surprise, bias, level):
        """Entropy halt first, then resource pressure (Critical escalates, Emergency halts), then the ladder."""
        if entropy >= self.halt_entropy:
            self.why = WHY_ENTROPY
            return self.gate(_HALT_INSTABILITY)
        code = self.decide_pressure(level)
        if code != _PROCEED:
            return code
        return self.decide(entropy, surprise, bias)

    def decide_pressure(self, level):
        """Resource pressure alone: Emergency -> Halt(resource), >= escalate_pressure -> Escalate."""
        if level >= _PRESSURE_EMERGENCY:
            self.why = WHY_PRESSURE
            return self.gate(_HALT_RESOURCE)
        if level >= self.escalate_pressure:
            self.why = WHY_PRESSURE
            return self.gate(_ESCALATE)
        self.why = WHY_NONE
        return _PROCEED

    def decide_from_stability(self, stability):
        """0 Stable -> Proceed, 1 Pressure -> Warn, 2 Unstable -> Halt(instability); DAL-gated."""
        self.why = WHY_STABILITY
        if stability == 0:
            self.why = WHY_NONE
            return _PROCEED
        if stability == 1:
            return self.gate(_WARN)
        return self.gate(_HALT_INSTABILITY)

    def decide_from_flags(self, flags):
        """Detection ladder, first match wins (spec §9.8 with calibrated detectors):

        ADVERSARIAL -> Halt(bias); ANOMALY, STUCK, DRIFTING -> Escalate;
        DECAYING, LOW_CONFIDENCE -> Warn. ``deciding_flag(flags)`` names the rung.
        """
        f = deciding_flag(flags)
        if f == 0:
            self.why = WHY_NONE
            return _PROCEED
        self.why = WHY_FLAG
        if f == _FLAG_ADVERSARIAL:
            return self.gate(_HALT_BIAS)
        if f == _FLAG_ANOMALY or f == _FLAG_STUCK or f == _FLAG_DRIFTING:
            return self.gate(_ESCALATE)
        return self.gate(_WARN)


def deciding_flag(flags):
    """The flag that decides under ``decide_from_flags`` (0 if none)."""
    if flags & _FLAG_ADVERSARIAL:
        return _FLAG_ADVERSARIAL
    if flags & _FLAG_ANOMALY:
        return _FLAG_ANOMALY
    if flags & _FLAG_STUCK:
        return _FLAG_STUCK
    if flags & _FLAG_DRIFTING:
        return _FLAG_DRIFTING
    if flags & _FLAG_DECAYING:
        return _FLAG_DECAYING
    if flags & _FLAG_LOW_CONFIDENCE:
        return _FLAG_LOW_CONFIDENCE
    return 0

