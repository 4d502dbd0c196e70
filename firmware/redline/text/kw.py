"""Keyword bias: llmosafe v0.7.1's nine saturating counters, computed on UTF-8 bytes.

The reference (llmosafe ``get_bias_breakdown``) splits text on Unicode
whitespace, trims ASCII punctuation from each word, folds ASCII case and counts
keyword categories (+100 each), ALL-CAPS words (+50 emphasis) and multi-word
phrases (+100 once per phrase); a negation word hides the next six words.
Here that runs on bytes, never decoded, in one streaming pass that allocates
nothing once a ``KeywordScanner`` exists::

    from redline.text.kw import KeywordScanner, BiasBreakdown
    scanner = KeywordScanner()
    out = BiasBreakdown()
    msg = b"THE EXPERT SAYS"
    scanner.scan(msg, len(msg), out)          # -> 250
    out.authority, out.emphasis               # -> (100, 150)

    from redline.text.kw import calculate_halo
    calculate_halo("The agent is not an expert.")   # -> 0 (negated)

Semantics pinned against the reference's own output (golden file, 5,474 texts):

- words: maximal runs between separators; separators are the ASCII whitespace
  bytes (space, \\t, \\n, \\x0b, \\x0c, \\r) and the UTF-8 encodings of U+0085,
  U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000
  (Rust ``split_whitespace``; \\x1c..\\x1f are not separators);
- a word made only of punctuation trims to empty; it still counts as a word:
  it uses up one step of the negation window and breaks phrase windows;
- invalid UTF-8: each byte that is not part of a separator sequence is an
  ordinary, non-letter character. That is what the reference computes on
  ``String::from_utf8_lossy`` of the same bytes (a separator sequence starts
  with a lead byte, where lossy decoding always resynchronises; the U+FFFD it
  substitutes is neither a letter nor a keyword byte).

Why one module of 580 lines: there is a seam -- the word lists and the table
builders (about 200 lines) against the scanner -- but both sides share a dozen
private compile-time constants (``_FLAG_NEGATION``, ``_RING_MASK``...). On
MicroPython a ``_NAME = const(...)`` is inlined and never becomes a module
attribute, so it cannot be imported from a second module: a split would make
them public (a RAM dict entry each, on every board) or define them twice. The
builders run once at import and delete themselves, so their bytecode costs no
RAM afterwards either way.
"""

from redline.compat import const, zeros
from redline.text.bias import CATEGORY_NAMES, BiasBreakdown  # noqa: F401  (re-exported: the API)

COUNTER_MAX = const(65535)
KEYWORD_POINTS = const(100)
EMPHASIS_POINTS = const(50)
NEGATION_WINDOW = const(6)

# Word lists of llmosafe v0.7.1 (spec section 4.1), in reference category order.
_SINGLE_WORD_LISTS = (
    "expert experts official officials government doctor doctors scientist"
    " scientists guaranteed certified proven",
    "everyone thousands millions trending viral bestseller bestsellers"
    " testimonials consensus majority crowd",
    "limited rare exclusive handcrafted small-batch collectible"
    " once-in-a-lifetime restricted shortage vanishing low-stock"
    " while-supplies-last sold-out member-only",
    "hurry rush deadline expiring immediately limited-time last-chance act-now"
    " don't-wait",
    "fear shocking miracle incredible tragic desperate heartwarming devastating"
    " thrilling terrifying",
    "sophisticated cutting-edge state-of-the-art revolutionary revolutionaries"
    " patented breakthrough breakthroughs proprietary paradigm holistic synergy",
)
_PHRASE_LISTS = (
    (6, ("not but", "instead of", "rather than", "on the other hand")),
    (7, ("as an ai", "my purpose is", "according to my instructions",
         "it is important to remember", "please note that", "i cannot",
         "i am programmed to")),
)
_NEGATIONS = ("not no never none neither nor hardly scarcely barely doesn't"
              " isn't wasn't shouldn't won't don't")

_EMPHASIS = const(8)
_RING_MASK = const(7)           # ring of the last 8 words; longest phrase has 5
_FLAG_CATEGORY = const(7)       # low bits: category index + 1, 0 = none
_FLAG_NEGATION = const(8)
_FIRST_LETTER = const(97)       # b"a"
_LETTERS = const(26)

# Byte classes for splitting: 0 ordinary, 1 ASCII whitespace, 2 lead byte of a
# possible multi-byte Unicode whitespace character (0xC2, 0xE1, 0xE2, 0xE3).
_CLASS_SPACE = const(1)
_CLASS_LEAD = const(2)


def _build_byte_tables():
    kind = bytearray(256)
    for b in (9, 10, 11, 12, 13, 32):
        kind[b] = _CLASS_SPACE
    for b in (0xC2, 0xE1, 0xE2, 0xE3):
        kind[b] = _CLASS_LEAD
    punct = bytearray(256)
    for b in b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~":
        punct[b] = 1
    fold = bytearray(range(256))
    for b in range(65, 91):
        fold[b] = b + 32
    return bytes(kind), bytes(punct), bytes(fold)


def _build_vocabulary():
    """Give every known word an id and lay the words out for length-first lookup.

    Ids are assigned in (length, first letter) order, so the candidates for a
    word of length L starting with letter c are the id range
    ``bucket[L*26+c] .. bucket[L*26+c+1]``; ``offsets[id]`` locates the word in
    ``blob``. Id 0 means "not a known word".
    """
    flags_by_word = {}
    for index, words in enumerate(_SINGLE_WORD_LISTS):
        for word in words.split():
            # One category per word keeps the flags a byte; the lists share no word.
            if word in flags_by_word or not "a" <= word[0] <= "z":
                raise ValueError("keyword lists: " + word)
            flags_by_word[word] = index + 1
    for word in _NEGATIONS.split():
        flags_by_word[word] = flags_by_word.get(word, 0) | _FLAG_NEGATION
    for _, phrases in _PHRASE_LISTS:
        for phrase in phrases:
            for word in phrase.split():
                flags_by_word.setdefault(word, 0)
    words = sorted(flags_by_word, key=lambda w: (len(w), w))
    max_len = len(words[-1])
    if len(words) > 254:
        raise ValueError("vocabulary too large for byte ids")
    word_id = {}
    flags = bytearray(len(words) + 1)
    offsets = zeros("H", len(words) + 2)
    parts = []
    position = 0
    for i, word in enumerate(words):
        wid = i + 1
        word_id[word] = wid
        flags[wid] = flags_by_word[word]
        offsets[wid] = position
        parts.append(word.encode())
        position += len(word)
    offsets[len(words) + 1] = position
    buckets = bytearray((max_len + 1) * _LETTERS + 1)
    # buckets[k] = first id whose (length, letter) key is >= k
    wid = 1
    for key in range(len(buckets)):
        while wid <= len(words) and (
                len(words[wid - 1]) * _LETTERS + ord(words[wid - 1][0]) - _FIRST_LETTER) < key:
            wid += 1
        buckets[key] = wid
    # Phrases as id sequences; ends[id] = bitmask of phrases whose last word is id.
    phrase_ids = bytearray()
    phrase_offsets = bytearray([0])
    phrase_counter = bytearray()
    ends = zeros("H", len(words) + 1)
    for counter, phrases in _PHRASE_LISTS:
        for phrase in phrases:
            ids = [word_id[w] for w in phrase.split()]
            ends[ids[-1]] |= 1 << len(phrase_counter)
            phrase_ids.extend(bytes(ids))
            phrase_offsets.append(len(phrase_ids))
            phrase_counter.append(counter)
    return (b"".join(parts), offsets, bytes(buckets), max_len, bytes(flags),
            bytes(phrase_ids), bytes(phrase_offsets), bytes(phrase_counter), ends)


# Word triggers for a tokenizer that streams the message (redline.text.clf).
TRIGGER_WORD = const(1)
TRIGGER_PHRASE_LAST = const(2)
TRIGGER_PHRASE_PREV = const(4)
TOKEN_FLAGS_MASK = const(0x7FF)    # 2 KB table: about 4 % of other tokens hit a flag


def _build_token_flags():
    """TOKEN_FLAGS[lo & TOKEN_FLAGS_MASK] for the first alphanumeric run of every known word.

    ``lo`` is the low half of the token hash (redline.text.tok). A trimmed word
    that is a known word starts with a letter, so its first token is the known
    word's first run ("don" for "don't"): a word none of whose tokens has a flag
    cannot change any counter. Bits: TRIGGER_WORD for keywords and negations,
    TRIGGER_PHRASE_LAST / TRIGGER_PHRASE_PREV for the last and the second-to-last
    word of a phrase (a phrase can only end on a LAST word right after a PREV word).
    """
    table = bytearray(TOKEN_FLAGS_MASK + 1)

    def mark(word, bit):
        lo = 0x2325
        for ch in word.encode():
            if not (48 <= ch <= 57 or 97 <= ch <= 122):
                break
            lo = ((lo ^ ch) * 0x1B3) & 0xFFFF
        table[lo & TOKEN_FLAGS_MASK] |= bit

    for words in _SINGLE_WORD_LISTS:
        for word in words.split():
            mark(word, TRIGGER_WORD)
    for word in _NEGATIONS.split():
        mark(word, TRIGGER_WORD)
    for _, phrases in _PHRASE_LISTS:
        for phrase in phrases:
            words = phrase.split()
            mark(words[-1], TRIGGER_PHRASE_LAST)
            mark(words[-2], TRIGGER_PHRASE_PREV)
    return bytes(table)


_KIND, _PUNCT, _FOLD = _build_byte_tables()
(_BLOB, _OFFSETS, _BUCKETS, _MAX_WORD, _FLAGS,
 _PHRASE_IDS, _PHRASE_OFFSETS, _PHRASE_COUNTER, _PHRASE_ENDS) = _build_vocabulary()
TOKEN_FLAGS = _build_token_flags()
_BUFFER_TYPES = (bytes, bytearray, memoryview)
# The builders run once; dropping them returns their bytecode to the heap.
del _build_byte_tables, _build_vocabulary, _build_token_flags


class KeywordScanner:
    """Computes a BiasBreakdown for a bytes-like message; no allocation per scan.

    Two ways in, with identical results: ``scan()`` walks the bytes itself;
    ``begin()``, ``word()`` for the words that matter, ``finish()`` let a loop
    that already walks the message (redline.text.clf) hand over only the
    words whose tokens hit TOKEN_FLAGS, each with its index among all words.
    """

    def __init__(self):
        self._counts = zeros("H", 9)
        self._ring_ids = bytearray(_RING_MASK + 1)
        self._ring_negated = bytearray(_RING_MASK + 1)
        self.token_flags = TOKEN_FLAGS
        # word() state: indices of the last 8 negation words, phrases counted
        self._negations = zeros("i", _RING_MASK + 1)
        self._negation_count = 0
        self._last_negation = -NEGATION_WINDOW - 1
        self._found = 0
        self._dirty = False

    def begin(self):
        """Start a message for word()."""
        if self._dirty:
            counts = self._counts
            for k in range(9):
                counts[k] = 0
            self._dirty = False
        self._negation_count = 0
        self._last_negation = -NEGATION_WINDOW - 1
        self._found = 0

    def word(self, data, s, e, index):
        """Count data[s:e], the word number ``index`` (from 0) of the message.

        Words come in message order; a word that is left out must be one that
        cannot count: no token of it has a TOKEN_FLAGS bit (TRIGGER_PHRASE_LAST
        may be left out unless the word before had TRIGGER_PHRASE_PREV), and it
        is not an ALL-CAPS candidate (a token starting with two capitals).
        """
        start = s
        punct = _PUNCT
        while s < e and punct[data[s]]:
            s += 1
        while e > s and punct[data[e - 1]]:
            e -= 1
        n = e - s
        wid = _word_id(data, s, n)
        f = _FLAGS[wid]
        negated = index - self._last_negation <= NEGATION_WINDOW
        if f & _FLAG_NEGATION:
            self._negations[self._negation_count & _RING_MASK] = index
            self._negation_count += 1
            self._last_negation = index
        counts = self._counts
        if not negated and _count_word(counts, f, data, s, e):
            self._dirty = True
        if wid:
            pending = _PHRASE_ENDS[wid] & ~self._found
            p = 0
            while pending:
                if pending & 1 and self._phrase_before(p, data, start, index):
                    self._found |= 1 << p
                    c = _PHRASE_COUNTER[p]
                    v = counts[c] + KEYWORD_POINTS
                    counts[c] = v if v < COUNTER_MAX else COUNTER_MAX
                    self._dirty = True
                pending >>= 1
                p += 1

    def _phrase_before(self, p, data, start, index):
        """True when the words before the one at ``start`` (number ``index``) complete phrase p."""
        a = _PHRASE_OFFSETS[p]
        m = _PHRASE_OFFSETS[p + 1] - 2
        first = index - (m + 1 - a)
        if first < 0:
            return False
        while m >= a:
            e = _previous_word_end(data, start)
            start = _word_start(data, e)
            s = start
            punct = _PUNCT
            while s < e and punct[data[s]]:
                s += 1
            while e > s and punct[data[e - 1]]:
                e -= 1
            if _word_id(data, s, e - s) != _PHRASE_IDS[m]:
                return False
            m -= 1
        # the phrase's first word must not be negated: no negation word in the 6 before it
        negations = self._negations
        k = self._negation_count
        stop = k - _RING_MASK - 1
        if stop < 0:
            stop = 0
        while k > stop:
            k -= 1
            x = negations[k & _RING_MASK]
            if x < first:
                return first - x > NEGATION_WINDOW
        return True

    def finish(self, out):
        """Write the counters of the message begun with begin() to ``out``; return the total."""
        counts = self._counts
        out.authority = counts[0]
        out.social_proof = counts[1]
        out.scarcity = counts[2]
        out.urgency = counts[3]
        out.emotional_appeal = counts[4]
        out.expertise_signaling = counts[5]
        out.semantic_traps = counts[6]
        out.template_fitting = counts[7]
        out.emphasis = counts[8]
        return out.total()

    def scan(self, data, length, out):
        """Overwrite ``out`` with the breakdown of ``data[:length]``; return its total.

        ``data`` is bytes, bytearray or a byte memoryview holding UTF-8 text;
        only its first ``length`` bytes are read (nothing is copied).
        """
        if not isinstance(data, _BUFFER_TYPES):
            raise TypeError("data must be bytes, bytearray or memoryview")
        if length < 0 or length > len(data):
            raise ValueError("length out of range")
        self.begin()
        self.stream(data, length)
        return self.finish(out)

    def stream(self, data, length):
        """Count every word of data[:length] into the message begun with begin()."""
        self._dirty = True
        counts = self._counts
        ring_ids = self._ring_ids
        ring_negated = self._ring_negated
        for k in range(_RING_MASK + 1):
            ring_ids[k] = 0
            ring_negated[k] = 0
        kind = _KIND
        punct = _PUNCT
        flags = _FLAGS
        phrase_ends = _PHRASE_ENDS
        slot = 0            # ring position of the current word
        ttl = 0             # words still hidden by the last negation
        found = 0           # bitmask of phrases already counted
        i = 0
        while i < length:
            # Skip separators up to the first byte of a word.
            k = kind[data[i]]
            if k:
                step = 1 if k == _CLASS_SPACE else unicode_space_length(data, i, length)
                if step:
                    i += step
                    continue
            s = i
            i += 1
            # Run to the next separator (or the end); step = its length in bytes.
            while True:
                while i < length and not kind[data[i]]:
                    i += 1
                if i >= length:
                    step = 0
                    break
                k = kind[data[i]]
                step = 1 if k == _CLASS_SPACE else unicode_space_length(data, i, length)
                if step:
                    break
                i += 1
            e = i
            i += step
            # One word: data[s:e], trimmed of ASCII punctuation on both ends.
            while s < e and punct[data[s]]:
                s += 1
            while e > s and punct[data[e - 1]]:
                e -= 1
            wid = _word_id(data, s, e - s)
            negated = ttl > 0
            f = flags[wid]
            if f & _FLAG_NEGATION:
                ttl = NEGATION_WINDOW
            elif ttl:
                ttl -= 1
            if not negated:
                _count_word(counts, f, data, s, e)
            ring_ids[slot] = wid
            ring_negated[slot] = 1 if negated else 0
            if wid:
                pending = phrase_ends[wid] & ~found
                p = 0
                while pending:
                    if pending & 1 and _phrase_ends_here(p, ring_ids, ring_negated, slot):
                        found |= 1 << p
                        c = _PHRASE_COUNTER[p]
                        v = counts[c] + KEYWORD_POINTS
                        counts[c] = v if v < COUNTER_MAX else COUNTER_MAX
                    pending >>= 1
                    p += 1
            slot = (slot + 1) & _RING_MASK


def _count_word(counts, f, data, s, e):
    """Count the trimmed, not negated word data[s:e] with flags f: its category (+100) and
    ALL-CAPS emphasis (+50), both saturating; True when a counter moved."""
    moved = False
    f &= _FLAG_CATEGORY
    if f:
        v = counts[f - 1] + KEYWORD_POINTS
        counts[f - 1] = v if v < COUNTER_MAX else COUNTER_MAX
        moved = True
    if e - s >= 2 and 65 <= data[s] <= 90:
        j = s + 1
        while j < e and 65 <= data[j] <= 90:
            j += 1
        if j == e:
            v = counts[_EMPHASIS] + EMPHASIS_POINTS
            counts[_EMPHASIS] = v if v < COUNTER_MAX else COUNTER_MAX
            moved = True
    return moved


def _word_id(data, s, n):
    """Id of the known word data[s:s+n] (ASCII case folded), 0 when it is not one."""
    if 0 < n <= _MAX_WORD:
        fold = _FOLD
        first = fold[data[s]] - _FIRST_LETTER
        if 0 <= first < _LETTERS:
            key = n * _LETTERS + first
            c = _BUCKETS[key]
            last = _BUCKETS[key + 1]
            blob = _BLOB
            while c < last:
                o = _OFFSETS[c]
                j = 1
                while j < n and fold[data[s + j]] == blob[o + j]:
                    j += 1
                if j == n:
                    return c
                c += 1
    return 0


def _separator_ending_at(data, q):
    """Length of the separator (ASCII or Unicode whitespace) whose last byte is data[q], or 0.

    Exact backwards: a separator starts with an ASCII byte or a lead byte, and a
    lead byte is never inside another separator, so the forward split saw it too.
    """
    b = data[q]
    if b < 0x80:
        return 1 if _KIND[b] else 0
    if b >= 0xC0:
        return 0
    if q >= 1 and data[q - 1] == 0xC2:
        return 2 if b == 0x85 or b == 0xA0 else 0
    if q >= 2 and _KIND[data[q - 2]] == _CLASS_LEAD and unicode_space_length(data, q - 2, q + 1) == 3:
        return 3
    return 0


def _previous_word_end(data, start):
    """End (exclusive) of the word before the one starting at ``start``, or -1 at the start."""
    q = start - 1
    while q >= 0:
        k = _separator_ending_at(data, q)
        if not k:
            return q + 1
        q -= k
    return -1


def _word_start(data, end):
    """First byte of the word that ends (exclusive) at ``end``; 0 when end < 0 (no word)."""
    q = end - 1
    while q > 0 and not _separator_ending_at(data, q - 1):
        q -= 1
    return q if q > 0 else 0


def unicode_space_length(data, i, length):
    """Byte length of the Unicode White_Space character at data[i], or 0."""
    b = data[i]
    if i + 1 >= length:
        return 0
    b1 = data[i + 1]
    if b == 0xC2:
        return 2 if b1 == 0x85 or b1 == 0xA0 else 0
    if i + 2 >= length:
        return 0
    b2 = data[i + 2]
    if b == 0xE2:
        if b1 == 0x80:      # U+2000..U+200A, U+2028, U+2029, U+202F
            return 3 if 0x80 <= b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF else 0
        return 3 if b1 == 0x81 and b2 == 0x9F else 0        # U+205F
    if b == 0xE1:
        return 3 if b1 == 0x9A and b2 == 0x80 else 0        # U+1680
    return 3 if b1 == 0x80 and b2 == 0x80 else 0            # 0xE3: U+3000


def _phrase_ends_here(p, ring_ids, ring_negated, slot):
    """True when phrase p's words fill the ring up to slot and its first is not negated."""
    a = _PHRASE_OFFSETS[p]
    b = _PHRASE_OFFSETS[p + 1]
    first_slot = (slot - (b - a - 1)) & _RING_MASK
    if ring_negated[first_slot]:
        return False
    k = first_slot
    while a < b:
        if ring_ids[k] != _PHRASE_IDS[a]:
            return False
        a += 1
        k = (k + 1) & _RING_MASK
    return True


_shared_scanner = None


def get_bias_breakdown(text):
    """Breakdown of ``text`` (str, encoded as UTF-8, or bytes-like) as a new BiasBreakdown."""
    global _shared_scanner
    if isinstance(text, str):
        text = text.encode()
    if _shared_scanner is None:
        _shared_scanner = KeywordScanner()
    out = BiasBreakdown()
    _shared_scanner.scan(text, len(text), out)
    return out


def calculate_halo(text):
    """Total keyword bias of ``text`` (the reference's halo signal), 0..65535."""
    return get_bias_breakdown(text).total()
