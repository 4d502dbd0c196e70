"""Interlock: decisions drive an actuator's enable pin, failing safe.

The pin is injected (anything with ``value(v)``: a ``machine.Pin`` on a board,
a fake in tests). The actuator starts safe and turns on only after
``release_dwell`` consecutive healthy decisions (Proceed or Warn).

- Halt (any code -1..-7) or Exit: safe at once and latched until ``reset()``.
- Escalate: safe after ``escalate_dwell`` consecutive Escalates, back on
  after ``release_dwell`` consecutive healthy decisions (hysteresis, no
  flapping). Not latched.
- Warn: the actuator stays on; ``warning`` (and an optional status pin) rises
  after ``warn_dwell`` consecutive Warn-or-worse and falls after
  ``release_dwell`` consecutive Proceeds.
- It applies decisions and never runs a detector: the node (redline.node)
  runs each guard step inside a try and, on any exception, calls ``trip()``:
  HALT_SELF_MEMORY "guard fault", or HALT_RESOURCE "memory error" for a
  MemoryError -- safe and latched.
- The watchdog (anything with ``feed()``) is fed here only on healthy steps
  while not latched; the node's sampling loop feeds it while latched or held
  (redline.node), so only a hung loop lets it reset the board, which then
  boots latched (the node reads the reset cause and the latch record on
  flash: redline.latch). ``check_deadline()`` trips HALT_DEADLINE when no step
  has completed for ``deadline_ms``.
- Every decision other than Proceed taken while unlatched, every trip and
  every actuator change goes to the audit ring (``audit.entries()``); trips
  are also pinned there (``audit.trips()``).
- ``dirty`` turns True whenever the latch changes (a trip, a reset): the node
  then writes the latch record to flash and clears it. ``restore()`` sets the
  latch from that record (boot, soft reset) without marking it dirty.

Example with fakes::

    >>> from redline.interlock import Interlock
    >>> class Pin:
    ...     def __init__(self): self.v = None
    ...     def value(self, v): self.v = v
    >>> pin = Pin()
    >>> lock = Interlock(pin, safe_level=0, release_dwell=2)
    >>> pin.v, lock.apply(0, 0, 1, 0), lock.apply(0, 0, 2, 0), pin.v
    (0, 0, 0, 1)
    >>> lock.apply(-4, 6, 3, 0), pin.v, lock.latched
    (-4, 0, True)
    >>> lock.apply(0, 0, 4, 0), pin.v
    (-4, 0)
"""
from redline.compat import ticks_ms, ticks_diff
from redline.audit import AuditRing
from redline.codes import PROCEED, WARN, ESCALATE, HALT_SELF_MEMORY, HALT_DEADLINE, REASON_WATCHDOG, REASON_CONFIG


class VirtualPin:
    """An output with no hardware behind it (host tools, virtual boards): it keeps its level,
    with machine.Pin's ``value()`` / ``value(v)``."""

    def __init__(self, level=0):
        self.level = level

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = v


class Interlock:
    def __init__(self, pin, safe_level=0, escalate_dwell=2, release_dwell=4, warn_dwell=2,
                 watchdog=None, audit=None, status_pin=None, deadline_ms=0, clock=ticks_ms,
                 latched=False):
        if escalate_dwell < 1 or release_dwell < 1 or warn_dwell < 1:
            raise ValueError("dwells must be >= 1")
        self.pin = pin
        self.safe_level = safe_level
        self.on_level = 0 if safe_level else 1
        self.escalate_dwell = escalate_dwell
        self.release_dwell = release_dwell
        self.warn_dwell = warn_dwell
        self.watchdog = watchdog
        self.audit = audit if audit is not None else AuditRing(32)
        self.status_pin = status_pin
        self.deadline_ms = deadline_ms
        self.clock = clock
        pin.value(safe_level)
        self.actuator_on = False
        self.latched = False
        self.code = PROCEED          # the latched halt code, or the last decision
        self.reason = 0
        self.blocked = True          # safe but not latched (start, Escalate)
        self.esc_run = 0
        self.good_run = 0
        self.warn_run = 0
        self.calm_run = 0
        self.warning = False
        self.steady = False          # see apply(): a Proceed would change nothing but the clock (only
                                     # ever set while deadline_ms is 0: redline.node skips the clock)
        self.dirty = False
        self.last_ok = clock()
        if status_pin is not None:
            status_pin.value(0)
        if latched:
            self.trip(HALT_DEADLINE, REASON_WATCHDOG, -1, -1)

    def restart(self):
        """In place, the state a new Interlock starts in (a soft reboot); allocates nothing.

        A latch stays latched with its code and reason; a latch record write still pending
        (``dirty``) stays pending."""
        self.pin.value(self.safe_level)
        self.actuator_on = False
        self.steady = False
        if not self.latched:
            self.code = PROCEED
            self.reason = 0
        self.blocked = True
        self.esc_run = 0
        self.good_run = 0
        self.warn_run = 0
        self.calm_run = 0
        self.warning = False
        self.last_ok = self.clock()
        if self.status_pin is not None:
            self.status_pin.value(0)

    def trip(self, code, reason, sample, channel):
        """Safe at once, latched. Allocation-free (safe to call on MemoryError)."""
        self.pin.value(self.safe_level)
        self.actuator_on = False
        self.steady = False
        if not self.latched:
            self.latched = True
            self.dirty = True
            self.code = code
            self.reason = reason
            self.audit.trip(code, reason, sample, channel)
        return self.code

    def restore(self, code, reason):
        """Latched with ``code``/``reason`` as the latch record says: safe, not audited, not dirty."""
        self.pin.value(self.safe_level)
        self.actuator_on = False
        self.steady = False
        self.blocked = True
        self.latched = True
        self.code = code
        self.reason = reason

    def fail_closed(self, reason=REASON_CONFIG):
        """Hold the actuator safe because the guard cannot run (e.g. config rejected)."""
        return self.trip(HALT_SELF_MEMORY, reason, -1, -1)

    def apply(self, code, reason, sample, channel):
        """Drive the pin from one decision; returns the effective code (the latch wins)."""
        if code == PROCEED and self.steady:
            # Unlatched, actuator on, no warning, every run at rest or saturated: a Proceed
            # changes nothing but the reason and the clock (the common case, so it is short:
            # the full path below costs ~20,000 cycles on an RP2040)
            self.reason = reason
            self.last_ok = self.clock()
            if self.watchdog is not None:
                self.watchdog.feed()
            return code
        if code < 0:
            return self.trip(code, reason, sample, channel)
        if self.latched:
            return self.code
        self.code = code
        self.reason = reason
        if code == ESCALATE:
            self.esc_run += 1
            self.good_run = 0
            if self.esc_run >= self.escalate_dwell:
                self.blocked = True
        else:
            self.esc_run = 0
            if self.good_run < self.release_dwell:
                self.good_run += 1
            if self.blocked and self.good_run >= self.release_dwell:
                self.blocked = False
        if code >= WARN:
            self.calm_run = 0
            if self.warn_run < self.warn_dwell:
                self.warn_run += 1
            if not self.warning and self.warn_run >= self.warn_dwell:
                self.warning = True
                if self.status_pin is not None:
                    self.status_pin.value(1)
        else:
            self.warn_run = 0
            if self.calm_run < self.release_dwell:
                self.calm_run += 1
            if self.warning and self.calm_run >= self.release_dwell:
                self.warning = False
                if self.status_pin is not None:
                    self.status_pin.value(0)
        on = not self.blocked
        changed = on != self.actuator_on
        if changed:
            self.pin.value(self.on_level if on else self.safe_level)
            self.actuator_on = on
        if code != PROCEED or changed:
            self.audit.record(code, reason, sample, channel)
        rd = self.release_dwell
        # never steady with a deadline of its own: the steady path redline.node runs inline skips
        # the clock, so ``last_ok`` is kept only while something reads it
        self.steady = (not self.deadline_ms and on and not self.warning and self.esc_run == 0 and self.warn_run == 0
                       and self.good_run >= rd and self.calm_run >= rd)
        self.last_ok = self.clock()
        if self.watchdog is not None:
            self.watchdog.feed()
        return code

    def check_deadline(self):
        """Trip HALT_DEADLINE when no step completed within deadline_ms; True if tripped now."""
        if self.deadline_ms and not self.latched:
            if ticks_diff(self.clock(), self.last_ok) > self.deadline_ms:
                self.trip(HALT_DEADLINE, REASON_WATCHDOG, -1, -1)
                return True
        return False

    def reset(self):
        """Clear the latch (the protocol authenticates this). The actuator stays safe
        until release_dwell healthy decisions have passed."""
        if self.latched:
            self.dirty = True
        self.latched = False
        self.steady = False
        self.blocked = True
        self.good_run = 0
        self.esc_run = 0
        self.code = PROCEED
        self.reason = 0
        self.last_ok = self.clock()
        self.pin.value(self.safe_level)
        self.actuator_on = False
