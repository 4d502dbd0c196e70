"""Stand-ins for a board's parts in firmware tests, the same on every runtime and allocation-free
(they run under heap_lock): an output pin and a settable millisecond clock."""


class Pin:
    """An output pin: ``value(v)`` sets and counts writes, ``value()`` reads (-1 before any write)."""

    def __init__(self):
        self.v = -1
        self.writes = 0

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = v
        self.writes += 1


class Clock:
    """``ticks_ms`` stand-in: returns ``t``, which the test moves."""

    def __init__(self, t=0):
        self.t = t

    def __call__(self):
        return self.t
