"""The 128-bit synapse state word of llmosafe (spec §2), in a 16-byte buffer.

Fields are packed from bit 0 upward, little-endian::

    bits 0-15 raw_entropy | 16-31 raw_surprise | 32 has_bias | 33-44 position
    45-60 timestamp | 61-68 cascade_depth | 69-99 anchor_hash (31 bits)
    100-127 reserved: 100-105 detection flags, 106-113 OOV byte, 114-127 unused

The buffer never becomes a big int, so packing allocates nothing; only
``to_int``/``from_int`` (host helpers) build the 128-bit integer::

    from redline.text.syn import Synapse, adler32
    s = Synapse()
    s.set(ENTROPY, 1234); s.set(HAS_BIAS, 1)
    s.get(ENTROPY)           # 1234
    s.to_int()               # 0x1000004d2 (host)
"""
from redline.compat import const

# (bit offset, width) packed as offset * 64 + width so a field is one small int.
ENTROPY = const(0 * 64 + 16)
SURPRISE = const(16 * 64 + 16)
HAS_BIAS = const(32 * 64 + 1)
POSITION = const(33 * 64 + 12)
TIMESTAMP = const(45 * 64 + 16)
CASCADE_DEPTH = const(61 * 64 + 8)
ANCHOR_LO = const(69 * 64 + 16)     # anchor hash bits 0-15
ANCHOR_HI = const(85 * 64 + 15)     # anchor hash bits 16-30
RESERVED_LO = const(100 * 64 + 14)  # reserved bits 0-13 (flags + OOV byte)
RESERVED_HI = const(114 * 64 + 14)  # reserved bits 14-27, preserved
FLAGS = const(100 * 64 + 6)
OOV_BYTE = const(106 * 64 + 8)

DETECTION_FLAGS_MASK = const(0x3F)

FIELDS = (
    ("entropy", ENTROPY), ("surprise", SURPRISE), ("has_bias", HAS_BIAS), ("position", POSITION),
    ("timestamp", TIMESTAMP), ("cascade_depth", CASCADE_DEPTH), ("anchor_lo", ANCHOR_LO),
    ("anchor_hi", ANCHOR_HI), ("flags", FLAGS), ("oov_byte", OOV_BYTE), ("reserved_hi", RESERVED_HI),
)


class Synapse:
    def __init__(self, data=None):
        self.bits = bytearray(16)
        if data is not None:
            if len(data) != 16:
                raise ValueError("synapse: need 16 bytes")
            for i in range(16):
                self.bits[i] = data[i]

    def clear(self):
        b = self.bits
        for i in range(16):
            b[i] = 0

    def get(self, field):
        """Value of a field (at most 16 bits wide, so always a small int)."""
        off = field >> 6
        b = self.bits
        i = off >> 3
        # the field lies in at most three bytes: gather them (< 2**24), shift, mask
        v = b[i]
        if i < 15:
            v |= b[i + 1] << 8
            if i < 14:
                v |= b[i + 2] << 16
        return (v >> (off & 7)) & ((1 << (field & 63)) - 1)

    def set(self, field, value):
        off = field >> 6
        width = field & 63
        if value < 0 or value >> width:
            raise ValueError("synapse: value wider than field")
        b = self.bits
        i = off >> 3
        sh = off & 7
        m = ((1 << width) - 1) << sh        # the field's bits in the (up to) three bytes from i
        v = value << sh
        while m:
            b[i] = (b[i] & (0xFF ^ (m & 0xFF))) | (v & 0xFF)
            m >>= 8
            v >>= 8
            i += 1

    def pack(self, entropy, surprise, bias, anchor_hi, anchor_lo, oov):
        """The whole word at once: entropy, surprise, has_bias (0/1), the anchor's halves and the
        OOV byte; every other field 0 (``clear()`` then the ``set`` of each, in one go).

        The pipeline's per-message packing: sixteen byte stores instead of a loop per field.
        Bit positions as the layout above: the anchor's low half starts at bit 69 (byte 8, bit
        5), its high half at 85 (byte 10, bit 5), the OOV byte at 106 (byte 13, bit 2)."""
        if (entropy | surprise | anchor_lo) >> 16 or anchor_hi >> 15 or oov >> 8 or bias >> 1 \
                or entropy < 0 or surprise < 0 or anchor_lo < 0 or anchor_hi < 0 or oov < 0 or bias < 0:
            raise ValueError("synapse: value wider than field")
        b = self.bits
        b[0] = entropy & 0xFF
        b[1] = entropy >> 8
        b[2] = surprise & 0xFF
        b[3] = surprise >> 8
        b[4] = bias
        b[5] = 0
        b[6] = 0
        b[7] = 0
        b[8] = (anchor_lo & 7) << 5
        b[9] = (anchor_lo >> 3) & 0xFF
        b[10] = (anchor_lo >> 11) | ((anchor_hi & 7) << 5)
        b[11] = (anchor_hi >> 3) & 0xFF
        b[12] = anchor_hi >> 11
        b[13] = (oov & 0x3F) << 2
        b[14] = oov >> 6
        b[15] = 0

    def set_flags(self, flags):
        """``set(FLAGS, flags)`` in two byte stores (bits 100-105: byte 12 bits 4-7, byte 13 bits 0-1)."""
        if flags < 0 or flags >> 6:
            raise ValueError("synapse: value wider than field")
        b = self.bits
        b[12] = (b[12] & 0x0F) | ((flags & 0x0F) << 4)
        b[13] = (b[13] & 0xFC) | (flags >> 4)

    def set_anchor(self, hi15, lo16):
        self.set(ANCHOR_LO, lo16)
        self.set(ANCHOR_HI, hi15)

    def anchor(self):
        """31-bit anchor hash (a big int on 32-bit boards above 2**30: host use)."""
        return (self.get(ANCHOR_HI) << 16) | self.get(ANCHOR_LO)

    def clear_detection(self):
        """Zero reserved bits 0-13 (flags and OOV byte), keep 14-27."""
        self.set(RESERVED_LO, 0)

    def risk_bits(self):
        """(oov_byte << 6) | flags: the 14-bit combined risk word."""
        return (self.get(OOV_BYTE) << 6) | self.get(FLAGS)

    def stability(self):
        """llmosafe's stability() by raw entropy: 0 Stable, 1 Pressure, 2 Unstable."""
        e = self.get(ENTROPY)
        if e > 50000:
            return 2
        if e >= 40000:
            return 1
        return 0

    def to_int(self):
        v = 0
        for i in range(15, -1, -1):
            v = (v << 8) | self.bits[i]
        return v

    @classmethod
    def from_int(cls, value):
        if value < 0 or value >> 128:
            raise ValueError("synapse: not a 128-bit value")
        s = cls()
        for i in range(16):
            s.bits[i] = (value >> (8 * i)) & 0xFF
        return s


def adler32(data, length=-1):
    """Adler-32 of bytes as (b, a) halves; the anchor hash is ((b & 0x7FFF) << 16) | a."""
    n = len(data) if length < 0 else length
    a = 1
    b = 0
    for i in range(n):
        a += data[i]
        if a >= 65521:
            a -= 65521
        b += a
        if b >= 65521:
            b -= 65521
    return b, a
