"""Node: the composition root -- the board's sensors, the guard, the text path, the interlock, the link.

The device entry point (firmware/main.py), the virtual boards and the host
reference of the serial harness all build a ``Node`` from a board object and
drive it the same way: ``sample()`` at the configured rate, ``link.feed(bytes)``
with whatever the serial port received::

    from redline.node import Node
    node = Node(board)                  # board: see boards/README.md for its attributes
    node.sample()                       # one reading per configured channel through guard + interlock
    node.link.feed(b'{"op":"hello"}\\n')   # replies go to board.write

What the protocol (redline.link.proto) asks of a node, the node answers with
its own methods; the protocol never reaches into the stages:

- ``feed(channel, value)`` runs one reading through the guard inside the
  fail-safe (an exception trips the interlock: "guard fault", or "memory
  error" for a MemoryError), applies the decision to the interlock and
  returns ``node.fed``: ``result`` (the guard's SensorResult), ``effective``
  (the code after the interlock; the latch wins), ``actuator`` (1 on, 0 safe),
  ``latched``. Nothing is allocated (tests/firmware/test_node.py, heap-locked).
- ``message(data, now)`` runs one text message through the pipeline and the
  interlock and returns ``node.said`` (``result`` is the PipelineResult);
  ``sift(data)`` returns the SiftResult of the text gauges alone.
- ``stats()``, ``audit_log()``, ``model_info()``, ``config_info()``,
  ``reset_state(scope)``, ``refuse_auth()``, the traces.

The board object supplies: ``name``, ``sensors`` ({channel name: object with
``read()``}), ``halt_pin`` and ``safe_level``, ``status_pin`` (or None),
``watchdog`` (or None), ``key`` (HMAC key bytes or None), ``entropy(n)``,
``rate_hz``, ``objective`` (bytes), ``text``, ``write(bytes)``, ``marker``
(an output pin or None) and ``heap_free_boot`` (free heap before the node was
built, or None). Missing attributes take the defaults of ``_BoardDefaults``.

Timing marker: when the board gives a ``marker`` pin, the node drives it high
before and low after each guard step (``feed``, each reading of ``sample``),
each ``sift`` and each pipeline ``message``, so a logic analyser -- or the
emulated Pico, which reports every edge with the core's cycle counter --
measures the real path. Two ``value()`` calls per step; no allocation.

Hold: while the host holds sampling (the authenticated ``hold`` op, what the
serial harness does), ``sample()`` reads nothing but still feeds the watchdog:
the loop is alive and under the key holder's control, and a latched node (which
feeds it nowhere else) would otherwise be reset every watchdog period while the
host drives it.

Sensor-only nodes: a board whose ``text`` is False gets no text path. Its node
imports no ``redline.text`` module (no tokenizer, classifier, model or
pipeline in RAM) and the protocol answers ``sift`` and ``msg`` with the error
``no_text``; ``hello`` reports ``"model": null``. The default is True (every
board and virtual board before this attribute existed had the text path).

Resource pressure (redline.resource): once a second of samples the node
collects garbage and measures the heap (against what was free after
construction, so the node's own tables do not count), the longest
``sample()`` of that second against the sampling period, and the reset cause
(a watchdog reset holds Critical until an authenticated reset); the level
goes to ``guard.pressure`` (Critical escalates every reading, Emergency
halts). Only ``sample()`` does this: readings fed over the protocol, and the
text pipeline, see the level last measured.
"""
from redline.audit import AuditRing
from redline.codes import (HALT_DEADLINE, HALT_RESOURCE, HALT_SELF_MEMORY, REASON_AUTH_REFUSED,
                           REASON_AUTH_RESET, REASON_FAULT, REASON_MEMORY, REASON_MODEL, REASON_TEXT,
                           REASON_WATCHDOG)
from redline.compat import collect_garbage, const, mem_alloc, mem_free, ticks_diff, ticks_ms, ticks_us
from redline.interlock import Interlock, VirtualPin
from redline.link.line import Link
from redline.link.proto import Protocol
from redline.resource import ResourceGauge

DEFAULT_RATE_HZ = const(10)
# heap one reading of a ``feed`` request costs at its peak (request list, results, reply text and
# its bytes), in machine words: ~330 B (~80 words) measured on the RP2040 image (400 readings fit
# in 147 KB free, 450 did not); 256 words leave room for fragmentation and the user's own objects
# (on the 64-bit unix port, after 100,000 fuzz lines, 1 KB per reading was too little)
_FEED_WORDS = const(256)
_SMALL = const(0x3FFFFFFF)
_WATCHDOG_CAUSE = const(1)


def _word_bytes():
    """4 on a 32-bit port, 8 on a 64-bit one (the unix port): objects are made of words."""
    import sys
    return 8 if sys.maxsize >> 32 else 4


class _BoardDefaults:
    name = "host"
    sensors = None
    safe_level = 0
    status_pin = None
    watchdog = None
    key = None
    rate_hz = DEFAULT_RATE_HZ
    objective = b""
    text = True
    marker = None


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


class Outcome:
    """What one reading or one message did; one per path, overwritten by the next call."""

    def __init__(self):
        self.result = None      # the stage's result object (SensorResult, PipelineResult)
        self.effective = 0      # the code after the interlock (a latched halt wins)
        self.actuator = 0       # 1 on, 0 safe
        self.latched = False


class Node:
    def __init__(self, board, model=None, config=None, config_error="", config_module=None, max_line=4096):
        self.board = board
        self.name = _attr(board, "name")
        self.text = bool(_attr(board, "text"))
        self.model = None
        if self.text:
            from redline.text.model import load_model
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
        self.marker = _attr(board, "marker")
        self.heap_free_boot = getattr(board, "heap_free_boot", None)
        self.heap_free_built = None
        # a board may pause sampling (``sampling`` False: a virtual board without a trace); looked up
        # once, since a failed attribute lookup per sample would allocate its exception
        self._gated = hasattr(board, "sampling")
        self.started_ms = ticks_ms()
        self.hold = False
        self.trace = False
        self.nonce = None
        self.reboots = 0
        self.max_line = max_line
        self.counters = {"lines": 0, "errors": 0, "sifts": 0, "msgs": 0, "readings": 0, "samples": 0,
                         "auth_failures": 0, "resets": 0}
        self.fed = Outcome()
        self.said = Outcome()
        # a board reset by its watchdog boots latched (the interlock stopped feeding it)
        boot_latched = bool(getattr(board, "boot_latched", False))
        self.gauge = ResourceGauge(period_us=self.period_ms * 1000,
                                   reset_cause=_WATCHDOG_CAUSE if boot_latched else None,
                                   watchdog_cause=_WATCHDOG_CAUSE)
        self._build(boot_latched, HALT_DEADLINE, REASON_WATCHDOG)
        self.protocol = Protocol(self)
        self.link = Link(self.protocol, board.write, max_line, {"node": self})
        self._heap_base()

    def _build(self, latched, code, reason):
        self.sifter = None
        self.pipeline = None
        if self.text:
            from redline.text.pipe import CognitivePipeline
            from redline.text.sift import Sifter
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
        if self.text and not self.model.ok:
            # a corrupted or mismatched model: the text gauges would flag everything, so the
            # node does not run the actuator on it at all
            self.interlock.fail_closed(REASON_MODEL)
        if latched and not self.interlock.latched:
            self.interlock.trip(code, reason, -1, -1)
        self.messages = 0
        self._ticks = 0
        self._work_us = 0

    def _heap_base(self):
        """What the node holds once built: the gauge measures the heap above it."""
        collect_garbage()
        self.gauge.heap_base = mem_alloc()
        free = mem_free()
        self.heap_free_built = free
        # what hello reports as max_feed: readings per feed request this heap has room for
        # (0 free = a port without heap figures, e.g. CPython: the line length alone bounds it)
        cap = self.max_line // 4
        self.max_feed = min(cap, free // (_FEED_WORDS * _word_bytes())) if free else cap
        if self.max_feed < 1:
            self.max_feed = 1

    def soft_reset(self):
        """Rebuild every stage (a soft reboot); a latched halt stays latched."""
        il = self.interlock
        self.reboots += 1
        self.hold = False
        self.trace = False
        self.nonce = None
        self._build(il.latched, il.code, il.reason)
        self._heap_base()

    def reset_state(self, scope):
        """Authenticated reset: ``latch`` clears the latch, ``all`` also restarts every stage."""
        if scope == "all":
            if self.pipeline is not None:
                self.pipeline.reset_full()
            if self.guard is not None:
                self.guard.reset()
            self.messages = 0
        self.interlock.reset()
        self.gauge.clear_reset()
        if self.guard is None:
            self.interlock.fail_closed()
        self.audit.record(0, REASON_AUTH_RESET, -1, -1)

    def refuse_auth(self):
        """An authenticated request was refused: count it and audit it (the latch stays)."""
        self.counters["auth_failures"] += 1
        self.audit.record(self.interlock.code, REASON_AUTH_REFUSED, -1, -1)

    def uptime_ms(self):
        return ticks_diff(ticks_ms(), self.started_ms)

    @property
    def latched(self):
        return self.interlock.latched

    # -- the sensor path --
    def fault(self, memory):
        """A step failed: actuator safe and latched ("memory error" or "guard fault")."""
        if memory:
            return self.interlock.trip(HALT_RESOURCE, REASON_MEMORY, -1, -1)
        return self.interlock.trip(HALT_SELF_MEMORY, REASON_FAULT, -1, -1)

    def _step(self, channel, sensor, value):
        """One guard step under the fail-safe (``sensor.read()`` if given, else ``value``); the effective code.

        ``sensor.read()`` is called here, not passed in as a bound method: building one allocates.
        """
        il = self.interlock
        try:
            if sensor is not None:
                value = sensor.read()
            r = self.guard.update(channel, value)
            return il.apply(r.code, r.reason, r.sample, channel)
        except MemoryError:
            return il.trip(HALT_RESOURCE, REASON_MEMORY, -1, channel)
        except Exception:
            return il.trip(HALT_SELF_MEMORY, REASON_FAULT, -1, channel)

    def feed(self, channel, value):
        """One reading (channel index, int) through guard and interlock; returns ``self.fed``."""
        out = self.fed
        mk = self.marker
        if mk is not None:
            mk.value(1)
        out.effective = self._step(channel, None, value)
        if mk is not None:
            mk.value(0)
        il = self.interlock
        out.result = self.guard.result
        out.actuator = 1 if il.actuator_on else 0
        out.latched = il.latched
        self.counters["readings"] += 1
        return out

    def channel_index(self, name):
        """Index of a configured channel name, -1 when unknown (or no guard)."""
        cfg = self.config
        if cfg is not None:
            names = cfg.channels
            for i in range(len(names)):
                if names[i] == name:
                    return i
        return -1

    def has_guard(self):
        return self.guard is not None

    def channel_count(self):
        return len(self.config.channels) if self.config is not None else 0

    def sample(self):
        """One reading from every channel that has a sensor, through guard and interlock."""
        if self.hold:
            wd = self.interlock.watchdog
            if wd is not None:
                wd.feed()
            return 0
        if self.guard is None or (self._gated and not self.board.sampling):
            return 0
        t0 = ticks_us()
        readers = self.readers
        mk = self.marker
        n = 0
        for i in range(len(readers)):
            rd = readers[i]
            if rd is not None:
                if mk is not None:
                    mk.value(1)
                self._step(i, rd, 0)
                if mk is not None:
                    mk.value(0)
                n += 1
        self.counters["samples"] += n
        work = ticks_diff(ticks_us(), t0)
        if work > self._work_us:
            self._work_us = work
        self._ticks += 1
        if self._ticks >= self.rate_hz:
            self.measure_pressure()
        return n

    def measure_pressure(self):
        """Collect garbage, update the resource gauge, hand its level to the guard; the level."""
        collect_garbage()
        level = self.gauge.update(self._work_us)
        self._ticks = 0
        self._work_us = 0
        if self.guard is not None:
            self.guard.pressure = level
        return level

    def check_deadline(self):
        """Trip HALT_DEADLINE when no step completed within the interlock's deadline."""
        return self.interlock.check_deadline()

    def guarded(self, fn, a, b):
        """fn(a, b) under the fail-safe; its result, or None after a trip."""
        try:
            return fn(a, b)
        except MemoryError:
            self.fault(True)
        except Exception:
            self.fault(False)
        return None

    # -- the text path (``self.text``) --
    def sift(self, data):
        """The text gauges of one message (bytes-like); the SiftResult."""
        mk = self.marker
        if mk is not None:
            mk.value(1)
        try:
            r = self.sifter.sift(data)
        finally:
            if mk is not None:
                mk.value(0)
        self.counters["sifts"] += 1
        return r

    def message(self, data, now=-1):
        """One text message (``now``: its time in ms, default the clock) through the pipeline and the
        interlock; returns ``self.said``."""
        pipe = self.pipeline
        il = self.interlock
        mk = self.marker
        if mk is not None:
            mk.value(1)
        try:
            r = pipe.process(data, now=now)
            index = self.messages
            self.messages = (index + 1) & _SMALL
            out = self.said
            out.result = r
            out.effective = il.apply(r.code, REASON_TEXT, index, -1)
        finally:
            if mk is not None:
                mk.value(0)
        self.counters["msgs"] += 1
        out.actuator = 1 if il.actuator_on else 0
        out.latched = il.latched
        return out

    # -- what the protocol reports --
    def model_info(self):
        """{sha256, format, ok, error} of the text model; None on a sensor-only node."""
        if not self.text:
            return None
        from redline.text.model import FORMAT_VERSION
        m = self.model
        return {"sha256": m.sha256, "format": FORMAT_VERSION, "ok": m.ok, "error": m.error}

    def config_info(self):
        return {"sha256": self.config_sha256, "ok": self.config is not None, "error": self.config_error}

    def channel_names(self):
        return list(self.config.channels) if self.config is not None else []

    def stats(self):
        """Counters and the interlock's state, for the ``stats`` op (allocates).

        ``heap_free`` is read after a garbage collection; ``heap_free_built`` is what was free
        once the node was built, ``heap_free_boot`` what the board saw before (None when the
        board does not say)."""
        il = self.interlock
        out = {}
        for k in self.counters:
            out[k] = self.counters[k]
        out["latched"] = 1 if il.latched else 0
        out["code"] = il.code
        out["reason"] = il.reason
        out["actuator"] = 1 if il.actuator_on else 0
        out["warning"] = 1 if il.warning else 0
        out["hold"] = 1 if self.hold else 0
        out["trace"] = 1 if self.trace else 0
        out["reboots"] = self.reboots
        out["audit_total"] = self.audit.total
        collect_garbage()
        out["heap_free"] = mem_free()
        out["heap_free_built"] = self.heap_free_built
        out["heap_free_boot"] = self.heap_free_boot
        out["uptime_ms"] = self.uptime_ms()
        return out

    def audit_log(self):
        """([[code, reason, sample, channel], ...] oldest first, total recorded)."""
        a = self.audit
        return [list(e) for e in a.entries()], a.total

    def random_bytes(self, n):
        ent = getattr(self.board, "entropy", None)
        if ent is not None:
            return ent(n)
        import os
        return os.urandom(n)

    def hello(self):
        """The ``hello`` reply's fields (what the protocol answers)."""
        return self.protocol.op_hello(None)

    # -- traces (trace mode; host and protocol use, allocates) --
    def trace_reading(self, channel, value):
        from redline.link.trace import sensor_trace
        return sensor_trace(self.guard, self.interlock, channel, value)

    def trace_sift(self, result):
        from redline.link.trace import sift_trace
        return sift_trace(result)

    def trace_message(self):
        from redline.link.trace import pipeline_trace
        return pipeline_trace(self.pipeline, self.interlock)
