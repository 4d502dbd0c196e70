"""GoalDriftDetector: bounded drift score on objective words (spec §8.2, §17 defect 13)."""
from redline.text.goal import GoalDriftDetector
from redline.codes import FLAG_DRIFTING
from redline.text.tok import unigram_hashes


def _observe(d, text):
    d.begin()
    for h in unigram_hashes(text):
        d.token(h >> 16, h & 0xFFFF)
    return d.update()


def test_aligned_and_drifting():
    d = GoalDriftDetector(b"rust safety library", 32767)
    assert _observe(d, b"rust provides memory safety") == 0
    assert d.score == 65535 - (65535 * 2) // 3
    assert _observe(d, b"python is a great language for web development") == FLAG_DRIFTING
    assert d.score == 65535


def test_exact_match_and_threshold_is_strict():
    d = GoalDriftDetector(b"safety critical rust library", 32767)
    assert _observe(d, b"safety critical rust library") == 0 and d.score == 0
    assert _observe(d, b"python web framework") == FLAG_DRIFTING
    # 2 of 4 goal words: score 32768 > 32767 -> drifting; at threshold 32768 not
    assert _observe(d, b"safety rust") == FLAG_DRIFTING and d.score == 32768
    d2 = GoalDriftDetector(b"safety critical rust library", 32768)
    assert _observe(d2, b"safety rust") == 0


def test_empty_goal_never_drifts():
    d = GoalDriftDetector(b"", 0)
    assert _observe(d, b"anything at all") == 0 and d.score == 0
    d = GoalDriftDetector(b"goal", 32767)
    assert _observe(d, b"") == FLAG_DRIFTING and d.score == 65535


def test_defect13_drift_score_bounded_when_goal_words_repeat():
    d = GoalDriftDetector(b"a", 32767)
    assert _observe(d, b"a a") == 0
    assert d.score == 0          # llmosafe: -1.0
    d = GoalDriftDetector(b"pump pump valve", 32767)
    assert d.goal_words == 2
    _observe(d, b"pump pump pump pump")
    assert d.score == 32768
    seed = 17
    words = (b"pump", b"valve", b"pizza", b"a")
    for _ in range(200):
        d.begin()
        for _ in range(12):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            h = unigram_hashes(words[(seed >> 16) % 4])[0]
            d.token(h >> 16, h & 0xFFFF)
        d.update()
        assert 0 <= d.score <= 65535


def test_only_the_first_window_tokens_count():
    d = GoalDriftDetector(b"valve", 32767, window=3)
    assert _observe(d, b"one two three valve") == FLAG_DRIFTING
    assert _observe(d, b"one two valve") == 0


def test_no_cross_instance_leakage():
    a = GoalDriftDetector(b"build a rust safety library", 32767)
    b = GoalDriftDetector(b"write python scripts", 32767)
    assert _observe(a, b"python code") == FLAG_DRIFTING
    assert _observe(b, b"python scripts") == 0 and b.score == 65535 - (65535 * 2) // 3


def test_reset():
    d = GoalDriftDetector(b"goal", 32767)
    _observe(d, b"other")
    d.reset()
    assert d.flags == 0 and d.score == 0


def test_goal_must_be_bytes():
    try:
        GoalDriftDetector("text goal")
    except TypeError:
        return
    assert False
