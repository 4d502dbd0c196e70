"""The replay detector's per-reading window step: steps, levels, gates and rolling hashes in one call.

Pure-Python twin of ``redline.sensor.window_viper`` (identical results; used where the
viper emitter is missing, e.g. the WebAssembly port, and on CPython). All of a
``ReplayDetector``'s per-reading state lives in one int array ``st`` (layout: the ``_ST_*``
offsets below, then ``window`` steps and ``window`` levels). ``advance(st, x)`` takes one
raw reading and returns which prints are due: bit 0 the step print (its window is full
and active enough), bit 1 the level print, bit 2 the step window is full (the step print
``st[11] * 32768 + st[12]`` is current); 0 while the windows fill. See
``redline.sensor.replay`` for what the prints and gates mean::

    >>> from redline.sensor.replay import ReplayDetector
    >>> from redline.sensor.window import advance
    >>> r = ReplayDetector(window=2, history=4, min_active=1)
    >>> [advance(r.st, x) for x in (10, 12, 11, 15)]
    [0, 0, 5, 5]
"""
ST_POS = 0        # next step / level slot (the oldest)
ST_FILLED = 1
ST_LAST = 2
ST_HAS_LAST = 3
ST_NONZERO = 4    # non-zero steps in the step window
ST_CHANGES = 5    # adjacent step pairs that differ
ST_LNONZERO = 6   # the same over the level window's window - 1 steps
ST_LCHANGES = 7
ST_WINDOW = 8
ST_QUANT = 9
ST_LEVELS = 10
ST_HS = 11        # step hashes h1, h2, h3 (mod 32749, 32719, 32717), then B**(window-1) mod P of each
ST_GS = 17        # level hashes g1, g2, g3, then their tops
ST_MIN_ACTIVE = 23
ST_LMIN_NZ = 24
ST_LMIN_CH = 25
ST_STEPS = 26     # window steps, then window levels
ST_SIZE = 26      # fixed part; the array is ST_SIZE + 2 * window ints


def advance(st, x):
    """One reading into the windows of state ``st`` (see the module doc); the due-prints bits."""
    w = st[8]
    quant = st[9]
    pos = st[0]
    if st[10]:
        v = x // quant
        i = 26 + w + pos
        oldv = st[i]
        st[i] = v
        st[17] = ((st[17] - (oldv % 32749) * st[20]) % 32749 * 131 + v % 32749) % 32749
        st[18] = ((st[18] - (oldv % 32719) * st[21]) % 32719 * 257 + v % 32719) % 32719
        st[19] = ((st[19] - (oldv % 32717) * st[22]) % 32717 * 293 + v % 32717) % 32717
    p1 = pos + 1
    if p1 >= w:
        p1 = 0
    if not st[3]:
        st[2] = x
        st[3] = 1
        st[0] = p1
        return 0
    q = (x - st[2]) // quant
    st[2] = x
    if q > 1048575:
        q = 1048575
    elif q < -1048575:
        q = -1048575
    old = st[26 + pos]
    nxt = st[26 + p1]                       # second oldest
    if pos:
        newest = st[25 + pos]
    else:
        newest = st[25 + w]
    # pairs leaving and entering the window (the window starts as zeros)
    if old != nxt:
        st[5] -= 1
    if q != newest:
        st[5] += 1
    if old:
        st[4] -= 1
    if q:
        st[4] += 1
    # the level window's steps are the newest window - 1: the one leaving is the second
    # oldest, and its pair with the third oldest leaves too
    if nxt:
        st[6] -= 1
    if q:
        st[6] += 1
    if w > 2:
        p2 = p1 + 1
        if p2 >= w:
            p2 = 0
        if nxt != st[26 + p2]:
            st[7] -= 1
        if q != newest:
            st[7] += 1
    st[26 + pos] = q
    st[0] = p1
    st[11] = ((st[11] - (old % 32749) * st[14]) % 32749 * 131 + q % 32749) % 32749
    st[12] = ((st[12] - (old % 32719) * st[15]) % 32719 * 257 + q % 32719) % 32719
    st[13] = ((st[13] - (old % 32717) * st[16]) % 32717 * 293 + q % 32717) % 32717
    filled = st[1]
    if filled < w:
        filled += 1
        st[1] = filled
        if filled < w - 1:
            return 0
    due = 0
    if filled == w:
        due = 4
        if st[4] >= st[23] and st[5] >= st[23]:
            due = 5
    if st[10] and st[6] >= st[24] and st[7] >= st[25]:
        due |= 2
    return due
