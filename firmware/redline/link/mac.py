"""HMAC-SHA-256 (RFC 2104) for the protocol's authenticated latch reset, and the nonces' randomness.

MicroPython ships ``hashlib.sha256`` but no ``hmac`` module, so the two-pass
construction is spelled out here; tests compare it with CPython's ``hmac``::

    from redline.link.mac import hmac_sha256, digest_equal, random_bytes
    tag = hmac_sha256(b"key", b"nonce" + b"reset:latch")
    digest_equal(tag, hmac_sha256(b"key", b"nonce" + b"reset:latch"))   # True
    nonce = random_bytes(16)

``random_bytes`` is ``os.urandom`` where the port has it (ESP32, RP2040, unix)
and otherwise a SHA-256 pool: every call hashes the previous state, a counter
and the microsecond and CPU tick counters at that moment; ``stir(data)`` adds
whatever the board can offer (ADC noise, a unique id). Weaker than a hardware
generator, but a nonce from it is never repeated and not guessable from
earlier ones without the pool's state.

Not a hot path: it runs once per reset attempt, so it may allocate.
"""
from redline.compat import const

try:
    import hashlib
except ImportError:  # very small ports
    import uhashlib as hashlib

_BLOCK = const(64)
_HEX = "0123456789abcdef"


class _Pool:
    def __init__(self):
        self.state = b""
        self.count = 0

    def _ticks(self):
        import time
        parts = bytearray()
        for name in ("ticks_us", "ticks_cpu", "time_ns"):
            fn = getattr(time, name, None)
            if fn is not None:
                v = fn()
                for k in range(8):
                    parts.append((v >> (8 * k)) & 255)
        return bytes(parts)

    def stir(self, data):
        h = hashlib.sha256(self.state)
        h.update(data)
        h.update(self._ticks())
        self.state = h.digest()

    def read(self, n):
        out = bytearray()
        while len(out) < n:
            self.count += 1
            h = hashlib.sha256(self.state)
            h.update(str(self.count).encode())
            h.update(self._ticks())
            self.state = h.digest()
            out.extend(hashlib.sha256(self.state + b"out").digest())
        return bytes(out[:n])


_POOL = _Pool()


def stir(data):
    """Mix ``data`` (bytes) into the fallback pool."""
    _POOL.stir(data)


def random_bytes(n, urandom=True):
    """``n`` random bytes: ``os.urandom`` when the port has it (and ``urandom``), else the hash pool."""
    if urandom:
        try:
            import os
            return os.urandom(n)
        except (ImportError, AttributeError, NotImplementedError, OSError):
            pass
    return _POOL.read(n)


def hmac_sha256(key, msg):
    """The 32-byte HMAC-SHA-256 tag of ``msg`` (bytes-like) under ``key`` (bytes-like)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    ipad = bytearray(_BLOCK)
    opad = bytearray(_BLOCK)
    n = len(key)
    for i in range(_BLOCK):
        k = key[i] if i < n else 0
        ipad[i] = k ^ 0x36
        opad[i] = k ^ 0x5C
    inner = hashlib.sha256(ipad)
    inner.update(msg)
    outer = hashlib.sha256(opad)
    outer.update(inner.digest())
    return outer.digest()


def digest_equal(a, b):
    """Compare two byte strings in time independent of where they differ."""
    if len(a) != len(b):
        return False
    acc = 0
    for i in range(len(a)):
        acc |= a[i] ^ b[i]
    return acc == 0


def to_hex(data):
    """Lower-case hex of a bytes-like (binascii is optional on some ports)."""
    out = []
    for i in range(len(data)):
        out.append(_HEX[data[i] >> 4])
        out.append(_HEX[data[i] & 15])
    return "".join(out)


def from_hex(text):
    """Bytes from an even-length hex str; ValueError on anything else."""
    if not isinstance(text, str) or len(text) & 1:
        raise ValueError("hex: even-length string expected")
    out = bytearray(len(text) // 2)
    for i in range(len(out)):
        hi = _HEX.find(text[2 * i].lower())
        lo = _HEX.find(text[2 * i + 1].lower())
        if hi < 0 or lo < 0:
            raise ValueError("hex: bad digit")
        out[i] = (hi << 4) | lo
    return bytes(out)
