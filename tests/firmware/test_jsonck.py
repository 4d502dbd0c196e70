# The strict JSON check (redline.link.jsonck) that makes a board's JSON the host's (issue 18,
# finding 7): lines MicroPython's json.loads takes and CPython's refuses are refused here on every
# runtime; what RFC 8259 allows passes; the check allocates nothing.
# (Differential against CPython's json on random lines: tests/host/test_jsonck_cpython.py.)
from redline.compat import heap_lock, heap_unlock
from redline.link.jsonck import JsonCheck

ACCEPTED = (
    b'{"op":"ping"}', b' {"op" : "ping" , "id" : 1 } ', b'{"op":"feed","b":[0,2150,1,-2151,2,1000]}',
    b'[]', b'{}', b'"x"', b'0', b'-0', b'-1.5e+10', b'1E5', b'0.25', b'true', b'false', b'null',
    b'{"a":{"b":[[],[{}],"\\u00e9\\n\\t\\"\\\\\\/\\b\\f\\r"]}}', b'"caf\xc3\xa9 \xf0\x9f\x98\x80"',
    b'\t[1,\t2]\t', b'{"a":"\x7f"}', b'[' * 32 + b']' * 32,
)

REFUSED = (
    (b'{"op":"ping"}\x00junk', "text after the value"),
    (b'{"op":"ping",}', "trailing comma or missing value"),
    (b'{"id":01}', "leading zero"),
    (b'[1,2,]', "trailing comma or missing value"),
    (b'', "no JSON value"), (b'   ', "no JSON value"),
    (b'{"a":"\x01"}', "control character in a string"),
    (b'{"a":"x\x00"}', "control character in a string"),
    (b'\x01{"op":"ping"}', "unexpected character"),
    (b'{"op":"ping"}\x04', "text after the value"),
    (b'{"a" 1}', "unexpected character"), (b'{a:1}', "object key must be a string"),
    (b'{"a":1 "b":2}', "unexpected character"), (b'[1 2]', "unexpected character"),
    (b'{"a":[1}', "mismatched bracket"), (b'[1]]', "text after the value"),
    (b'{"a":', "line ends inside a value"), (b'{"a":"b', "line ends inside a value"),
    (b'"\\x"', "bad escape"), (b'"\\u12g4"', "bad escape"), (b'"\\u12', "line ends inside a value"),
    (b'"\\ud83d\\ude00"', "surrogate escape"), (b'"\\uDFFF"', "surrogate escape"),
    (b'NaN', "unexpected character"), (b'Infinity', "unexpected character"),
    (b'-Infinity', "bad number"), (b'+1', "unexpected character"), (b'.5', "unexpected character"),
    (b'1.', "bad number"), (b'1e', "bad number"), (b'-', "bad number"), (b'01', "leading zero"),
    (b'tru', "bad literal"), (b'nul', "bad literal"), (b'True', "unexpected character"),
    (b'[' * 33 + b']' * 33, "nested deeper than 32 levels"),
    (b'\xef\xbb\xbf{}', "unexpected character"),
)


def test_accepts_what_rfc8259_allows():
    ck = JsonCheck()
    for line in ACCEPTED:
        assert ck.check(line) == "", (line, ck.check(line))


def test_refuses_what_cpython_refuses_with_the_reason():
    ck = JsonCheck()
    for line, why in REFUSED:
        assert ck.check(line) == why, (line, ck.check(line), why)


def test_error_position():
    ck = JsonCheck()
    assert ck.check(b'{"op":"ping"}\x00junk') == "text after the value" and ck.pos == 13
    assert ck.check(b'{"id":01}') == "leading zero" and ck.pos == 6


def test_check_allocates_nothing():
    ck = JsonCheck()
    line = b'{"op":"feed","b":[0,2150,1,-2151,2,1000],"t":"x\\u00e9","z":[true,false,null,1.5e3]}'
    bad = b'{"op":"ping",}'
    ck.check(line)
    results = [None] * 100
    failed = 0
    heap_lock()
    try:
        for i in range(50):
            results[2 * i] = ck.check(line)
            results[2 * i + 1] = ck.check(bad)
    except MemoryError:
        failed = 1
    finally:
        heap_unlock()
    assert failed == 0
    assert results[0] == "" and results[1] == "trailing comma or missing value" and results[98] == ""
