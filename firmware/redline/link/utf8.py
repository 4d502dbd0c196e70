"""Strict UTF-8 check of a line, bytes in: what CPython's decoder accepts, nothing more.

MicroPython's ``bytes.decode()`` lets overlong forms and surrogates through; the
protocol (redline.link.proto) and the command-line loops check lines with this
first, so every runtime accepts and refuses the same bytes::

    >>> from redline.link.utf8 import utf8_valid
    >>> utf8_valid(b"caf\\xc3\\xa9"), utf8_valid(b"\\xc0\\x80"), utf8_valid(b"\\xed\\xa0\\x80")
    (True, False, False)
"""


def utf8_valid(data):
    """Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF), like CPython's decoder."""
    n = len(data)
    i = 0
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            k = 1
            lo, hi = 0x80, 0xBF
        elif 0xE0 <= b <= 0xEF:
            k = 2
            lo, hi = (0xA0 if b == 0xE0 else 0x80), (0x9F if b == 0xED else 0xBF)
        elif 0xF0 <= b <= 0xF4:
            k = 3
            lo, hi = (0x90 if b == 0xF0 else 0x80), (0x8F if b == 0xF4 else 0xBF)
        else:
            return False
        if i + k >= n:
            return False
        c = data[i + 1]
        if c < lo or c > hi:
            return False
        for j in range(2, k + 1):
            c = data[i + j]
            if c < 0x80 or c > 0xBF:
                return False
        i += k + 1
    return True
