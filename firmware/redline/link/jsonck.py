"""Strict JSON (RFC 8259) syntax check of one request line, bytes in, before ``json.loads``.

MicroPython's ``json.loads`` accepts lines CPython's refuses (``{"op":"ping"}\\x00junk``,
``{"op":"ping",}``, ``"id":01``, raw control characters in strings) and nests
as deep as its stack allows. The protocol checks every line with this
validator first, on the board and in the host reference alike, so both accept
and refuse the same lines. Beyond RFC 8259 it refuses, identically everywhere:

- nesting deeper than ``max_depth`` (32) arrays/objects;
- ``\\u`` escapes of UTF-16 surrogates (D800..DFFF): CPython joins a pair into
  one character, MicroPython keeps two invalid ones (send the character as UTF-8);
- ``NaN`` and ``Infinity`` (not JSON; CPython's parser takes them).

The line must already be valid UTF-8 (checked before). It allocates nothing
after construction::

    >>> from redline.link.jsonck import JsonCheck
    >>> ck = JsonCheck()
    >>> ck.check(b'{"op": "ping", "id": 1}'), ck.check(b'{"op":"ping",}'), ck.check(b'{"id":01}')
    ('', 'trailing comma or missing value', 'leading zero')
    >>> ck.check(b'{"op":"ping"}\\x00junk'), ck.check(b'[' * 33 + b']' * 33)
    ('text after the value', 'nested deeper than 32 levels')
"""
from redline.compat import const

_OBJ = const(1)
_ARR = const(2)
# states: what may come next
_VALUE = const(0)           # a value (after ':' or ',' in an array, or at the start)
_VALUE_OR_CLOSE = const(1)  # after '['
_KEY_OR_CLOSE = const(2)    # after '{'
_KEY = const(3)             # after ',' in an object
_COLON = const(4)           # after a key
_AFTER = const(5)           # after a value

OK = ""
E_EMPTY = "no JSON value"
E_CHAR = "unexpected character"
E_TRAIL = "text after the value"
E_DEPTH = "nested deeper than 32 levels"
E_STRING = "bad string"
E_CONTROL = "control character in a string"
E_ESCAPE = "bad escape"
E_SURROGATE = "surrogate escape"
E_NUMBER = "bad number"
E_ZERO = "leading zero"
E_LITERAL = "bad literal"
E_COMMA = "trailing comma or missing value"
E_KEY = "object key must be a string"
E_CLOSE = "mismatched bracket"
E_END = "line ends inside a value"


def _hex(c):
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


class JsonCheck:
    def __init__(self, max_depth=32):
        self.max_depth = max_depth
        self.stack = bytearray(max_depth)
        self.pos = 0            # where the last check stopped (the error's offset)
        self._err = OK

    def check(self, b):
        """'' when ``b`` (bytes-like) is one JSON value with optional whitespace around it, else the reason."""
        n = len(b)
        stack = self.stack
        depth = 0
        state = _VALUE
        i = 0
        while True:
            # skip whitespace
            while i < n:
                c = b[i]
                if c == 32 or c == 9 or c == 10 or c == 13:
                    i += 1
                else:
                    break
            self.pos = i
            if i >= n:
                if state == _AFTER and depth == 0:
                    return OK
                return E_EMPTY if (state == _VALUE and depth == 0) else E_END
            c = b[i]
            if state == _AFTER:
                if depth == 0:
                    return E_TRAIL
                top = stack[depth - 1]
                if c == 44:                         # ,
                    state = _KEY if top == _OBJ else _VALUE
                    i += 1
                elif c == 93:                       # ]
                    if top != _ARR:
                        return E_CLOSE
                    depth -= 1
                    i += 1
                elif c == 125:                      # }
                    if top != _OBJ:
                        return E_CLOSE
                    depth -= 1
                    i += 1
                else:
                    return E_CHAR
                continue
            if state == _COLON:
                if c != 58:
                    return E_CHAR
                state = _VALUE
                i += 1
                continue
            if state == _KEY_OR_CLOSE or state == _KEY:
                if c == 125 and state == _KEY_OR_CLOSE:
                    depth -= 1
                    state = _AFTER
                    i += 1
                    continue
                if c != 34:
                    return E_COMMA if c == 125 else E_KEY
                i = self._string(b, i + 1, n)
                if i < 0:
                    return self._err
                state = _COLON
                continue
            # a value (or, after '[', a ']')
            if c == 93 and state == _VALUE_OR_CLOSE:
                depth -= 1
                state = _AFTER
                i += 1
                continue
            if c == 123 or c == 91:                 # { [
                if depth >= self.max_depth:
                    return E_DEPTH
                stack[depth] = _OBJ if c == 123 else _ARR
                depth += 1
                state = _KEY_OR_CLOSE if c == 123 else _VALUE_OR_CLOSE
                i += 1
                continue
            if c == 34:
                i = self._string(b, i + 1, n)
            elif c == 45 or 48 <= c <= 57:
                i = self._number(b, i, n)
            elif c == 116:
                i = self._literal(b, i, n, b"true")
            elif c == 102:
                i = self._literal(b, i, n, b"false")
            elif c == 110:
                i = self._literal(b, i, n, b"null")
            elif c == 93 or c == 125:
                return E_COMMA
            else:
                return E_CHAR
            if i < 0:
                return self._err
            state = _AFTER

    def _fail(self, reason, i):
        self._err = reason
        self.pos = i
        return -1

    def _string(self, b, i, n):
        """Index after the closing quote of a string starting at ``i`` (after the opening quote), or -1."""
        while i < n:
            c = b[i]
            i += 1
            if c == 34:
                return i
            if c < 32:
                return self._fail(E_CONTROL, i - 1)
            if c == 92:
                if i >= n:
                    return self._fail(E_END, i)
                e = b[i]
                i += 1
                if e == 117:                        # \\uXXXX
                    if i + 4 > n:
                        return self._fail(E_END, i)
                    v = 0
                    for k in range(4):
                        h = _hex(b[i + k])
                        if h < 0:
                            return self._fail(E_ESCAPE, i + k)
                        v = (v << 4) | h
                    if 0xD800 <= v <= 0xDFFF:
                        return self._fail(E_SURROGATE, i)
                    i += 4
                elif not (e == 34 or e == 92 or e == 47 or e == 98 or e == 102 or e == 110 or e == 114
                          or e == 116):
                    return self._fail(E_ESCAPE, i - 1)
        return self._fail(E_END, i)

    def _number(self, b, i, n):
        start = i
        if b[i] == 45:
            i += 1
        if i >= n or not 48 <= b[i] <= 57:
            return self._fail(E_NUMBER, i)
        if b[i] == 48:
            i += 1
            if i < n and 48 <= b[i] <= 57:
                return self._fail(E_ZERO, start)
        else:
            while i < n and 48 <= b[i] <= 57:
                i += 1
        if i < n and b[i] == 46:                    # .
            i += 1
            if i >= n or not 48 <= b[i] <= 57:
                return self._fail(E_NUMBER, i)
            while i < n and 48 <= b[i] <= 57:
                i += 1
        if i < n and (b[i] == 101 or b[i] == 69):   # e E
            i += 1
            if i < n and (b[i] == 43 or b[i] == 45):
                i += 1
            if i >= n or not 48 <= b[i] <= 57:
                return self._fail(E_NUMBER, i)
            while i < n and 48 <= b[i] <= 57:
                i += 1
        return i

    def _literal(self, b, i, n, word):
        m = len(word)
        if i + m > n:
            return self._fail(E_LITERAL, i)
        for k in range(m):
            if b[i + k] != word[k]:
                return self._fail(E_LITERAL, i)
        return i + m
