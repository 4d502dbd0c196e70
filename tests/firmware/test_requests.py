# redline-test-heap: 256K
# A request runs whole or changes nothing (issue 15, item 4): a feed is parsed and checked whole,
# its reply room probed, before the first reading; a MemoryError while parsing is "memory", never
# "json"; the strict JSON check refuses what CPython's json refuses, on every runtime (issue 18,
# finding 7).
import json

import redline.link.proto as proto
from redline.node import Node
from redline.sensor.config import SensorConfig


class Board:
    name = "test"
    text = False

    def __init__(self):
        self.out = []

    def write(self, data):
        self.out.append(bytes(data))


def _node():
    board = Board()
    cfg = SensorConfig(("a", "b"), baseline=(1000, 1000), scale=(10, 10), range_min=(0, 0),
                       range_max=(2000, 2000), window=8, warmup=8)
    return Node(board, config=cfg), board


def ask(node, board, line):
    board.out = []
    node.link.feed(line + b"\n")
    assert len(board.out) == 1, board.out
    return json.loads(board.out[0])


def _state(node):
    g = node.guard
    return (g.sample, node.counters["readings"], node.interlock.latched, node.interlock.good_run)


def test_a_bad_value_in_the_middle_of_a_batch_changes_nothing():
    node, board = _node()
    ask(node, board, b'{"op":"feed","b":[0,1000,1,1001,0,1002]}')
    before = _state(node)
    for line in (b'{"op":"feed","b":[0,1000,1,1001,0,"x",1,1000]}',
                 b'{"op":"feed","b":[0,1000,1,1001,0,1073741824,1,1000]}',
                 b'{"op":"feed","b":[0,1000,1,1001,7,1000,1,1000]}',
                 b'{"op":"feed","b":[0,1000,1,1001,0,true,1,1000]}',
                 b'{"op":"feed","ch":"a","v":[1000,1001,null,1002]}',
                 b'{"op":"feed","b":[0,1000,1,1001,0,1.5,1,1000]}'):
        r = ask(node, board, line)
        assert r["ok"] is False and r["err"] == "bad_arg", (line, r)
        assert _state(node) == before, line


def test_no_room_for_the_reply_means_nothing_fed():
    node, board = _node()
    before = _state(node)
    node.protocol.reserve = lambda nbytes: False
    r = ask(node, board, b'{"op":"feed","b":[0,1000,1,1001,0,1002]}')
    assert r == {"ok": False, "err": "memory", "msg": "no room for the reply to 3 readings: nothing changed",
                 "op": "feed"}
    assert _state(node) == before


class _Exhausted:
    def loads(self, text):
        raise MemoryError

    def dumps(self, obj):
        return json.dumps(obj)


def test_memory_error_while_parsing_is_memory_not_json():
    node, board = _node()
    real = proto.json
    proto.json = _Exhausted()
    try:
        r = ask(node, board, b'{"op":"ping","id":4}')
    finally:
        proto.json = real
    assert r == {"ok": False, "err": "memory", "msg": "out of memory: nothing changed"}
    assert node.counters["errors"] == 1


def test_memory_error_after_readings_were_fed_says_how_many():
    node, board = _node()

    class _DumpsFails:
        def loads(self, text):
            return json.loads(text)

        def dumps(self, obj):
            if obj.get("ok"):
                raise MemoryError
            return json.dumps(obj)

    real = proto.json
    proto.json = _DumpsFails()
    try:
        r = ask(node, board, b'{"op":"feed","b":[0,1000,1,1001]}')
    finally:
        proto.json = real
    assert r["err"] == "memory" and r["msg"] == "out of memory after 2 readings were fed"
    assert node.counters["readings"] == 2


def test_lines_micropython_json_takes_are_refused_as_cpython_refuses_them():
    node, board = _node()
    for line in (b'{"op":"ping"}\x00junk', b'{"op":"ping",}', b'{"op":"ping","id":01}', b'{"op":"ping"}\x04',
                 b'\x01{"op":"ping"}', b'{"op":"ping","x":"\x03"}', b'[' * 40 + b']' * 40,
                 b'{"op":"sift","text":"\\ud83d\\ude00"}'):
        r = ask(node, board, line)
        assert r["ok"] is False and r["err"] == "json" and r["msg"].startswith("line is not valid JSON: "), (line, r)
    assert ask(node, board, b'{"op":"ping","id":1}') == {"ok": True, "op": "ping", "id": 1}
