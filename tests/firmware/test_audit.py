# Audit ring: fixed size, oldest first, allocation-free record.
from redline.compat import heap_lock, heap_unlock
from redline.audit import AuditRing


def test_ring_keeps_the_last_n_oldest_first():
    a = AuditRing(3)
    assert a.entries() == [] and len(a) == 0 and a.last_code() == 0
    for i in range(5):
        a.record(-i, i, 100 + i, i % 2)
    assert len(a) == 3 and a.total == 5
    assert a.entries() == [(-2, 2, 102, 0), (-3, 3, 103, 1), (-4, 4, 104, 0)]
    assert a.last_code() == -4
    a.reset()
    assert a.entries() == [] and a.total == 0


def test_field_ranges_survive_the_arrays():
    a = AuditRing(2)
    a.record(-8, 255, 2 ** 30 - 1, -1)
    assert a.entries() == [(-8, 255, 2 ** 30 - 1, -1)]


def test_record_allocates_nothing():
    a = AuditRing(8)
    a.record(0, 0, 0, 0)
    failed = 0
    heap_lock()
    try:
        for i in range(100):
            a.record(-3, 4, i, 1)
    except Exception:
        failed = 1
    finally:
        heap_unlock()
    assert failed == 0 and a.total == 101


def test_trips_are_pinned_against_a_flood():
    # issue 18, finding 5: 40 refused resets used to push the trip out of a 32-entry ring
    a = AuditRing(32, pinned=4)
    a.trip(-3, 4, 120, 2)
    for i in range(40):
        a.record(-3, 48, -1, -1)
    assert (-3, 4, 120, 2) not in a.entries() and a.total == 41
    assert a.trips() == [(-3, 4, 120, 2)] and a.trip_total == 1
    for i in range(5):
        a.trip(-7, 34 + i, -1, -1)
    assert a.trips() == [(-7, 35, -1, -1), (-7, 36, -1, -1), (-7, 37, -1, -1), (-7, 38, -1, -1)]


def test_trip_allocates_nothing():
    a = AuditRing(8, pinned=2)
    a.trip(0, 0, 0, 0)
    failed = 0
    heap_lock()
    try:
        for i in range(50):
            a.trip(-1, 1, i, 0)
    except MemoryError:
        failed = 1
    finally:
        heap_unlock()
    assert failed == 0 and a.trip_total == 51
