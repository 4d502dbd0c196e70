"""Detectors of the DETECTION stage, one per module, one protocol.

Every detector takes its input with ``update(...)`` (streaming detectors first
receive tokens with ``begin()`` / ``token(hi, lo)`` and close the message with
``update()``), then exposes ``flags`` (FLAG_* bits of redline.flags, 0 when
quiet); ``reset()`` restores the state of a fresh detector. All state is
preallocated; updates allocate nothing::

    from redline.detect.cusum import CusumDetector
    d = CusumDetector(k=16384, h=32768)
    d.update(1200)
    d.flags          # 0 or FLAG_ANOMALY
"""
