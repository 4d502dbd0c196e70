"""The replay detector's whole per-reading work in one call: window step, print check, store (twin).

Pure-Python twin of ``redline.sensor.rstep_viper`` (identical results; the viper build runs
where the emitter exists -- the boards -- and this twin where it is missing: CPython, the
WebAssembly port). ``replay_step(bufs, x)`` takes a ``ReplayDetector``'s buffers as one tuple
``(st, prints, checks, counts, words, halves)`` (the last two the shared fingerprint store's
arrays, ``None`` without a store) and one reading, and returns the detector's flags
(``FLAG_ADVERSARIAL``, 32, on a replay, else 0): ``redline.sensor.window.advance``, then
``redline.sensor.rcheck.check`` on the due prints, then the store calls it hands back, in
the order the detector always made them (each kind's lookup before that kind's dropped print
is added), through ``redline.sensor.prints.contains`` / ``add`` (``store_calls``; its viper
build does all four in one function, since a viper call of a viper function costs ~2,000
cycles on the M0+). A board's guard thus makes
one Python-level call per reading for the replay detector, however many prints are due::

    >>> from redline.sensor.replay import ReplayDetector
    >>> from redline.sensor.rstep import replay_step
    >>> r = ReplayDetector(window=2, history=4, min_active=1)
    >>> [replay_step(r.bufs, x) for x in (10, 12, 11, 15, 17, 16)]   # steps 2, -1 come again
    [0, 0, 0, 0, 0, 32]
"""
from redline.sensor.window import advance
from redline.sensor.rcheck import check
from redline.sensor.prints import contains, add


def replay_step(b, x):
    """One reading ``x`` through the replay detector of buffers ``b``; its flags (0 or 32)."""
    st = b[0]
    if not st[9]:                   # quant 0: the detector is off
        return 0
    due = advance(st, x)
    if not due:
        return 0
    e = 26 + 2 * st[8]
    st[e] = due
    r = check(st, b[1], b[2], b[3])
    if r > 1:
        r = store_calls(b[4], b[5], st, r)
    if r & 1:
        return 32
    return 0


def store_calls(w, hb, st, r):
    """The store calls ``check`` handed back in ``r`` (bits 1..4, prints in ``st``), made on the
    store of arrays ``w``, ``hb`` in the detector's order; ``r`` with bit 0 set on a hit."""
    e = 26 + 2 * st[8]
    k = 0
    while k < 2:
        out = e + 15 + 4 * k
        if r & (2 << (2 * k)) and contains(w, hb, st[out], st[out + 1]):
            r |= 1
        if r & (4 << (2 * k)):
            add(w, hb, st[out + 2], st[out + 3])
        k += 1
    return r
