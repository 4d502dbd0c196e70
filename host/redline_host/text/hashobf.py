"""Hidden marks of format-2 messages on the host: the twin of the firmware scorer's ``obf`` bits.

The firmware (``redline.text.feat``, ``HashScorer.obf``) notes, in its byte loop, evidence that a
message hides its letters: 1 a full-width Latin letter, 2 a mathematical alphanumeric, 4 an
enclosed letter, 8 a zero-width character (not ZWNJ) between two letters of one word, 16 a word
whose non-ASCII letters are all Latin look-alike Cyrillic / Greek letters with 2+ ASCII letters and
at least as many as those. ``redline.text.sift`` then scores a marked message at least
THRESHOLD + 1. This module gives the same bits for host texts: a regular expression finds the
texts that hold a candidate code point (most texts hold none and cost nothing more), and those
(and every text that is not valid UTF-8) take a byte loop that follows the firmware's decoder,
folding kinds and words exactly (``Features.sums(..., obf=True)`` and ``IntegerScorer.scores``
use it; tests/host/test_hashobf.py checks it against the firmware on every corpus row)::

    from redline_host.text.hashobf import Marks
    mk = Marks(kind_table, ascii_table)      # Features._fold_tables()[0], model.ascii
    mk.of([b"\\xd1\\x80assword reset", "pump 3"])   # [16, 0]
"""
import bisect
import re

from redline.text.feat import _LOOKALIKE, obf_word

SEP, IGNORE, SELF, SOLO = 0, 1, 2, 3
W_OTHER, W_ZW, W_ONE = 2, 4, 8        # redline.text.feat's _W_* (a word's hidden-mark candidates)
ZERO_WIDTH = (0x200B, 0x200D, 0x2060, 0xFEFF, 0xAD)


def lookalikes():
    """The Latin look-alike code points of the firmware's table, as a str."""
    return "".join(chr(((i + 0x70) << 3) | b) for i in range(len(_LOOKALIKE)) for b in range(8)
                   if (_LOOKALIKE[i] >> b) & 1)


def cp_mark(cp):
    """The full-width / mathematical / enclosed bit of a code point the model folds to a letter (0 for any other)."""
    if 0xFF21 <= cp <= 0xFF3A or 0xFF41 <= cp <= 0xFF5A:
        return 1
    if 0x1D400 <= cp <= 0x1D7FF:
        return 2
    if 0x24B6 <= cp <= 0x24E9 or 0x1F130 <= cp <= 0x1F189:
        return 4
    return 0


# a text without one of these code points has no mark (invalid UTF-8 is read byte by byte)
CANDIDATE = re.compile("[\uff21-\uff3a\uff41-\uff5a\U0001d400-\U0001d7ff\u24b6-\u24e9\U0001f130-\U0001f189"
                       "\u200b\u200d\u2060\ufeff\u00ad" + lookalikes() + "]")


class Marks:
    """Hidden marks of texts under one model's folding table (kinds of every code point) and ASCII table."""

    def __init__(self, kinds, ascii_table):
        self.kinds = kinds
        self.units = bytes(ascii_table)

    def of(self, texts):
        """The ``obf`` bits of each text (str is UTF-8 encoded with surrogatepass; bytes as-is)."""
        out = [0] * len(texts)
        strs = []
        for i, t in enumerate(texts):
            if isinstance(t, str):
                if not t.isascii():
                    strs.append(i)
                continue
            data = bytes(t)
            if data.isascii():
                continue
            try:
                if not CANDIDATE.search(data.decode("utf-8")):
                    continue
            except UnicodeDecodeError:
                pass
            out[i] = self.data(data)
        if strs:
            # one search over the non-ASCII texts joined (a NUL between them): each match names a text
            starts = []
            at = 0
            for i in strs:
                starts.append(at)
                at += len(texts[i]) + 1
            joined = "\x00".join([texts[i] for i in strs])
            pos = 0
            while True:
                m = CANDIDATE.search(joined, pos)
                if m is None:
                    break
                k = bisect.bisect_right(starts, m.start()) - 1
                i = strs[k]
                out[i] = self.data(texts[i].encode("utf-8", "surrogatepass"))
                pos = starts[k + 1] if k + 1 < len(starts) else len(joined)
        return out

    def data(self, data):
        """The ``obf`` bits of one message's bytes: the firmware's decoder and words (pass_py), marks only."""
        units = self.units
        kinds = self.kinds
        look = _LOOKALIKE
        obf = 0
        inw = False
        s = 0
        wo = 0
        zs = 0
        ws = 0
        need = 0
        cp = 0
        fresh = False
        for j, b in enumerate(data):
            if b < 0x80:
                if fresh:
                    need = 0
                    fresh = False
                if units[b]:
                    if not inw:
                        inw = True
                        ws = j
                        s = 1
                    s += 1
                elif inw:
                    if wo:
                        obf = obf_word(data, ws, j, wo, zs, s, obf)
                        wo = 0
                        zs = 0
                    inw = False
                continue
            fresh = True
            if b < 0xC0:
                if not need:
                    k = SEP
                else:
                    cp = (cp << 6) | (b & 0x3F)
                    need -= 1
                    if need:
                        continue
                    if cp > 0x10FFFF:
                        k = SEP
                    elif cp < 0x80:
                        k = SELF if units[cp] else SEP
                    else:
                        k = int(kinds[cp])
                        if k == IGNORE:
                            if inw and not zs and cp in ZERO_WIDTH:
                                zs = s
                                wo |= W_ZW
                            continue
            elif b < 0xE0:
                need, cp = 1, b & 0x1F
                continue
            elif b < 0xF0:
                need, cp = 2, b & 0x0F
                continue
            elif b < 0xF8:
                need, cp = 3, b & 0x07
                continue
            else:
                need = 0
                k = SEP
            if inw and k != SELF:
                if wo:
                    obf = obf_word(data, ws, j, wo, zs, s, obf)
                    wo = 0
                    zs = 0
                inw = False
            if k == SELF:
                if not inw:
                    inw = True
                    ws = j
                    s = 1
                s += 1
                obf |= cp_mark(cp)
                t = (cp >> 3) - 0x70
                if 0 <= t < 52 and (look[t] >> (cp & 7)) & 1:
                    wo += W_ONE
                else:
                    wo |= W_OTHER
        if inw and wo:
            obf = obf_word(data, ws, len(data), wo, zs, s, obf)
        return obf
