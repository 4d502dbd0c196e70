"""HMAC-SHA-256 (RFC 2104) for the protocol's authenticated latch reset.

MicroPython ships ``hashlib.sha256`` but no ``hmac`` module, so the two-pass
construction is spelled out here; tests compare it with CPython's ``hmac``::

    from redline.link.mac import hmac_sha256, digest_equal
    tag = hmac_sha256(b"key", b"nonce" + b"reset:latch")
    digest_equal(tag, hmac_sha256(b"key", b"nonce" + b"reset:latch"))   # True

Not a hot path: it runs once per reset attempt, so it may allocate.
"""
from redline.compat import const

try:
    import hashlib
except ImportError:  # very small ports
    import uhashlib as hashlib

_BLOCK = const(64)
_HEX = "0123456789abcdef"


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
