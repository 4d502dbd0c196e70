"""BiasBreakdown: llmosafe's nine keyword counters of one message (redline.text.kw fills them).

A module of its own so that a sifter without the keyword path (format-2 models: ``keywords``
off by default) holds its result object without importing redline.text.kw, whose tables are
built at import (6 KB of heap on the Pico)::

    from redline.text.bias import BiasBreakdown
    b = BiasBreakdown()
    b.authority = 100
    b.total()        # 100
"""
from redline.compat import const

CATEGORY_NAMES = (
    "authority",
    "social_proof",
    "scarcity",
    "urgency",
    "emotional_appeal",
    "expertise_signaling",
    "semantic_traps",
    "template_fitting",
    "emphasis",
)

_COUNTER_MAX = const(65535)


class BiasBreakdown:
    """The nine saturating counters (0..65535) of one message, by reference name."""

    def __init__(self):
        self.clear()

    def clear(self):
        self.authority = 0
        self.social_proof = 0
        self.scarcity = 0
        self.urgency = 0
        self.emotional_appeal = 0
        self.expertise_signaling = 0
        self.semantic_traps = 0
        self.template_fitting = 0
        self.emphasis = 0

    def total(self):
        """Saturating sum of the nine counters (the reference's halo signal)."""
        t = (self.authority + self.social_proof + self.scarcity + self.urgency
             + self.emotional_appeal + self.expertise_signaling
             + self.semantic_traps + self.template_fitting + self.emphasis)
        return t if t < _COUNTER_MAX else _COUNTER_MAX

    def as_dict(self):
        """The counters as a new dict keyed by CATEGORY_NAMES (allocates; host use)."""
        return {name: getattr(self, name) for name in CATEGORY_NAMES}

    def __repr__(self):
        return "BiasBreakdown(%r)" % (self.as_dict(),)
