# redline-test-heap: 384K
# (384K: a full node -- the text path with the round-2 feature tables beside the guard -- held in
# the test heap; on a board the code and tables are frozen in flash.)
# Soft reset (issue 16): the stages are reset in place, nothing allocated (heap_lock), and the node
# then behaves as freshly built.
from redline.compat import heap_lock, heap_unlock
from redline.node import Node
from redline.sensor.config import SensorConfig
from _fakes import Pin


class Board:
    name = "test"
    text = True

    def __init__(self):
        self.halt_pin = Pin()

    def write(self, data):
        pass


def _three():
    return SensorConfig(("a", "b", "c"), baseline=(1000, 2000, 0), scale=(36, 36, 0), warmup=16,
                        pair_a=(0,), pair_b=(1,), pair_tol=(150,), max_slew=(400, 400, 0))


def _run(node, rows, seed=9):
    out = []
    s = seed
    for i in range(rows):
        s = (s * 75 + 74) % 65537          # seeded noise: a periodic signal would be a replay
        out.append(node.feed(0, 1000 + s % 23).effective)
        out.append(node.feed(1, 2000 + (s >> 5) % 19).effective)
        out.append(node.feed(2, -300 + (s >> 9) % 31).effective)
    for text in (b"pump 3 pressure nominal", b"valve 2 open, flow steady", b"pump 3 pressure nominal"):
        r = node.message(text, 1000).result
        out.append((r.code, r.entropy, r.surprise, node.said.effective))
        s = node.sift(text)
        out.append((s.entropy, s.probability, s.anchor_hi, s.anchor_lo))
    return out


def test_soft_reset_allocates_nothing_and_leaves_the_node_as_built():
    # issue 16: the stages are reset in place (rebuilding them needed the guard twice over at
    # its peak); the node then behaves as a freshly built one, reading for reading
    from _pipeline_model import pipeline_model
    model = pipeline_model()

    node = Node(Board(), model=model, config=_three())
    want = _run(node, 40)                                 # as built
    _run(node, 20, 1234)                                  # other readings (the same again would be a replay)
    node.soft_reset()                                     # warm: first calls may intern names
    _run(node, 25, 4321)
    failed = 0
    heap_lock()
    try:
        node.restart_stages()           # soft_reset() without its heap measurement (a gc.collect())
    except Exception:
        failed = 1
    finally:
        heap_unlock()
    assert failed == 0 and node.reboots == 2
    node.soft_reset()
    assert not node.interlock.latched and not node.interlock.actuator_on
    assert _run(node, 40) == want
