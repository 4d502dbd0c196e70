"""The replay detector's ring scan: is a print among a kind's stored prints that do not overlap the window?

Pure-Python twin of ``redline.sensor.scan_viper`` (identical results; used where the viper
emitter is missing, e.g. the WebAssembly port, and on CPython). ``prints`` (int array) and
``checks`` (``H`` array) hold a ring of ``hist`` prints per kind from offset ``base``;
``q`` is an int array ``[h3, base, hist, j, n]``: the scan starts at slot ``j`` (0 <= j <
hist) and walks ``n`` slots back (wrapping), looking for ``prints == fp`` with ``checks ==
h3``. Every value is >= 0 (``fp`` is a 30-bit print), so a viper ``ptr32`` load, which does
not sign-extend on a 64-bit port, reads them right::

    >>> from array import array
    >>> from redline.sensor.scan import ring_hit
    >>> prints, checks = array("i", [7, 8, 9, 10]), array("H", [1, 2, 3, 4])
    >>> ring_hit(prints, checks, 8, array("i", [2, 0, 4, 0, 3]))   # slots 0, 3, 2: no 8
    0
    >>> ring_hit(prints, checks, 8, array("i", [2, 0, 4, 0, 4]))   # ... and 1
    1
"""


def ring_hit(prints, checks, fp, q):
    """1 when one of the ``q[4]`` slots walked back from ``q[3]`` holds ``fp`` with check ``q[0]``, else 0."""
    h3 = q[0]
    base = q[1]
    hist = q[2]
    j = q[3]
    n = q[4]
    while n > 0:
        if prints[base + j] == fp and checks[base + j] == h3:
            return 1
        j -= 1
        if j < 0:
            j += hist
        n -= 1
    return 0
