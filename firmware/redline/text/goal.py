"""GoalDriftDetector: the messages no longer talk about the goal (FLAG_DRIFTING).

The goal (objective) is tokenized once at construction; each message streams its
unigram token hashes in with ``begin()`` / ``token(hi, lo)`` (the pipeline wires
this to the classifier's observer, so drift costs no extra pass) and ``update()``
closes it. Among the first ``window`` tokens, each distinct goal word counts once,
so the score ``65535 - 65535 * matched // goal_words`` is bounded to 0..65535
(llmosafe counted repeats and could go negative, spec §17 defect 13). DRIFTING
is set when the score is strictly above the threshold; an empty goal never
drifts. Example on a seeded stream::

    >>> from redline.text.goal import GoalDriftDetector
    >>> from redline.text.tok import unigram_hashes
    >>> from redline.codes import FLAG_DRIFTING
    >>> d = GoalDriftDetector(b"pump pressure valve", 32767)
    >>> on_topic = unigram_hashes(b"pump pressure valve")
    >>> off_topic = unigram_hashes(b"pizza cheese weather")
    >>> seed = 3
    >>> for i in range(6):
    ...     words = on_topic if i < 4 else off_topic
    ...     d.begin()
    ...     for j in range(4):
    ...         seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    ...         h = words[(seed >> 16) % 3]
    ...         d.token(h >> 16, h & 0xFFFF)
    ...     _ = d.update()
    >>> d.score, d.flags == FLAG_DRIFTING  # the last messages share no goal word
    (65535, True)
"""
from array import array

from redline.compat import const

# redline.codes / redline.ladder numbers as private constants (no globals entry, no look-up;
# tests/firmware/test_text_consts.py checks them against the public names)
_FLAG_DRIFTING = const(0x02)

MAX_GOAL_WORDS = const(16)


class GoalDriftDetector:
    def __init__(self, goal=b"", threshold=32767, window=8, hashes=None):
        if not (0 <= threshold <= 65535):
            raise ValueError("drift: threshold must be 0..65535")
        if window < 1:
            raise ValueError("drift: window must be >= 1")
        if isinstance(goal, str):
            raise TypeError("drift: goal must be bytes")
        if hashes is None:
            # the byte classifier's word hashes; a format-2 pipeline passes its own (redline.text.feat)
            from redline.text.tok import unigram_hashes

            hashes = unigram_hashes(goal)
        self.threshold = threshold
        self.window = window
        self._goal_hi = array("H", [0] * MAX_GOAL_WORDS)
        self._goal_lo = array("H", [0] * MAX_GOAL_WORDS)
        n = 0
        for h in hashes:
            hi = h >> 16
            lo = h & 0xFFFF
            dup = False
            for j in range(n):
                if self._goal_hi[j] == hi and self._goal_lo[j] == lo:
                    dup = True
            if not dup and n < MAX_GOAL_WORDS:
                self._goal_hi[n] = hi
                self._goal_lo[n] = lo
                n += 1
        self.goal_words = n
        self.reset()

    def reset(self):
        self.score = 0
        self.flags = 0
        self._seen = 0
        self._tokens = 0

    def begin(self):
        self._seen = 0
        self._tokens = 0

    def mark_tokens(self, bitmap):
        """Set bit (lo & 0x1FFF) of a 1024-byte map for every goal word (observer pre-filter)."""
        for j in range(self.goal_words):
            x = self._goal_lo[j] & 0x1FFF
            bitmap[x >> 3] |= 1 << (x & 7)

    def skip(self):
        """A token that is no goal word: it only uses up the window."""
        self._tokens += 1

    def skipped(self, k):
        """``k`` tokens that are no goal word (``skip()`` ``k`` times)."""
        self._tokens += k

    def token(self, hi, lo):
        if self._tokens >= self.window:
            return
        self._tokens += 1
        gh = self._goal_hi
        gl = self._goal_lo
        for j in range(self.goal_words):
            if gl[j] == lo and gh[j] == hi:
                self._seen |= 1 << j
                return

    def update(self):
        """Close the message: score and flags."""
        n = self.goal_words
        if n == 0:
            self.flags = 0
            return 0
        seen = self._seen
        m = 0
        while seen:
            m += seen & 1
            seen >>= 1
        self.score = 65535 - (65535 * m) // n
        self.flags = _FLAG_DRIFTING if self.score > self.threshold else 0
        return self.flags
