# redline-test-heap: 256K
# Who may release the latch (issue 18, findings 3 and 4): fail-closed wins over any reset; keys
# shorter than 16 bytes are refused at boot; failed MACs back off exponentially on the node's
# clock, are audited, and the back-off survives a power cycle; the maintenance window needs the MAC.
import json

from redline.codes import REASON_AUTH_REFUSED, REASON_CONFIG, REASON_MAINT
from redline.latch import MemoryFlash, provision
from redline.link.mac import from_hex, hmac_sha256, to_hex
from redline.node import AUTH_BACKOFF_MAX_MS, Node, auth_delay_ms
from redline.sensor.config import SensorConfig
from _fakes import Clock, Pin

KEY = b"0123456789abcdef0123456789abcdef"


class Board:
    name = "test"
    text = False

    def __init__(self, key=KEY, flash=None):
        self.key = key
        self.flash = flash
        self.halt_pin = Pin()
        self.ticks_ms = Clock(5000)
        self.out = []
        self.n = 0

    def write(self, data):
        self.out.append(bytes(data))

    def entropy(self, n):
        self.n += 1
        return bytes([(self.n * 13 + i) & 255 for i in range(n)])


def _node(key=KEY, flash=None, config=True):
    board = Board(key, flash)
    if config:
        node = Node(board, config=SensorConfig(("a",), baseline=100, scale=10))
    else:
        node = Node(board, config=None, config_error="config rejected: test")
    return node, board


def ask(node, board, req):
    board.out = []
    node.link.feed((json.dumps(req) + "\n").encode())
    assert len(board.out) == 1, board.out
    return json.loads(board.out[0])


def authed(node, board, op, message, extra, key=KEY):
    nonce = ask(node, board, {"op": "challenge"})["nonce"]
    req = {"op": op, "mac": to_hex(hmac_sha256(key, from_hex(nonce) + message))}
    for k in extra:
        req[k] = extra[k]
    return ask(node, board, req)


def _trip(node):
    for i in range(8):
        node.feed(0, 100 + (i & 1))
    node.feed(0, 100 + 20 * 10)
    assert node.latched


def test_short_keys_are_refused_at_boot():
    for key in (b"", b"k", b"0123456789abcde"):
        node, board = _node(key=key)
        assert node.key is None and node.key_error == "reset key shorter than 16 bytes: refused"
        hello = ask(node, board, {"op": "hello"})
        assert hello["key"] is False and hello["key_error"] == node.key_error
        _trip(node)
        r = ask(node, board, {"op": "challenge"})
        assert r["err"] == "no_key"
        r = ask(node, board, {"op": "reset", "mac": "00"})
        assert r["err"] == "no_key" and r["msg"] == node.key_error and node.latched
    node, board = _node(key=b"0123456789abcdef")
    assert node.key == b"0123456789abcdef" and node.key_error == ""


def test_failed_macs_back_off_exponentially_on_the_clock_and_are_audited():
    node, board = _node()
    clock = board.ticks_ms
    _trip(node)
    wrong = b"not the key, but 16 bytes long!!"
    r = authed(node, board, "reset", b"reset:latch", {}, key=wrong)
    assert r["err"] == "auth" and node.auth_fails == 1
    # the right MAC is not even looked at during the back-off
    r = authed(node, board, "reset", b"reset:latch", {})
    assert r["err"] == "backoff" and r["retry_ms"] == auth_delay_ms(1) == 250 and node.latched
    assert ask(node, board, {"op": "stats"})["backoff_ms"] == 250
    clock.t += 250
    r = authed(node, board, "reset", b"reset:latch", {}, key=wrong)
    assert r["err"] == "auth" and node.auth_fails == 2
    clock.t += 499
    assert authed(node, board, "reset", b"reset:latch", {})["retry_ms"] == 1
    clock.t += 1
    delays = []
    for i in range(10):
        r = authed(node, board, "reset", b"reset:latch", {}, key=wrong)
        assert r["err"] == "auth"
        delays.append(node.auth_wait_ms())
        clock.t += delays[-1]
    assert delays == [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]
    assert AUTH_BACKOFF_MAX_MS == 30000 and node.latched
    stats = ask(node, board, {"op": "stats"})
    assert stats["auth_failures"] == 14 and stats["resets"] == 0
    assert [e[1] for e in node.audit.entries()].count(REASON_AUTH_REFUSED) == 14
    r = authed(node, board, "reset", b"reset:latch", {})
    assert r["ok"] and not node.latched and node.auth_fails == 0 and node.auth_wait_ms() == 0


def test_the_back_off_survives_a_power_cycle():
    flash = MemoryFlash()
    provision(flash)
    node, board = _node(flash=flash)
    _trip(node)
    wrong = b"not the key, but 16 bytes long!!"
    for i in range(5):
        authed(node, board, "reset", b"reset:latch", {}, key=wrong)
        board.ticks_ms.t += node.auth_wait_ms()
    assert node.auth_fails == 5
    node2, board2 = _node(flash=flash)            # power cycle: the count written at 4 failures
    assert node2.latched and node2.auth_fails == 4
    r = authed(node2, board2, "reset", b"reset:latch", {})
    assert r["err"] == "backoff" and r["retry_ms"] == auth_delay_ms(4) == 2000
    board2.ticks_ms.t += 2000
    assert authed(node2, board2, "reset", b"reset:latch", {})["ok"] and not node2.latched
    node3, _ = _node(flash=flash)
    assert not node3.latched and node3.auth_fails == 0


def test_fail_closed_wins_over_an_authenticated_reset():
    node, board = _node(config=False)
    assert node.latched and node.interlock.reason == REASON_CONFIG
    for scope in ("latch", "all"):
        r = authed(node, board, "reset", b"reset:" + scope.encode(), {"scope": scope})
        assert r["ok"] and r["latched"] == 1 and node.latched and node.interlock.reason == REASON_CONFIG
    assert board.halt_pin.v == 0


def test_maintenance_window_needs_the_mac():
    node, board = _node()
    assert ask(node, board, {"op": "maint", "on": True, "mac": "00"})["err"] == "no_challenge"
    wrong = b"not the key, but 16 bytes long!!"
    assert authed(node, board, "maint", b"maint:1", {"on": True}, key=wrong)["err"] == "auth"
    board.ticks_ms.t += 250
    assert authed(node, board, "maint", b"reset:latch", {"on": True})["err"] == "auth"   # other message
    board.ticks_ms.t += 500
    assert not node.link.maintenance()
    board.out = []
    node.link.feed(b"\r\x01")
    assert b"raw REPL" not in b"".join(board.out)
    node.link.feed(b"\n")
    r = authed(node, board, "maint", b"maint:1", {"on": True})
    assert r["ok"] and r["on"] is True and node.link.maintenance()
    assert node.audit.entries()[-1][1] == REASON_MAINT
    board.out = []
    node.link.feed(b"\r\x03\r\x01")
    assert b"".join(board.out) == b"raw REPL; CTRL-B to exit\r\n>"
    board.out = []
    node.link.feed(b"node.answer = len(node.key)\x04")
    assert b"".join(board.out) == b"OK\x04\x04>" and node.answer == 32
    node.link.feed(b"\x02")
    assert ask(node, board, {"op": "maint", "on": False})["on"] is False and not node.link.maintenance()
