"""Replay: the channel repeats a stretch of readings it produced before.

Every sample the detector forms two fingerprints: one of the last ``window``
steps (deltas between consecutive readings, divided by ``quant``) and one of
the last ``window`` levels (readings divided by ``quant``), each two rolling
polynomial hashes modulo primes under 2**15, packed into one small int. Every
``stride``-th fingerprint of each kind is stored in that kind's ring of
``history`` entries. A new fingerprint equal to a stored one of its kind that
does not overlap the current window is a replay: FLAG_ADVERSARIAL. Step prints
are blind to an offset added to the replayed stretch and catch it once a
whole window of steps lies inside it (the ``window + 1``-th replayed reading,
delay ``window``); level prints catch a verbatim replay one reading earlier
(delay ``window - 1``: the first replayed reading is evidence, its step from
the live reading is not). Level prints are made only with ``levels`` true
(config REPLAY_LEVELS 1).
A step window with fewer than ``min_active`` non-zero steps or fewer than
``min_active`` changes of step is not compared or stored, nor is a level
window whose ``window - 1`` steps have fewer than ``min(min_active, window - 1)``
non-zero steps or ``min(min_active, window - 2)`` changes (a flat or perfectly
linear signal repeats trivially; the stuck detector owns those). A stored
print is found while it is ``history * stride`` samples old at most.
``quant = 0`` switches the detector off (the calibrator does that for a
channel whose nominal log repeats its own windows by chance).
A counting filter (8 x ``history`` buckets at least 64, shared by both kinds,
4-bit counts two to a byte: ``history`` x 4 bytes) answers "certainly not
stored" in O(1), so a ring is scanned only on a bucket hit. A third rolling hash (15 bits) is kept beside every print and
must match too, so unrelated windows collide with probability about 2**-45 per
stored print.

Older stretches: given a shared ``redline.sensor.prints.FingerprintStore``
(``store``) and the channel's index (``channel``), every print a ring drops
moves into the store, salted with the channel index (and the kind) so that
channels and kinds never match each other, and a window missing from its ring
is looked up there too. A replay is then caught however old the stretch is, as
long as its prints are still among the store's last ``size`` (with levels on,
a channel puts two prints a sample into the store).

Store stride ``store_stride`` = K (config REPLAY_STORE_STRIDE): of the prints a
kind's ring drops, only the 1st, (K+1)-th, (2K+1)-th, ... go into the store, so
a store of ``size`` prints reaches as far back as one of ``K * size`` at stride 1,
in 1/K of the bytes. Every print is still looked up. A replayed stretch
reproduces the original's prints one after another, so one of any K consecutive
ones was stored: a replay older than the ring is caught at most K - 1 prints
later than with K = 1 (the ring's own, younger replays are unchanged), as long as
the stretch is that much longer. Chance matches fall by K (fewer prints stored).

Speed: a reading is one call, ``step(self.bufs, x)`` (``redline.sensor.rstep``; the guard
calls it directly, without ``update``): the window step (steps, levels, gates, the six
rolling hashes: ``redline.sensor.window.advance``, state ``self.st``), the print work (filter,
ring scan, ring insert, both kinds: ``redline.sensor.rcheck.check``) and the fingerprint
store's lookups and inserts (``redline.sensor.prints``). Each has a viper build
(``*_viper.py``) that the boards' frozen images run (native armv6m code on the RP2040) and a
pure-Python twin with identical results where the emitter is missing.

Example on a seeded stream (noise, then the same 12 readings again)::

    >>> from redline.sensor.replay import ReplayDetector
    >>> r = ReplayDetector(window=6, history=16, stride=1, min_active=3, levels=True)
    >>> s = 9
    >>> seen = []
    >>> for i in range(12):
    ...     s = (s * 75 + 74) % 65537
    ...     seen.append(500 + s % 41)
    ...     _ = r.update(seen[-1])
    >>> r.flags
    0
    >>> hits = []
    >>> for i in range(12):
    ...     hits.append(r.update(seen[i]))
    >>> hits.index(32)
    5
"""
from redline.compat import const, zeros


# The state array's layout: redline.sensor.window's ST_* slots, then redline.sensor.rcheck's EXTRA
# slots (private copies: where the viper builds run, a running node never imports those twin
# modules; tests/firmware/test_sensor_replay_fast.py checks the copies against them)
_ST_WINDOW = const(8)
_ST_QUANT = const(9)
_ST_LEVELS = const(10)
_ST_HS = const(11)
_ST_GS = const(17)
_ST_MIN_ACTIVE = const(23)
_ST_LMIN_NZ = const(24)
_ST_LMIN_CH = const(25)
_ST_SIZE = const(26)
_EXTRA = const(25)

try:  # the viper builds where the emitter exists (the boards, the unix port)
    from redline.sensor.window_viper import advance_viper as advance
except (ImportError, SyntaxError):  # CPython, WebAssembly: the pure-Python twins
    from redline.sensor.window import advance
try:
    from redline.sensor.rcheck_viper import check_viper as check
except (ImportError, SyntaxError):
    from redline.sensor.rcheck import check
try:
    from redline.sensor.rstep_viper import replay_step_viper as step
except (ImportError, SyntaxError):
    from redline.sensor.rstep import replay_step as step

_P1 = const(32749)
_P2 = const(32719)
_B1 = const(131)
_B2 = const(257)
_P3 = const(32717)
_B3 = const(293)
_LEVEL_SALT = const(0x15555555)     # level prints never match step prints in the store


class ReplayDetector:
    def __init__(self, window=8, history=32, stride=1, min_active=4, quant=1, store=None, channel=0, levels=False,
                 store_stride=1):
        if window < 2 or window > 64:
            raise ValueError("replay window must be 2..64")
        if history < 1 or stride < 1 or quant < 0:
            raise ValueError("replay history and stride must be >= 1, quant >= 0")
        if store_stride < 1 or store_stride > 64:
            raise ValueError("replay store stride must be 1..64")
        self.window = window
        self.history = history
        self.stride = stride
        self.min_active = min_active
        self.quant = quant
        self.levels = levels
        self.store_stride = store_stride
        # level gate: the level window has window - 1 steps and window - 2 adjacent pairs of them
        self.lmin_nz = min(min_active, window - 1)
        self.lmin_ch = min(min_active, window - 2)
        kinds = 2 if levels else 1
        # per-reading state, the window's steps and levels (// quant): redline.sensor.window
        # then the print work's slots (redline.sensor.rcheck), from self.e
        self.e = _ST_SIZE + 2 * window
        self.st = zeros("i", _ST_SIZE + 2 * window + _EXTRA)
        # prints: steps in [0, history), levels in [history, 2 * history)
        self.prints = zeros("i", kinds * history)
        self.checks = zeros("H", kinds * history)    # third hash of each stored print
        self.store = store
        c = channel + 1
        # Per-channel salt (< 2**30) mixed into the prints handed to the shared store.
        self.salt = ((c * 40503) & 32767) * 32768 + ((c * 25673 + 12345) & 32767)
        nb = 64
        while nb < 8 * history and nb < 8192:
            nb <<= 1
        self.mask = nb - 1
        # stored prints (both kinds) per bucket, 4 bits a bucket (two a byte), saturating at 15
        self.counts = bytearray(nb >> 1)
        b1 = 1
        b2 = 1
        b3 = 1
        for _ in range(window - 1):
            b1 = (b1 * _B1) % _P1
            b2 = (b2 * _B2) % _P2
            b3 = (b3 * _B3) % _P3
        st = self.st
        st[_ST_WINDOW] = window
        st[_ST_QUANT] = quant
        st[_ST_LEVELS] = 1 if levels else 0
        st[_ST_MIN_ACTIVE] = min_active
        st[_ST_LMIN_NZ] = self.lmin_nz
        st[_ST_LMIN_CH] = self.lmin_ch
        for h in (_ST_HS, _ST_GS):        # B**(window-1) mod P after each kind's three hashes
            st[h + 3] = b1
            st[h + 4] = b2
            st[h + 5] = b3
        # A stored step print younger than this many entries overlaps the window (a level
        # window is one reading shorter: the same skip is on the safe side).
        self.skip = (window + stride - 1) // stride
        if store is not None and history <= self.skip:
            # the ring must hold every overlapping print, or the store would see them
            raise ValueError("replay history must exceed window / stride when a store is shared")
        e = self.e
        st[e + 1] = history
        st[e + 2] = stride
        st[e + 3] = self.skip
        st[e + 4] = self.mask
        st[e + 5] = self.salt
        st[e + 6] = self.salt ^ _LEVEL_SALT
        st[e + 7] = store_stride if store is not None else 0
        # everything the one-call step (redline.sensor.rstep) works on, in one tuple
        if store is not None:
            self.bufs = (st, self.prints, self.checks, self.counts, store.words, store.halves)
        else:
            self.bufs = (st, self.prints, self.checks, self.counts, None, None)
        self.reset()

    def reset(self):
        st = self.st
        for i in range(8):                      # position, fill, last reading, the gates' counts
            st[i] = 0
        for i in range(3):                      # the hashes (their tops stay)
            st[_ST_HS + i] = 0
            st[_ST_GS + i] = 0
        for i in range(_ST_SIZE, self.e):        # steps and levels
            st[i] = 0
        for i in range(8, 14):                  # ring positions, prints stored, stride ticks
            st[self.e + i] = 0
        st[self.e + 14] = -1
        st[self.e + 23] = 0                     # store ticks
        st[self.e + 24] = 0
        prints = self.prints
        checks = self.checks
        for i in range(len(prints)):
            prints[i] = 0
            checks[i] = 0
        counts = self.counts
        for i in range(len(counts)):
            counts[i] = 0
        self.fingerprint = -1
        self.flags = 0

    def update(self, x):
        f = step(self.bufs, x)
        self.flags = f
        return f

    def sync(self):
        """The current step print into ``fingerprint`` (inspection; the hot path keeps it in ``st``)."""
        self.fingerprint = self.st[self.e + 14]
