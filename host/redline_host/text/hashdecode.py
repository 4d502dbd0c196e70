"""The decoding twin of ``redline.text.feat.HashScorer`` on the host: the bytes a board decodes.

With a lexicon model, a message that holds a long run of letters and digits has its base64 /
hex runs decoded, one with three or more one-letter words in a row has them joined, and one
that names an encoding has its letter runs read as ROT13 and backwards; the result is scored
as more text of the same message. ``decoded_text`` returns exactly the buffer the firmware
fills (at most 255 bytes) and the flag bits it sets (tests/host/test_hashfeat.py compares them
with the firmware on every runtime)::

    from redline_host.text.hashdecode import decoded_text
    buf, flags = decoded_text(b"aWdub3JlIGFsbCBydWxlcw== now", runs=True, spaced=True)
"""
import binascii
import re

M21 = 0x1FFFFF
PRIME = 0x1B3
OFF = 0x12325
LEX_PREFIX = 6
DECODED = 256
DEC_RUNS, DEC_SPACED, DEC_TURNED = 2, 4, 8


def whash(units):
    """The firmware's 21-bit word hash of letter units (the lexicon key of at most six letters)."""
    h = OFF
    for u in units:
        h = ((h ^ u) * PRIME) & M21
    return h


_LETTERS = re.compile(rb"[A-Za-z]{4,}")
_RUN = re.compile(rb"[A-Za-z0-9+/]{16,}")
_TOKEN = re.compile(rb"[A-Za-z0-9\x80-\xff]+")     # what _join_spaced reads as one token
_NONHEX = re.compile(rb"[G-Zg-z+/]")
_UPPER = re.compile(rb"[A-Z]")
_LOWER_RE = re.compile(rb"[a-z]")
_GOOD = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_LOWER = bytes((b | 0x20) if 0x41 <= b <= 0x5A else b for b in range(256))
_ROT13 = bytes(((b - 0x61 + 13) % 26) + 0x61 if 0x61 <= b <= 0x7A else b for b in range(256))


def _turned(data, buf, cap, hit):
    """Runs of 4+ ASCII letters read as ROT13 and backwards (redline.text.feat.HashScorer._turned)."""
    hits = []
    for mt in _LETTERS.finditer(bytes(data)):
        low = mt.group().translate(_LOWER)
        rot = hit(low.translate(_ROT13)[:LEX_PREFIX])
        back = hit(low[::-1][:LEX_PREFIX])
        if rot or back:
            hits.append((mt.start(), mt.end(), rot, back))
    return turned_from_hits(data, buf, cap, hits)


def turned_from_hits(data, buf, cap, hits):
    """Append the readings of letter runs whose lexicon key hit: ``hits`` lists (start, end, ROT13
    hit, backwards hit) of the runs in order (the batch scorer finds them with numpy)."""
    data = bytes(data)
    for st, en, rot, back in hits:
        low = data[st:en].translate(_LOWER)
        if rot:
            buf += (low.translate(_ROT13) + b" ")[:max(0, cap - len(buf))]
        if back:
            buf += (low[::-1] + b" ")[:max(0, cap - len(buf))]
    return buf


def decoded_text(data, runs=True, spaced=True, turned=None, spans=None):
    """(buffer bytes, flag bits) that the firmware scores as more text of ``data`` (its exact twin).

    ``runs``: every run of 16+ base64 characters decoded (hex when all are hex digits), kept when
    >= 90 % printable ASCII and >= 50 % ASCII letters, each followed by a space; ``spaced``: runs
    of 3+ one-letter ASCII words joined (a change of the gap starts a new word). At most 255 bytes.
    ``spans``: (base64 run spans, spaced-letter run spans) already found by the caller (the batch
    scorer finds them with numpy, ``redline_host.text.hashfeat``), else the regular expressions."""
    data = bytes(data)
    buf = bytearray()
    cap = DECODED - 1
    flags = 0
    if runs:
        for st, en in (spans[0] if spans is not None else [mt.span() for mt in _RUN.finditer(data)]):
            if len(buf) >= cap:
                break
            run = data[st:en]
            room = cap - len(buf)
            if not _NONHEX.search(run):
                seg = bytes.fromhex(run[:2 * min(len(run) // 2, room)].decode())
            elif _UPPER.search(run) and _LOWER_RE.search(run):
                q, r = divmod(len(run), 4)
                body = run[:4 * q] + (run[4 * q:] + b"==" if r == 2 else run[4 * q:] + b"=" if r == 3 else b"")
                seg = binascii.a2b_base64(body)[:room]
            else:
                continue
            ln = len(seg)
            bad = len(seg.translate(None, _GOOD))
            letters = ln - len(seg.translate(None, _ASCII_LETTERS))
            if ln == 0 or (ln - bad) * 10 < ln * 9 or letters * 2 < ln:
                continue
            buf += seg
            buf.append(0x20)
        if buf:
            flags |= DEC_RUNS
    if spaced:
        m_before = len(buf)
        out = _join_spaced(data, buf, cap, spans[1] if spans is not None else None)
        if len(out) > m_before:
            flags |= DEC_SPACED
        buf = out
    if turned is not None:
        m_before = len(buf)
        buf = _turned(data, buf, cap, turned)
        if len(buf) > m_before:
            flags |= DEC_TURNED
    return bytes(buf), flags


# a run of 3+ one-letter ASCII words, each gap 1..4 separator bytes (a token is a run of ASCII
# letters, digits and bytes >= 0x80); only such runs put anything into the buffer
_SPACED = re.compile(rb"(?<![A-Za-z0-9\x80-\xff])[A-Za-z](?![A-Za-z0-9\x80-\xff])"
                     rb"(?:[^A-Za-z0-9\x80-\xff]{1,4}[A-Za-z](?![A-Za-z0-9\x80-\xff])){2,}")
_LETTER = re.compile(rb"[A-Za-z]")


def _join_spaced(data, buf, cap, spans=None):
    """Join runs of 3+ one-letter words (``HashScorer._join``): inside a run a gap unlike the run's
    first gap starts a new word (a space); each run ends with a space; at most ``cap`` bytes.
    ``spans``: the runs (``_SPACED`` matches) when the caller found them already."""
    data = bytes(data)
    for st, en in (spans if spans is not None else [mt.span() for mt in _SPACED.finditer(data)]):
        seg = data[st:en]
        pos = [m.start() for m in _LETTER.finditer(seg)]
        first = seg[pos[0] + 1:pos[1]]
        out = bytearray((seg[pos[0]] | 0x20, seg[pos[1]] | 0x20))
        for k in range(2, len(pos)):
            if seg[pos[k - 1] + 1:pos[k]] != first:
                out.append(0x20)
            out.append(seg[pos[k]] | 0x20)
        out.append(0x20)
        buf += out[:max(0, cap - len(buf))]
    return buf


_B64_CLASS = bytes(1 if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A or b in b"+/") else 0
                   for b in range(256))
_TOKEN_CLASS = bytes(1 if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A or b >= 0x80) else 0
                     for b in range(256))
_LETTER_CLASS = bytes(1 if (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A) else 0 for b in range(256))


def batch_spans(datas, runs=True, spaced=True):
    """For many byte strings at once (numpy): per string, the ``_RUN`` match spans (maximal runs of
    16+ base64 characters) and the ``_SPACED`` match spans (3+ one-letter ASCII words in a row, each
    gap 1..4 bytes that are not token bytes), exactly what ``finditer`` of the two expressions gives
    (``runs`` / ``spaced`` False: that list is left empty)."""
    import numpy as np

    out = [([], []) for _ in datas]
    if not datas or not (runs or spaced):
        return out
    sep = b"\x00" * 5                   # a gap of 5: no spaced run reaches into the next string
    buf = np.frombuffer(sep + sep.join(datas) + sep, dtype=np.uint8)
    lens = np.array([len(d) for d in datas], dtype=np.int64)
    first = np.cumsum(lens + 5) - lens   # each string's first byte in ``buf``
    firsts = first.tolist()
    if runs:
        b64 = np.frombuffer(_B64_CLASS, dtype=np.int8)[buf]
        e = np.diff(b64, prepend=np.int8(0), append=np.int8(0))
        st = np.flatnonzero(e == 1)
        en = np.flatnonzero(e == -1)
        k = en - st >= 16
        st, en = st[k], en[k]
        for o, a, b in zip((np.searchsorted(first, st, side="right") - 1).tolist(), st.tolist(), en.tolist()):
            out[o][0].append((a - firsts[o], b - firsts[o]))
    if spaced:
        # single ASCII letters between non-token bytes, chained by gaps of 1..4 non-token bytes
        tok = np.frombuffer(_TOKEN_CLASS, dtype=np.bool_)[buf]
        single = np.frombuffer(_LETTER_CLASS, dtype=np.bool_)[buf]
        single[1:] &= ~tok[:-1]
        single[:-1] &= ~tok[1:]
        p = np.flatnonzero(single)
        if len(p) >= 3:
            ctok = np.cumsum(tok, dtype=np.int32)
            gap = p[1:] - p[:-1] - 1
            link = (gap <= 4) & (ctok[p[1:] - 1] == ctok[p[:-1]])     # only non-token bytes between
            # chains of 2+ links: a chain starts where the link before is missing
            d = np.diff(link.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
            cs = np.flatnonzero(d == 1)          # first link of a chain (its left letter is p[cs])
            ce = np.flatnonzero(d == -1)         # one past its last link (its right letter is p[ce])
            k = ce - cs >= 2
            a = p[cs[k]]
            b = p[ce[k]] + 1
            for o, x, y in zip((np.searchsorted(first, a, side="right") - 1).tolist(), a.tolist(), b.tolist()):
                out[o][1].append((x - firsts[o], y - firsts[o]))
    return out
