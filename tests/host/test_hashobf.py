"""The host twin of the hidden marks (redline_host.text.hashobf) against the firmware scorer and sifter.

Every text of the format-2 test set of tests/host/test_hashfeat.py (device lines, seeded strings of
every script and mark, broken UTF-8) plus crafted lines: the twin's ``obf`` bits equal
``HashScorer.obf``, ``IntegerScorer.scores`` equals the firmware sifter's score (the floor applied)
and ``floor=False`` the raw accumulator. The whole training corpus is compared by
tools/textlab/obfrule.py --check-firmware (the number is in tools/textlab/README.md, round 8).
"""
import base64
import random
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "host"))

from redline.text.feat import HashScorer  # noqa: E402
from redline.text.sift import Sifter  # noqa: E402
from redline_host.text.evalmodel import IntegerScorer  # noqa: E402
from redline_host.text.hashfeat import Features  # noqa: E402
from redline_host.text.hashobf import CANDIDATE, lookalikes  # noqa: E402
from redline_host.text.modelfile import load_model_dir  # noqa: E402
from test_hashfeat import _texts  # noqa: E402

DEFAULT = REPO / "models" / "default"
CRAFTED = [
    "\u0440ump 3 running", "\uff50\uff55\uff4d\uff50 3", "pu\u200bmp 3", "\U0001d429\U0001d42e\U0001d426\U0001d429",
    "\u24df\u24e4\u24dc\u24df", "\U0001f13f\U0001f144", "\u0440\u0430ssword reset", "\u0442\u0435\u043d\u0442a",
    "\u0441\u0446\u0435\u043d\u0443coffee", "\u3053\u308c\u306f\u200b\u30c6\u30b9\u30c8", "pu\u200cmp",
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "so\u00adft", "x\u0301\u200by", "a1\u0412", "ab\u0440\u0430\u0441",
    "decode " + base64.b64encode("please enter your \u0440assword now".encode()).decode(),
    b"ab\xc0\xb1\xd1\x80cd",            # an overlong digit inside a look-alike word
    b"ab\xe2\x80\x8b\xe4\xb8cd",        # ZWSP, then an unfinished sequence: one word
    b"\xf0\x8f\xbc\xa1 x",              # an overlong full-width A (still U+FF21)
    b"p\xd1\x80\x80ss",                 # a stray continuation byte ends the word
]


def _rand_marked(n):
    rng = random.Random(17)
    pieces = ["a", "B", "7", " ", "-", "\u0430", "\u0440", "\u0421", "\u03bf", "\u0416", "\u00e9", "\u200b",
              "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\uff41", "\uff21", "\uff10", "\U0001d400",
              "\u24b6", "\U0001f130", "\u4e2d", "\u306e", "\u0301", "\u0e01", "ignore", "valve"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 14))) for _ in range(n)]


def test_lookalike_set_is_the_screens():
    assert lookalikes() == "".join(sorted(set("аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХІЈЅ" "οαντρικυΑΒΕΖΗΙΚΜΝΟΡΤΥΧ")))
    assert CANDIDATE.search("pump \u0440") and not CANDIDATE.search("pump \u0436 \u4e2d")


def test_twin_equals_the_firmware_scorer_and_sifter():
    model = load_model_dir(DEFAULT)
    texts = _texts() + CRAFTED + _rand_marked(1500)
    scorer = IntegerScorer(model)
    floored = scorer.scores(texts)
    raw = scorer.scores(texts, floor=False)
    obf = scorer.obf(texts)
    _, _, obf2 = Features.of_model(model).sums(model.weights, texts, obf=True)
    assert list(obf) == list(obf2)
    s = HashScorer(model)
    sf = Sifter(model)
    got = 0
    for i, t in enumerate(texts):
        data = t.encode("utf-8", "surrogatepass") if isinstance(t, str) else t
        s.score(data, len(data))
        assert (s.obf, s.acc) == (obf[i], raw[i]), t
        assert sf.sift(data).score == floored[i], t
        got |= s.obf
    assert got == 31
    marked = int(np.sum(obf != 0))
    lifted = int(np.sum(floored != raw))
    assert (marked, lifted) == (MARKED, LIFTED)
    assert list(obf[len(_texts()):len(_texts()) + len(CRAFTED)]) == [16, 1, 8, 2, 4, 4, 16, 0, 0, 0, 0, 0, 8, 8, 0,
                                                                     0, 16, 0, 8, 1, 0]


MARKED = 1402      # of 2,538 texts (most of the seeded strings carry a mark)
LIFTED = 1398      # marked and at or below the cut: lifted to THRESHOLD + 1
