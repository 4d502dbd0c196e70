# Resource gauge: heap, loop overrun and reset cause on llmosafe's pressure ladder.
from redline.ladder import (pressure_level, PRESSURE_NOMINAL, PRESSURE_ELEVATED, PRESSURE_CRITICAL,
                            PRESSURE_EMERGENCY)
from redline.resource import ResourceGauge


class Heap:
    def __init__(self, used, free):
        self.used = used
        self.free = free

    def alloc(self):
        return self.used

    def mem_free(self):
        return self.free


def _gauge(heap, **kw):
    return ResourceGauge(mem_alloc=heap.alloc, mem_free=heap.mem_free, **kw)


def test_pressure_ladder_boundaries_match_llmosafe():
    assert [pressure_level(p) for p in (0, 25, 26, 50, 51, 75, 76, 100, 150)] == [
        PRESSURE_NOMINAL, PRESSURE_NOMINAL, PRESSURE_ELEVATED, PRESSURE_ELEVATED, PRESSURE_CRITICAL, PRESSURE_CRITICAL, PRESSURE_EMERGENCY, PRESSURE_EMERGENCY, PRESSURE_EMERGENCY]


def test_heap_pressure():
    h = Heap(25, 75)
    g = _gauge(h)
    assert g.update() == PRESSURE_NOMINAL and g.heap_pct == 25
    h.used, h.free = 51, 49
    assert g.update() == PRESSURE_CRITICAL
    h.used, h.free = 90, 10
    assert g.update() == PRESSURE_EMERGENCY and g.pressure == 90


def test_large_heaps_stay_small_ints():
    h = Heap(600000000, 400000000)
    g = _gauge(h)
    assert g.update() == PRESSURE_CRITICAL and g.heap_pct == 60
    g2 = _gauge(Heap(1, 0), heap_ceiling=4)
    assert g2.update() == PRESSURE_NOMINAL and g2.heap_pct == 25


def test_loop_overrun_needs_consecutive_overruns_for_emergency():
    g = _gauge(Heap(0, 100), period_us=10000, overrun_limit=3)
    assert g.update(5000) == PRESSURE_NOMINAL and g.loop_pct == 25
    assert g.update(10000) == PRESSURE_CRITICAL and g.loop_pct == 75
    assert g.update(12000) == PRESSURE_CRITICAL
    assert g.update(12000) == PRESSURE_CRITICAL
    assert g.update(12000) == PRESSURE_EMERGENCY and g.loop_pct == 100
    assert g.update(3000) == PRESSURE_NOMINAL and g.overruns == 0


def test_watchdog_reset_holds_critical_until_cleared():
    g = _gauge(Heap(0, 100), reset_cause=3, watchdog_cause=3)
    assert g.update() == PRESSURE_CRITICAL
    g.clear_reset()
    assert g.update() == PRESSURE_NOMINAL
    g = _gauge(Heap(0, 100), reset_cause=1, watchdog_cause=3)
    assert g.update() == PRESSURE_NOMINAL


def test_heap_pressure_is_current_not_peak():
    # llmosafe defect 15: its "current RSS" was the peak, so pressure never fell.
    h = Heap(90, 10)
    g = _gauge(h)
    assert g.update() == PRESSURE_EMERGENCY
    h.used, h.free = 10, 90
    assert g.update() == PRESSURE_NOMINAL and g.heap_pct == 10


def test_heap_base_counts_only_what_was_free_after_construction():
    h = Heap(60000, 40000)                  # a node holding 60 % of the heap once built
    g = _gauge(h, heap_base=60000)
    assert g.update() == PRESSURE_NOMINAL and g.heap_pct == 0
    h.used, h.free = 80000, 20000           # half of what was free is used now
    assert g.update() == PRESSURE_ELEVATED and g.heap_pct == 50
    h.used, h.free = 91000, 9000
    assert g.update() == PRESSURE_EMERGENCY and g.heap_pct == 77
    h.used, h.free = 50000, 50000           # below the base (freed): no pressure, no negative figure
    assert g.update() == PRESSURE_NOMINAL and g.heap_pct == 0
    g2 = _gauge(Heap(75, 0), heap_ceiling=100, heap_base=50)
    assert g2.update() == PRESSURE_ELEVATED and g2.heap_pct == 50
