"""redline.link: the serial line to the host.

``line`` (bytes in, lines out, and mpremote's raw REPL), ``proto`` (the JSON
line protocol: parse a request, ask the node, format the reply), ``mac``
(HMAC-SHA-256 for authenticated resets), ``stdio`` (the USB serial port as
MicroPython sees it), ``trace`` (per-stage traces for the harness)::

    from redline.link.line import Link
    link = Link(handler, write=port.write)
    link.feed(b'{"op":"hello"}\\n')

Importing the package imports nothing.
"""
