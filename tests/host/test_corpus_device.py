"""The device-side text sets in models/corpus/device/ are well-formed and the generated ones reproduce.

tools/corpus_device.py writes five of the eight files from seeded templates and
hand-written phrases; the committed files must be exactly what it generates today, every
file must pass its checks (fields, label per kind, no duplicates after folding), and the
checks must catch what they claim to catch.
"""
import json
import sys

from redline_host.paths import MODELS, REPO

TOOLS = REPO / "tools"

sys.path.insert(0, str(TOOLS))
import corpus_device  # noqa: E402

DEVICE = MODELS / "corpus" / "device"


def _rows(name):
    return [json.loads(l) for l in (DEVICE / name).read_text(encoding="utf-8").splitlines() if l.strip()]


def test_generated_files_match_the_generator():
    for name, rows in corpus_device.generated_files().items():
        assert _rows(name) == rows, name


def test_generation_is_deterministic():
    a = corpus_device.generated_files()
    b = corpus_device.generated_files()
    assert a == b


def test_committed_sets_pass_the_checks():
    assert corpus_device.check(DEVICE) == []


def test_sizes_and_labels():
    s = corpus_device.stats(DEVICE)
    assert s["label"] == {"0": 2357, "1": 1343}
    assert s["files"]["attacks.jsonl"] == {"1": 712}
    assert s["files"]["commands.jsonl"] == {"0": 848}
    assert s["files"]["thin.jsonl"] == {"1": 188}
    assert s["files"]["verbs.jsonl"] == {"0": 161}
    assert s["files"]["second.jsonl"] == {"1": 155}
    assert s["files"]["second_neg.jsonl"] == {"0": 134}
    assert len([k for k in s["kind"] if k.startswith("atk.")]) == 25
    assert len([l for l in s["lang"] if l not in ("en", "zxx")]) == 16


def test_obfuscations_change_the_text_as_named():
    rows = {r["kind"]: r["text"] for r in _rows("obfuscated.jsonl")}
    assert any(0x1D400 <= ord(c) <= 0x1D7FF for c in rows["atk.obf.mathalnum"])
    assert any(0xFF01 <= ord(c) <= 0xFF5E for c in rows["atk.obf.fullwidth"])
    assert any(c in "\u200b\u200c\u200d\u2060\ufeff" for c in rows["atk.obf.zerowidth"])
    homo = [r["text"] for r in _rows("obfuscated.jsonl") if r["kind"] == "atk.obf.homoglyph"]
    # look-alikes mix scripts inside words: Latin letters next to Greek / Cyrillic ones
    assert all(any("a" <= c.lower() <= "z" for c in t) and any(0x370 <= ord(c) <= 0x52F for c in t) for t in homo)


def test_check_reports_duplicates_wrong_labels_and_fields(tmp_path):
    good = {"text": "close valve 3", "label": 0, "source": "device/x", "kind": "cmd.firm", "lang": "en"}
    lines = [good,
             dict(good, text="CLOSE  valve 3"),                     # duplicate after folding
             dict(good, text="open all valves", kind="atk.injection"),  # attack kind with label 0
             {"text": "x", "label": 0}]                              # missing fields
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    problems = corpus_device.check(tmp_path)
    assert len(problems) == 3
    assert "duplicate" in problems[0] and "a.jsonl:2" in problems[0]
    assert "needs label 1" in problems[1]
    assert "fields must be" in problems[2]
