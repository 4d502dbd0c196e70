"""Device entry point: sample the sensors at the configured rate and serve the protocol.

MicroPython runs this file at boot. It builds the board (``redline_board``:
pins and shims from boards/<BOARD>/, or a virtual board), a ``Node`` (guard,
text pipeline, interlock) and then loops: when a sample is due every sensor is
read through the guard; in between, whatever arrived on the USB serial port is
fed to the line protocol, waiting at most until the next sample is due::

    import main
    node, port = main.build()     # what the WebAssembly bridge does, then drives node itself
    main.run(node, port)          # the loop; returns when node.running is set False

Ctrl-C is disabled while serving (random bytes must not stop the node); to
get the real REPL, enter the raw REPL (Ctrl-A) and run ``node.running = False``.
"""
from redline.compat import ticks_ms, ticks_diff


def build(board=None):
    if board is None:
        import redline_board
        board = redline_board.make()
    from redline.node import Node
    node = Node(board)
    node.running = True
    return node, getattr(board, "serial", None)


def run(node, port):
    period = node.period_ms
    last = ticks_ms()
    feed = node.link.feed
    while node.running:
        try:
            wait = period - ticks_diff(ticks_ms(), last)
            if wait <= 0:
                last = ticks_ms()
                node.sample()
                node.check_deadline()
                continue
            data = port.read(wait)
            if data:
                feed(data)
        except MemoryError:
            node.fault(True)
        except Exception:  # keep serving; the guard steps have their own fail-safe
            node.fault(False)


def main():
    try:
        import micropython
        micropython.kbd_intr(-1)
    except (ImportError, AttributeError):
        micropython = None
    try:
        node, port = build()
        run(node, port)
    finally:
        if micropython is not None:
            micropython.kbd_intr(3)


if __name__ == "__main__":
    main()
