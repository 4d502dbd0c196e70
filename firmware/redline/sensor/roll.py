"""Three rolling polynomial hashes advanced by one symbol: the replay detector's inner step.

Pure-Python twin of ``redline.sensor.roll_viper`` (identical results; used where the viper
emitter is missing, e.g. the WebAssembly port, and on CPython). ``h`` is an int array
``[h1, h2, h3, top1, top2, top3]``: three hashes of a window of symbols modulo the primes
32749, 32719, 32717 with bases 131, 257, 293, and ``top_k`` = base_k ** (window - 1) mod
prime_k. ``roll3(h, old, new)`` drops symbol ``old`` (the oldest of the window) and appends
``new``; every intermediate stays under 2**25 for |old|, |new| < 2**30::

    >>> from array import array
    >>> from redline.sensor.roll import roll3
    >>> h = array("i", [0, 0, 0, 131, 257, 293])     # window of 2
    >>> roll3(h, 0, 5), roll3(h, 0, 7), list(h[:3])
    (5, 1472, [662, 1292, 1472])
"""


def roll3(h, old, new):
    """Advance the three hashes in ``h`` (see the module doc); returns the third."""
    a = ((h[0] - (old % 32749) * h[3]) % 32749 * 131 + new % 32749) % 32749
    b = ((h[1] - (old % 32719) * h[4]) % 32719 * 257 + new % 32719) % 32719
    c = ((h[2] - (old % 32717) * h[5]) % 32717 * 293 + new % 32717) % 32717
    h[0] = a
    h[1] = b
    h[2] = c
    return c
