"""``redline.sensor.rstep.replay_step`` compiled by the viper emitter: one call per reading.

Identical results to the pure-Python twin (see there). The buffers arrive as one tuple
object and are handed on to the viper builds of the window step, the print check and the
store (each a separate small viper function: MicroPython v1.27.0 freezes native code 2-byte
aligned, so on armv6m long jumps and wide constants in one big function go astray on the
chip). Importing this module fails where the emitter is missing (SyntaxError on the
WebAssembly port, ImportError on CPython); ``redline.sensor.replay`` then uses the twin.
tests/firmware/test_sensor_replay_fast.py runs both on every runtime.

The fingerprint store's lookup and insert (``redline.sensor.prints.contains`` / ``add``)
are built here too, as ``contains_viper`` / ``add_viper`` (one module less to load: on the
unix port's 128 KB heap the guard CLI had no room left for one more). Every value they read
is >= 0 (prints 30 bits, header slots counters and masks, links and heads 16 bits), so the
unsigned ``ptr32``/``ptr16`` loads read them right on every port. Constants wider than 15
bits (``0xFFFF``, ``2**30 - 1``) are built at run time (the armv6m fact above);
tests/firmware/test_sensor_printstore.py runs them against the twins on every runtime.

``redline.sensor.kernel_viper.reading_viper`` carries a copy of replay_step_viper and store_calls_viper written in (no
viper-to-viper call on an unpaired reading): a change here goes there too; the parity
tests hold both to the twins.
"""
import micropython
from redline.sensor.window_viper import advance_viper
from redline.sensor.rcheck_viper import check_viper


@micropython.viper
def replay_step_viper(b, x: int) -> int:
    sto = b[0]
    st = ptr32(sto)
    if not st[9]:
        return 0
    due = int(advance_viper(sto, x))
    if not due:
        return 0
    e = 26 + 2 * int(st[8])
    st[e] = due
    r = int(check_viper(sto, b[1], b[2], b[3]))
    if r > 1:
        r = int(store_calls_viper(b[4], b[5], sto, r))
    if r & 1:
        return 32
    return 0


@micropython.viper
def store_calls_viper(w: ptr32, hb: ptr16, st: ptr32, r: int) -> int:
    # redline.sensor.rstep.store_calls with contains_viper and add_viper written in (one call)
    empty = 1
    empty = (empty << 16) - 1
    smask = 1
    smask = (smask << 30) - 1
    size = int(w[2])
    mask = int(w[3])
    bmask = int(w[4])
    e = 26 + 2 * int(st[8])
    k = 0
    while k < 2:
        out = e + 15 + 4 * k
        if r & (2 << (2 * k)):
            fp = int(st[out])
            h = int(hb[size + (int(st[out + 1]) & bmask)])
            if h != empty:
                seq = int(w[0])
                age = (seq - h) & 32767
                n = 32
                while n > 0 and age <= size:
                    slot = (seq - age) & mask
                    if int(w[5 + slot]) == fp:
                        r = r | 1
                        n = 0
                    else:
                        d = int(hb[slot])
                        if d == 0:
                            n = 0
                        else:
                            age += d
                            n -= 1
        if r & (4 << (2 * k)):
            seq = int(w[0])
            if int(w[1]) < size:
                w[1] = int(w[1]) + 1
            j = size + (seq & bmask)
            h = int(hb[j])
            if h != empty and ((seq - h) & 32767) >= size:
                hb[j] = empty
            bk = size + (int(st[out + 3]) & bmask)
            h = int(hb[bk])
            d = 0
            if h != empty:
                d = (seq - h) & 32767
                if d >= size:
                    d = 0
            slot = seq & mask
            hb[slot] = d
            w[5 + slot] = int(st[out + 2])
            hb[bk] = seq & 32767
            w[0] = (seq + 1) & smask
        k += 1
    return r


@micropython.viper
def contains_viper(w: ptr32, hb: ptr16, fp: int, key: int) -> int:
    empty = 1
    empty = (empty << 16) - 1
    size = int(w[2])
    h = int(hb[size + (key & int(w[4]))])
    if h == empty:
        return 0
    seq = int(w[0])
    age = (seq - h) & 32767
    if age > size:
        return 0
    mask = int(w[3])
    n = 32
    while n > 0:
        slot = (seq - age) & mask
        if int(w[5 + slot]) == fp:
            return 1
        d = int(hb[slot])
        if d == 0:
            return 0
        age += d
        if age > size:
            return 0
        n -= 1
    return 0


@micropython.viper
def add_viper(w: ptr32, hb: ptr16, fp: int, key: int) -> int:
    empty = 1
    empty = (empty << 16) - 1
    smask = 1
    smask = (smask << 30) - 1
    seq = int(w[0])
    size = int(w[2])
    bmask = int(w[4])
    if int(w[1]) < size:
        w[1] = int(w[1]) + 1
    j = size + (seq & bmask)
    h = int(hb[j])
    if h != empty and ((seq - h) & 32767) >= size:
        hb[j] = empty
    b = size + (key & bmask)
    h = int(hb[b])
    d = 0
    if h != empty:
        d = (seq - h) & 32767
        if d >= size:
            d = 0
    slot = seq & int(w[3])
    hb[slot] = d
    w[5 + slot] = fp
    hb[b] = seq & 32767
    w[0] = (seq + 1) & smask
    return 0
