"""Simulated sensors for the virtual boards: columns of an integer CSV trace.

The trace has a header of channel names and one row of integer readings per
sample period. Reading channel 0 advances to the next row; at the end of the
trace ``active`` turns False and the node stops sampling (a looped trace would
be a replay, which the guard is there to catch)::

    src = TraceSource("nominal.csv")
    sensors = src.sensors()          # {"temp_a": reader, ...}; reader.read() -> int

The readings are kept in one flat ``array('i')`` (4 bytes each), not a list per
row: a few thousand rows fit beside the node on a board-sized heap. A header
that names a channel twice, or a row with a missing or non-integer cell, is a
``ValueError`` naming the line.
"""
from array import array


class _Reader:
    def __init__(self, source, column):
        self.source = source
        self.column = column

    def read(self):
        return self.source.read(self.column)


class TraceSource:
    def __init__(self, path=None, rows=None, names=None):
        self.names = []
        self.values = array("i")
        if path:
            with open(path) as f:
                number = 0
                for line in f:
                    number += 1
                    line = line.strip()
                    if not line or line[0] == "#":
                        continue
                    cells = line.split(",")
                    if not self.names:
                        for c in cells:
                            c = c.strip()
                            if c in self.names:
                                raise ValueError("trace line %d: channel %s named twice" % (number, c))
                            self.names.append(c)
                        continue
                    if len(cells) != len(self.names):
                        raise ValueError("trace line %d: %d cells, the header has %d" % (number, len(cells), len(self.names)))
                    for c in cells:
                        try:
                            v = int(c)
                        except ValueError:
                            raise ValueError("trace line %d: %s is not an integer" % (number, c.strip()))
                        self.values.append(v)
        if rows is not None:
            self.names = list(names)
            for row in rows:
                for v in row:
                    self.values.append(v)
        self.width = len(self.names)
        self.count = len(self.values) // self.width if self.width else 0
        self.row = -1
        self.active = self.count > 0

    @property
    def rows(self):
        """The trace as a list of rows (host and tests; allocates)."""
        w = self.width
        return [list(self.values[i * w:(i + 1) * w]) for i in range(self.count)]

    def read(self, column):
        if column == 0:
            self.row += 1
            if self.row >= self.count - 1:
                self.active = False
            if self.row >= self.count:
                self.row = self.count - 1
        r = self.row if self.row >= 0 else 0
        return self.values[r * self.width + column]

    def sensors(self):
        out = {}
        for j in range(len(self.names)):
            out[self.names[j]] = _Reader(self, j)
        return out
