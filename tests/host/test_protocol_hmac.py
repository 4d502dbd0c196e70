"""The firmware's HMAC-SHA-256 against CPython's hmac, on random keys and messages."""
import hashlib
import hmac
import random

from redline.link.mac import digest_equal, from_hex, hmac_sha256, to_hex


def test_hmac_matches_cpython_on_random_inputs():
    rng = random.Random(6)
    for n in range(400):
        key = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 16, 32, 63, 64, 65, 200))))
        msg = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
        assert hmac_sha256(key, msg) == hmac.new(key, msg, hashlib.sha256).digest(), (key, msg)


def test_hex_helpers_match_bytes_hex():
    rng = random.Random(7)
    for _ in range(200):
        b = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
        assert to_hex(b) == b.hex()
        assert from_hex(b.hex()) == b
        assert digest_equal(b, bytes(b))
