"""Node: the guard, the text pipeline, the interlock and the board's sensors, as one object.

The device entry point (firmware/main.py), the virtual boards and the host
reference of the serial harness all build a ``Node`` from a board object and
drive it the same way: ``sample()`` at the configured rate, ``feed(bytes)``
with whatever the serial port received::

    from redline.proto_node import Node
    node = Node(board)                  # board: see boards/README.md for its attributes
    node.sample()                       # one reading per configured channel through guard + interlock
    node.link.feed(b'{"op":"hello"}\\n')   # replies go to board.write

The board object supplies: ``name``, ``sensors`` ({channel name: object with
``read()``}), ``halt_pin`` and ``safe_level``, ``status_pin`` (or None),
``watchdog`` (or None), ``key`` (HMAC key bytes or None), ``entropy(n)``,
``rate_hz``, ``objective`` (bytes), ``write(bytes)``. Missing attributes take
the defaults of ``_BoardDefaults``.
"""
from redline import __version__
from redline.audit import AuditRing
from redline.compat import const, ticks_ms, ticks_diff
from redline.interlock import Interlock, VirtualPin
from redline.model import load_model
from redline.pipeline import CognitivePipeline
from redline.sifter import Sifter

REASON_TEXT = const(64)           # a text-pipeline decision (audit reason)
REASON_AUTH_REFUSED = const(48)   # a latch reset refused (bad or missing MAC)
REASON_AUTH_RESET = const(49)     # a latch reset accepted
DEFAULT_RATE_HZ = const(10)


class _BoardDefaults:
    name = "host"
    sensors = None
    safe_level = 0
    status_pin = None
    watchdog = None
    key = None
    rate_hz = DEFAULT_RATE_HZ
    objective = b""


def _attr(board, name):
    v = getattr(board, name, None)
    return v if v is not None else getattr(_BoardDefaults, name)


def load_board_config():
    """(SensorConfig or None, error text, config module or None) from ``redline_config``."""
    try:
        import redline_config
    except ImportError:
        return None, "no redline_config module", None
    try:
        from redline.sensor.config import load_config
        return load_config(redline_config), "", redline_config
    except Exception as exc:  # fail closed: the guard holds the actuator safe
        return None, "config rejected: %s" % exc, redline_config


class Node:
    def __init__(self, board, model=None, config=None, config_error="", config_module=None, max_line=4096):
        from redline.protocol import Protocol
        from redline.proto_link import Link
        self.board = board
        self.model = model if model is not None else load_model()
        if config is None and not config_error:
            config, config_error, config_module = load_board_config()
        self.config = config
        self.config_error = config_error
        self.config_sha256 = config.sha256() if config is not None else ""
        rate = getattr(config_module, "RATE_HZ", None) if config_module is not None else None
        self.rate_hz = rate or _attr(board, "rate_hz")
        self.period_ms = 1000 // self.rate_hz if self.rate_hz > 0 else 1000
        self.objective = getattr(config_module, "OBJECTIVE", None) if config_module is not None else None
        if self.objective is None:
            self.objective = _attr(board, "objective")
        self.key = _attr(board, "key")
        self.halt_pin = getattr(board, "halt_pin", None) or VirtualPin()
        self.started_ms = ticks_ms()
        self.hold = False
        self.trace = False
        self.nonce = None
        self.reboots = 0
        self.counters = {"lines": 0, "errors": 0, "sifts": 0, "msgs": 0, "readings": 0, "samples": 0,
                         "auth_failures": 0, "resets": 0}
        # a board reset by its watchdog boots latched (the interlock stopped feeding it)
        self._build(bool(getattr(board, "boot_latched", False)), -7, 34)
        self.protocol = Protocol(self)
        self.link = Link(self.protocol, board.write, max_line, {"node": self})

    def _build(self, latched, code, reason):
        self.sifter = Sifter(self.model)
        self.pipeline = CognitivePipeline(model=self.model, objective=self.objective)
        self.audit = AuditRing(32)
        self.interlock = Interlock(self.halt_pin, safe_level=_attr(self.board, "safe_level"),
                                   watchdog=_attr(self.board, "watchdog"), audit=self.audit,
                                   status_pin=_attr(self.board, "status_pin"))
        self.guard = None
        self.readers = []
        if self.config is not None:
            from redline.sensor.guard import SensorGuard
            self.guard = SensorGuard(self.config)
            sensors = _attr(self.board, "sensors") or {}
            for name in self.config.channels:
                self.readers.append(sensors.get(name))
        else:
            self.interlock.fail_closed()
        if not self.model.ok:
            # a corrupted or mismatched model: the text gauges would flag everything, so the
            # node does not run the actuator on it at all
            from redline.sensor.reasons import REASON_MODEL
            self.interlock.fail_closed(REASON_MODEL)
        if latched and not self.interlock.latched:
            self.interlock.trip(code, reason, -1, -1)
        self.messages = 0

    def soft_reset(self):
        """Rebuild every stage (a soft reboot); a latched halt stays latched."""
        il = self.interlock
        self.reboots += 1
        self.hold = False
        self.trace = False
        self.nonce = None
        self._build(il.latched, il.code, il.reason)

    def reset_state(self, scope):
        """Authenticated reset: ``latch`` clears the latch, ``all`` also restarts every stage."""
        if scope == "all":
            self.pipeline.reset_full()
            if self.guard is not None:
                self.guard.reset()
            self.messages = 0
        self.interlock.reset()
        if self.guard is None:
            self.interlock.fail_closed()
        self.audit.record(0, REASON_AUTH_RESET, -1, -1)

    def uptime_ms(self):
        return ticks_diff(ticks_ms(), self.started_ms)

    def sample(self):
        """One reading from every channel that has a sensor, through guard and interlock."""
        if self.hold or self.guard is None or not getattr(self.board, "sampling", True):
            return 0
        readers = self.readers
        il = self.interlock
        g = self.guard
        n = 0
        for i in range(len(readers)):
            rd = readers[i]
            if rd is not None:
                il.step_read(g, i, rd.read)
                n += 1
        self.counters["samples"] += n
        return n

    def random_bytes(self, n):
        ent = getattr(self.board, "entropy", None)
        if ent is not None:
            return ent(n)
        import os
        return os.urandom(n)

    def hello(self):
        from redline.compat import mem_free
        from redline.model import FORMAT_VERSION
        from redline.protocol import PROTOCOL_VERSION, FEED_FIELDS
        m = self.model
        return {
            "proto": PROTOCOL_VERSION,
            "fw": __version__,
            "model": {"sha256": m.sha256, "format": FORMAT_VERSION, "ok": m.ok, "error": m.error},
            "config": {"sha256": self.config_sha256, "ok": self.config is not None, "error": self.config_error},
            "board": _attr(self.board, "name"),
            "heap_free": mem_free(),
            "channels": list(self.config.channels) if self.config is not None else [],
            "fields": list(FEED_FIELDS),
            "max_line": self.link.max_line if hasattr(self, "link") else 0,
            "key": self.key is not None,
            "rate_hz": self.rate_hz,
        }
