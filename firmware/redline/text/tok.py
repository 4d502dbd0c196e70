"""Streaming tokenizer: the low 32 bits of llmosafe's FNV-1a-64 token hashes, in 16-bit limbs.

A token is a maximal run of ASCII letters and digits, lower-cased; only its first
256 bytes are hashed. The first token emits its unigram hash; every later token
emits a bigram hash (previous, current) and then its own unigram hash, so n
tokens give 2n - 1 hashes. Every step is XOR and multiplication modulo 2**64, so
the low 32 bits depend only on the low 32 bits of the offset (0x84222325) and the
prime (0x000001B3): a hash is kept as two 16-bit halves and no intermediate value
reaches 2**25::

    from redline.text.tok import token_hashes
    token_hashes(b"hello world")   # [unigram(hello), bigram, unigram(world)] as u32

The classifier inlines the same arithmetic in its hot loop; this module holds the
constants, the helpers the host and the pattern compiler use, and is the
reference the classifier is tested against.
"""
from redline.compat import const

OFFSET_HI = const(0x8422)   # FNV-1a-64 offset basis, low 32 bits, high half
OFFSET_LO = const(0x2325)   # ... low half
PRIME = const(0x1B3)        # FNV-1a-64 prime 0x100000001B3, low 32 bits
BIGRAM_MIX = const(0x5F)
MAX_TOKEN_BYTES = const(256)

# LOWER[b] = lower-cased byte for ASCII alphanumerics, 0 for every separator
# (every other byte, including all bytes >= 0x80).
LOWER = (
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"0123456789\x00\x00\x00\x00\x00\x00"
    b"\x00abcdefghijklmnopqrstuvwxyz\x00\x00\x00\x00\x00"
    b"\x00abcdefghijklmnopqrstuvwxyz\x00\x00\x00\x00\x00"
    + bytes(128)
)


def mix_hi(hi, lo, byte):
    """High half of (h XOR byte) * PRIME mod 2**32 for h = hi:lo (byte < 2**16)."""
    return (hi * PRIME + (((lo ^ byte) * PRIME) >> 16)) & 0xFFFF


def mix_lo(lo, byte):
    """Low half of (h XOR byte) * PRIME mod 2**32."""
    return ((lo ^ byte) * PRIME) & 0xFFFF


def bigram(prev_hi, prev_lo, hi, lo):
    """Bigram hash of (previous token, current token) as one u32 (may be a big int on a board)."""
    bh = mix_hi(prev_hi, prev_lo, BIGRAM_MIX)
    bl = mix_lo(prev_lo, BIGRAM_MIX)
    bh2 = (bh ^ hi) & 0xFFFF
    bl2 = bl ^ lo
    rh = mix_hi(bh2, bl2, 0)
    rl = mix_lo(bl2, 0)
    return (rh << 16) | rl


def token_hashes(data, length=-1):
    """Every emitted hash (unigrams and bigrams, in order) as u32 ints. Allocates: host use."""
    if isinstance(data, str):
        raise TypeError("token_hashes: text must be bytes-like, not str")
    n = len(data) if length < 0 else length
    out = []
    low = LOWER
    hi = lo = 0
    count = 0
    in_token = False
    have_prev = False
    prev_hi = prev_lo = 0
    i = 0
    while i <= n:
        c = low[data[i]] if i < n else 0
        if c:
            if not in_token:
                in_token = True
                hi = OFFSET_HI
                lo = OFFSET_LO
                count = 0
            if count < MAX_TOKEN_BYTES:
                lo ^= c
                t = lo * PRIME
                lo = t & 0xFFFF
                hi = (hi * PRIME + (t >> 16)) & 0xFFFF
                count += 1
        elif in_token:
            in_token = False
            if have_prev:
                out.append(bigram(prev_hi, prev_lo, hi, lo))
            out.append((hi << 16) | lo)
            prev_hi = hi
            prev_lo = lo
            have_prev = True
        i += 1
    return out


def unigram_hashes(data):
    """Only the unigram hashes (one per token), as u32. Allocates: host and pattern compiler."""
    hs = token_hashes(data)
    return [hs[i] for i in range(0, len(hs), 2)]
