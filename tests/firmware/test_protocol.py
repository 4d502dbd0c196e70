"""The serial protocol's pieces on every runtime: HMAC, strict UTF-8, line framing, raw REPL.

Runs under pytest on CPython and under tools/mp_test_runner.py on the unix and
WebAssembly MicroPython (a board runs the same file). The requests themselves,
which need the whole node (pipeline, guard, interlock: more bytecode than the
64-bit unix port's 128 KB test heap holds), are tested in tests/host/test_protocol_node.py
and over the virtual boards.
"""
import json

from redline.link.mac import hmac_sha256, digest_equal, random_bytes, stir, to_hex, from_hex
from redline.compat import IS_MICROPYTHON, heap_lock, heap_unlock
from redline.link.line import Link
from redline.link.proto import utf8_valid


class _Handler:
    """Stands in for redline.link.proto.Protocol: echoes lines as JSON."""

    def __init__(self):
        self.lines = []
        self.resets = 0

    def handle_line(self, line):
        self.lines.append(line)
        return json.dumps({"ok": True, "n": len(line)})

    def overlong(self):
        return json.dumps({"ok": False, "err": "overlong"})

    def soft_reset(self):
        self.resets += 1


def _link():
    out = []
    h = _Handler()
    env = {}
    link = Link(h, out.append, 4096, env)
    return link, h, out, env


def test_hmac_rfc4231_vectors():
    assert to_hex(hmac_sha256(b"\x0b" * 20, b"Hi There")) == \
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    assert to_hex(hmac_sha256(b"Jefe", b"what do ya want for nothing?")) == \
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert to_hex(hmac_sha256(b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First")) == \
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"


def test_digest_equal_and_hex():
    assert digest_equal(b"abc", b"abc")
    assert not digest_equal(b"abc", b"abd")
    assert not digest_equal(b"abc", b"ab")
    assert from_hex("00ff10") == b"\x00\xff\x10"
    assert from_hex("AbCd") == b"\xab\xcd"
    for bad in ("0", "zz", 12):
        try:
            from_hex(bad)
            assert False, bad
        except ValueError:
            pass


def test_utf8_valid_is_strict():
    assert utf8_valid(b"plain ascii")
    assert utf8_valid(b"caf\xc3\xa9 \xe6\xb8\xa9 \xf0\x9f\x98\x80")
    assert not utf8_valid(b"\xff")
    assert not utf8_valid(b"\xc0\x80")           # overlong NUL
    assert not utf8_valid(b"\xed\xa0\x80")       # surrogate
    assert not utf8_valid(b"\xf4\x90\x80\x80")   # above U+10FFFF
    assert not utf8_valid(b"abc\xe6\xb8")        # truncated



def test_overlong_line_and_framing():
    link, h, out, env = _link()
    link.feed(b"x" * 5000 + b'\n{"op":"ping"}\r\n\n\n')
    assert len(out) == 2
    assert json.loads(out[0])["err"] == "overlong"
    assert h.lines == [b'{"op":"ping"}']
    del out[:]
    link.feed(b'{"op":"pi')
    link.feed(b'ng"}\n')
    assert h.lines[-1] == b'{"op":"ping"}' and len(out) == 1
    link.feed(b"y" * 4096 + b"\n")
    assert len(h.lines[-1]) == 4096


class _Clock:
    def __init__(self):
        self.t = 1000

    def __call__(self):
        return self.t


def _maint_link():
    out = []
    h = _Handler()
    env = {}
    clock = _Clock()
    link = Link(h, out.append, 4096, env, clock)
    return link, h, out, env, clock


def test_control_bytes_are_protocol_bytes_outside_maintenance():
    # issue 18, finding 2: one stray Ctrl-A must not open a REPL, Ctrl-C must not cancel a line
    link, h, out, env = _link()
    link.feed(b"\x01node.interlock.reset()\x04\n")
    assert h.lines == [b"\x01node.interlock.reset()\x04"] and len(out) == 1
    assert b"raw REPL" not in b"".join(out)
    link.feed(b"\x01print(node.key.hex())\x04\n")
    assert h.lines[-1] == b"\x01print(node.key.hex())\x04" and len(out) == 2
    link.feed(b'garbage\x03{"op":"ping"}\n')
    assert h.lines[-1] == b'garbage\x03{"op":"ping"}'
    link.feed(b"\r\x03\r\x01")            # what mpremote sends to enter the raw REPL
    link.feed(b"\x02\x04\n")
    assert h.lines[-2:] == [b"\x03", b"\x01\x02\x04"] and len(out) == 5
    assert "answer" not in env and h.resets == 0


def test_raw_repl_only_inside_the_maintenance_window():
    link, h, out, env, clock = _maint_link()
    link.unlock()
    link.feed(b'garbage\x03{"op":"ping"}\n')     # in the window Ctrl-C cancels the partial line
    assert h.lines == [b'{"op":"ping"}'] and len(out) == 1
    link.feed(b"abc\x01def\n")                   # Ctrl-A inside a line is an ordinary byte
    assert h.lines[-1] == b"abc\x01def"
    del out[:]
    link.lock()
    link.feed(b"\x01")
    assert out == [] and link.n == 1              # closed again: a protocol byte
    link.feed(b"\n")
    link.unlock()
    clock.t += 600001                             # idle longer than MAINT_IDLE_MS: closes by itself
    del out[:]
    link.feed(b"\x01x\n")
    assert not link.maintenance() and b"raw REPL" not in b"".join(out) and h.lines[-1] == b"\x01x"


def test_raw_repl_exec_soft_reset_and_exit():
    link, h, out, env, clock = _maint_link()
    link.unlock()
    link.feed(b"\r\x01")
    assert b"".join(out) == b"raw REPL; CTRL-B to exit\r\n>"
    del out[:]
    link.feed(b"\x05A\x01")
    assert b"".join(out) == b"R\x00"
    del out[:]
    link.feed(b"answer = 6 * 7\x04")
    assert b"".join(out) == b"OK\x04\x04>"
    assert env["answer"] == 42
    del out[:]
    link.feed(b"1/0\x04")
    text = b"".join(out)
    assert text.startswith(b"OK\x04") and b"ZeroDivisionError" in text and text.endswith(b"\x04>")
    del out[:]
    link.feed(b"\x04")
    assert b"".join(out) == b"soft reboot\r\nraw REPL; CTRL-B to exit\r\n>"
    assert h.resets == 1
    del out[:]
    link.feed(b"junk\x03\x01")            # Ctrl-C clears, Ctrl-A re-enters
    assert b"".join(out) == b"raw REPL; CTRL-B to exit\r\n>"
    link.feed(b'\x02{"op":"ping"}\n')
    assert h.lines == [b'{"op":"ping"}']


def test_feed_line_stops_after_each_line():
    link, h, out, env = _link()
    data = b'{"a":1}\n{"b":2}\r\n\n{"c"'
    i = link.feed_line(data, 0)
    assert i == 8 and h.lines == [b'{"a":1}']
    i = link.feed_line(data, i)
    assert i == 16 and len(h.lines) == 2
    i = link.feed_line(data, i)
    assert i == len(data) and len(h.lines) == 2 and link.n == 4


class _Starved(_Handler):
    def handle_line(self, line):
        raise MemoryError

    def memory_error(self):
        return b'{"ok": false, "err": "memory", "msg": "out of memory"}'


def test_memory_error_in_a_line_is_answered_memory_and_the_link_goes_on():
    out = []
    link = Link(_Starved(), out.append, 64)
    link.feed(b'{"op":"ping"}\n{"op":"ping"}\n')
    assert len(out) == 2 and all(json.loads(o)["err"] == "memory" for o in out)


class _Wire:
    """A writer that allocates nothing: the link's output goes into a buffer made up front."""

    def __init__(self):
        self.buf = bytearray(1024)
        self.n = 0

    def write(self, data):
        buf = self.buf
        n = self.n
        for k in range(len(data)):
            buf[n + k] = data[k]
        self.n = n + len(data)

    def take(self):
        out = bytes(self.buf[:self.n])
        self.n = 0
        return out


class _TightPiece(bytearray):
    def extend(self, more):
        if len(self) + len(more) > 100:
            raise MemoryError
        bytearray.extend(self, more)


class _Tight(Link):
    """CPython has no heap_lock: there a piece cannot grow past 100 bytes, as on a full heap."""

    _piece = _TightPiece


def _window(cls=Link):
    wire = _Wire()
    h = _Handler()
    env = {}
    link = cls(h, wire.write, 4096, env, _Clock())
    link.unlock()
    link.feed(b"\r\x01")
    assert wire.take() == b"raw REPL; CTRL-B to exit\r\n>"
    return link, h, wire, env


def test_raw_repl_out_of_memory_while_receiving_discards_the_piece_and_goes_on():
    # a piece the heap cannot hold (issue 16): the MemoryError stays in the window (it once reached
    # the main loop, which latched the interlock "memory error"), the rest of the piece is dropped,
    # the reply is a raw-REPL error, and the window and the line protocol go on
    link, h, wire, env = _window(Link if IS_MICROPYTHON else _Tight)
    piece = b"big = 1\n" + b"# filler line of a large piece\n" * 40
    link.feed(b"small = 2\n")
    heap_lock()                   # MicroPython: the piece cannot grow (CPython: _Tight refuses it)
    try:
        link.feed(piece)
        link.feed(b"more = 3\n\x04")
    finally:
        heap_unlock()
    out = wire.take()
    assert out.startswith(b"OK\x04MemoryError: ") and out.endswith(b"\x04>"), out
    assert "big" not in env and "small" not in env and "more" not in env
    assert link.raw is None                       # nothing of the piece is kept
    link.feed(b"answer = 6 * 7\x04")            # the next piece runs
    assert wire.take() == b"OK\x04\x04>" and env["answer"] == 42
    link.feed(b'\x02{"op":"ping"}\n')
    out = wire.take()
    assert out.startswith(b"\r\n") and json.loads(out[2:]) == {"ok": True, "n": 13} and h.lines == [b'{"op":"ping"}']


def test_raw_repl_out_of_memory_while_compiling_is_a_raw_repl_error():
    link, h, wire, env = _window()
    if IS_MICROPYTHON:
        link.feed(b"def f(x):\n    return [x * i for i in range(10)]\nanswer = f(3)\n")
        heap_lock()               # compiling needs the heap: a MemoryError from exec itself
        try:
            link.feed(b"\x04")
        finally:
            heap_unlock()
    else:                         # CPython: what the piece raises (the heap there cannot be locked)
        link.feed(b"raise MemoryError('memory allocation failed')\nanswer = 1\x04")
    out = wire.take()
    assert out.startswith(b"OK\x04") and b"MemoryError" in out and out.endswith(b"\x04>"), out
    assert "answer" not in env
    link.feed(b"answer = 6 * 7\x04")
    assert wire.take() == b"OK\x04\x04>" and env["answer"] == 42


def test_raw_repl_piece_is_run_as_received_bytes():
    # the piece is compiled from the receiving buffer itself (MicroPython's exec reads any buffer in
    # place): no bytes() or str copy; bytes that are not UTF-8 are refused as before (decode() did)
    link, h, wire, env = _window()
    link.feed(b"s = '\xc3\xa9t\xc3\xa9'\x04")
    assert wire.take() == b"OK\x04\x04>" and env["s"] == "\u00e9t\u00e9"
    link.feed(b"t = '\xff'\x04")
    out = wire.take()
    assert out.startswith(b"OK\x04") and b"UTF-8" in out and out.endswith(b"\x04>") and "t" not in env, out
    link.feed(b"\x03u = 1\x03v = 2\x04")       # Ctrl-C drops what came before it
    assert wire.take() == b"OK\x04\x04>" and "u" not in env and env["v"] == 2
    link.feed(b"\x05w = 5\n\x05Ay = 6\x04")       # raw-paste requests left unfinished (the A is eaten)
    assert wire.take() == b"OK\x04\x04>" and env["w"] == 5 and env["y"] == 6
    link.feed(b"x = 1\x02")                      # Ctrl-B leaves: the half piece is dropped
    assert wire.take() == b"\r\n" and link.raw is None and "x" not in env


def test_raw_repl_piece_over_the_limit_is_refused():
    link, h, wire, env = _window()
    chunk = b"#" * 1000 + b"\n"
    for _ in range(17):
        link.feed(chunk)
    assert link.raw is None                       # dropped as soon as it is over the limit
    link.feed(b"late = 1\n\x04")
    out = wire.take()
    assert out == b"OK\x04MemoryError: raw REPL input over 16384 bytes\n\x04>", out
    assert "late" not in env


def test_nonce_randomness_falls_back_where_os_urandom_is_missing():
    # issue 15, item 4: the WebAssembly port has no os.urandom; random_bytes(..., urandom=False) is
    # the pool every port without it uses
    stir(b"adc noise")
    a = random_bytes(16, urandom=False)
    b = random_bytes(16, urandom=False)
    c = random_bytes(40, urandom=False)
    assert len(a) == 16 and len(c) == 40 and a != b and a != c[:16]
    assert len(random_bytes(16)) == 16            # os.urandom where the port has it, else the pool
