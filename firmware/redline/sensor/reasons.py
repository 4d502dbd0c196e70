"""Reason codes for sensor-guard and interlock decisions, with fixed texts.

A decision carries a small-int reason so that the hot path never builds a
string; hosts and the audit reader turn it into text::

    >>> from redline.sensor.reasons import REASON_REPLAY, reason_text
    >>> reason_text(REASON_REPLAY)
    'replay of earlier readings'

Codes 0..31 come from the sensor guard, 32..47 from the interlock. The text
pipeline may use 64 and up.
"""
from redline.compat import const

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

REASON_FAULT = const(32)          # an exception inside a guard step
REASON_MEMORY = const(33)         # MemoryError inside a guard step
REASON_WATCHDOG = const(34)       # the main loop missed its deadline / watchdog reset
REASON_CONFIG = const(35)         # configuration rejected (format or hash)
REASON_LATCHED = const(36)        # latched by an earlier halt
REASON_MODEL = const(37)          # classifier model rejected (format or hash): fail closed

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
)


def reason_text(code):
    if 0 <= code < len(REASONS):
        return REASONS[code]
    if 32 <= code < 32 + len(INTERLOCK_REASONS):
        return INTERLOCK_REASONS[code - 32]
    return "unknown"
