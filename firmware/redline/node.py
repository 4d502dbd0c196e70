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
  returns ``node.fed``: ``result`` (the guard's SensorResult, filled by
  ``node.guard.report(channel)`` on demand), ``effective``
  (the code after the interlock; the latch wins), ``actuator`` (1 on, 0 safe),
  ``latched`` -- these three read from the interlock when asked (see ``Outcome``):
  read them before the node's next step. Nothing is allocated
  (tests/firmware/test_node.py, heap-locked). ``feed`` and ``sample`` run native
  code where the emitter exists (redline.node_native; the twins here elsewhere).
- ``message(data, now)`` runs one text message through the pipeline and the
  interlock and returns ``node.said`` (``result`` is the PipelineResult);
  ``sift(data)`` returns the SiftResult of the text gauges alone.
- ``stats()``, ``audit_log()``, ``model_info()``, ``config_info()``,
  ``reset_state(scope)``, ``refuse_auth()``, the traces.

The board object supplies: ``name``, ``sensors`` ({channel name: object with
``read()``}), ``halt_pin`` and ``safe_level``, ``status_pin`` (or None),
``watchdog`` (or None), ``key`` (HMAC key bytes or None), ``entropy(n)``,
``rate_hz``, ``objective`` (bytes), ``text``, ``write(bytes)``, ``flash`` (where
the latch record lives, see redline.latch; None: the latch lives in RAM only),
``reset_cause`` and ``watchdog_cause`` (the board's reset cause and the value
that means "the watchdog reset me"), ``ticks_ms`` (the clock, default
``time.ticks_ms``), ``marker`` (an output pin or None) and ``heap_free_boot``
(free heap before the node was built, or None). Missing attributes take the
defaults of ``_BoardDefaults``.

What survives a power cut, and what wins (docs/protocol.md, "The latch"):

- The latch is persisted (redline.latch): a node with ``flash`` boots latched
  when its record says so, when there is no record (a board never provisioned)
  or when it is unreadable, and after a watchdog reset; only an authenticated
  reset releases it, and that rewrites the record.
- Fail-closed wins over reset: while the model or the configuration is
  rejected (or the node could not be built whole), an authenticated reset
  restarts what it is asked to but the latch stays set.
- A reset key shorter than 16 bytes is refused (``key_error``): such a node,
  like one without a key, accepts no reset, hold or maintenance command, so
  once latched it stays latched until a key is provisioned (boot-pin REPL or a
  new deploy).
- Failed MACs back off exponentially (``AUTH_BACKOFF_MS`` doubling up to
  ``AUTH_BACKOFF_MAX_MS``, measured in ticks); the count of failures in a row
  goes into the latch record at every power of two, so a power cycle does not
  reset the back-off.
- Sampling has a deadline: ``deadline_ms`` (``DEADLINE_PERIODS`` sample periods,
  at least ``DEADLINE_MIN_MS``) between two samples while sampling is due; a
  loop that falls behind trips HALT_DEADLINE ("sampling deadline missed").
- The hardware watchdog watches the loop: the interlock feeds it on healthy
  decisions, and ``sample()`` feeds it while the node is latched or not
  sampling (held): the latch persists anyway, so starving the watchdog would
  only reboot the node every few seconds and cut off the protocol through
  which an authenticated reset comes. A hung loop still starves it.

Timing marker: when the board gives a ``marker`` pin, the node drives it high
before and low after each guard step (``feed``, each reading of ``sample``),
each ``sift`` and each pipeline ``message``, so a logic analyser -- or the
emulated Pico, which reports every edge with the core's cycle counter --
measures the real path. Two ``value()`` calls per step; no allocation.

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
from redline.compat import (IS_MICROPYTHON, collect_garbage, const, largest_free, mem_alloc, mem_free,
                            ticks_add, ticks_diff, ticks_ms, ticks_us)
from redline.interlock import Interlock, VirtualPin
from redline.link.line import Link
from redline.link.proto import Protocol
from redline.resource import ResourceGauge

# redline.codes' codes and reasons the node uses, as private constants: folded by the compiler, so the
# node's module keeps no global for them (tests/firmware/test_node_feed.py checks them against redline.codes)
_HALT_DEADLINE = const(-7)
_HALT_RESOURCE = const(-5)
_HALT_SELF_MEMORY = const(-6)
_REASON_AUTH_REFUSED = const(48)
_REASON_AUTH_RESET = const(49)
_REASON_BAD_RECORD = const(40)
_REASON_BUILD = const(41)
_REASON_CONFIG = const(35)
_REASON_DEADLINE = const(38)
_REASON_FAULT = const(32)
_REASON_MAINT = const(50)
_REASON_MEMORY = const(33)
_REASON_MODEL = const(37)
_REASON_NO_RECORD = const(39)
_REASON_TEXT = const(64)
_REASON_WATCHDOG = const(34)

DEFAULT_RATE_HZ = const(10)
# The link's line buffer (the longest request line the node accepts) unless the configuration
# module says MAX_LINE (or the board max_line): that many bytes of heap, allocated once.
DEFAULT_MAX_LINE = const(4096)
_MAX_LINE_LO = const(256)
_MAX_LINE_HI = const(16384)
MIN_KEY_BYTES = const(16)
AUTH_BACKOFF_MS = const(250)          # after the first failed MAC; doubles per failure in a row
AUTH_BACKOFF_MAX_MS = const(30000)
DEADLINE_PERIODS = const(5)
DEADLINE_MIN_MS = const(500)
# heap one reading of a ``feed`` request costs at its peak (request list, results, reply text and
# its bytes), in machine words: ~330 B (~80 words) measured on the RP2040 image (400 readings fit
# in 147 KB free, 450 did not); 256 words leave room for fragmentation and the user's own objects
# (on the 64-bit unix port, after 100,000 fuzz lines, 1 KB per reading was too little)
_FEED_WORDS = const(256)
_REPLY_BYTES = const(143)      # what link.proto reserves per reading: 11 fields x 13 bytes
_SMALL = const(0x3FFFFFFF)
# SensorGuard.step's slots and limits, folded here for feed's inline copy of it (redline.sensor.kernel's
# I_*/O_*/K_WARMING, guard's _G_CFLAGS and _SAMPLE_MASK, fx.READING_LIMIT; tests/firmware/test_node_feed.py
# checks them against those)
_SAMPLE_MASK = const(0x3FFFFFFF)
_LIMIT = const(536870912)
_K_WARMING = const(29)
_I_FLAGS = const(30)
_I_PAIR = const(31)
_I_PRESSURE = const(32)
_O_REASON = const(58)
_O_ACCEPTED = const(65)
_G_CFLAGS = const(12)
# the guard's whole reading of a channel (replay step, pair, kernel: a viper build on a board), bound by _build
# when the node has a sensor configuration: a text-only node imports no sensor module
_kread = None
_MODEL = "redline_model"


def _clamp(x):
    """A reading inside the guard's limit (what the replay step and the pair see)."""
    if x >= _LIMIT:
        return _LIMIT - 1
    if x <= -_LIMIT:
        return 1 - _LIMIT
    return x


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
    flash = None
    reset_cause = None
    watchdog_cause = None
    ticks_ms = None
    marker = None
    max_line = DEFAULT_MAX_LINE


def _attr(board, name):
    v = getattr(board, name, None)
    return v if v is not None else getattr(_BoardDefaults, name)


def load_board_config():
    """(SensorConfig or None, error text, config module or None) from ``redline_config``."""
    try:
        import redline_config
    except ImportError:
        return None, "no redline_config module", None
    # Out of sys.modules at once: the node keeps the SensorConfig, not the module (its globals dict
    # and what only it refers to: 608 B less kept with the 8-channel SKAB calibration on the Pico,
    # whose tuples live on in the SensorConfig); the caller reads what else it needs from the
    # module it is handed, then drops it.
    import sys
    sys.modules.pop("redline_config", None)
    try:
        from redline.sensor.config import load_config
        return load_config(redline_config), "", redline_config
    except Exception as exc:  # fail closed: the guard holds the actuator safe
        return None, "config rejected: %s" % exc, redline_config


def _exists(path):
    import os
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _file_sha256(path):
    try:
        import hashlib
    except ImportError:
        import uhashlib as hashlib
    h = hashlib.sha256()
    buf = bytearray(256)
    mv = memoryview(buf)
    with open(path, "rb") as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(mv[:n])
    d = h.digest()
    return "".join("%02x" % d[i] for i in range(len(d)))


def model_file_problem(name=_MODEL):
    """Why the model module must not be imported, or "" (MicroPython only).

    MicroPython's .mpy loader never returns on a truncated file (it reads past
    the end as 0xFF bytes and loops forever decoding a variable-length int), so
    a model imported from an .mpy file on the file system is first checked
    against ``<name>.sha256`` beside it (written by ``redline deploy`` and the
    virtual boards). A frozen model, or one compiled from source, needs no check.
    """
    if not IS_MICROPYTHON:
        return ""
    import sys
    for d in sys.path:
        if d == ".frozen":
            return ""
        base = (d + "/" if d else "") + name
        if _exists(base + ".py"):
            return ""
        if _exists(base + ".mpy"):
            side = base + ".sha256"
            try:
                with open(side) as f:
                    want = f.read(80).strip()
            except OSError:
                return "%s.mpy has no %s.sha256 beside it (deploy it with redline deploy)" % (name, name)
            try:
                got = _file_sha256(base + ".mpy")
            except OSError:
                return "%s.mpy is unreadable" % name
            if got != want:
                return "%s.mpy does not match its SHA-256 (truncated or corrupt)" % name
            return ""
    return ""


def load_text_model():
    """The checked text model; never raises. A model that cannot be imported whole (empty,
    corrupt header, truncated, out of memory) is the fail-closed model with the reason."""
    from redline.text.model import fail_closed, load_model
    try:
        why = model_file_problem()
        if why:
            return fail_closed(why)
        return load_model()
    except Exception as exc:  # SyntaxError, ValueError (bad .mpy), MemoryError...
        return fail_closed("model not loadable: %s %s" % (type(exc).__name__, exc))


def auth_delay_ms(failures):
    """How long authentication is refused after ``failures`` failed MACs in a row."""
    if failures <= 0:
        return 0
    d = AUTH_BACKOFF_MS
    for _ in range(failures - 1):
        d <<= 1
        if d >= AUTH_BACKOFF_MAX_MS:
            return AUTH_BACKOFF_MAX_MS
    return d


class Outcome:
    """What the last reading or message did; one per path, overwritten by the next call.

    ``result`` is the stage's result object (PipelineResult; the guard's SensorResult, filled on
    demand by ``guard.report(channel)``: see ``Node.feed``). ``effective`` (the code after the
    interlock: a latched halt wins), ``actuator`` (1 on, 0 safe) and ``latched`` are read from the
    interlock when asked, not stored per step (three attribute stores less per reading): read them
    before the node's next step. ``effective`` is the interlock's ``code``: ``apply`` and ``trip``
    return it, and the steady Proceed that ``feed`` runs inline leaves it at 0.
    """

    def __init__(self, node):
        self.result = None
        self._node = node

    @property
    def effective(self):
        return self._node.interlock.code

    @property
    def actuator(self):
        return 1 if self._node.interlock.actuator_on else 0

    @property
    def latched(self):
        return self._node.interlock.latched


class _Pace:
    """``sample()``'s own state, kept apart from the Node: a store to a Node attribute costs ~3,900
    cycles on the RP2040 (``Node.latched`` is a property, so every store to a Node goes through the
    class's special accessors, ``__setattr__`` included), a store to a plain object ~290 (measured on
    the emulated Pico, docs/performance.md, branch pyfeed). Per row: when it sampled (ms), and since
    the last pressure measurement the rows taken and the longest row (us)."""

    def __init__(self):
        self.sampled_ms = 0
        self.ticks = 0
        self.work_us = 0


class Node:
    def __init__(self, board, model=None, config=None, config_error="", config_module=None, max_line=None,
                 build_error=""):
        self.board = board
        self.name = _attr(board, "name")
        self.ticks = _attr(board, "ticks_ms") or ticks_ms
        self.text = bool(_attr(board, "text"))
        self.model = None
        self.build_error = build_error      # set when main.build had to fall back to a minimal node
        if self.text:
            self.model = model if model is not None else load_text_model()
        if config is None and not config_error:
            config, config_error, config_module = load_board_config()
        self.config = config
        self.config_error = config_error
        self.config_sha256 = config.sha256() if config is not None else ""
        rate = getattr(config_module, "RATE_HZ", None) if config_module is not None else None
        self.rate_hz = rate or _attr(board, "rate_hz")
        if max_line is None:
            # the configuration module's MAX_LINE (beside its checked fields, like RATE_HZ), else the
            # board's max_line, else 4096; outside 256..16384 the node is not built (main.build then
            # builds the minimal fail-closed node, which says why in hello's build_error)
            max_line = getattr(config_module, "MAX_LINE", None) if config_module is not None else None
            if max_line is None:
                max_line = _attr(board, "max_line")
        if not isinstance(max_line, int) or max_line < _MAX_LINE_LO or max_line > _MAX_LINE_HI:
            raise ValueError("MAX_LINE must be an int 256..16384")
        self.period_ms = 1000 // self.rate_hz if self.rate_hz > 0 else 1000
        deadline = getattr(config_module, "DEADLINE_MS", None) if config_module is not None else None
        if deadline is None:
            deadline = DEADLINE_PERIODS * self.period_ms
            if deadline < DEADLINE_MIN_MS:
                deadline = DEADLINE_MIN_MS
        self.deadline_ms = deadline
        self.objective = getattr(config_module, "OBJECTIVE", None) if config_module is not None else None
        if self.objective is None:
            self.objective = _attr(board, "objective")
        if IS_MICROPYTHON and config_module is not None:
            # emptied, not only dropped: a stale pointer to the module left on the C stack (which the
            # garbage collector scans conservatively) can keep its dict alive at the heap measurement
            # below: 480 B of the SKAB calibration's module on the Pico, depending on the build
            try:
                config_module.__dict__.clear()
            except (AttributeError, TypeError):     # not a module (a test's stand-in)
                pass
        config_module = None        # read: collectable before the heap is measured (load_board_config)
        key = _attr(board, "key")
        self.key_error = ""
        if key is not None and len(key) < MIN_KEY_BYTES:
            self.key_error = "reset key shorter than %d bytes: refused" % MIN_KEY_BYTES
            key = None
        self.key = key
        self.halt_pin = getattr(board, "halt_pin", None) or VirtualPin()
        self.marker = _attr(board, "marker")
        self.heap_free_boot = getattr(board, "heap_free_boot", None)
        self.heap_free_built = None
        self.heap_largest_built = 0
        self._word = _word_bytes()      # once: sys.maxsize is a big int on a 64-bit port
        # a board may pause sampling (``sampling`` False: a virtual board without a trace); looked up
        # once, since a failed attribute lookup per sample would allocate its exception
        self._gated = hasattr(board, "sampling")
        self.started_ms = self.ticks()
        self.hold = False
        self.trace = False
        self.nonce = None
        self.reboots = 0
        self.max_line = max_line
        self.counters = {"lines": 0, "errors": 0, "sifts": 0, "msgs": 0, "readings": 0, "samples": 0,
                         "auth_failures": 0, "resets": 0}
        self.fed = Outcome(self)
        self.said = Outcome(self)
        self.audit = AuditRing(32)
        # the latch record (redline.latch): read before anything can trip
        self.store = None
        self.latch_boot = "ram"         # what the latch record said at boot (stats: latch_record)
        flash = _attr(board, "flash")
        boot_code = 0
        boot_reason = 0
        self.auth_fails = 0
        if flash is not None:
            from redline.latch import LatchStore
            self.store = LatchStore(flash)
            status = self.store.load()
            self.latch_boot = status
            self.auth_fails = self.store.failures
            if status == "missing":
                boot_code, boot_reason = _HALT_SELF_MEMORY, _REASON_NO_RECORD
            elif status != "ok":
                boot_code, boot_reason = _HALT_SELF_MEMORY, _REASON_BAD_RECORD
            elif self.store.latched:
                boot_code, boot_reason = self.store.code, self.store.reason
        self.latch_errors = 0
        self.auth_until = self.started_ms
        self._auth_waiting = self.auth_fails > 0
        if self._auth_waiting:
            self.auth_until = ticks_add(self.started_ms, auth_delay_ms(self.auth_fails))
        # a board reset by its watchdog boots latched (the interlock had stopped feeding it)
        cause = _attr(board, "reset_cause")
        wd_cause = _attr(board, "watchdog_cause")
        self.watchdog_boot = cause is not None and wd_cause is not None and cause == wd_cause
        self.gauge = ResourceGauge(period_us=self.period_ms * 1000, reset_cause=cause,
                                   watchdog_cause=wd_cause if wd_cause is not None else -1)
        if not boot_code and self.watchdog_boot:
            boot_code, boot_reason = _HALT_DEADLINE, _REASON_WATCHDOG
        self.between = None         # the device loop's tick (main.Loop): long requests sample between readings
        self.protocol = Protocol(self)
        # The link (its max_line-byte line buffer: one block) before the stages: on a heap the size of
        # an ESP32's (--heap 110K) the 8-channel SKAB node once failed its last allocation, this
        # buffer, with room enough in total but no 4 KB block left between the stages' objects.
        self.link = Link(self.protocol, board.write, max_line, {"node": self}, self.ticks)
        self._pace = _Pace()
        self._build(boot_code, boot_reason)
        il = self.interlock
        if self.store is not None and self.store.status == "ok" and self.store.latched \
                and il.code == self.store.code and il.reason == self.store.reason:
            il.dirty = False        # latched as the record already says: nothing to write
        self.sync_latch()
        self._heap_base()
        self._pace.sampled_ms = self.ticks()     # building takes a while on a board: the deadline starts now

    def _build(self, boot_code=0, boot_reason=0):
        """Build every stage; a latch already set (soft reset) is restored, the boot trip (latch record,
        watchdog) applied, then the fail-closed reasons."""
        old = getattr(self, "interlock", None)
        self.sifter = None
        self.pipeline = None
        self.interlock = None
        if self.text:
            from redline.text.pipe import CognitivePipeline
            from redline.text.sift import Sifter
            # the ``sift`` op has its own Sifter (512 B on the Pico): sharing the pipeline's would
            # also run the pipeline's token observers and the Adler-32 anchor on every sift, +48 %
            # cycles per 64-byte sift on the emulated Pico (388,870 -> 575,040) for those 512 B
            self.sifter = Sifter(self.model)
            self.pipeline = CognitivePipeline(model=self.model, objective=self.objective)
        self.interlock = Interlock(self.halt_pin, safe_level=_attr(self.board, "safe_level"),
                                   watchdog=_attr(self.board, "watchdog"), audit=self.audit,
                                   status_pin=_attr(self.board, "status_pin"), clock=self.ticks)
        if old is not None and old.latched:
            self.interlock.restore(old.code, old.reason)
            self.interlock.dirty = old.dirty
        elif boot_code:
            self.interlock.trip(boot_code, boot_reason, -1, -1)
        self.guard = None
        self.readers = []
        if self.config is not None:
            global _kread
            from redline.sensor.guard import SensorGuard, _reading
            _kread = _reading
            if _native is not None:
                _native._kread = _reading
                _native._clamp = _clamp
            self.guard = SensorGuard(self.config)
            self.fed.result = self.guard.result     # filled on demand (see feed)
            sensors = _attr(self.board, "sensors") or {}
            for name in self.config.channels:
                self.readers.append(sensors.get(name))
        self.fail_closed()
        self.messages = 0
        self._pace.ticks = 0
        self._pace.work_us = 0

    def fail_reason(self):
        """The reason the node must not run its actuator at all (0: none): rejected config or model."""
        if self.build_error:
            return _REASON_BUILD
        if self.guard is None:
            return _REASON_CONFIG
        if self.text and not self.model.ok:
            # a corrupted or mismatched model: the text gauges would flag everything, so the
            # node does not run the actuator on it at all
            return _REASON_MODEL
        return 0

    def fail_closed(self):
        """Latch (safe) when the node must not run: fail-closed wins over everything, resets included."""
        why = self.fail_reason()
        if why:
            self.interlock.fail_closed(why)
        return why

    def _heap_base(self):
        """What the node holds once built: the gauge measures the heap above it."""
        collect_garbage()
        self.gauge.heap_base = mem_alloc()
        free = mem_free()
        self.heap_free_built = free
        # what hello reports as max_feed: readings per feed request this heap has room for
        # (0 free = a port without heap figures, e.g. CPython: the line length alone bounds it)
        # and whose reply (_REPLY_BYTES per reading, reserved whole before the first reading) fits in
        # a quarter of the largest free block: the request's own lists fragment the heap (on an
        # ESP32-sized heap, 110K, a 55-reading reply found no 7.9 KB block while the largest free
        # block was 21 KB at rest)
        cap = self.max_line // 4
        self.max_feed = min(cap, free // (_FEED_WORDS * self._word)) if free else cap
        largest = largest_free() if free else 0
        self.heap_largest_built = largest
        if largest:
            self.max_feed = min(self.max_feed, largest // (4 * _REPLY_BYTES))
        if self.max_feed < 1:
            self.max_feed = 1

    def sync_latch(self):
        """Write the latch record when the latch changed (redline.latch); False if the flash failed.

        Called after every step that may trip or reset; it does nothing (and allocates nothing) unless
        the latch changed. A failed write stays pending and is tried again at the next call.
        """
        il = self.interlock
        if not il.dirty:
            return True
        if self.store is None:
            il.dirty = False
            return True
        try:
            self.store.save(il.latched, il.code, il.reason, self.auth_fails)
            il.dirty = False
            return True
        except Exception:  # MemoryError, OSError: keep it pending
            if self.latch_errors < _SMALL:
                self.latch_errors += 1
            return False

    def soft_reset(self):
        """Every stage back to how it was built (a soft reboot); a latched halt stays latched.

        Done in place: the stages are reset, not rebuilt, so a soft reset allocates nothing
        (rebuilding needed the guard twice over at its peak: ~68 KB more with an 8-channel
        calibration and a 4096-print replay store, which a heap shared with the user's
        application may not have). A stage a reset cannot restore (none built) stays as it is.
        """
        self.restart_stages()
        self._heap_base()

    def restart_stages(self):
        """The allocation-free part of ``soft_reset()`` (everything but the heap measurement, whose
        garbage collection does not belong under ``heap_lock()``)."""
        self.reboots += 1
        self.hold = False
        self.trace = False
        self.nonce = None
        if self.pipeline is not None:
            self.pipeline.reset_full()
        if self.guard is not None:
            self.guard.reset()
        self.interlock.restart()
        self.fail_closed()
        self.sync_latch()
        self._pace.sampled_ms = self.ticks()

    def reset_state(self, scope):
        """Authenticated reset: ``latch`` clears the latch, ``all`` also restarts every stage.

        Fail-closed wins: on a node whose model or configuration is rejected the latch stays set.
        """
        if scope == "all":
            if self.pipeline is not None:
                self.pipeline.reset_full()
            if self.guard is not None:
                self.guard.reset()
            self.messages = 0
        self.audit.record(0, _REASON_AUTH_RESET, -1, -1)
        if self.fail_reason():
            self.fail_closed()
        else:
            self.interlock.reset()
            self.gauge.clear_reset()
            self._pace.sampled_ms = self.ticks()
        self.sync_latch()

    def refuse_auth(self):
        """An authenticated request was refused: count it and audit it (the latch stays)."""
        self.counters["auth_failures"] += 1
        self.audit.record(self.interlock.code, _REASON_AUTH_REFUSED, -1, -1)

    # -- authentication back-off (the protocol asks before it checks a MAC) --
    def auth_wait_ms(self):
        """Milliseconds until a MAC will be looked at again (0: now)."""
        if not self._auth_waiting:
            return 0
        left = ticks_diff(self.auth_until, self.ticks())
        if left <= 0:
            self._auth_waiting = False
            return 0
        return left

    def auth_failed(self):
        """A MAC was wrong: the next attempt waits twice as long (persisted at powers of two)."""
        if self.auth_fails < 65535:
            self.auth_fails += 1
        self.auth_until = ticks_add(self.ticks(), auth_delay_ms(self.auth_fails))
        self._auth_waiting = True
        f = self.auth_fails
        if self.store is not None and f & (f - 1) == 0:
            il = self.interlock
            try:
                self.store.save(il.latched, il.code, il.reason, f)
            except Exception:
                self.latch_errors += 1

    def auth_passed(self):
        if self.auth_fails:
            self.auth_fails = 0
            self._auth_waiting = False
            if self.store is not None:
                self.interlock.dirty = True     # the record's failure count goes back to 0
                self.sync_latch()

    def open_maintenance(self):
        """An authenticated ``maint``: the raw REPL is reachable (redline.link.line) until closed."""
        self.audit.record(self.interlock.code, _REASON_MAINT, -1, -1)
        self.link.unlock()

    def close_maintenance(self):
        self.link.lock()

    def uptime_ms(self):
        return ticks_diff(self.ticks(), self.started_ms)

    @property
    def latched(self):
        return self.interlock.latched

    # -- the sensor path --
    def fault(self, memory):
        """A step failed: actuator safe and latched ("memory error" or "guard fault")."""
        il = self.interlock
        if memory:
            code = il.trip(_HALT_RESOURCE, _REASON_MEMORY, -1, -1)
        else:
            code = il.trip(_HALT_SELF_MEMORY, _REASON_FAULT, -1, -1)
        self.sync_latch()
        return code

    def feed(self, channel, value):
        """One reading (channel index, int) through guard and interlock; returns ``self.fed``.

        ``fed.result`` is the guard's SensorResult, filled on demand: ``node.guard.report(channel)``
        right after the call, before any other reading (the protocol's reply does); filling it on
        every reading (11 fields) cost ~8,000 cycles on the Pico. ``fed.effective``, ``actuator`` and
        ``latched`` are the interlock's, read when asked (storing them cost ~2,000 cycles a reading).
        Native build where the emitter exists (redline.node_native.feed): keep the two alike.
        """
        mk = self.marker
        il = self.interlock
        if mk is not None:
            mk.value(1)
        # SensorGuard.step inlined, and Interlock.apply's steady Proceed: two Python calls less per
        # reading (~3,000 cycles each on the M0+). tests/firmware/test_node_feed.py holds this
        # against guard.update + interlock.apply field by field: keep them alike.
        try:
            g = self.guard
            kb = g.kb[channel]
            s = g.sample
            if s == _SAMPLE_MASK:
                g.sample = 0
                g.warm_end = -1
            else:
                g.sample = s + 1
            cs = kb[0]              # replay step, pair (if any) and kernel in one call
            code = _kread(kb, value, g.pressure)
            if cs[_K_WARMING] == 1 and cs[_O_ACCEPTED] == 1:
                g.learn(g._channels[channel], _clamp(value), s)
            if code == 0 and il.steady:
                # Interlock.apply's steady path but the clock: ``steady`` is only set while the
                # interlock has no deadline of its own, so nobody reads ``last_ok``
                il.reason = cs[_O_REASON]
                wd = il.watchdog
                if wd is not None:
                    wd.feed()
            else:
                il.apply(code, cs[_O_REASON], s, channel)
        except MemoryError:
            il.trip(_HALT_RESOURCE, _REASON_MEMORY, -1, channel)
        except Exception:
            il.trip(_HALT_SELF_MEMORY, _REASON_FAULT, -1, channel)
        if mk is not None:
            mk.value(0)
        self.counters["readings"] += 1
        if il.dirty:
            self.sync_latch()
        return self.fed

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

    def sampling(self):
        """True while the loop owes the guard a sample every period (deadline armed)."""
        return not (self.hold or self.guard is None or (self._gated and not self.board.sampling))

    def sample(self):
        """One reading from every channel that has a sensor, through guard and interlock.

        A sample later than ``deadline_ms`` after the previous one trips HALT_DEADLINE first.
        Native build where the emitter exists (redline.node_native.sample): keep the two alike.
        """
        now = self.ticks()
        il = self.interlock
        pace = self._pace
        # sampling() inline (a Python call less per row)
        if self.hold or self.guard is None or (self._gated and not self.board.sampling):
            pace.sampled_ms = now
            if il.watchdog is not None:
                il.watchdog.feed()          # the loop is alive; nothing to sample
            return 0
        if self.deadline_ms and not il.latched and ticks_diff(now, pace.sampled_ms) > self.deadline_ms:
            il.trip(_HALT_DEADLINE, _REASON_DEADLINE, -1, -1)
        pace.sampled_ms = now
        t0 = ticks_us()
        readers = self.readers
        mk = self.marker
        g = self.guard
        chans = g._channels
        pr = g.pressure         # only measure_pressure (after the row) changes it
        kbs = g.kb
        kread = _kread
        n = 0
        for i in range(len(readers)):
            rd = readers[i]
            if rd is None:
                continue
            if mk is not None:
                mk.value(1)
            # the row: feed's reading (SensorGuard.step and the steady Proceed inline) with the row's
            # lookups made once (tests/firmware/test_node_feed.py holds it against guard.update and
            # interlock.apply: keep it and feed alike). ``read()`` is called here, not passed in as a
            # bound method: building one allocates.
            try:
                value = rd.read()
                kb = kbs[i]
                s = g.sample
                if s == _SAMPLE_MASK:
                    g.sample = 0
                    g.warm_end = -1
                else:
                    g.sample = s + 1
                cs = kb[0]
                code = kread(kb, value, pr)
                if cs[_K_WARMING] == 1 and cs[_O_ACCEPTED] == 1:
                    g.learn(chans[i], _clamp(value), s)
                if code == 0 and il.steady:
                    il.reason = cs[_O_REASON]
                    wd = il.watchdog
                    if wd is not None:
                        wd.feed()
                else:
                    il.apply(code, cs[_O_REASON], s, i)
            except MemoryError:
                il.trip(_HALT_RESOURCE, _REASON_MEMORY, -1, i)
            except Exception:
                il.trip(_HALT_SELF_MEMORY, _REASON_FAULT, -1, i)
            if mk is not None:
                mk.value(0)
            n += 1
        self.counters["samples"] += n
        work = ticks_diff(ticks_us(), t0)
        if work > pace.work_us:
            pace.work_us = work
        pace.ticks += 1
        if pace.ticks >= self.rate_hz:
            self.measure_pressure()
        if il.latched and il.watchdog is not None:
            il.watchdog.feed()              # latched and safe: the loop is alive (see the module docstring)
        if il.dirty:
            self.sync_latch()
        return n

    def measure_pressure(self):
        """Collect garbage, update the resource gauge, hand its level to the guard; the level."""
        collect_garbage()
        pace = self._pace
        level = self.gauge.update(pace.work_us)
        pace.ticks = 0
        pace.work_us = 0
        if self.guard is not None:
            self.guard.pressure = level
        return level

    def check_deadline(self):
        """Trip HALT_DEADLINE ("sampling deadline missed") when sampling is due and the last sample
        is more than ``deadline_ms`` old; True if it tripped now. The main loop calls it between lines."""
        il = self.interlock
        if not self.deadline_ms or il.latched:
            return False
        now = self.ticks()
        if not self.sampling():
            self._pace.sampled_ms = now
            return False
        if ticks_diff(now, self._pace.sampled_ms) > self.deadline_ms:
            il.trip(_HALT_DEADLINE, _REASON_DEADLINE, -1, -1)
            self.sync_latch()
            return True
        return False

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
            if out.result is not r:     # the pipeline's own result object: stored once (a store to an
                out.result = r          # Outcome, whose class has properties, costs ~2,200 cycles)
            il.apply(r.code, _REASON_TEXT, index, -1)
        finally:
            if mk is not None:
                mk.value(0)
        self.counters["msgs"] += 1
        if il.dirty:
            self.sync_latch()
        return out

    # -- what the protocol reports --
    def model_info(self):
        """{sha256, format, ok, error} of the text model; None on a sensor-only node."""
        if not self.text:
            return None
        m = self.model
        return {"sha256": m.sha256, "format": getattr(m, "format", 1), "ok": m.ok, "error": m.error}

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
        out["latch_record"] = self.latch_boot
        out["latch_errors"] = self.latch_errors
        out["backoff_ms"] = self.auth_wait_ms()
        collect_garbage()
        out["heap_free"] = mem_free()
        out["heap_free_built"] = self.heap_free_built
        out["heap_free_boot"] = self.heap_free_boot
        out["uptime_ms"] = self.uptime_ms()
        out["heap_largest"] = largest_free()
        return out

    def audit_log(self):
        """([[code, reason, sample, channel], ...] oldest first, total recorded, pinned trips oldest first)."""
        a = self.audit
        return [list(e) for e in a.entries()], a.total, [list(e) for e in a.trips()]

    def random_bytes(self, n):
        """n random bytes: the board's ``entropy(n)``, else ``os.urandom``, else a hash pool (link.mac)."""
        ent = getattr(self.board, "entropy", None)
        if ent is not None:
            return ent(n)
        from redline.link.mac import random_bytes
        return random_bytes(n)

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


# Node.feed's and Node.sample's pure-Python twins, and their native builds where the emitter exists (the boards, the unix
# port: redline.node_native, ~2,000 cycles less a reading on the RP2040); tests/firmware/test_node_feed.py
# holds the two against each other
feed_twin = Node.feed
sample_twin = Node.sample
try:
    from redline import node_native as _native
    Node.feed = _native.feed
    Node.sample = _native.sample
except (ImportError, SyntaxError):  # CPython (no micropython module), WebAssembly: the twins
    _native = None
