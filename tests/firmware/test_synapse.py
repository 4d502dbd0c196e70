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
