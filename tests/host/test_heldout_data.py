"""The held-out device test set (tests/data/heldout/) is well formed and says what it holds.

Evaluation data only: nothing here may be used for training or threshold fitting.
These tests check the files, not any model: valid JSON lines with exactly the
fields text/label/kind/lang, labels that match the file, no duplicates (none
inside a file, none shared between the files even after Unicode and case
folding), the minimum counts and language spread, that the brief's attack
and traffic families are all present, and that an obfuscation kind really
carries the characters it names (a "homoglyph" line holds Cyrillic or Greek
lookalikes inside Latin text, a "base64" line decodes, and so on).
"""
import base64
import binascii
import importlib.util
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "heldout"
TOOL = REPO / "tools" / "heldout_device.py"

MIN_BENIGN = 600
MIN_ATTACKS = 400
MIN_LANGS = 8
FIELDS = {"text", "label", "kind", "lang"}
# zxx: ISO 639-2 "no linguistic content" (numeric telemetry); the rest ISO 639-1.
LANGS = {"zxx", "ar", "cs", "de", "el", "en", "es", "fa", "fr", "he", "hi", "id", "it", "ja",
         "ko", "nl", "pl", "pt", "ru", "sv", "th", "tr", "uk", "vi", "zh"}
KIND = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)*$")

# Families the brief asks for, as kind prefixes.
BENIGN_FAMILIES = (
    "cmd", "cmd/oneword", "cmd/hard-negative", "log", "config", "maintenance", "chat",
    "telemetry/kv", "telemetry/csv", "telemetry/json", "telemetry/syslog", "telemetry/mqtt",
    "telemetry/nmea", "telemetry/modbus", "telemetry/influx", "telemetry/prometheus",
    "telemetry/senml",
)
ATTACK_FAMILIES = (
    "attack/injection", "attack/authority", "attack/social", "attack/urgency", "attack/roleplay",
    "attack/hidden-field", "attack/guard-bypass", "attack/latch-reset", "attack/exfiltration",
    "attack/dos", "attack/obfuscation/spacing", "attack/obfuscation/leetspeak",
    "attack/obfuscation/base64", "attack/obfuscation/homoglyph", "attack/obfuscation/math",
    "attack/obfuscation/fullwidth", "attack/obfuscation/zero-width",
)

# A line in one of these languages is written in its own script.
SCRIPTS = {
    "zh": ((0x4E00, 0x9FFF),),
    "ja": ((0x3040, 0x30FF), (0x4E00, 0x9FFF)),
    "ko": ((0xAC00, 0xD7A3),),
    "ru": ((0x0400, 0x04FF),),
    "uk": ((0x0400, 0x04FF),),
    "ar": ((0x0600, 0x06FF),),
    "fa": ((0x0600, 0x06FF),),
    "he": ((0x0590, 0x05FF),),
    "hi": ((0x0900, 0x097F),),
    "el": ((0x0370, 0x03FF),),
    "th": ((0x0E00, 0x0E7F),),
}


def load(name):
    path = DATA / name
    rows = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            line = raw.decode("utf-8")          # strict: a bad byte fails here
            assert line.endswith("\n"), "%s:%d: no final newline" % (name, n)
            rec = json.loads(line)
            assert isinstance(rec, dict), "%s:%d: not an object" % (name, n)
            rows.append((n, rec))
    return rows


@pytest.fixture(scope="module")
def benign():
    return load("benign.jsonl")


@pytest.fixture(scope="module")
def attacks():
    return load("attacks.jsonl")


def in_ranges(ch, ranges):
    o = ord(ch)
    for lo, hi in ranges:
        if lo <= o <= hi:
            return True
    return False


def folded(text):
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@pytest.mark.parametrize("name,label", [("benign.jsonl", 0), ("attacks.jsonl", 1)])
def test_fields_labels_kinds_langs(name, label):
    for n, rec in load(name):
        where = "%s:%d" % (name, n)
        assert set(rec) == FIELDS, where
        text = rec["text"]
        assert isinstance(text, str) and text.strip(), where
        assert text == text.strip() and "\n" not in text and "\r" not in text, where
        assert type(rec["label"]) is int and rec["label"] == label, where
        assert isinstance(rec["kind"], str) and KIND.match(rec["kind"]), where
        assert rec["kind"].startswith("attack/") == (label == 1), where
        assert rec["lang"] in LANGS, "%s: lang %r" % (where, rec["lang"])


def test_minimum_counts(benign, attacks):
    assert len(benign) >= MIN_BENIGN
    assert len(attacks) >= MIN_ATTACKS


def test_languages_per_label(benign, attacks):
    for rows in (benign, attacks):
        langs = {rec["lang"] for _, rec in rows} - {"zxx", "en"}
        assert len(langs | {"en"}) >= MIN_LANGS, sorted(langs)
        # each counted language has more than a token presence
        counts = Counter(rec["lang"] for _, rec in rows)
        assert sum(1 for lang in langs if counts[lang] >= 5) >= MIN_LANGS - 1, counts


def test_no_duplicates(benign, attacks):
    seen = {}
    for name, rows in (("benign", benign), ("attacks", attacks)):
        for n, rec in rows:
            key = rec["text"]
            assert key not in seen, "%s:%d repeats %s" % (name, n, seen[key])
            seen[key] = "%s:%d" % (name, n)
    # no line of one label is the other label's line after Unicode (NFKC), case and space folding
    benign_folded = {folded(rec["text"]): n for n, rec in benign}
    for n, rec in attacks:
        assert folded(rec["text"]) not in benign_folded, "attacks:%d folds onto benign:%d" % (
            n, benign_folded[folded(rec["text"])])


def test_every_family_present(benign, attacks):
    for rows, families in ((benign, BENIGN_FAMILIES), (attacks, ATTACK_FAMILIES)):
        kinds = Counter(rec["kind"] for _, rec in rows)
        for fam in families:
            hits = sum(c for k, c in kinds.items() if k == fam or k.startswith(fam + "/"))
            assert hits >= 3, "family %s has %d lines" % (fam, hits)


def test_non_latin_languages_use_their_script(benign, attacks):
    for name, rows in (("benign", benign), ("attacks", attacks)):
        for n, rec in rows:
            ranges = SCRIPTS.get(rec["lang"])
            if ranges:
                assert any(in_ranges(ch, ranges) for ch in rec["text"]), "%s:%d" % (name, n)


def test_non_english_attacks_in_native_script(attacks):
    scripts = {rec["lang"] for _, rec in attacks if rec["lang"] in SCRIPTS}
    assert {"zh", "ru", "ar", "ja", "ko"} <= scripts


def _kind_rows(rows, kind):
    out = [rec["text"] for _, rec in rows if rec["kind"] == kind]
    assert out, kind
    return out


def test_obfuscation_lines_carry_what_their_kind_names(attacks):
    latin = ((0x41, 0x5A), (0x61, 0x7A))
    lookalike = ((0x0370, 0x03FF), (0x0400, 0x04FF))
    for t in _kind_rows(attacks, "attack/obfuscation/homoglyph"):
        assert any(in_ranges(c, latin) for c in t) and any(in_ranges(c, lookalike) for c in t), t
    for t in _kind_rows(attacks, "attack/obfuscation/math"):
        assert sum(1 for c in t if 0x1D400 <= ord(c) <= 0x1D7FF) >= 5, t
    for t in _kind_rows(attacks, "attack/obfuscation/fullwidth"):
        assert sum(1 for c in t if 0xFF01 <= ord(c) <= 0xFF5E) >= 5, t
    for t in _kind_rows(attacks, "attack/obfuscation/zero-width"):
        assert sum(1 for c in t if c in "\u200b\u200c\u200d\u00ad") >= 5, t
    for t in _kind_rows(attacks, "attack/obfuscation/base64"):
        tokens = re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", t)
        decoded = []
        for tok in tokens:
            try:
                decoded.append(base64.b64decode(tok, validate=True).decode("utf-8"))
            except (binascii.Error, UnicodeDecodeError):
                pass
        assert any(len(d) >= 8 for d in decoded), t
    for t in _kind_rows(attacks, "attack/obfuscation/leetspeak"):
        assert sum(1 for c in t if c in "0134579@!|$") >= 3, t


def test_structured_telemetry_parses(benign):
    for n, rec in benign:
        t, kind = rec["text"], rec["kind"]
        if kind in ("telemetry/json", "telemetry/senml"):
            json.loads(t)
        m = re.match(r"^\$([A-Z]{5},[^*]*)\*([0-9A-F]{2})$", t)
        if m:                                   # NMEA 0183: XOR checksum must hold
            c = 0
            for ch in m.group(1):
                c ^= ord(ch)
            assert c == int(m.group(2), 16), "benign:%d bad NMEA checksum" % n
    assert sum(1 for _, rec in benign if rec["kind"] == "telemetry/nmea") >= 5


def test_generated_telemetry_is_reproducible(benign):
    spec = importlib.util.spec_from_file_location("heldout_device", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    made = mod.generate()
    assert len(made) == len(mod.FORMATS) * mod.DEFAULT_PER_FORMAT
    assert mod.generate() == made                       # a pure function of the seed
    assert mod.generate(seed=mod.DEFAULT_SEED + 1) != made
    have = [rec for _, rec in benign]
    for rec in made:
        assert rec in have, rec
    # the generator writes only numeric telemetry, a minority of the set
    assert len(made) * 4 < len(benign)


def test_readme_counts_match_files(benign, attacks):
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "never" in readme and "training" in readme
    stated = dict(re.findall(r"`(benign|attacks)\.jsonl`: (\d+) lines", readme))
    assert stated == {"benign": str(len(benign)), "attacks": str(len(attacks))}
