"""Resource gauge for a microcontroller, on llmosafe's pressure ladder.

llmosafe's "body" measured process RSS, IO-wait and load on Linux; a node has
a heap, a main loop with a period, and a reset cause. Each gives a pressure
percentage 0..100, the gauge takes the largest, and ``pressure_level()`` maps
it as llmosafe does (``redline.ladder.pressure_level``, §9.2): 0-25 Nominal, 26-50 Elevated, 51-75 Critical,
76+ Emergency. The sensor guard escalates at Critical and halts at Emergency
(``guard.pressure = gauge.level``).

- heap: 100 * in-use / (in-use + free) from ``gc.mem_alloc``/``mem_free``
  (or a ceiling), counted above ``heap_base``: a node sets it to what it
  holds once built, so its own tables are not pressure and 100 means the
  heap that was free after construction is used up (0: the whole heap).
  Call ``gc.collect()`` before ``update`` for a figure without garbage.
- loop: utilisation 100 * ticks / period minus 25, so a loop that uses its
  whole period is Critical (75) and an overrun is Emergency -- but only after
  ``overrun_limit`` consecutive overruns (one GC pause is not an emergency);
  until then an overrun counts as 75.
- reset cause: a reset caused by the watchdog (``reset_cause ==
  watchdog_cause``) holds the pressure at Critical or above until
  ``clear_reset()``.

Example with injected heap figures::

    >>> from redline.resource import ResourceGauge
    >>> from redline.ladder import PRESSURE_CRITICAL
    >>> heap = [30000, 70000]
    >>> g = ResourceGauge(period_us=10000, mem_alloc=lambda: heap[0], mem_free=lambda: heap[1])
    >>> g.update(4000)
    1
    >>> g.heap_pct, g.loop_pct, g.pressure
    (30, 15, 30)
    >>> heap[0], heap[1] = 60000, 40000
    >>> g.update(4000) == PRESSURE_CRITICAL
    True
"""
from redline.compat import mem_alloc as _mem_alloc, mem_free as _mem_free
from redline.ladder import PRESSURE_NOMINAL, pressure_level


class ResourceGauge:
    def __init__(self, period_us=0, heap_ceiling=0, overrun_limit=3, reset_cause=None,
                 watchdog_cause=3, mem_alloc=_mem_alloc, mem_free=_mem_free, heap_base=0):
        self.period_us = period_us
        self.heap_ceiling = heap_ceiling
        self.heap_base = heap_base
        self.overrun_limit = overrun_limit
        self._mem_alloc = mem_alloc
        self._mem_free = mem_free
        self.watchdog_reset = reset_cause is not None and reset_cause == watchdog_cause
        self.overruns = 0
        self.heap_pct = 0
        self.loop_pct = 0
        self.pressure = 0
        self.level = PRESSURE_NOMINAL

    def clear_reset(self):
        self.watchdog_reset = False

    def update(self, loop_ticks_us=0):
        """Measure; returns the pressure level (NOMINAL..EMERGENCY)."""
        base = self.heap_base
        used = self._mem_alloc() - base
        if used < 0:
            used = 0
        total = self.heap_ceiling - base if self.heap_ceiling else used + self._mem_free()
        # Scale both down so 100 * used stays a small int on a 32-bit port.
        while total >= 8388608:
            total >>= 1
            used >>= 1
        heap = 100 * used // total if total > 0 else 0
        self.heap_pct = heap if heap < 100 else 100
        loop = 0
        period = self.period_us
        if period > 0:
            t = loop_ticks_us
            if t > period:
                self.overruns += 1 if self.overruns < 1000 else 0
                loop = 100 if self.overruns >= self.overrun_limit else 75
            else:
                self.overruns = 0
                while period >= 4194304:
                    period >>= 1
                    t >>= 1
                loop = 100 * t // period - 25 if period else 0
                if loop < 0:
                    loop = 0
        self.loop_pct = loop
        p = self.heap_pct if self.heap_pct > loop else loop
        if self.watchdog_reset and p < 51:
            p = 51
        self.pressure = p
        self.level = pressure_level(p)
        return self.level
