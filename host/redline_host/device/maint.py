"""The deliberate way into a deployed node's raw REPL: the authenticated ``maint`` request.

A node's serial port speaks only the line protocol; MicroPython's raw REPL
(what mpremote uses) is reachable only after ``{"op": "maint", "on": true,
"mac": ...}`` with a MAC under the node's reset key, and until ``maint`` off,
a reboot or ten minutes without raw-REPL traffic (docs/protocol.md)::

    from redline_host.device.maint import unlock, lock
    state = unlock("/dev/ttyACM0", key)     # "unlocked", or "repl" on a board not running redline
    # ... mpremote connect /dev/ttyACM0 resume exec/fs ...
    lock("/dev/ttyACM0")

A board that runs stock MicroPython (before the first ``redline deploy``)
answers the challenge line with its own REPL output, not JSON: ``unlock``
reports "repl" and mpremote works as usual.
"""
import json
import time

from redline.link.mac import hmac_sha256

from redline_host.errors import UserError


def _request(port, req, timeout):
    """Write one request line; the first JSON reply line, or None when only non-JSON came back."""
    port.write((json.dumps(req) + "\n").encode())
    deadline = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < deadline:
        line = port.readline()
        if not line:
            continue
        seen += line
        text = line.strip()
        if text.startswith(b"{"):
            try:
                return json.loads(text)
            except ValueError:
                pass
        if b">>>" in seen or b"Traceback" in seen or b"raw REPL" in seen:
            return None
    return None


def unlock(path, key, timeout=10.0, patience=60.0):
    """Open the maintenance window of the node on ``path`` (device path or pyserial URL)."""
    import serial
    if key is None:
        raise UserError("opening a node's maintenance window needs its reset key (--key-file)")
    deadline = time.monotonic() + patience
    with serial.serial_for_url(path, timeout=0.5) as port:
        port.reset_input_buffer()
        while True:
            ch = _request(port, {"op": "challenge"}, timeout)
            if ch is None:
                return "repl"
            if not ch.get("ok"):
                raise UserError("the node on %s refused a challenge: %s" % (path, ch.get("msg")))
            mac = hmac_sha256(key, bytes.fromhex(ch["nonce"]) + b"maint:1").hex()
            r = _request(port, {"op": "maint", "on": True, "mac": mac}, timeout)
            if r is None:
                raise UserError("the node on %s did not answer the maint request" % path)
            if r.get("ok"):
                return "unlocked"
            if r.get("err") == "backoff" and time.monotonic() < deadline:
                time.sleep(min(r.get("retry_ms", 1000), 30000) / 1000.0 + 0.01)
                continue
            raise UserError("the node on %s refused maintenance (%s: %s): is this the key it was "
                            "provisioned with?" % (path, r.get("err"), r.get("msg")))


def lock(path, timeout=10.0):
    """Close the maintenance window (no MAC needed); False when no node answered."""
    import serial
    with serial.serial_for_url(path, timeout=0.5) as port:
        port.reset_input_buffer()
        r = _request(port, {"op": "maint", "on": False}, timeout)
    return bool(r and r.get("ok"))
