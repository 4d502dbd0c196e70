"""argparse types that check a value when the command line is parsed, so a bad one is a usage error.

    from redline_host.argtypes import int_range, float_above, heap_size
    p.add_argument("--release-dwell", type=int_range(1, 1000), default=4)
    # redline guard --release-dwell 0  ->  error: argument --release-dwell: 0 is not in 1..1000

Each factory returns a callable that argparse uses as ``type=``: it raises
``argparse.ArgumentTypeError`` with the allowed range, which argparse prints as
``redline COMMAND: error: argument --NAME: ...`` and exit status 2.
"""
import argparse
import re


def int_range(lo, hi=None):
    """An integer in lo..hi (hi None: no upper bound)."""
    def parse(text):
        try:
            v = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not an integer" % text)
        if hi is None and v < lo:
            raise argparse.ArgumentTypeError("%d is less than %d" % (v, lo))
        if hi is not None and not lo <= v <= hi:
            raise argparse.ArgumentTypeError("%d is not in %d..%d" % (v, lo, hi))
        return v
    parse.__name__ = "integer"
    return parse


def float_range(lo, hi=None, lo_open=False):
    """A finite float >= lo (> lo with ``lo_open``) and <= hi."""
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a number" % text)
        if v != v or v in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError("%r is not a finite number" % text)
        if (v <= lo if lo_open else v < lo) or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError("%s is not in %s%s..%s" % (text, "(" if lo_open else "", lo,
                                                                       hi if hi is not None else ""))
        return v
    parse.__name__ = "number"
    return parse


def float_above(lo):
    """A finite float strictly greater than lo."""
    return float_range(lo, lo_open=True)


_HEAP = re.compile(r"^(\d+)([kKmM]?)$")


def heap_size(text):
    """A MicroPython heap size: bytes, or a number with K or M (at least 16K)."""
    m = _HEAP.match(text)
    if not m:
        raise argparse.ArgumentTypeError("%r is not a heap size (e.g. 256K, 1M)" % text)
    n = int(m.group(1)) * {"": 1, "k": 1024, "m": 1048576}[m.group(2).lower()]
    if n < 16384:
        raise argparse.ArgumentTypeError("%s is below 16K" % text)
    return text


def power_of_two_or_zero(hi):
    """0 or a power of two up to hi."""
    def parse(text):
        v = int_range(0, hi)(text)
        if v & (v - 1):
            raise argparse.ArgumentTypeError("%d is not 0 or a power of two" % v)
        return v
    parse.__name__ = "integer"
    return parse


def utf8_at_most(nbytes):
    """A string whose UTF-8 encoding is at most ``nbytes`` long."""
    def parse(text):
        if len(text.encode("utf-8", "surrogatepass")) > nbytes:
            raise argparse.ArgumentTypeError("longer than %d bytes of UTF-8" % nbytes)
        return text
    parse.__name__ = "text"
    return parse
