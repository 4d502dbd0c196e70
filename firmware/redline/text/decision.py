"""SafetyDecision: one text decision with its explanation, as an object (host and tests).

A running pipeline keeps its outcome in ``PipelineResult`` (redline.text.pipe) and does not
import this module::

    from redline.text.decision import SafetyDecision
    from redline.codes import WARN
    d = SafetyDecision(WARN, "sift: entropy", 0)
    d.can_proceed(), d.must_halt(), d.label()      # (True, False, 'warn')
"""
from redline.compat import const
from redline.codes import is_halt, label, severity

_PROCEED = const(0)
_WARN = const(1)
_EXIT = const(-8)


class SafetyDecision:
    """One decision with its explanation; preallocated and overwritten (no allocation per use)."""

    def __init__(self, code=_PROCEED, explanation="", cooldown=0):
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
        return self.code == _PROCEED or self.code == _WARN

    def must_halt(self):
        return is_halt(self.code)

    def is_blocking(self):
        return severity(self.code) >= 2

    def should_exit(self):
        return self.code == _EXIT

    def halt_reason(self):
        """The halt code (-1..-7) for a Halt, 0 otherwise."""
        return self.code if is_halt(self.code) else 0
