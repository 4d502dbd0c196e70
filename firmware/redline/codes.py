"""Every code redline passes around: decisions, detection flags, stage bits, reasons.

All are small ints, so a decision costs nothing to pass around and the hot paths never
build a string; hosts and the audit reader turn them into text::

    >>> from redline.codes import HALT_BIAS, REASON_REPLAY, is_halt, label, reason_text
    >>> is_halt(HALT_BIAS), label(HALT_BIAS), reason_text(REASON_REPLAY)
    (True, 'halt', 'replay of earlier readings')

- Decisions are llmosafe's: Proceed 0, Warn 1, Escalate 2, Halt -1..-7 by reason,
  Exit -8.
- Detection flags (FLAG_*) live in the synapse's reserved bits; stage bits (STAGE_*)
  record which stages of the text pipeline ran for a message.
- Reasons: 0..31 come from the sensor guard, 32..47 from the interlock, 48..63 from
  the node (authentication), 64 and up from the text path.
"""
from redline.compat import const

# -- decisions --
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


# -- detection flags and pipeline stage bits --
FLAG_STUCK = const(0x01)            # repetition: the same input over and over
FLAG_DRIFTING = const(0x02)         # drift score over its threshold
FLAG_LOW_CONFIDENCE = const(0x04)   # the classifier is close to its boundary
FLAG_DECAYING = const(0x08)         # confidence trending down
FLAG_ANOMALY = const(0x10)          # CUSUM alarm on the tracked gauge
FLAG_ADVERSARIAL = const(0x20)      # an injection pattern matched
DETECTION_FLAGS_MASK = const(0x3F)

STAGE_SIFT = const(0x01)
STAGE_MEMORY = const(0x02)
STAGE_KERNEL = const(0x04)
STAGE_DETECTION = const(0x08)
STAGE_MONITOR = const(0x10)
STAGE_BODY = const(0x20)

# -- reasons: the sensor guard (0..31) --
REASON_OK = const(0)
REASON_WARMUP = const(1)
REASON_RANGE = const(2)
REASON_SLEW = const(3)
REASON_REPLAY = const(4)
REASON_DISAGREE = const(5)
REASON_SURPRISE = const(6)
REASON_ENTROPY = const(7)
REASON_CUSUM = const(8)
REASON_STUCK = const(9)
REASON_DRIFT = const(10)
REASON_DECAY = const(11)
REASON_LOW_CONFIDENCE = const(12)
REASON_PRESSURE = const(13)
REASON_EMERGENCY = const(14)
REASON_SHIFT = const(15)

# -- the interlock (32..47) --
REASON_FAULT = const(32)          # an exception inside a guard step
REASON_MEMORY = const(33)         # MemoryError inside a guard step
REASON_WATCHDOG = const(34)       # the main loop missed its deadline / watchdog reset
REASON_CONFIG = const(35)         # configuration rejected (format or hash)
REASON_LATCHED = const(36)        # latched by an earlier halt
REASON_MODEL = const(37)          # classifier model rejected (format or hash): fail closed
REASON_DEADLINE = const(38)       # sampling fell behind its deadline (the main loop was starved)
REASON_NO_RECORD = const(39)      # no latch record on the board's flash at boot: latched until reset
REASON_BAD_RECORD = const(40)     # the latch record on flash is unreadable (checksum): latched until reset
REASON_BUILD = const(41)          # the node could not be built whole (e.g. out of memory): fail closed

# -- the node (48..63) and the text path (64..) --
REASON_AUTH_REFUSED = const(48)   # a latch reset refused (bad or missing MAC)
REASON_AUTH_RESET = const(49)     # a latch reset accepted
REASON_MAINT = const(50)          # maintenance (raw REPL) unlocked by an authenticated command
REASON_TEXT = const(64)           # a text-pipeline decision (audit reason)

REASONS = (
    "ok",
    "warming up",
    "out of calibrated range",
    "impossible slew",
    "replay of earlier readings",
    "redundant channels disagree",
    "surprise",
    "entropy",
    "mean shift (cusum)",
    "stuck",
    "drift",
    "confidence decaying",
    "low confidence",
    "resource pressure",
    "resource emergency",
    "short-window shift",
)

INTERLOCK_REASONS = (
    "guard fault",
    "memory error",
    "watchdog",
    "config rejected",
    "latched",
    "model rejected",
    "sampling deadline missed",
    "no latch record",
    "latch record unreadable",
    "node build failed",
)

NODE_REASONS = (
    "reset refused",
    "reset accepted",
    "maintenance unlocked",
)


def reason_text(code):
    if 0 <= code < len(REASONS):
        return REASONS[code]
    if 32 <= code < 32 + len(INTERLOCK_REASONS):
        return INTERLOCK_REASONS[code - 32]
    if 48 <= code < 48 + len(NODE_REASONS):
        return NODE_REASONS[code - 48]
    return "unknown"
