"""The serial line protocol (version 1): one JSON object per line in, one per line out.

Full description with examples in docs/protocol.md. Requests carry ``op`` and
an optional integer ``id`` that the reply echoes; every reply has ``ok``.
Anything malformed -- bad JSON, not an object, non-UTF-8, overlong, unknown op,
bad argument -- gets ``{"ok": false, "err": CODE, "msg": TEXT}`` and changes
no guard state. Every line is checked as strict JSON (redline.link.jsonck)
before ``json.loads``, so a board and the host reference accept and refuse the
same lines; a MemoryError while parsing is ``memory``, never ``json``. A
``feed`` is parsed and checked whole, its reply preallocated and its room
probed before the first reading is fed: it runs whole or changes nothing::

    from redline.link.proto import Protocol
    proto = Protocol(node)              # node: redline.node.Node
    proto.handle_line(b'{"op":"hello","id":1}')
    # '{"ok": true, "id": 1, "op": "hello", "proto": 1, ...}'

The protocol parses requests and formats replies; everything it reports it asks
of the node (``node.feed``, ``node.message``, ``node.sift``, ``node.stats()``...),
never of the node's stages. On a sensor-only node (``node.text`` False) ``sift``
and ``msg`` answer the error ``no_text``.

Ops: hello, ping, sift, msg, feed, stats, audit, trace, challenge, reset, hold, maint.
``reset`` (clear the latch), ``hold`` (pause sensor sampling) and ``maint``
(open the raw-REPL maintenance window) need ``mac`` = hex HMAC-SHA-256(key,
nonce || message) over the nonce of the last ``challenge``; a nonce serves one
attempt, right or wrong. Failed MACs back off exponentially (``backoff``).
"""
import json

from redline import __version__
from redline.compat import IS_MICROPYTHON, const, mem_free
from redline.link.jsonck import JsonCheck
from redline.link.line import MEMORY_LINE
from redline.link.mac import hmac_sha256, digest_equal, to_hex, from_hex
from redline.link.utf8 import utf8_valid

PROTOCOL_VERSION = const(1)
FEED_FIELDS = ("code", "reason", "surprise", "entropy", "bias", "flags", "z", "confidence", "state",
               "effective", "actuator")
STATE_WARMING = const(1)
STATE_ACCEPTED = const(2)
STATE_LATCHED = const(4)
NONCE_BYTES = const(16)
_SMALL = const(0x3FFFFFFF)
RESET_SCOPES = ("latch", "all")
_FIELD_BYTES = const(13)    # a reply int with its separator, at most ("-1073741823, ")


class BadRequest(Exception):
    """A request the protocol refuses: ``BadRequest(code, message[, extra fields])``; code goes to ``err``.

    MicroPython exceptions take no attributes, so everything lives in ``args``.
    """


def _int(req, key, lo, hi, default=None):
    v = req.get(key, default)
    if v is None:
        raise BadRequest("bad_arg", "%s: integer required" % key)
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or v > hi:
        raise BadRequest("bad_arg", "%s: integer in %d..%d required" % (key, lo, hi))
    return v


def _bool(req, key):
    v = req.get(key)
    if v is not True and v is not False:
        raise BadRequest("bad_arg", "%s: true or false required" % key)
    return v


def _text(req):
    if "text" in req:
        t = req["text"]
        if not isinstance(t, str):
            raise BadRequest("bad_arg", "text: string required")
        return t.encode()
    if "hex" in req:
        try:
            return from_hex(req["hex"])
        except ValueError:
            raise BadRequest("bad_arg", "hex: even-length hex string required")
    raise BadRequest("bad_arg", "text or hex required")


class Protocol:
    def __init__(self, node):
        self.node = node
        self.ops = {
            "hello": self.op_hello, "ping": self.op_ping, "sift": self.op_sift, "msg": self.op_msg,
            "feed": self.op_feed, "stats": self.op_stats, "audit": self.op_audit,
            "trace": self.op_trace, "challenge": self.op_challenge, "reset": self.op_reset,
            "hold": self.op_hold, "maint": self.op_maint,
        }
        self.checker = JsonCheck()
        self.applied = 0            # readings of the current feed request already fed

    # -- framing callbacks (redline.link.line) --
    def overlong(self):
        self.node.counters["lines"] += 1
        return self._error(None, None, "overlong", "line longer than %d bytes" % self.node.max_line)

    def soft_reset(self):
        self.node.soft_reset()

    def memory_error(self):
        """A line that could not even be copied (link): counted, answered with a fixed reply."""
        c = self.node.counters
        c["lines"] += 1
        c["errors"] += 1
        return MEMORY_LINE

    def handle_line(self, line):
        """One request line (bytes, no terminator) -> the reply (str). Never raises."""
        node = self.node
        node.counters["lines"] += 1
        rid = None
        op = None
        self.applied = 0
        try:
            try:
                text = line.decode()
            except MemoryError:
                raise
            except Exception:
                raise BadRequest("utf8", "line is not valid UTF-8")
            if IS_MICROPYTHON and len(text) != len(line) and not utf8_valid(line):
                raise BadRequest("utf8", "line is not valid UTF-8")
            why = self.checker.check(line)
            if why:
                raise BadRequest("json", "line is not valid JSON: %s at byte %d" % (why, self.checker.pos))
            try:
                req = json.loads(text)
            except MemoryError:
                raise
            except Exception:  # cannot happen after the check; refused all the same
                raise BadRequest("json", "line is not valid JSON")
            if not isinstance(req, dict):
                raise BadRequest("json", "a JSON object is required")
            if "id" in req:
                rid = req["id"]
                if isinstance(rid, bool) or not isinstance(rid, int) or rid < 0 or rid > _SMALL:
                    rid = None
                    raise BadRequest("bad_arg", "id: integer in 0..%d required" % _SMALL)
            op = req.get("op")
            if not isinstance(op, str):
                op = None
                raise BadRequest("bad_arg", "op: string required")
            fn = self.ops.get(op)
            if fn is None:
                raise BadRequest("unknown_op", "unknown op")
            out = fn(req)
            return self._ok(rid, op, out)
        except BadRequest as exc:
            a = exc.args
            return self._error(rid, op, a[0], a[1], a[2] if len(a) > 2 else None)
        except MemoryError:
            if self.applied:
                return self._error(rid, op, "memory", "out of memory after %d readings were fed" % self.applied)
            return self._error(rid, op, "memory", "out of memory: nothing changed")
        except Exception as exc:  # a bug must not stop the node serving
            return self._error(rid, op, "internal", "%s" % type(exc).__name__)

    def _ok(self, rid, op, out):
        reply = {"ok": True, "op": op}
        if rid is not None:
            reply["id"] = rid
        if out:
            for k in out:
                reply[k] = out[k]
        return json.dumps(reply)

    def _error(self, rid, op, code, msg, extra=None):
        self.node.counters["errors"] += 1
        reply = {"ok": False, "err": code, "msg": msg}
        if rid is not None:
            reply["id"] = rid
        if op is not None:
            reply["op"] = op
        if extra:
            for k in extra:
                reply[k] = extra[k]
        return json.dumps(reply)

    # -- ops --
    def op_hello(self, req):
        node = self.node
        return {
            "proto": PROTOCOL_VERSION,
            "fw": __version__,
            "model": node.model_info(),
            "config": node.config_info(),
            "board": node.name,
            "heap_free": mem_free(),
            "channels": node.channel_names(),
            "fields": list(FEED_FIELDS),
            "max_line": node.max_line,
            "max_feed": node.max_feed,
            "key": node.key is not None,
            "key_error": node.key_error,
            "build_error": node.build_error,
            "rate_hz": node.rate_hz,
        }

    def op_ping(self, req):
        return None

    def _text_node(self):
        node = self.node
        if not node.text:
            raise BadRequest("no_text", "text path not built on this node (sensor-only board)")
        return node

    def op_sift(self, req):
        node = self._text_node()
        data = _text(req)
        r = node.sift(data)
        out = r.as_dict()
        out["anchor_hi"] = r.anchor_hi
        out["anchor_lo"] = r.anchor_lo
        if node.trace:
            out["trace"] = node.trace_sift(r)
        return out

    def op_msg(self, req):
        node = self._text_node()
        data = _text(req)
        now = _int(req, "t", 0, _SMALL, -1) if "t" in req else node.ticks()
        said = node.message(data, now)
        out = said.result.as_dict()
        out["effective"] = said.effective
        out["actuator"] = said.actuator
        out["latched"] = 1 if said.latched else 0
        if node.trace:
            out["trace"] = node.trace_message()
        return out

    def _channel(self, v):
        node = self.node
        if isinstance(v, str):
            i = node.channel_index(v)
            if i < 0:
                raise BadRequest("bad_arg", "ch: unknown channel")
            return i
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v >= node.channel_count():
            raise BadRequest("bad_arg", "ch: channel name or index required")
        return v

    def op_feed(self, req):
        """Parse and check every reading, preallocate the reply and probe its room, then feed them all."""
        node = self.node
        if not node.has_guard():
            raise BadRequest("no_guard", "sensor guard not configured: %s" % node.config_error)
        chans = []
        vals = []
        if "b" in req:
            b = req["b"]
            if not isinstance(b, list) or not b or len(b) & 1:
                raise BadRequest("bad_arg", "b: non-empty flat list [ch, v, ch, v, ...] required")
            for i in range(0, len(b), 2):
                chans.append(self._channel(b[i]))
                vals.append(self._value(b[i + 1]))
        else:
            ch = self._channel(req.get("ch"))
            v = req.get("v")
            if isinstance(v, list):
                if not v:
                    raise BadRequest("bad_arg", "v: empty list")
                for x in v:
                    chans.append(ch)
                    vals.append(self._value(x))
            else:
                chans.append(ch)
                vals.append(self._value(v))
        nf = len(FEED_FIELDS)
        count = len(vals)
        out = [0] * (nf * count)
        res = {"n": count, "nf": nf, "r": out}
        if not self.reserve(_FIELD_BYTES * nf * count + 64):
            raise BadRequest("memory", "no room for the reply to %d readings: nothing changed" % count)
        k = 0
        between = node.between
        il = node.interlock
        for i in range(count):          # allocates nothing: the readings run whole
            node.feed(chans[i], vals[i])
            r = node.guard.report(chans[i])     # fills fed.result: before a sample overwrites the outputs
            # fed's effective, actuator and latched are the interlock's code, actuator_on and latched
            # (redline.node.Outcome): read here, before a sample changes them, and without fed's
            # three property calls
            out[k + 8] = STATE_LATCHED if il.latched else 0
            out[k + 9] = il.code
            out[k + 10] = 1 if il.actuator_on else 0
            self.applied = i + 1
            if between is not None:
                between()               # the device loop takes a due sample (sampling has priority)
            out[k] = r.code
            out[k + 1] = r.reason
            out[k + 2] = r.surprise
            out[k + 3] = r.entropy
            out[k + 4] = r.bias
            out[k + 5] = r.flags
            out[k + 6] = r.z
            out[k + 7] = r.confidence
            out[k + 8] |= (STATE_WARMING if r.warming_up else 0) | (STATE_ACCEPTED if r.accepted else 0)
            k += nf
        if node.trace:
            i = len(vals) - 1
            res["trace"] = node.trace_reading(chans[i], vals[i])
        return res

    def reserve(self, nbytes):
        """True when a block of ``nbytes`` can be allocated now (tried and dropped at once)."""
        try:
            room = bytearray(nbytes)
        except MemoryError:
            return False
        room = None
        return room is None

    def _value(self, v):
        if isinstance(v, bool) or not isinstance(v, int) or v > _SMALL or v < -_SMALL:
            raise BadRequest("bad_arg", "v: integer reading in -%d..%d required" % (_SMALL, _SMALL))
        return v

    def op_stats(self, req):
        return self.node.stats()

    def op_audit(self, req):
        entries, total, trips = self.node.audit_log()
        return {"entries": entries, "total": total, "trips": trips}

    def op_trace(self, req):
        self.node.trace = _bool(req, "on")
        return {"on": self.node.trace}

    def op_challenge(self, req):
        node = self.node
        if node.key is None:
            raise BadRequest("no_key", "no reset key provisioned")
        node.nonce = node.random_bytes(NONCE_BYTES)
        return {"nonce": to_hex(node.nonce)}

    def _authenticate(self, req, message):
        """Check req["mac"] against the pending nonce; the nonce is spent either way.

        While the node backs off after failed MACs, every attempt is refused
        (``backoff``, with ``retry_ms``) without looking at the MAC.
        """
        node = self.node
        nonce = node.nonce
        node.nonce = None
        err = None
        extra = None
        wait = node.auth_wait_ms()
        if node.key is None:
            err = ("no_key", "no reset key provisioned" if not node.key_error else node.key_error)
        elif wait > 0:
            err = ("backoff", "authentication refused for %d ms after failed attempts" % wait)
            extra = {"retry_ms": wait}
        elif nonce is None:
            err = ("no_challenge", "ask for a challenge first")
        else:
            mac = req.get("mac")
            try:
                got = from_hex(mac)
            except ValueError:
                got = b""
            want = hmac_sha256(node.key, nonce + message)
            if not digest_equal(got, want):
                err = ("auth", "authentication failed")
                node.auth_failed()
        if err is not None:
            node.refuse_auth()
            raise BadRequest(err[0], err[1], extra)
        node.auth_passed()

    def op_reset(self, req):
        scope = req.get("scope", "latch")
        if scope not in RESET_SCOPES:
            raise BadRequest("bad_arg", "scope: latch or all")
        self._authenticate(req, b"reset:" + scope.encode())
        node = self.node
        node.reset_state(scope)
        node.counters["resets"] += 1
        return {"scope": scope, "latched": 1 if node.latched else 0}

    def op_hold(self, req):
        on = _bool(req, "on")
        self._authenticate(req, b"hold:1" if on else b"hold:0")
        self.node.hold = on
        return {"on": on}

    def op_maint(self, req):
        """``on`` true (authenticated, message ``maint:1``) opens the raw-REPL maintenance window;
        ``on`` false closes it (no MAC: it only takes a privilege away)."""
        on = _bool(req, "on")
        if on:
            self._authenticate(req, b"maint:1")
            self.node.open_maintenance()
        else:
            self.node.close_maintenance()
        return {"on": on}
