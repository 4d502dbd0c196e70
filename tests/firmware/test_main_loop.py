# redline-test-heap: 256K
# The device loop (firmware/main.py) through its real code with a fake port and a fake clock:
# sampling keeps its period under a flood of requests and the deadline check is on in the device
# configuration (issue 18, finding 8); the MemoryError branch of main.run trips the latch and the
# loop goes on serving (finding 10); a node that cannot be built fails closed with its reason
# instead of falling through to the REPL (findings 2 and 6).
import json
import sys

import main
from _lcg import Lcg
from redline.codes import HALT_DEADLINE, HALT_RESOURCE, HALT_SELF_MEMORY, REASON_BUILD, REASON_DEADLINE, REASON_FAULT, REASON_MEMORY
from redline.node import DEADLINE_MIN_MS
from _fakes import Clock, Pin


class Sensor:
    def __init__(self, clock, value=1000):
        self.clock = clock
        self.value = value
        self.times = []
        self.noise = Lcg(7)

    def read(self):
        self.times.append(self.clock.t)
        return self.value + self.noise.noise(10)


class Board:
    """Each reply written costs ``cost_ms`` of the fake clock: the time a line takes to handle."""
    name = "loop-test"
    text = False
    rate_hz = 10

    def __init__(self, cost_ms=15):
        self.ticks_ms = Clock(1000)
        self.halt_pin = Pin()
        self.sensor = Sensor(self.ticks_ms)
        self.sensors = {"a": self.sensor}
        self.cost_ms = cost_ms
        self.replies = []

    def write(self, data):
        self.replies.append(bytes(data))
        self.ticks_ms.t += self.cost_ms


class FloodPort:
    """Every read returns a chunk of request lines at once; stops the node at ``until`` ms."""

    def __init__(self, node, clock, until, lines=20, line=b'{"op":"ping"}\n', fail=None):
        self.node = node
        self.clock = clock
        self.until = until
        self.chunk = line * lines
        self.reads = 0
        self.fail = fail

    def read(self, timeout_ms):
        self.reads += 1
        self.clock.t += 1
        if self.clock.t >= self.until:
            self.node.running = False
            return None
        if self.fail is not None and self.reads == 3:
            raise self.fail
        return self.chunk


def _config():
    from redline.sensor.config import SensorConfig
    return SensorConfig(("a",), baseline=1000, scale=10, warmup=8, window=8)


def _build(board):
    from redline.node import Node
    node = Node(board, config=_config())
    node.running = True
    return node


def test_a_flood_of_requests_does_not_delay_sampling():
    board = Board(cost_ms=15)
    node = _build(board)
    assert node.period_ms == 100 and node.deadline_ms == DEADLINE_MIN_MS == 500
    port = FloodPort(node, board.ticks_ms, until=1000 + 10000)
    main.run(node, port)
    times = board.sensor.times
    gaps = [times[i + 1] - times[i] for i in range(len(times) - 1)]
    # 10 s at 10 Hz while every read brings 20 lines of 15 ms each (300 ms of work per read)
    assert len(times) >= 99 and max(gaps) <= 100 + 15, (len(times), max(gaps))
    assert len(board.replies) > 600 and not node.latched, (node.interlock.code, node.interlock.reason)


def test_a_line_longer_than_the_deadline_trips_it():
    board = Board(cost_ms=DEADLINE_MIN_MS + 100)
    node = _build(board)
    for i in range(10):                       # healthy first, so the trip is the deadline's
        board.ticks_ms.t += 100
        node.sample()
    assert not node.latched
    port = FloodPort(node, board.ticks_ms, until=board.ticks_ms.t + 3000, lines=1)
    main.run(node, port)
    assert node.latched and node.interlock.code == HALT_DEADLINE and node.interlock.reason == REASON_DEADLINE
    assert board.halt_pin.v == 0


def test_held_sampling_has_no_deadline():
    board = Board(cost_ms=DEADLINE_MIN_MS + 100)
    node = _build(board)
    node.hold = True
    port = FloodPort(node, board.ticks_ms, until=board.ticks_ms.t + 3000, lines=1)
    main.run(node, port)
    assert not node.latched and board.sensor.times == []


def test_memory_error_in_the_loop_trips_and_serving_goes_on():
    board = Board(cost_ms=1)
    node = _build(board)
    port = FloodPort(node, board.ticks_ms, until=1000 + 400, lines=2, fail=MemoryError())
    main.run(node, port)
    assert node.latched and node.interlock.code == HALT_RESOURCE and node.interlock.reason == REASON_MEMORY
    assert board.halt_pin.v == 0 and port.reads > 3
    assert json.loads(board.replies[-1]) == {"ok": True, "op": "ping"}     # still serving after it


def test_any_other_error_in_the_loop_is_a_guard_fault():
    board = Board(cost_ms=1)
    node = _build(board)
    port = FloodPort(node, board.ticks_ms, until=1000 + 400, lines=2, fail=OSError(5))
    main.run(node, port)
    assert node.latched and node.interlock.code == HALT_SELF_MEMORY and node.interlock.reason == REASON_FAULT


class _BrokenWatchdog(Board):
    @property
    def watchdog(self):
        raise RuntimeError("watchdog broken")


def test_build_never_raises_a_node_that_cannot_be_built_fails_closed():
    board = _BrokenWatchdog()
    node, port = main.build(board)
    assert node.running and node.latched and node.interlock.reason == REASON_BUILD
    assert node.build_error.startswith("node build failed: RuntimeError")
    assert board.halt_pin.v == 0 and node.guard is None
    board.replies = []
    node.link.feed(b'{"op":"hello"}\n')
    hello = json.loads(board.replies[0])
    assert hello["ok"] and hello["build_error"] == node.build_error


def test_build_without_a_board_module_answers_with_the_reason():
    class FakeBoardModule:
        @staticmethod
        def make():
            raise OSError(19)

    class Stdio(Board):
        text = False

    saved = sys.modules.get("redline_board")
    saved_unavailable = main._Unavailable
    sys.modules["redline_board"] = FakeBoardModule
    main._Unavailable = Stdio
    try:
        node, port = main.build()
    finally:
        main._Unavailable = saved_unavailable
        if saved is None:
            del sys.modules["redline_board"]
        else:
            sys.modules["redline_board"] = saved
    assert node.latched and node.interlock.reason == REASON_BUILD
    assert node.build_error.startswith("board set-up failed: OSError")


class CostlySensorBoard(Board):
    """Each protocol reading costs 40 ms: a feed of 30 readings is 1.2 s, longer than the deadline."""

    def __init__(self):
        Board.__init__(self, cost_ms=0)


def test_a_long_feed_request_samples_between_its_readings():
    board = CostlySensorBoard()
    node = _build(board)
    clock = board.ticks_ms
    real_feed = node.feed

    def slow_feed(channel, value):
        clock.t += 40
        return real_feed(channel, value)

    node.feed = slow_feed
    line = ('{"op":"feed","ch":"a","v":[%s]}\n' % ",".join(str(1000 + (i % 5)) for i in range(30))).encode()
    port = FloodPort(node, clock, until=clock.t + 1300, lines=1, line=line)
    main.run(node, port)
    times = board.sensor.times
    gaps = [times[i + 1] - times[i] for i in range(len(times) - 1)]
    assert len(times) >= 12 and max(gaps) <= 100 + 40, (len(times), gaps)
    assert not node.latched, (node.interlock.code, node.interlock.reason)


def test_building_a_slow_node_does_not_count_against_the_deadline():
    class SlowBuild(Board):
        @property
        def watchdog(self):
            self.ticks_ms.t += 2000            # construction takes 2 s of the clock
            return None

    board = SlowBuild()
    node = _build(board)
    node.sample()
    assert not node.latched
