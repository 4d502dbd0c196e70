"""Kernel tier: witness tokens, the burst-bounded reasoning loop and the monitor states.

Witness tokens approximate llmosafe's typestate proofs (spec §6.5): a sifted
proof is handed out only by ``sift_with_proof`` (after the sifter ran), the
working memory requires it and hands out the validated proof on acceptance, and
the reasoning loop requires that one. The tokens are module-private objects
checked by identity, so ordinary code cannot feed memory or kernel an unsifted
input by accident (a forged ``None`` or object raises TypeError)::

    from redline.text.kernel import ReasoningLoop, sift_with_proof
    from redline.text.mem import EntropyMemory
    proof = sift_with_proof(sifter, b"the valve is closed")
    r = sifter.result
    mem = EntropyMemory(64, 58000)
    if mem.update(r.entropy, r.surprise, False, proof) == 0:
        loop = ReasoningLoop(max_steps=10, window_ms=10000)
        loop.next_step(r.entropy, False, mem.validated, now_ms)   # 0 or a halt code

The reasoning loop bounds a *burst*: at most ``max_steps`` steps inside any
window of ``window_ms`` milliseconds (llmosafe counted ten steps and then refused
forever, spec §17 defect 12). Timestamps come from the caller (ticks_ms), so
tests and golden vectors are deterministic.

The stability monitor's states (STABLE, HIGH, LOW, BOTH) are here; the monitor as an object is
``redline.text.stab.DynamicStabilityMonitor`` (a running pipeline uses redline.text.fold's, and does
not import it).
"""
from redline.compat import const, ticks_diff

# redline.codes / redline.ladder numbers as private constants (no globals entry, no look-up;
# tests/firmware/test_text_consts.py checks them against the public names)
_HALT_BIAS = const(-3)
_HALT_DEPTH = const(-1)
_HALT_INSTABILITY = const(-2)

STABLE = const(0)
HIGH = const(1)
LOW = const(2)
BOTH = const(3)

_KERNEL_ENTROPY_LIMIT = const(40000)
_STEP_COUNT_MAX = const(0x3FFFFFFF)


class _Proof:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "<%s proof>" % self.name


_SIFTED = _Proof("sifted")
_VALIDATED = _Proof("validated")


def sift_with_proof(sifter, data, length=-1):
    """Run ``sifter.sift(data, length)`` and return the sifted proof (the result is ``sifter.result``)."""
    sifter.sift(data, length)
    return _SIFTED


class ReasoningLoop:
    """At most ``max_steps`` successful steps in any ``window_ms`` window (a burst bound)."""

    def __init__(self, max_steps=10, window_ms=10000):
        if not (0 <= max_steps <= 1024):
            raise ValueError("reasoning loop: max_steps must be 0..1024")
        if not (0 < window_ms < (1 << 29)):
            raise ValueError("reasoning loop: window_ms must be 1..2**29-1")
        self.max_steps = max_steps
        self.window_ms = window_ms
        # a list, not array("i"): ticks are small ints but may exceed 32 bits on 64-bit ports
        self._times = [0] * (max_steps if max_steps > 0 else 1)
        self.reset()

    def reset(self):
        self._pos = 0          # next slot to write = oldest recorded step once full
        self._filled = 0
        self.step_count = 0    # successful steps since reset (saturating)
        self.depth = 0         # steps inside the window ending at the last call

    def _depth_at(self, now):
        t = self._times
        w = self.window_ms
        d = 0
        for i in range(self._filled):
            if ticks_diff(now, t[i]) < w:
                d += 1
        return d

    def next_step(self, entropy, bias, proof, now):
        """0 on success, else HALT_DEPTH (burst too deep), HALT_BIAS or HALT_INSTABILITY."""
        if proof is not _VALIDATED:
            raise TypeError("reasoning loop: needs the validated proof from EntropyMemory.update")
        n = self.max_steps
        if n == 0:
            self.depth = 0
            return _HALT_DEPTH
        if self._filled == n and ticks_diff(now, self._times[self._pos]) < self.window_ms:
            self.depth = n
            return _HALT_DEPTH
        if bias:
            self.depth = self._depth_at(now)
            return _HALT_BIAS
        if entropy > _KERNEL_ENTROPY_LIMIT:
            self.depth = self._depth_at(now)
            return _HALT_INSTABILITY
        t = self._times
        pos = self._pos
        t[pos] = now
        pos += 1
        self._pos = 0 if pos == n else pos
        filled = self._filled
        if filled < n:
            filled += 1
            self._filled = filled
        if self.step_count < _STEP_COUNT_MAX:
            self.step_count += 1
        # _depth_at(now) written out: this is every accepted message's path (a call costs
        # ~3,000 cycles on the Pico)
        w = self.window_ms
        d = 0
        for i in range(filled):
            if ticks_diff(now, t[i]) < w:
                d += 1
        self.depth = d
        return 0
