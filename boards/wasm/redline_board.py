"""Virtual board on the WebAssembly MicroPython (32-bit small ints, like ESP32/RP2040).

host/redline_host/device/js/wasm_board.mjs loads this port, writes ``/redline_env.json`` (board name,
hex key, trace path, rate, reset cause, an entropy seed: the port has no ``os.urandom``)
and drives the node from node's event loop; replies go to ``sys.stdout``,
which the bridge writes to the pty. The working directory is the board's flash:
the latch record lives there, and the bridge copies every record written back to
the virtual board's flash folder on the host (``flash.writes`` counts them)::

    import redline_board
    board = redline_board.make()
"""
import json
import sys

from redline.interlock import VirtualPin

try:
    import hashlib
except ImportError:
    import uhashlib as hashlib


POWER_ON = 1
WATCHDOG_RESET = 3


class Board:
    def __init__(self, env_path="/redline_env.json"):
        from redline_sim import TraceSource
        from redline.latch import FileFlash
        from redline.link.mac import from_hex
        with open(env_path) as f:
            env = json.loads(f.read())
        self.name = env.get("board") or "wasm"
        self.source = TraceSource(env["trace"]) if env.get("trace") else None
        self.sensors = self.source.sensors() if self.source else {}
        self.halt_pin = VirtualPin()
        self.status_pin = VirtualPin()
        self.safe_level = 0
        self.watchdog = None
        self.key = from_hex(env["key"]) if env.get("key") else None
        self.rate_hz = env.get("rate")
        self.objective = b""
        self.flash = FileFlash("")
        self.reset_cause = WATCHDOG_RESET if env.get("reset_cause") == "watchdog" else POWER_ON
        self.watchdog_cause = WATCHDOG_RESET
        self._seed = from_hex(env["seed"])
        self._count = 0
        self.serial = None          # the bridge feeds node.link directly
        self._out = getattr(sys.stdout, "buffer", sys.stdout)

    @property
    def sampling(self):
        return self.source is not None and self.source.active

    def entropy(self, n):
        out = b""
        while len(out) < n:
            self._count += 1
            h = hashlib.sha256(self._seed)
            h.update(str(self._count).encode())
            out += h.digest()
        return out[:n]

    def write(self, data):
        self._out.write(data)


def make():
    return Board()
