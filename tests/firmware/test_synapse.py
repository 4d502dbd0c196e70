# Synapse: llmosafe's 128-bit layout in a 16-byte buffer.
from redline.text.syn import (ANCHOR_HI, ANCHOR_LO, CASCADE_DEPTH, ENTROPY, FLAGS, HAS_BIAS, OOV_BYTE, POSITION,
                             RESERVED_HI, SURPRISE, TIMESTAMP, Synapse, adler32)


def test_fields_pack_from_bit_zero():
    s = Synapse()
    s.set(ENTROPY, 500)
    assert s.to_int() == 500
    s.set(SURPRISE, 1)
    assert s.to_int() == 500 | (1 << 16)
    s.set(HAS_BIAS, 1)
    assert s.to_int() == 500 | (1 << 16) | (1 << 32)


def test_all_fields_roundtrip():
    s = Synapse()
    s.set(ENTROPY, 1234)
    s.set(SURPRISE, 5678)
    s.set(POSITION, 0xABC)
    s.set(TIMESTAMP, 0x1234)
    s.set(CASCADE_DEPTH, 0x12)
    s.set_anchor(0x123, 0x4567)
    s.set(FLAGS, 0x21)
    s.set(OOV_BYTE, 200)
    t = Synapse.from_int(s.to_int())
    assert t.get(ENTROPY) == 1234 and t.get(SURPRISE) == 5678 and t.get(HAS_BIAS) == 0
    assert t.get(POSITION) == 0xABC and t.get(TIMESTAMP) == 0x1234 and t.get(CASCADE_DEPTH) == 0x12
    assert t.anchor() == 0x1234567
    assert t.get(FLAGS) == 0x21 and t.get(OOV_BYTE) == 200
    assert t.risk_bits() == (200 << 6) | 0x21
    assert (s.to_int() >> 69) & 0x7FFFFFFF == 0x1234567
    assert (s.to_int() >> 100) & 0x3F == 0x21
    assert (s.to_int() >> 106) & 0xFF == 200


def test_all_ones_word():
    s = Synapse.from_int((1 << 128) - 1)
    assert s.get(ENTROPY) == 0xFFFF and s.get(SURPRISE) == 0xFFFF and s.get(HAS_BIAS) == 1
    assert s.get(POSITION) == 0xFFF and s.get(TIMESTAMP) == 0xFFFF and s.get(CASCADE_DEPTH) == 0xFF
    assert s.get(ANCHOR_HI) == 0x7FFF and s.get(ANCHOR_LO) == 0xFFFF
    assert s.get(RESERVED_HI) == 0x3FFF


def test_clear_detection_keeps_upper_reserved_bits():
    s = Synapse.from_int((1 << 128) - 1)
    s.clear_detection()
    assert s.get(FLAGS) == 0 and s.get(OOV_BYTE) == 0 and s.get(RESERVED_HI) == 0x3FFF


def test_stability_ladder():
    s = Synapse()
    for e, want in ((39999, 0), (40000, 1), (50000, 1), (50001, 2)):
        s.set(ENTROPY, e)
        assert s.stability() == want


def test_value_wider_than_field_is_refused():
    s = Synapse()
    try:
        s.set(CASCADE_DEPTH, 256)
    except ValueError:
        return
    assert False


def test_adler32():
    assert adler32(b"") == (0, 1)
    b, a = adler32(b"Wikipedia")
    assert (b << 16) | a == 0x11E60398


def _bit_set(bits, field, value):
    # the bit-by-bit reference the byte-wise set() replaced
    off = field >> 6
    for k in range(field & 63):
        p = off + k
        if (value >> k) & 1:
            bits[p >> 3] |= 1 << (p & 7)
        else:
            bits[p >> 3] &= 0xFF ^ (1 << (p & 7))


def test_bytewise_set_and_get_equal_the_bitwise_reference():
    fields = (ENTROPY, SURPRISE, HAS_BIAS, POSITION, TIMESTAMP, CASCADE_DEPTH, ANCHOR_LO, ANCHOR_HI, FLAGS,
              OOV_BYTE, RESERVED_HI)
    seed = 5
    s = Synapse()
    ref = bytearray(16)
    for i in range(600):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        f = fields[(seed >> 8) % len(fields)]
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        v = (seed >> 4) & ((1 << (f & 63)) - 1)
        if i % 7 == 0:
            v = (1 << (f & 63)) - 1
        s.set(f, v)
        _bit_set(ref, f, v)
        assert bytes(s.bits) == bytes(ref)
        assert s.get(f) == v
    for f in fields:
        off = f >> 6
        want = 0
        for k in range(f & 63):
            p = off + k
            want |= ((ref[p >> 3] >> (p & 7)) & 1) << k
        assert s.get(f) == want


def test_pack_equals_clear_then_set():
    seed = 9
    a = Synapse()
    b = Synapse()
    for i in range(300):
        vals = []
        for width in (16, 16, 1, 15, 16, 8):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            v = (seed >> 3) & ((1 << width) - 1)
            vals.append((1 << width) - 1 if i % 5 == 0 else (0 if i % 7 == 0 else v))
        e, u, bias, hi, lo, oov = vals
        a.set(RESERVED_HI, 0x2AAA)          # pack() clears everything, reserved bits included
        a.set(POSITION, 0x555)
        a.pack(e, u, bias, hi, lo, oov)
        b.clear()
        b.set(ENTROPY, e)
        b.set(SURPRISE, u)
        b.set(HAS_BIAS, bias)
        b.set_anchor(hi, lo)
        b.set(OOV_BYTE, oov)
        assert bytes(a.bits) == bytes(b.bits), vals


def test_pack_refuses_values_wider_than_their_field():
    s = Synapse()
    for args in ((65536, 0, 0, 0, 0, 0), (0, -1, 0, 0, 0, 0), (0, 0, 2, 0, 0, 0), (0, 0, 0, 32768, 0, 0),
                 (0, 0, 0, 0, 65536, 0), (0, 0, 0, 0, 0, 256)):
        try:
            s.pack(*args)
        except ValueError:
            continue
        assert False, args


def test_set_flags_equals_set():
    a = Synapse.from_int((1 << 128) - 1)
    b = Synapse.from_int((1 << 128) - 1)
    for f in (0, 1, 0x0F, 0x10, 0x21, 0x3F, 0x2A, 0):
        a.set_flags(f)
        b.set(FLAGS, f)
        assert bytes(a.bits) == bytes(b.bits), f
    for bad in (-1, 64):
        try:
            a.set_flags(bad)
        except ValueError:
            continue
        assert False, bad
