"""The pipeline's explanation strings by name (``PipelineResult.explanation`` is one of them).

Host code and tests compare against these; the pipeline itself holds them as private
constants (redline/text/pipe.py: a running node keeps no dict entry for them), and
tests/firmware/test_pipeline.py checks the two lists are the same::

    from redline.text.explain import EXPLAIN_SIFT_ENTROPY
    pipe.process(b"...").explanation == EXPLAIN_SIFT_ENTROPY
"""
EXPLAIN_CLEAR = "proceed: every stage clear"
EXPLAIN_BODY = "body: resource pressure"
EXPLAIN_SIFT_ADVERSARIAL = "sift: adversarial pattern"
EXPLAIN_SIFT_ENTROPY = "sift: entropy"
EXPLAIN_SIFT_BIAS = "sift: manipulation evidence"
EXPLAIN_SIFT_SURPRISE = "sift: surprise"
EXPLAIN_SIFT_KEYWORDS = "sift: keyword hint"
EXPLAIN_SIFT_OBFUSCATION = "sift: obfuscation"
EXPLAIN_MEMORY_BIAS = "memory: refused, bias"
EXPLAIN_MEMORY_ENTROPY = "memory: refused, entropy"
EXPLAIN_MEMORY_SURPRISE = "memory: refused, surprise"
EXPLAIN_KERNEL_DEPTH = "kernel: burst depth exceeded"
EXPLAIN_KERNEL_BIAS = "kernel: refused, bias"
EXPLAIN_KERNEL_ENTROPY = "kernel: refused, entropy"
EXPLAIN_DETECT_ADVERSARIAL = "detection: adversarial"
EXPLAIN_DETECT_ANOMALY = "detection: anomaly"
EXPLAIN_DETECT_STUCK = "detection: stuck"
EXPLAIN_DETECT_DRIFTING = "detection: drifting"
EXPLAIN_DETECT_DECAYING = "detection: confidence decaying"
EXPLAIN_DETECT_LOW_CONFIDENCE = "detection: low confidence"
EXPLAIN_MONITOR = "monitor: entropy envelope"
