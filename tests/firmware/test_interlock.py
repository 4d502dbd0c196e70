# Interlock: latched halts, dwell/hysteresis, watchdog and deadline. The fail-safe around a
# guard step belongs to the node: tests/firmware/test_node.py.
from redline.codes import (PROCEED, WARN, ESCALATE, HALT_BIAS, HALT_SELF_MEMORY, HALT_DEADLINE, REASON_WATCHDOG,
                           REASON_CONFIG, REASON_REPLAY)
from redline.interlock import Interlock
from _fakes import Clock, Pin


def test_starts_safe_and_turns_on_after_release_dwell():
    pin = Pin()
    lock = Interlock(pin, safe_level=0, release_dwell=3)
    assert pin.v == 0 and not lock.actuator_on
    lock.apply(PROCEED, 0, 0, 0)
    lock.apply(PROCEED, 0, 1, 0)
    assert pin.v == 0
    lock.apply(PROCEED, 0, 2, 0)
    assert pin.v == 1 and lock.actuator_on


def test_safe_level_can_be_high():
    pin = Pin()
    lock = Interlock(pin, safe_level=1, release_dwell=1)
    assert pin.v == 1
    lock.apply(PROCEED, 0, 0, 0)
    assert pin.v == 0


def test_halt_is_immediate_and_latched_until_reset():
    pin = Pin()
    lock = Interlock(pin, release_dwell=1)
    lock.apply(PROCEED, 0, 0, 0)
    assert pin.v == 1
    assert lock.apply(HALT_BIAS, REASON_REPLAY, 1, 0) == HALT_BIAS
    assert pin.v == 0 and lock.latched
    for i in range(10):
        assert lock.apply(PROCEED, 0, 2 + i, 0) == HALT_BIAS
    assert pin.v == 0
    lock.reset()
    assert not lock.latched and pin.v == 0
    lock.apply(PROCEED, 0, 20, 0)
    assert pin.v == 1


def test_escalate_has_dwell_and_hysteresis():
    pin = Pin()
    lock = Interlock(pin, escalate_dwell=2, release_dwell=3)
    for i in range(3):
        lock.apply(PROCEED, 0, i, 0)
    assert pin.v == 1
    seq = (ESCALATE, PROCEED, ESCALATE, PROCEED, ESCALATE, ESCALATE, PROCEED, PROCEED, ESCALATE,
           PROCEED, PROCEED, PROCEED)
    states = []
    for code in seq:
        lock.apply(code, 0, 0, 0)
        states.append(pin.v)
    # One Escalate between Proceeds never cuts; two in a row do; three calm steps release.
    assert states == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    assert not lock.latched


def test_warn_keeps_actuator_on_and_raises_status_after_dwell():
    pin = Pin()
    led = Pin()
    lock = Interlock(pin, warn_dwell=2, release_dwell=2, status_pin=led)
    lock.apply(PROCEED, 0, 0, 0)
    lock.apply(PROCEED, 0, 1, 0)
    lock.apply(WARN, 1, 2, 0)
    assert led.v == 0 and pin.v == 1
    lock.apply(WARN, 1, 3, 0)
    assert led.v == 1 and lock.warning and pin.v == 1
    lock.apply(PROCEED, 0, 4, 0)
    assert led.v == 1
    lock.apply(PROCEED, 0, 5, 0)
    assert led.v == 0 and not lock.warning


def test_missed_deadline_leaves_actuator_safe_and_latched():
    pin = Pin()
    clock = Clock()
    lock = Interlock(pin, release_dwell=1, deadline_ms=50, clock=clock)
    lock.apply(PROCEED, 0, 0, 0)
    clock.t = 40
    assert not lock.check_deadline() and pin.v == 1
    lock.apply(PROCEED, 0, 1, 0)
    clock.t = 91
    assert lock.check_deadline()
    assert pin.v == 0 and lock.latched and lock.code == HALT_DEADLINE and lock.reason == REASON_WATCHDOG
    lock.apply(PROCEED, 0, 2, 0)
    assert pin.v == 0


def test_restore_latches_from_the_record_without_audit_or_dirt():
    # what the node does at a soft reset; the boot paths (latch record, watchdog reset cause) are
    # driven through the node in tests/firmware/test_latch.py
    pin = Pin()
    lock = Interlock(pin, release_dwell=1)
    lock.restore(HALT_BIAS, REASON_REPLAY)
    lock.apply(PROCEED, 0, 0, 0)
    assert pin.v == 0 and lock.latched and lock.code == HALT_BIAS and not lock.dirty
    assert lock.audit.entries() == []
    lock.reset()
    assert lock.dirty and not lock.latched


def test_trips_and_resets_mark_the_latch_dirty():
    lock = Interlock(Pin(), release_dwell=1)
    assert not lock.dirty
    lock.apply(PROCEED, 0, 0, 0)
    assert not lock.dirty
    lock.trip(HALT_DEADLINE, REASON_WATCHDOG, -1, -1)
    assert lock.dirty and lock.audit.trips() == [(HALT_DEADLINE, REASON_WATCHDOG, -1, -1)]
    lock.dirty = False
    lock.trip(HALT_BIAS, REASON_REPLAY, 1, 0)         # already latched: no change, nothing to write
    assert not lock.dirty and lock.code == HALT_DEADLINE


def test_rejected_config_holds_safe():
    pin = Pin()
    lock = Interlock(pin, release_dwell=1)
    lock.fail_closed()
    lock.apply(PROCEED, 0, 0, 0)
    assert pin.v == 0 and lock.code == HALT_SELF_MEMORY and lock.reason == REASON_CONFIG


class _Dog:
    def __init__(self):
        self.fed = 0

    def feed(self):
        self.fed += 1


def _state(lock):
    return (lock.code, lock.reason, lock.latched, lock.blocked, lock.actuator_on, lock.warning, lock.esc_run,
            lock.good_run, lock.warn_run, lock.calm_run, lock.dirty, lock.last_ok, lock.watchdog.fed,
            lock.pin.v, lock.status_pin.v, len(lock.audit), lock.audit.total)


def test_the_steady_proceed_shortcut_changes_nothing_the_full_path_would_not():
    # one interlock takes the shortcut; the other is forced down the full path every time
    # (steady cleared before each decision): every field, pin, audit entry and watchdog feed
    # agrees after every step of a seeded run of decisions, trips and resets
    s = 7
    for dwells in ((2, 4, 2), (1, 1, 1), (3, 2, 5)):
        clocks = (Clock(), Clock())
        locks = [Interlock(Pin(), escalate_dwell=dwells[0], release_dwell=dwells[1], warn_dwell=dwells[2],
                           watchdog=_Dog(), status_pin=Pin(), clock=clocks[i]) for i in range(2)]
        shortcuts = 0
        for t in range(3000):
            s = (s * 75 + 74) % 65537
            k = s % 100
            code = PROCEED if k < 85 else WARN if k < 93 else ESCALATE if k < 99 else HALT_BIAS
            reason = 0 if code == PROCEED and k % 3 else k % 16
            for i in range(2):
                clocks[i].t += 3
                lock = locks[i]
                if i == 1:
                    lock.steady = False
                elif lock.steady and code == PROCEED:
                    shortcuts += 1
                if s % 211 == 0 or (lock.latched and s % 5 == 0):
                    lock.reset()
                lock.apply(code, reason, t, s % 8)
            assert _state(locks[0]) == _state(locks[1]), (dwells, t)
            assert locks[0].audit.entries() == locks[1].audit.entries()
        assert shortcuts > 300, shortcuts
