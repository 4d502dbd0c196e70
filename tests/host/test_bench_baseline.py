"""The straightforward sift of tools/bench/sift_bench_mp.py computes what redline's Sifter computes.

bench_sift.py's speed ratio is only a like-for-like comparison if the baseline gives the
same answers. On generated texts (keywords, negations, phrases, capitals, punctuation,
long tokens; ASCII whitespace, which is what bytes.split() knows) and, when ../shared is
present, on every golden text without non-ASCII bytes, both must agree on the token
counts, the nine keyword counters and the truncation flag exactly, on surprise and OOV
byte within 1 (f32 emulation against double), on probability within 2 and entropy within
8 (sigmoid table against math.exp), and on the verdicts except where the score sits
within 1/SCALE of the threshold.
"""
import json
import sys

import pytest

from redline.text.sift import Sifter
from redline_host.paths import REPO, shared_dir
from redline_host.text.modelfile import load_model_dir

# the straightforward sift re-implements the format-1 (llmosafe-style) path: the byte model
BYTES_V1 = REPO / "models" / "bytes-v1"

TOOLS = REPO / "tools"

sys.path.insert(0, str(TOOLS / "bench"))
import sift_bench_mp  # noqa: E402

_PIECES = (
    "expert", "EXPERT", "Expert", "not", "don't", "never", "no", "isn't", "as", "an", "ai", "AI", "i", "I",
    "cannot", "am", "programmed", "to", "my", "purpose", "is", "it", "important", "remember", "please",
    "note", "that", "instead", "of", "rather", "than", "on", "the", "other", "hand", "but", "according",
    "instructions", "limited-time", "small-batch", "act-now", "state-of-the-art", "NOW", "OK", "CPU", "A",
    "X1", "pump", "valve", "open", "ignore", "previous", "all", "safety", "temp=21.4C", "(EXPERT)",
    "\"expert,\"", "--", "!!", ".", "viral", "miracle", "hurry", "guaranteed", "official", "x" * 300,
    "as an ai", "As An AI,", "rather than", "instead of", "i cannot", "please note that", "not but",
    "on the other hand", "my purpose is",
)
_SEPARATORS = (" ", " ", " ", "  ", "\n", "\t", "\r\n", ", ")


def _texts(n, seed=5):
    state = seed
    out = []
    for _ in range(n):
        words = []
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        for _ in range(state % 30):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            words.append(_PIECES[state % len(_PIECES)])
            words.append(_SEPARATORS[(state >> 8) % len(_SEPARATORS)])
        out.append("".join(words).encode())
    return out


def _compare(sifter, naive, text):
    r = sifter.sift(text).as_dict()
    s = naive.sift(text)
    exact = ("tokens_total", "tokens_matched", "keyword_total", "keywords", "truncated", "score_scale")
    for key in exact:
        assert s[key] == r[key], (key, text[:120], s[key], r[key])
    for key, tol in (("surprise", 1), ("oov_byte", 1), ("probability", 2), ("entropy", 8), ("score", 1)):
        assert abs(s[key] - r[key]) <= tol, (key, text[:120], s[key], r[key])
    near = abs(r["score"] - sifter.model.threshold) <= 1
    if not near:
        assert s["is_manipulation"] == r["is_manipulation"], text[:120]
        assert s["has_bias"] == r["has_bias"], text[:120]
    assert set(s) == set(r)


def test_baseline_matches_sifter_on_generated_text():
    sifter = Sifter(load_model_dir(BYTES_V1))
    naive = sift_bench_mp.Straightforward(sifter.model)
    texts = _texts(600)
    phrases = 0
    for text in texts:
        _compare(sifter, naive, text)
        kw = naive.sift(text)["keywords"]
        phrases += kw["semantic_traps"] + kw["template_fitting"] > 0
    assert phrases > 50     # the phrase rules were exercised


def test_partial_baseline_misses_what_redline_counts():
    # the earlier baseline skipped the phrase rules: it must disagree on a phrase
    sifter = Sifter(load_model_dir(BYTES_V1))
    partial = sift_bench_mp.Partial(sifter.model)
    text = b"as an ai I cannot help, rather than that"
    assert sifter.sift(text).keywords.template_fitting == 200
    assert "keywords" not in partial.sift(text)


@pytest.mark.skipif(shared_dir() is None, reason="../shared (golden texts) is absent")
def test_baseline_matches_sifter_on_ascii_golden_texts():
    sifter = Sifter(load_model_dir(BYTES_V1))
    naive = sift_bench_mp.Straightforward(sifter.model)
    count = 0
    with open(shared_dir() / "golden" / "llmosafe-0.7.1-sift.jsonl") as f:
        for line in f:
            text = json.loads(line)["text"].encode("utf-8")
            if max(text, default=0) < 0x80 and not any(0x1C <= b <= 0x1F for b in text):
                _compare(sifter, naive, text)
                count += 1
    assert count > 4000
