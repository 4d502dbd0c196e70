"""Kernel tier: witness tokens, the burst-bounded reasoning loop and the stability monitor.

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


def msb(x):
    """floor(log2 x) for x > 0, and 0 for x <= 0 (as llmosafe); x < 2**30 (a small int)."""
    if x < 2:
        return 0
    # binary steps, not one shift per bit: the monitor runs it on every message
    i = 0
    if x >= 0x10000:
        x >>= 16
        i = 16
    if x >= 0x100:
        x >>= 8
        i += 8
    if x >= 0x10:
        x >>= 4
        i += 4
    if x >= 4:
        x >>= 2
        i += 2
    if x >= 2:
        i += 1
    return i


class DynamicStabilityMonitor:
    """Adaptive log2 envelope of a gauge (spec §6.4): STABLE, HIGH, LOW or BOTH.

    update(x) widens the envelope [lo, hi] of msb(x) and reports whether x fell more
    than k octaves outside it. Example (k=2)::

        m = DynamicStabilityMonitor(2)
        m.update(100); m.update(100); m.update(900)   # -> HIGH (msb 9 > 6 + 2)
    """

    def __init__(self, k=3):
        if not (1 <= k <= 5):
            raise ValueError("stability monitor: k must be 1..5")
        self.k = k
        self.reset()

    def reset(self):
        self.hi = 0
        self.lo = 255
        self.seen = False
        self.state = STABLE

    def update(self, x):
        idx = msb(x)
        if not self.seen:
            self.hi = idx
            self.lo = idx
            self.seen = True
            self.state = STABLE
            return STABLE
        k = self.k
        high = idx > self.hi + k
        low = self.lo > k and idx < self.lo - k
        if idx > self.hi:
            self.hi = idx
        if idx < self.lo:
            self.lo = idx
        s = STABLE
        if high:
            s = BOTH if low else HIGH
        elif low:
            s = LOW
        self.state = s
        return s

    def thresholds(self):
        """(high, low, pressure) as llmosafe (allocates; host use)."""
        if not self.seen:
            return (0xFFFFFFFF, 0, 0)
        high = 0xFFFFFFFF if self.hi >= 31 else (1 << (self.hi + 1)) - 1
        low = 0 if self.lo == 0 else 1 << self.lo
        return (high, low, (high * 4) // 5)
