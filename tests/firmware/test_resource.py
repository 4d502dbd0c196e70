# Resource gauge: heap, loop overrun and reset cause on llmosafe's pressure ladder.
from redline.resource import (ResourceGauge, pressure_level, NOMINAL, ELEVATED, CRITICAL, EMERGENCY)


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
        NOMINAL, NOMINAL, ELEVATED, ELEVATED, CRITICAL, CRITICAL, EMERGENCY, EMERGENCY, EMERGENCY]


def test_heap_pressure():
    h = Heap(25, 75)
    g = _gauge(h)
    assert g.update() == NOMINAL and g.heap_pct == 25
    h.used, h.free = 51, 49
    assert g.update() == CRITICAL
    h.used, h.free = 90, 10
    assert g.update() == EMERGENCY and g.pressure == 90


def test_large_heaps_stay_small_ints():
    h = Heap(600000000, 400000000)
    g = _gauge(h)
    assert g.update() == CRITICAL and g.heap_pct == 60
    g2 = _gauge(Heap(1, 0), heap_ceiling=4)
    assert g2.update() == NOMINAL and g2.heap_pct == 25


def test_loop_overrun_needs_consecutive_overruns_for_emergency():
    g = _gauge(Heap(0, 100), period_us=10000, overrun_limit=3)
    assert g.update(5000) == NOMINAL and g.loop_pct == 25
    assert g.update(10000) == CRITICAL and g.loop_pct == 75
    assert g.update(12000) == CRITICAL
    assert g.update(12000) == CRITICAL
    assert g.update(12000) == EMERGENCY and g.loop_pct == 100
    assert g.update(3000) == NOMINAL and g.overruns == 0


def test_watchdog_reset_holds_critical_until_cleared():
    g = _gauge(Heap(0, 100), reset_cause=3, watchdog_cause=3)
    assert g.update() == CRITICAL
    g.clear_reset()
    assert g.update() == NOMINAL
    g = _gauge(Heap(0, 100), reset_cause=1, watchdog_cause=3)
    assert g.update() == NOMINAL


def test_heap_pressure_is_current_not_peak():
    # llmosafe defect 15: its "current RSS" was the peak, so pressure never fell.
    h = Heap(90, 10)
    g = _gauge(h)
    assert g.update() == EMERGENCY
    h.used, h.free = 10, 90
    assert g.update() == NOMINAL and g.heap_pct == 10
