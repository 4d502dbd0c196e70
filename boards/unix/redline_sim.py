"""Simulated sensors for the virtual boards: columns of an integer CSV trace.

The trace has a header of channel names and one row of integer readings per
sample period. Reading channel 0 advances to the next row; at the end of the
trace ``active`` turns False and the node stops sampling (a looped trace would
be a replay, which the guard is there to catch)::

    src = TraceSource("nominal.csv")
    sensors = src.sensors()          # {"temp_a": reader, ...}; reader.read() -> int
"""


class _Reader:
    def __init__(self, source, column):
        self.source = source
        self.column = column

    def read(self):
        return self.source.read(self.column)


class TraceSource:
    def __init__(self, path=None, rows=None, names=None):
        self.names = []
        self.rows = []
        if path:
            with open(path) as f:
                first = True
                for line in f:
                    line = line.strip()
                    if not line or line[0] == "#":
                        continue
                    cells = line.split(",")
                    if first:
                        self.names = [c.strip() for c in cells]
                        first = False
                    else:
                        self.rows.append([int(c) for c in cells])
        if rows is not None:
            self.rows = rows
            self.names = list(names)
        self.row = -1
        self.active = len(self.rows) > 0

    def read(self, column):
        if column == 0:
            self.row += 1
            if self.row >= len(self.rows) - 1:
                self.active = False
            if self.row >= len(self.rows):
                self.row = len(self.rows) - 1
        r = self.row if self.row >= 0 else 0
        return self.rows[r][column]

    def sensors(self):
        out = {}
        for j in range(len(self.names)):
            out[self.names[j]] = _Reader(self, j)
        return out
