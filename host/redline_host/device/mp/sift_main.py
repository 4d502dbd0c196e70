"""MicroPython-side loop of ``redline sift``: the same code on CPython, unix and wasm MicroPython.

Reads one line per message from stdin: the message's bytes in hex (the host
side encodes, so no runtime's JSON or UTF-8 decoder can change the bytes), and
writes one JSON object per line, produced by SiftResult.to_json() with a fixed
field order. An empty line is the empty message; a line that is not hex gets
``{"error": "..."}``. Run by host/redline_host/commands/sift.py::

    printf '68656c6c6f\\n' | micropython host/redline_host/device/mp/sift_main.py
"""
import sys
from binascii import unhexlify

from redline.text.sift import Sifter


def main():
    sifter = Sifter()
    model = sifter.model
    if not model.ok:
        sys.stderr.write("redline: model rejected (%s): failing closed\n" % model.error)
    read = sys.stdin.readline
    write = sys.stdout.write
    while True:
        line = read()
        if not line:
            break
        line = line.strip()
        try:
            data = unhexlify(line)
        except (ValueError, TypeError):
            write('{"error": "line is not hex"}\n')
            continue
        write(sifter.sift(data).to_json())
        write("\n")


main()
