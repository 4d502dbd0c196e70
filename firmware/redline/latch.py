"""The latch on flash: a tripped node stays tripped through a reset or a power cut.

A record says whether the interlock is latched, with which code and reason,
and how many authentication failures in a row the node has seen (so the
reset back-off survives a power cycle too). It is written only when the latch
changes (and when the failure count reaches a power of two), to ``slots``
small files in turn, each with a sequence number and a SHA-256 check, so the
flash wears evenly and a record is never rewritten in place. At boot every
slot must be there and intact, and the one with the highest sequence number
wins; no record at all, or any slot missing or unreadable (a write cut short
by a power loss, a flipped bit), boots latched: only an authenticated reset
releases it (and rewrites the slots).

The flash is injected: anything with ``read(name)`` (bytes, or None when
missing) and ``write(name, data)``. ``FileFlash(folder)`` is a board's file
system (or a virtual board's flash folder); ``MemoryFlash()`` keeps the
records in RAM (the host reference, tests)::

    >>> from redline.latch import LatchStore, MemoryFlash, provision
    >>> flash = MemoryFlash()
    >>> store = LatchStore(flash)
    >>> store.load(), store.latched
    ('missing', True)
    >>> provision(flash)                  # what redline deploy / a fresh virtual board write
    >>> store.load(), store.latched
    ('ok', False)
    >>> store.save(True, -3, 4, 0); store.load(), store.latched, store.code, store.reason, store.seq
    ('ok', True, -3, 4, 2)
    >>> flash.files["redline_latch.0"] = b"garbage"; store.load(), store.latched
    ('corrupt', True)
"""
from redline.compat import const

try:
    import hashlib
except ImportError:  # very small ports
    import uhashlib as hashlib

SLOTS = const(2)
RECORD_BYTES = const(24)
_BODY = const(16)
_VERSION = const(1)
_MAGIC = b"RLch"
NAME = "redline_latch"
_U32 = const(0x3FFFFFFF)


def slot_name(i):
    return "%s.%d" % (NAME, i)


def _check(body):
    return hashlib.sha256(body).digest()[:RECORD_BYTES - _BODY]


def encode(seq, latched, code, reason, failures):
    """The 24-byte record: magic, version, latched, code, reason, seq (u32 LE), failures (u16 LE), check."""
    b = bytearray(RECORD_BYTES)
    b[0:4] = _MAGIC
    b[4] = _VERSION
    b[5] = 1 if latched else 0
    b[6] = code & 255
    b[7] = reason & 255
    for k in range(4):
        b[8 + k] = (seq >> (8 * k)) & 255
    f = failures if failures < 65535 else 65535
    b[12] = f & 255
    b[13] = f >> 8
    b[_BODY:] = _check(bytes(b[:_BODY]))
    return bytes(b)


def decode(data):
    """(seq, latched, code, reason, failures), or None for anything but an intact record."""
    if data is None or len(data) != RECORD_BYTES or data[0:4] != _MAGIC or data[4] != _VERSION:
        return None
    if _check(bytes(data[:_BODY])) != bytes(data[_BODY:]) or data[5] > 1:
        return None
    code = data[6] - 256 if data[6] > 127 else data[6]
    seq = data[8] | (data[9] << 8) | (data[10] << 16) | (data[11] << 24)
    return seq, data[5] == 1, code, data[7], data[12] | (data[13] << 8)


class FileFlash:
    """Records as files in ``folder`` ("" = the working directory: a board's flash root)."""

    def __init__(self, folder=""):
        self.folder = folder
        self.writes = 0

    def _path(self, name):
        return self.folder + "/" + name if self.folder else name

    def read(self, name):
        try:
            with open(self._path(name), "rb") as f:
                return f.read(RECORD_BYTES + 1)
        except OSError:
            return None

    def write(self, name, data):
        with open(self._path(name), "wb") as f:
            f.write(data)
        self.writes += 1


class MemoryFlash:
    """Records in a dict (host reference, tests)."""

    def __init__(self):
        self.files = {}
        self.writes = 0

    def read(self, name):
        return self.files.get(name)

    def write(self, name, data):
        self.files[name] = bytes(data)
        self.writes += 1


def provision(flash, slots=SLOTS):
    """Write a released record (sequence 1) to every slot: a freshly provisioned node boots unlatched."""
    rec = encode(1, False, 0, 0, 0)
    for i in range(slots):
        flash.write(slot_name(i), rec)


class LatchStore:
    def __init__(self, flash, slots=SLOTS):
        if slots < 2:
            raise ValueError("latch store needs at least 2 slots")
        self.flash = flash
        self.slots = slots
        self.seq = 0
        self.latched = True
        self.code = 0
        self.reason = 0
        self.failures = 0
        self.status = None          # not read yet

    def load(self):
        """Read every slot; returns 'ok', 'missing' (no slot at all) or 'corrupt' (a slot missing or bad).

        Anything but 'ok' leaves ``latched`` True.
        """
        best = None
        seen = 0
        bad = 0
        for i in range(self.slots):
            data = self.flash.read(slot_name(i))
            if data is None:
                continue
            seen += 1
            rec = decode(data)
            if rec is None:
                bad += 1
            elif best is None or rec[0] > best[0]:
                best = rec
        if best is None or bad or seen < self.slots:
            self.seq = best[0] if best is not None else 0
            self.latched = True
            self.code = 0
            self.reason = 0
            self.failures = best[4] if best is not None else 0
            self.status = "corrupt" if seen else "missing"
            return self.status
        self.seq, self.latched, self.code, self.reason, self.failures = best
        self.status = "ok"
        return "ok"

    def save(self, latched, code, reason, failures):
        """Write the next record to the next slot, or to every slot when the last load was not 'ok'
        (raises OSError/MemoryError when the flash fails)."""
        if self.status is None:
            self.load()
        seq = (self.seq + 1) & _U32
        rec = encode(seq, latched, code, reason, failures)
        if self.status == "ok":
            self.flash.write(slot_name(seq % self.slots), rec)
        else:   # after a missing or damaged record every slot is rewritten, so the next boot reads "ok"
            for i in range(self.slots):
                self.flash.write(slot_name(i), rec)
        self.seq = seq
        self.latched = latched
        self.code = code
        self.reason = reason
        self.failures = failures
        self.status = "ok"
