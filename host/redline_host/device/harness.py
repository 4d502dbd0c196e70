"""The serial harness: a board (or virtual board) against the host reference, vector by vector.

The host reference is the firmware itself -- ``redline.node.Node`` and its
protocol -- running on CPython with the same model, configuration and key. Each
vector goes to both; every reply field is compared (volatile ones -- heap,
uptime, nonce, id -- aside). On the first mismatch both sides are restarted,
the stream is replayed up to the diverging reading with trace mode on, and the
first stage and field whose state differs is named::

    from redline_host.device.harness import Harness
    with Harness("vboard") as h:           # or "wasm", "rp2040", or a pyserial URL / device path
        summary = h.run(vectors)           # see redline_host.device.harness_vectors
    summary["mismatches"], summary["first_divergence"]

Before comparing anything the harness checks the model SHA-256 in the board's
hello and refuses a board running a different model. Requests are sized by what
the board's hello reports (``max_line`` bytes, ``max_feed`` readings): runs of
feed vectors are packed into as few requests as fit (``fit_requests``); a
divergence is still reported by the caller's vector index and reading. Every
few requests the board's ``stats`` gives its free heap; on the emulated Pico
(``"rp2040"``) each request's marker-pin pulses give cycles, and 64-byte texts
are timed at the end (see redline_host.device.figures).
"""
import json
import logging
import time
from pathlib import Path

from redline.link.mac import hmac_sha256
from redline.node import Node

from redline_host.errors import UserError
from redline_host.text.modelfile import load_model_dir
from redline_host.paths import DEFAULT_MODEL
from redline_host.device.compare import first_difference, first_stage_difference, percentile
from redline_host.device.figures import Figures
from redline_host.device.harness_vectors import fit_requests, origin_of, timing_texts
from redline_host.device.vboard_sim import default_config

log = logging.getLogger(__name__)

STATS_EVERY = 20        # requests between two heap readings
TIMING_TEXTS = 20       # 64-byte texts timed (as sift and as msg) on a board that reports cycles


def load_config_file(path):
    """SensorConfig from a generated redline_config.py (the firmware's own check)."""
    from redline.sensor.config import load_config
    ns = {}
    text = Path(path).read_text()
    exec(compile(text, str(path), "exec"), ns)
    return load_config(ns)


def read_key_file(path):
    """The hex HMAC reset key in ``path`` (UserError when unreadable)."""
    try:
        return bytes.fromhex(open(path).read().strip())
    except (OSError, ValueError) as exc:
        raise UserError("cannot read key file %s: %s" % (path, exc))


class _HostBoard:
    """The reference's board: no sensors unless given, a provisioned latch record in RAM (a fresh
    virtual board's flash holds the same released record, so both start unlatched)."""

    name = "host-reference"
    sensors = None
    rate_hz = 10

    def __init__(self, key, name=None, rate_hz=None, sensors=None):
        from redline.latch import MemoryFlash, provision
        self.key = key
        self.out = []
        self.flash = MemoryFlash()
        provision(self.flash)
        if name is not None:
            self.name = name
        if rate_hz is not None:
            self.rate_hz = rate_hz
        if sensors is not None:
            self.sensors = sensors

    def write(self, data):
        self.out.append(bytes(data))


class Reference:
    """The firmware's Node on CPython, spoken to with the same request lines."""

    def __init__(self, model, config, key, name=None, rate_hz=None, sensors=None, board=None, max_line=None):
        self.board = board if board is not None else _HostBoard(key, name, rate_hz, sensors)
        self.node = Node(self.board, model=model, config=config, max_line=max_line)

    def request(self, line):
        self.board.out = []
        self.node.link.feed(line)
        raw = b"".join(self.board.out).strip()
        return json.loads(raw)


class SerialBoard:
    """A board behind pyserial (device path, pty, socket://, loop://)."""

    def __init__(self, url, timeout=20.0):
        import serial
        try:
            self.port = serial.serial_for_url(url, timeout=timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise UserError("cannot open %s: %s" % (url, exc))
        self.url = url
        self.timeout = timeout
        self.port.reset_input_buffer()

    def request(self, line):
        """Send one line, return (reply dict, seconds)."""
        t0 = time.perf_counter()
        self.port.write(line)
        while True:
            raw = self.port.readline()
            if not raw:
                raise UserError("no reply from %s within %.0f s to %r" % (self.url, self.timeout, line[:120]))
            raw = raw.strip()
            if raw.startswith(b"{"):
                break
        dt = time.perf_counter() - t0
        try:
            return json.loads(raw), dt
        except ValueError:
            raise UserError("unparseable reply from %s: %r" % (self.url, raw[:200]))

    def ask(self, req):
        """Send one request (a dict) as a JSON line; return the reply dict."""
        return self.request((json.dumps(req, ensure_ascii=False) + "\n").encode())[0]

    def close(self):
        self.port.close()


class Harness:
    def __init__(self, port, key=None, config=None, model_dir=DEFAULT_MODEL, timeout=20.0, vboard_options=None):
        self.port_name = port
        self.vboard = None
        self.model = load_model_dir(model_dir)
        if not self.model.ok:
            raise UserError("host model is not usable: %s" % self.model.error)
        config_file = None
        max_line = None             # the board's line buffer, as the configuration file sets it
        if config is None:
            config = default_config()
        elif isinstance(config, (str, Path)):
            config_file = config
            config = load_config_file(config)
            ns = {}
            exec(compile(Path(config_file).read_text(), str(config_file), "exec"), ns)
            max_line = ns.get("MAX_LINE")
        self.config = config
        if port in ("vboard", "unix", "wasm", "rp2040"):
            opts = dict(vboard_options or {})
            # a virtual board gets the file itself: what it holds beside the checked fields
            # (MAX_LINE, the node's line buffer) goes with it
            opts.setdefault("config", config_file if config_file is not None else config)
            if port == "rp2040":
                from redline_host.device.rp2040 import RP2040Board
                self.vboard = RP2040Board(**opts)
            else:
                from redline_host.device.vboard import VirtualBoard
                opts.setdefault("model_dir", model_dir)
                self.vboard = VirtualBoard("wasm" if port == "wasm" else "unix", **opts)
            try:
                self.vboard.start()
                self.vboard.wait_ready()
            except BaseException:
                self.vboard.stop()
                raise
            key = self.vboard.key
            port = self.vboard.path
        self.key = key
        self.board = SerialBoard(port, timeout=timeout)
        self.ref = Reference(self.model, config, key if key is not None else b"\x00" * 32, max_line=max_line)
        self.next_id = 1
        self.hello = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.board.close()
        if self.vboard is not None:
            self.vboard.stop()
            self.vboard = None

    # -- plumbing --
    def _line(self, req):
        req = dict(req)
        req["id"] = self.next_id
        self.next_id += 1
        return (json.dumps(req, ensure_ascii=False) + "\n").encode()

    def both(self, req):
        """Send req to board and reference: (board reply, reference reply, seconds)."""
        line = self._line(req)
        got, dt = self.board.request(line)
        exp = self.ref.request(line)
        return got, exp, dt

    def _auth(self, side, op, arg, extra, patience=60.0):
        """Authenticated op on one side ('board' or 'ref'); returns the reply.

        A node backing off after failed MACs (``backoff``, e.g. after a fuzz run) is waited for.
        """
        deadline = time.monotonic() + patience
        while True:
            if side == "board":
                ch, _ = self.board.request(self._line({"op": "challenge"}))
            else:
                ch = self.ref.request(self._line({"op": "challenge"}))
            if not ch.get("ok"):
                raise UserError("%s refused a challenge: %s" % (side, ch.get("msg")))
            nonce = bytes.fromhex(ch["nonce"])
            req = {"op": op, "mac": hmac_sha256(self.key, nonce + arg).hex()}
            req.update(extra)
            if side == "board":
                r = self.board.request(self._line(req))[0]
            else:
                r = self.ref.request(self._line(req))
            if r.get("err") != "backoff" or time.monotonic() > deadline:
                return r
            time.sleep(min(r.get("retry_ms", 1000), 30000) / 1000.0 + 0.01)

    def reset_both(self):
        if self.key is None:
            return False
        for side in ("board", "ref"):
            r = self._auth(side, "reset", b"reset:all", {"scope": "all"})
            if not r.get("ok"):
                raise UserError("%s refused the authenticated reset: %s" % (side, r.get("msg")))
        return True

    def set_hold(self, on):
        if self.key is None:
            return False
        r = self._auth("board", "hold", b"hold:1" if on else b"hold:0", {"on": on})
        return bool(r.get("ok"))

    def set_trace(self, on):
        self.both({"op": "trace", "on": on})

    def check_hello(self):
        got, dt = self.board.request(self._line({"op": "hello"}))
        if not got.get("ok"):
            raise UserError("board did not answer hello: %r" % got)
        self.hello = got
        sha = (got.get("model") or {}).get("sha256")   # a sensor-only board reports "model": null
        if sha != self.model.sha256:
            raise UserError("board runs model %s, the host has %s: refusing to compare (deploy the same model)"
                            % (sha, self.model.sha256))
        return got

    def poll_heap(self, figures):
        figures.heap(self.board.request(self._line({"op": "stats"}))[0])

    # -- the run --
    def run(self, vectors, progress=None):
        t_start = time.perf_counter()
        hello = self.check_hello()
        self.set_trace(False)           # a board left in trace mode (e.g. by a fuzz run) answers longer replies
        held = self.set_hold(True)
        figures = Figures(probe=self.vboard, timeout=self.board.timeout)
        self.poll_heap(figures)
        figures.sync()
        max_line = hello.get("max_line") or 4096
        requests_, origins = fit_requests(vectors, max_line, hello.get("max_feed"))
        lat = []
        mismatches = 0
        first = None
        texts = steps = requests = 0
        last_reset = -1
        for k, v in enumerate(requests_):
            if v.get("action") == "reset":
                self.reset_both()
                last_reset = k
                continue
            mark = figures.before()
            got, exp, dt = self.both(v)
            figures.after(v, got, mark)
            lat.append(dt)
            requests += 1
            if v.get("op") in ("sift", "msg"):
                texts += 1
            elif v.get("op") == "feed":
                steps += len(v["b"]) // 2 if "b" in v else (len(v["v"]) if isinstance(v.get("v"), list) else 1)
            d = first_difference(exp, got)
            if d:
                mismatches += 1
                if first is None:
                    first = self._diagnose(requests_, origins, last_reset, k, v, d, exp, got)
            if requests % STATS_EVERY == 0:
                self.poll_heap(figures)
            if progress and requests % 500 == 0:
                progress("%d requests, %d mismatches" % (requests, mismatches))
        timed = 0
        if figures.probe is not None and self.key is not None:
            # 64-byte texts from a fresh pipeline on both sides, timed by the marker pin (and compared)
            self.reset_both()
            for i, text in enumerate(timing_texts(TIMING_TEXTS)):
                for req in ({"op": "sift", "text": text}, {"op": "msg", "text": text, "t": 1000 + 700 * i}):
                    mark = figures.before()
                    got, exp, _ = self.both(req)
                    figures.after(req, got, mark, kind="64B")
                    timed += 1
                    if first_difference(exp, got):
                        mismatches += 1
                        if first is None:
                            first = {"op": req["op"], "sent": req, "timing_text": i,
                                     "field": first_difference(exp, got)[0]}
        self.poll_heap(figures)
        if held:
            self.set_hold(False)
        elapsed = time.perf_counter() - t_start
        return {
            "port": self.port_name,
            "board": hello.get("board"),
            "firmware": hello.get("fw"),
            "protocol": hello.get("proto"),
            "model_sha256": self.model.sha256,
            "config_sha256": {"host": self.config.sha256(), "board": hello.get("config", {}).get("sha256")},
            "config_match": self.config.sha256() == hello.get("config", {}).get("sha256"),
            "vectors": {"requests": requests, "text": texts, "sensor_steps": steps, "timing_texts": timed},
            "request_limits": {"max_line": max_line, "max_feed": hello.get("max_feed")},
            "mismatches": mismatches,
            "first_divergence": first,
            "latency_ms": {"p50": round(percentile(lat, 0.5) * 1000, 3),
                           "p95": round(percentile(lat, 0.95) * 1000, 3)},
            "elapsed_s": round(elapsed, 2),
            **figures.report(),
            "ok": mismatches == 0,
        }

    def _diagnose(self, vectors, origins, last_reset, k, v, d, exp, got):
        """Replay to the diverging step with trace on; name the first differing stage and field.

        ``vectors`` are the requests sent (``fit_requests``); the report names the caller's
        vector (``vector``) and reading within it, and the request sent (``request``)."""
        field, want, have = d
        out = {"vector": origins[k][0][0], "request": k, "op": v.get("op"), "sent": v, "field": field,
               "expected": want, "received": have}
        if isinstance(got, dict) and got.get("ok") is False:       # the board refused: say why
            out["board_error"] = {"err": got.get("err"), "msg": got.get("msg")}
        if v.get("op") == "feed" and field.startswith("r."):
            idx = int(field.split(".")[1])
            nf = exp.get("nf", 11)
            reading = idx // nf
            if "b" in v:
                out["vector"], in_vector = origin_of(origins, k, reading)
            else:
                in_vector = reading
            out["reading"] = in_vector
            out["field"] = "r[%d].%s" % (in_vector, self.hello.get("fields", [])[idx % nf] if self.hello else idx % nf)
        else:
            reading = None
        if self.key is None:
            out["stage"] = None
            out["note"] = "no key: cannot restart the board to trace the divergence"
            return out
        self.reset_both()
        for j in range(last_reset + 1, k):
            if vectors[j].get("action") == "reset":
                self.reset_both()
            else:
                self.both(vectors[j])
        rest = None
        if reading is not None:
            b = self._as_pairs(v)
            if reading:
                self.both({"op": "feed", "b": b[:2 * reading]})
            last = {"op": "feed", "b": b[2 * reading:2 * reading + 2]}
            rest = b[2 * reading + 2:]
        else:
            last = v
        self.set_trace(True)
        got2, exp2, _ = self.both(last)
        self.set_trace(False)
        if rest:
            self.both({"op": "feed", "b": rest})
        st = first_stage_difference(exp2.get("trace", []), got2.get("trace", []))
        if st:
            out["stage"], out["stage_field"], out["stage_expected"], out["stage_received"] = st
        else:
            out["stage"] = None
            out["note"] = "traces agree on replay: the divergence depends on history before the last reset"
        return out

    def _as_pairs(self, v):
        if "b" in v:
            return list(v["b"])
        vals = v["v"] if isinstance(v["v"], list) else [v["v"]]
        ch = v["ch"]
        if isinstance(ch, str):
            ch = list(self.config.channels).index(ch)
        out = []
        for x in vals:
            out += [ch, x]
        return out
