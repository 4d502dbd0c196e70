"""``redline.node.Node.feed`` and ``Node.sample`` compiled by the native emitter (``@micropython.native``).

The same statements as the pure-Python twins (``feed`` and ``sample`` in redline.node), in
the same order, with the same results; the native emitter only drops the bytecode dispatch
(~2,000-3,000 cycles of a reading on the RP2040). Importing this module fails where the emitter
is missing (SyntaxError on the WebAssembly port, ImportError on CPython): redline.node then keeps
the twins. redline.node installs the two as methods and, when it builds a guard, sets the
guard's step functions here::

    from redline import node_native     # a board, the unix port
    Node.feed = node_native.feed
    Node.sample = node_native.sample

Differences from the twins, all for the armv6m build (MicroPython v1.27.0 freezes native code
2-byte aligned, and the emitter loads constants wider than 16 bits PC-relative, which then go
astray: tests/host/test_cross_compile.py checks none is emitted): the sample counter's wrap test
is ``s >> 15 == 32767 and s & 32767 == 32767`` (``s == 0x3FFFFFFF``), and the reading is clamped
by ``redline.node._clamp`` (bytecode); ``sample``'s row is a function of its own
(``sample_row``: in one function the code crossed the 2 KB jump range). The module's heap on a
board is its globals dict and three function objects: constants are private (folded), the step
functions module attributes.
tests/firmware/test_node_feed.py holds both functions against their twins field by field.
"""
from micropython import const
from redline.compat import ticks_diff, ticks_us

# redline.sensor.kernel's slots (tests/firmware/test_node_feed.py checks
# redline.node's copies; this module's code is held against the twin's there)
_K_WARMING = const(29)
_O_REASON = const(58)
_O_ACCEPTED = const(65)
# redline.codes' codes and reasons (redline.node's copies)
_HALT_RESOURCE = const(-5)
_HALT_SELF_MEMORY = const(-6)
_REASON_MEMORY = const(33)
_REASON_FAULT = const(32)
_HALT_DEADLINE = const(-7)
_REASON_DEADLINE = const(38)
# set by redline.node when it builds a guard: a channel's whole reading (replay step, pair, kernel)
# and the clamp (module attributes, not a function: each function object is heap)
_kread = None
_clamp = None


@micropython.native
def feed(self, channel, value):
    mk = self.marker
    il = self.interlock
    if mk is not None:
        mk.value(1)
    try:
        g = self.guard
        kb = g.kb[channel]
        s = g.sample
        if s >> 15 == 32767 and s & 32767 == 32767:
            g.sample = 0
            g.warm_end = -1
        else:
            g.sample = s + 1
        cs = kb[0]
        code = _kread(kb, value, g.pressure)
        if cs[_K_WARMING] == 1 and cs[_O_ACCEPTED] == 1:
            g.learn(g._channels[channel], _clamp(value), s)
        if code == 0 and il.steady:
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


@micropython.native
def sample(self):
    now = self.ticks()
    il = self.interlock
    pace = self._pace
    if self.hold or self.guard is None or (self._gated and not self.board.sampling):
        pace.sampled_ms = now
        if il.watchdog is not None:
            il.watchdog.feed()
        return 0
    if self.deadline_ms and not il.latched and ticks_diff(now, pace.sampled_ms) > self.deadline_ms:
        il.trip(_HALT_DEADLINE, _REASON_DEADLINE, -1, -1)
    pace.sampled_ms = now
    t0 = ticks_us()
    n = sample_row(self, il)
    self.counters["samples"] += n
    work = ticks_diff(ticks_us(), t0)
    if work > pace.work_us:
        pace.work_us = work
    pace.ticks += 1
    if pace.ticks >= self.rate_hz:
        self.measure_pressure()
    if il.latched and il.watchdog is not None:
        il.watchdog.feed()
    if il.dirty:
        self.sync_latch()
    return n


# sample()'s row, a function of its own: in one function the armv6m code grew past the 2 KB jump
# range (tests/host/test_cross_compile.py)
@micropython.native
def sample_row(self, il):
    readers = self.readers
    mk = self.marker
    g = self.guard
    chans = g._channels
    pr = g.pressure
    kbs = g.kb
    kread = _kread
    n = 0
    for i in range(len(readers)):
        rd = readers[i]
        if rd is None:
            continue
        if mk is not None:
            mk.value(1)
        try:
            value = rd.read()
            kb = kbs[i]
            s = g.sample
            if s >> 15 == 32767 and s & 32767 == 32767:
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
    return n
