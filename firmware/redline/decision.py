"""Decision codes shared by every stage, the policy, the interlock and the protocol.

Codes are llmosafe's: Proceed 0, Warn 1, Escalate 2, Halt -1..-7 by reason,
Exit -8. They are small ints so a decision costs nothing to pass around::

    from redline.decision import PROCEED, HALT_BIAS, is_halt
    if is_halt(code):
        interlock.trip(code)
"""
from redline.compat import const

PROCEED = const(0)
WARN = const(1)
ESCALATE = const(2)
# Halt codes carry the reason (llmosafe's KernelError numbering).
HALT_DEPTH = const(-1)          # reasoning depth exceeded
HALT_INSTABILITY = const(-2)    # entropy over the halt threshold
HALT_BIAS = const(-3)           # manipulation evidence
HALT_SURPRISE = const(-4)       # surprise over the hallucination threshold
HALT_RESOURCE = const(-5)       # heap / loop-overrun exhaustion
HALT_SELF_MEMORY = const(-6)    # reserved (llmosafe never produces it)
HALT_DEADLINE = const(-7)       # deadline / watchdog missed
EXIT = const(-8)

NAMES = {
    PROCEED: "proceed",
    WARN: "warn",
    ESCALATE: "escalate",
    HALT_DEPTH: "halt",
    HALT_INSTABILITY: "halt",
    HALT_BIAS: "halt",
    HALT_SURPRISE: "halt",
    HALT_RESOURCE: "halt",
    HALT_SELF_MEMORY: "halt",
    HALT_DEADLINE: "halt",
    EXIT: "exit",
}


def is_halt(code):
    return -7 <= code <= -1


def severity(code):
    """0 proceed, 1 warn, 2 escalate, 3 halt, 4 exit (llmosafe's ordering)."""
    if code >= 0:
        return code
    if code == EXIT:
        return 4
    return 3


def label(code):
    return NAMES.get(code, "unknown")
