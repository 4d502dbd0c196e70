"""Keyword bias path against llmosafe v0.7.1's own output on every golden text.

Needs ../shared/golden/llmosafe-0.7.1-sift.jsonl (the reference's output for
5,474 texts); skipped with a message when ../shared is absent.
"""
import json

import pytest

from redline.text.kw import CATEGORY_NAMES, BiasBreakdown, KeywordScanner, calculate_halo
from redline_host.paths import shared_dir

GOLDEN_NAME = "llmosafe-0.7.1-sift.jsonl"
GOLDEN_LINES = 5474


def _golden_rows():
    shared = shared_dir()
    if shared is None:
        pytest.skip("../shared (llmosafe golden vectors) is absent; set REDLINE_SHARED to run")
    path = shared / "golden" / GOLDEN_NAME
    if not path.is_file():
        pytest.skip("golden file %s is absent" % path)
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_every_golden_line_matches():
    rows = _golden_rows()
    assert len(rows) == GOLDEN_LINES
    scanner = KeywordScanner()
    out = BiasBreakdown()
    mismatches = []
    for number, row in enumerate(rows, 1):
        data = row["text"].encode("utf-8")
        total = scanner.scan(data, len(data), out)
        if out.as_dict() != row["keywords"] or total != row["keyword_total"]:
            mismatches.append((number, row["text"][:80], out.as_dict(), row["keywords"]))
    assert not mismatches, "%d of %d lines differ; first: %r" % (
        len(mismatches), len(rows), mismatches[0])


def test_golden_file_exercises_every_counter():
    # Guards the test above against a golden file that would leave a category untested.
    rows = _golden_rows()
    for name in CATEGORY_NAMES:
        assert any(row["keywords"][name] > 0 for row in rows), name
    assert any(row["keyword_total"] == 65535 for row in rows)


def test_reference_saturation_input():
    # The reference's test_halo_signal_very_long input, exactly (70 KB: host only).
    assert calculate_halo("expert " * 10000) == 65535
    assert calculate_halo("EXPERT " * 10000) == 65535
