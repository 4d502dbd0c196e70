"""tools/textlab/intent.py, round 7's screen of intent-structure features (not in the firmware)."""
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "textlab"))

import intent  # noqa: E402
from redline_host.text import hashfeat  # noqa: E402
from redline_host.text.lexicon import CLASSES  # noqa: E402
from redline_host.text.modelfile import load_model_dir  # noqa: E402

OVR, GUARD, ALARM = CLASSES.index("override"), CLASSES.index("guard"), CLASSES.index("alarm")


def _extra(opts, texts):
    """{bucket: count} of the features an option set adds to each text, over the default's base."""
    base = hashfeat.Features.of_model(load_model_dir(REPO / "models" / "default"))
    with_ = intent.Intent(opts, base).counts(texts).toarray()
    plain = base.counts(texts).toarray()
    d = with_ - plain
    return [{int(j): int(d[i, j]) for j in np.flatnonzero(d[i])} for i in range(len(texts))]


def _b(key, mask=(1 << 15) - 1):
    return int(hashfeat.bucket(key, hashfeat.MIX_CLS, mask))


def test_skip_grams_are_ordered_and_windowed():
    got = _extra(["skip4"], ["disable the interlock", "interlock: disable", "disable a b c d e f the interlock"])
    assert got[0] == {_b(0x800 + OVR * 16 + GUARD): 1}
    assert got[1] == {_b(0x800 + GUARD * 16 + OVR): 1}
    assert got[2] == {}                       # seven words apart: outside a window of 4


def test_targeted_skip_grams_keep_only_action_and_target():
    you, all_ = CLASSES.index("you"), CLASSES.index("all")
    texts = ["disable the interlock", "you open all valves"]
    assert _extra(["skip4"], texts)[1] == {_b(0x800 + you * 16 + all_): 1}
    got = _extra(["tskip4"], texts)
    assert got[0] == {_b(0x800 + OVR * 16 + GUARD): 1}
    assert got[1] == {}


def test_direction_of_a_numeric_change():
    got = _extra(["dir"], ["move the pressure trip from 8 bar to 80 bar", "lower it from 80 to 70",
                           "pressure 8 bar, 80 bar"])
    up = {_b(0xA00 + 1), _b(0xA00 + 2), _b(0xA00 + 16 + 0x40 + GUARD), _b(0xA00 + 32 + 0x40 + GUARD)}
    assert set(got[0]) == up
    assert set(got[1]) == {_b(0xA00 + 3)}     # down, by less than 3x, no class present
    assert got[2] == {}                       # a comma is no connector


def test_classes_inside_field_values():
    got = _extra(["kv"], ['temp=21.4 note="disable the alarm on line three"', "temp=21.4 rh=40"])
    assert got[0] == {_b(0xC00 + OVR): 1, _b(0xC00 + ALARM): 1, _b(0xC20): 1}
    assert got[1] == {}


def test_obfuscation_evidence_flags():
    full, math, zw, mixed, anyf = _b(0xE00), _b(0xE01), _b(0xE03), _b(0xE04), _b(0xE10)
    got = _extra(["obf"], ["ορеn gaѕ νalνе GѴ-1", "ｏｐｅｎ ｖａｌｖｅ", "𝗼𝗽𝗲𝗻 valve", "o\u200bpen valve",
                           "café crème", "پنکه\u200cها خاموش کن", "open valve 3"])
    assert got[0] == {mixed: 1, anyf: 1}
    assert got[1] == {full: 1, anyf: 1}
    assert got[2] == {math: 1, anyf: 1}
    assert got[3] == {zw: 1, anyf: 1}
    assert got[4] == got[5] == got[6] == {}   # accented Latin, a zero-width non-joiner, plain text
