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
    for mt in _LETTERS.finditer(bytes(data)):
        low = mt.group().translate(_LOWER)
        rot = low.translate(_ROT13)
        if hit(rot[:LEX_PREFIX]):
            buf += (rot + b" ")[:max(0, cap - len(buf))]
        back = low[::-1]
        if hit(back[:LEX_PREFIX]):
            buf += (back + b" ")[:max(0, cap - len(buf))]
    return buf


def decoded_text(data, runs=True, spaced=True, turned=None):
    """(buffer bytes, flag bits) that the firmware scores as more text of ``data`` (its exact twin).

    ``runs``: every run of 16+ base64 characters decoded (hex when all are hex digits), kept when
    >= 90 % printable ASCII and >= 50 % ASCII letters, each followed by a space; ``spaced``: runs
    of 3+ one-letter ASCII words joined (a change of the gap starts a new word). At most 255 bytes."""
    buf = bytearray()
    cap = DECODED - 1
    flags = 0
    n = len(data)
    if runs:
        for mt in _RUN.finditer(bytes(data)):
            if len(buf) >= cap:
                break
            run = mt.group()
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
        out = _join_spaced(data, buf, cap)
        if len(out) > m_before:
            flags |= DEC_SPACED
        buf = out
    if turned is not None:
        m_before = len(buf)
        buf = _turned(data, buf, cap, turned)
        if len(buf) > m_before:
            flags |= DEC_TURNED
    return bytes(buf), flags


def _join_spaced(data, buf, cap):
    data = bytes(data)
    run = 0
    g0 = 0
    gl = -1
    last = -1
    base = len(buf)

    def put(b):
        if len(buf) < cap:
            buf.append(b)

    for mt in _TOKEN.finditer(data):
        st, j = mt.span()
        b = data[st]
        single = j - st == 1 and 0x39 < b < 0x80
        if single and run:
            g = st - last - 1
            if g <= 4:
                if gl < 0:
                    gl = g
                    g0 = last + 1
                elif not (g == gl and data[last + 1:last + 1 + g] == data[g0:g0 + g]):
                    put(0x20)
                put(b | 0x20)
                run += 1
                last = st
                continue
        if run >= 3:
            put(0x20)
            base = len(buf)
        else:
            del buf[base:]
        run = 0
        gl = -1
        if single:
            run = 1
            last = st
            put(b | 0x20)
    if run >= 3:
        put(0x20)
    else:
        del buf[base:]
    return buf
