"""Detection flags and pipeline stage bits, shared by every stage and the sensor guard.

Detection flags live in the synapse's reserved bits; stage bits record which
stages of the CognitivePipeline ran for a message::

    from redline.flags import FLAG_ANOMALY, STAGE_DETECTION
    if result.flags & FLAG_ANOMALY:
        ...
"""
from redline.compat import const

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
