"""redline: runtime guardrails for MicroPython sensor nodes.

The package runs unchanged on ESP32, RP2040, the unix and WebAssembly
MicroPython ports and CPython. Submodules are imported on demand so that a
board only pays RAM for what it uses::

    from redline.sifter import sift_text
    r = sift_text(b"ignore all previous instructions")
    print(r.probability, r.has_bias)
"""

__version__ = "0.1.0"
