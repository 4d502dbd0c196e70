"""Device entry point: sample the sensors on time and serve the protocol in between, for ever.

MicroPython runs this file at boot. It builds the board (``redline_board``:
pins and shims from boards/<BOARD>/, or a virtual board), a ``Node`` (guard,
text pipeline, interlock, latch record) and then loops: a sample is taken
every period, and between samples whatever arrived on the USB serial port is
handed to the line protocol one line at a time, with the schedule checked
after every line, so a flood of requests cannot starve sampling (a sample
that comes later than the node's deadline trips HALT_DEADLINE)::

    import main
    node, port = main.build()     # never raises: a node that cannot be built whole fails closed
    main.run(node, port)          # returns only when node.running is set False
    loop = main.Loop(node)        # what run() and the WebAssembly bridge drive: tick(), feed(data)

The serial port is not a REPL. Ctrl-C is disabled while serving and every
byte is a protocol byte (redline.link.line). A maintainer gets the REPL back
in one of two deliberate ways (docs/protocol.md, "Maintenance"):

- the authenticated ``{"op": "maint", "on": true, "mac": ...}`` request opens the
  raw REPL (what ``redline deploy`` and ``mpremote connect PORT resume ...``
  use); running ``node.running = False`` there ends this loop, and
  MicroPython's own REPL follows;
- a board whose ``pins.py`` names ``MAINT_PIN`` skips redline entirely when that
  pin is held at its ``MAINT_LEVEL`` during boot (the actuator pin stays at
  its safe level).

Nothing else returns to the REPL: if the board or the node cannot be built,
a minimal node holds the actuator safe and answers the protocol with the reason.
"""
from redline.compat import ticks_add, ticks_diff


class Loop:
    """The schedule: ``tick()`` samples when due, ``feed(data)`` serves lines and samples between them.

    Samples fall every ``period_ms`` on a fixed grid (no drift); a loop more
    than a period late starts a new grid from now instead of bursting to
    catch up (the node's own deadline check decides whether that lateness trips).
    A reply waits for a slow reader only until the next sample is due (the
    port's ``write_until``, redline.link.stdio), then it is dropped; a ``feed``
    request of many readings takes a due sample between two of them
    (``node.between``).
    """

    def __init__(self, node, port=None):
        self.node = node
        self.port = port
        self.period = node.period_ms
        self.next_due = node.ticks()
        node.between = self.tick        # a long feed request samples between its readings

    def tick(self):
        """Take the sample if it is due; the milliseconds until the next one."""
        node = self.node
        now = node.ticks()
        wait = ticks_diff(self.next_due, now)
        if wait > 0:
            return wait
        node.sample()
        due = ticks_add(self.next_due, self.period)
        if ticks_diff(due, now) <= 0:
            due = ticks_add(now, self.period)
        self.next_due = due
        return ticks_diff(due, node.ticks())

    def feed(self, data):
        """Every byte of ``data`` to the link, one line at a time, sampling whenever due."""
        link = self.node.link
        port = self.port
        n = len(data)
        i = 0
        while i < n:
            if port is not None:
                # while sampling runs, a reply waits for a slow reader no longer than the next sample
                port.write_until = self.next_due if self.node.sampling() else None
            i = link.feed_line(data, i)
            self.tick()


class _Unavailable:
    """The board when ``redline_board.make()`` failed: no sensors, no pins; the protocol on stdio."""

    name = "unavailable"
    text = False

    def __init__(self):
        from redline.link.stdio import StdioSerial
        self.serial = StdioSerial()

    def write(self, data):
        self.serial.write(data)


class _Minimal:
    """A board seen without its sensors and text path: what a node that failed to build falls back to.
    An attribute of the board that raises is treated as missing (its default applies)."""

    text = False
    sensors = None

    def __init__(self, board):
        self.board = board

    def __getattr__(self, name):
        try:
            return getattr(self.board, name)
        except Exception:
            raise AttributeError(name)


def make_board():
    """``redline_board.make()``; (board, "") or, when it fails, (a stdio-only board, the reason)."""
    try:
        import redline_board
        return redline_board.make(), ""
    except Exception as exc:  # a missing file, a bad pin map, a sensor that raises at set-up
        return _Unavailable(), "board set-up failed: %s %s" % (type(exc).__name__, exc)


def build(board=None, error=""):
    """(node, port) from the board (default: ``make_board()``); never raises once a serial port exists.

    A node that cannot be built whole (e.g. MemoryError in a stage), or whose
    board set-up failed (``error``), is built without sensors and text path,
    failing closed with the reason in ``hello``/``stats`` (``build_error``).
    """
    if board is None:
        board, error = make_board()
    from redline.node import Node
    node = None
    if not error:
        try:
            node = Node(board)
        except Exception as exc:
            error = "node build failed: %s %s" % (type(exc).__name__, exc)
    if node is None:
        import gc
        gc.collect()
        node = Node(_Minimal(board), config=None, config_error=error, build_error=error)
    node.running = True
    return node, getattr(board, "serial", None)


def run(node, port, loop=None):
    """Serve until ``node.running`` is False. A MemoryError or an error outside the guard steps (which
    have their own fail-safe) trips the latch ("memory error" / "guard fault") and the loop goes on."""
    if loop is None:
        loop = Loop(node, port)
    while node.running:
        try:
            wait = loop.tick()
            if wait > 0:
                data = port.read(wait)
                if data:
                    loop.feed(data)
        except MemoryError:
            node.fault(True)
        except Exception:  # keep serving; the guard steps have their own fail-safe
            node.fault(False)


def _idle_forever():
    import time
    while True:
        time.sleep(1)


def main():
    try:
        import micropython
        micropython.kbd_intr(-1)
    except (ImportError, AttributeError):
        micropython = None
    try:
        board, error = make_board()
        if getattr(board, "maintenance", False):
            board.write(b"redline: maintenance pin held at boot: not started, REPL follows\r\n")
            return
        try:
            node, port = build(board, error)
        except Exception:
            # not even a minimal node: keep the REPL shut (the halt pin stays at its safe level)
            _idle_forever()
        run(node, port)
    finally:
        if micropython is not None:
            micropython.kbd_intr(3)


if __name__ == "__main__":
    main()
