"""Differential protocol fuzzer: the same bytes to a virtual board and to the host reference, reply by reply.

The stream is random and mutated request lines with everything a serial line
can carry: control bytes (Ctrl-A/B/C/D/E, NUL, DEL), raw-REPL attack lines
(``\\x01node.interlock.reset()\\x04``), line breaks inside lines, partial lines
continued by the next piece, non-UTF-8, overlong, deeply nested and oddly
typed JSON. It goes in batches to the board and, byte for byte, to the host
reference (the firmware's Node on CPython, redline_host.device.harness); the
reference's framing says how many replies the board owes, and every reply
must equal the reference's field by field (volatile fields aside: heap,
uptime, nonce, back-off timing; a refused ``reset``/``hold``/``maint`` may be
refused for a different one of auth/backoff/no_challenge, since back-off runs
on each side's own clock). A ``msg`` request without ``t`` uses the node's
clock, so the fuzzer pins a ``t`` into every such line.

The board samples a trace. During a batch its sampling is held (authenticated,
on both sides), so both see the same state; after every batch the fuzzer
checks that the latch is intact (the board's latch equals the reference's; no
fuzz line can release it: none carries a valid MAC) and that sampling is
intact: it releases the hold, waits until the board has sampled, holds again
and replays the same number of samples (same trace rows) on the reference,
whose stats must then equal the board's. Mid-stream it reconnects and does a
soft reset through the authenticated maintenance window::

    python -m redline_host.device.fuzz --lines 1000000 --kind unix     # make fuzz-long
    from redline_host.device.fuzz import run
    report = run("unix", lines=20000)      # {"lines", "replies", "disagreements", "crashes", ...}
"""
import argparse
import importlib.util
import json
import sys
import threading
import time

from redline_host.device.fuzzlines import AUTH_OPS, fuzz_pieces, must_fail, pin_time, segments
from redline_host.errors import UserError

AUTH_REFUSALS = ("auth", "backoff", "no_challenge")

def replies_agree(exp, got):
    """None when the board's reply ``got`` matches the reference's ``exp``, else (path, expected, got)."""
    from redline_host.device.compare import VOLATILE as _VOLATILE, first_difference
    if (exp.get("ok") is False and got.get("ok") is False and exp.get("op") in AUTH_OPS
            and exp.get("op") == got.get("op") and exp.get("err") in AUTH_REFUSALS and got.get("err") in AUTH_REFUSALS):
        return None
    exp = {k: v for k, v in exp.items() if k not in _VOLATILE}
    got = {k: v for k, v in got.items() if k not in _VOLATILE}
    return first_difference(exp, got)


def _load_trace_source():
    from redline_host.paths import BOARDS
    spec = importlib.util.spec_from_file_location("redline_sim_host", str(BOARDS / "unix" / "redline_sim.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.TraceSource


class _Clock:
    """Real milliseconds plus what the replayed samples add (one period each)."""

    def __init__(self):
        self.offset = 0

    def __call__(self):
        return (int(time.monotonic() * 1000) + self.offset) & ((1 << 30) - 1)


class _RefBoard:
    def __init__(self, name, key, rate_hz, trace_path):
        from redline.latch import MemoryFlash, provision
        self.name = name
        self.key = key
        self.rate_hz = rate_hz
        self.flash = MemoryFlash()
        provision(self.flash)
        self.source = _load_trace_source()(trace_path)
        self.sensors = self.source.sensors()
        self.ticks_ms = _Clock()
        self.out = []

    @property
    def sampling(self):
        return self.source.active

    def write(self, data):
        self.out.append(bytes(data))


class Differential:
    """A virtual board and the host reference fed the same bytes; see the module docstring.

    The fuzzer's own requests (challenges, holds, polls) go to the board only, so the board's
    ``lines`` counter runs ahead of the reference's by ``self.ctrl``; the reference's hold is set
    directly. Before an authenticated request of its own the fuzzer waits out the board's back-off,
    so none of its own requests is ever refused (``errors``, ``auth_failures`` and the audit stay equal).
    """

    def __init__(self, vb, model, config, timeout=30.0):
        import serial
        from redline_host.device.harness import Reference
        self.vb = vb
        self.timeout = timeout
        self.port = serial.serial_for_url(vb.path, timeout=timeout)
        self.port.reset_input_buffer()
        self.ctrl = 0
        hello = self._board({"op": "hello"})
        self.rb = _RefBoard(hello["board"], vb.key, hello["rate_hz"], vb.trace)
        self.ref = Reference(model, config, vb.key, board=self.rb).node
        self.period = self.ref.period_ms
        self.report = {"pieces": 0, "bytes": 0, "replies": 0, "ok": 0, "errors": 0, "must_fail": 0,
                       "disagreements": 0, "first_disagreements": [], "crashes": 0, "batches": 0,
                       "samples_checked": 0, "latch_checks": 0, "latched_at_batch": None,
                       "backoff_wait_s": 0.0}
        self.hold(True)
        self.ctrl = self._board({"op": "stats"})["lines"]     # every line the board saw so far
        self.sync()

    def close(self):
        self.port.close()

    def reconnect(self):
        import serial
        self.port.close()
        self.port = serial.serial_for_url(self.vb.path, timeout=self.timeout)
        self.port.reset_input_buffer()

    # -- plumbing
    def _board_line(self):
        raw = self.port.readline()
        if not raw.endswith(b"\n"):
            self.report["crashes"] += 0 if self.vb.alive() else 1
            raise UserError("board gave no reply within %.0f s (alive: %s): %s"
                            % (self.timeout, self.vb.alive(), self.vb.log_tail()))
        return raw

    def _board_request(self, req):
        self.port.write((json.dumps(req) + "\n").encode())
        return json.loads(self._board_line())

    def _board(self, req):
        """A request of the fuzzer's own, to the board only."""
        self.ctrl += 1
        return self._board_request(req)

    def _ref_feed(self, data):
        self.rb.out = []
        self.ref.link.feed(data)
        return b"".join(self.rb.out)

    def _ref_request(self, req):
        return json.loads(self._ref_feed((json.dumps(req) + "\n").encode()))

    def _board_auth(self, op, message, extra):
        """An authenticated request of the fuzzer's own, after the board's back-off has run out."""
        from redline.link.mac import hmac_sha256
        t0 = time.monotonic()
        while True:
            wait = self._board({"op": "stats"})["backoff_ms"]
            if not wait:
                break
            time.sleep(wait / 1000.0 + 0.005)
        self.report["backoff_wait_s"] += time.monotonic() - t0
        nonce = bytes.fromhex(self._board({"op": "challenge"})["nonce"])
        req = {"op": op, "mac": hmac_sha256(self.vb.key, nonce + message).hex()}
        req.update(extra)
        r = self._board(req)
        if not r.get("ok"):
            raise UserError("board refused the fuzzer's authenticated %s: %r" % (op, r))
        return r

    def hold(self, on):
        self._board_auth("hold", b"hold:1" if on else b"hold:0", {"on": on})
        self.ref.hold = on

    def _expected(self, exp):
        """The reference's reply as the board gives it: its line counter ahead by the fuzzer's own lines."""
        if exp.get("op") == "stats" and exp.get("ok"):
            exp = dict(exp)
            exp["lines"] += self.ctrl
        return exp

    def stats_pair(self):
        got = self._board_request({"op": "stats"})
        exp = self._ref_request({"op": "stats"})
        return got, self._expected(exp)

    def sync(self):
        """Both held: replay on the reference the samples the board took; their stats must agree."""
        got, exp = self.stats_pair()
        nch = sum(1 for r in self.ref.readers if r is not None)
        delta = got["samples"] - exp["samples"]
        if nch and delta % nch:
            raise UserError("board sampled %d readings, not a multiple of its %d channels" % (delta, nch))
        calls = delta // nch if nch else 0
        if calls:
            self.ref.check_deadline()           # held: refreshes the reference's sampling clock
            self.ref.hold = False
            for _ in range(calls):
                self.rb.ticks_ms.offset += self.period
                self.ref.sample()
            self.ref.hold = True
            got, exp = self.stats_pair()
        d = replies_agree(exp, got)
        if d:
            self._disagree("stats after replaying %d samples" % calls, exp, got, d)
        return calls

    def _disagree(self, what, exp, got, d):
        self.report["disagreements"] += 1
        if len(self.report["first_disagreements"]) < 5:
            self.report["first_disagreements"].append({"request": what, "field": d[0], "reference": repr(d[1])[:200],
                                                       "board": repr(d[2])[:200]})

    # -- a batch
    def batch(self, pieces, t0):
        data = pin_time(b"".join(pieces), t0)
        data += b"\n"          # complete a trailing partial line, so the checks below start clean
        expected = self._ref_feed(data).splitlines()
        lines = [data[s:e] for s, e in segments(data) if e > s]
        if len(lines) != len(expected):
            raise UserError("framing: %d lines but %d reference replies" % (len(lines), len(expected)))
        writer = threading.Thread(target=self.port.write, args=(data,), daemon=True)
        writer.start()
        for j, raw_exp in enumerate(expected):
            got = json.loads(self._board_line())
            exp = self._expected(json.loads(raw_exp))
            d = replies_agree(exp, got)
            if d:
                self._disagree("batch %d reply %d %r" % (self.report["batches"], j, lines[j][:60]), exp, got, d)
            self.report["ok" if got.get("ok") else "errors"] += 1
            if must_fail(lines[j]):
                # a line CPython's json refuses, an unknown op, a MAC-less reset: refused on both sides
                self.report["must_fail"] += 1
                if got.get("ok") or exp.get("ok"):
                    self._disagree("must fail %r" % lines[j][:60], {"ok": False}, got, ("ok", False, got.get("ok")))
        writer.join(self.timeout)
        self.report["replies"] += len(expected)
        self.report["pieces"] += len(pieces)
        self.report["bytes"] += len(data)
        self.report["batches"] += 1
        self.check_latch_and_sampling()

    def check_latch_and_sampling(self):
        got, exp = self.stats_pair()
        self.report["latch_checks"] += 1
        if got["latched"] != exp["latched"] or (self.report["latched_at_batch"] is not None and not got["latched"]):
            self._disagree("latch after batch %d" % self.report["batches"], exp, got,
                           ("latched", exp["latched"], got["latched"]))
        if got["latched"] and self.report["latched_at_batch"] is None:
            self.report["latched_at_batch"] = self.report["batches"]
        # sampling: release the hold, wait for the board to sample, hold, replay on the reference
        before = got["samples"]
        self._board_auth("hold", b"hold:0", {"on": False})
        deadline = time.monotonic() + max(5.0, 20 * self.period / 1000.0)
        time.sleep(1.2 * self.period / 1000.0)
        while True:
            s = self._board({"op": "stats"})
            if s["samples"] > before or time.monotonic() > deadline:
                break
            time.sleep(self.period / 4000.0)
        self._board_auth("hold", b"hold:1", {"on": True})
        if s["samples"] <= before:
            self._disagree("sampling after batch %d" % self.report["batches"], {"samples": "> %d" % before},
                           s, ("samples", "> %d" % before, s["samples"]))
        self.report["samples_checked"] += self.sync()

    def soft_reset(self):
        """Through the authenticated maintenance window: Ctrl-A, Ctrl-D (soft reset), Ctrl-B, maint off;
        the same bytes to the reference (its window opened directly, audited the same way)."""
        self._board_auth("maint", b"maint:1", {"on": True})
        self.ref.open_maintenance()
        banner = b"raw REPL; CTRL-B to exit\r\n>"
        for data, tail in ((b"\r\x01", banner), (b"\x04", b"soft reboot\r\n" + banner), (b"\x02", b"\r\n")):
            self.port.write(data)
            self._expect(tail)
            ref = self._ref_feed(data)
            if ref != tail:
                raise UserError("reference answered %r to %r" % (ref, data))
        if not self._board({"op": "maint", "on": False}).get("ok"):
            raise UserError("maint off refused")
        self.ref.close_maintenance()
        self.hold(True)             # a soft reset clears the hold on both sides
        self.sync()

    def _expect(self, tail):
        buf = b""
        deadline = time.monotonic() + self.timeout
        while not buf.endswith(tail):
            c = self.port.read(1)
            if not c and time.monotonic() > deadline:
                raise UserError("board did not answer %r (got %r)" % (tail, buf[-80:]))
            buf += c


def run(kind="unix", lines=100000, seed=1, batch=1000, progress=None, golden=True):
    """Fuzz a fresh virtual board against the host reference; a reconnect and a soft reset mid-stream,
    then the golden vectors. Returns the report (see the module docstring)."""
    from redline_host.device.harness import Harness
    from redline_host.device.harness_vectors import sensor_vectors, text_vectors
    from redline_host.device.vboard import VirtualBoard
    from redline_host.device.vboard_sim import default_config, make_trace, write_trace
    from redline_host.paths import DEFAULT_MODEL
    from redline_host.text.modelfile import load_model_dir
    import tempfile
    from pathlib import Path
    t_start = time.perf_counter()
    pieces = fuzz_pieces(lines, seed=seed)
    batches = [pieces[i:i + batch] for i in range(0, len(pieces), batch)]
    cfg = default_config()
    with tempfile.TemporaryDirectory(prefix="redline-fuzz-") as tmp:
        rows = make_trace(max(3000, 4 * len(batches) + 200), seed=seed)
        trace = write_trace(Path(tmp) / "fuzz_trace.csv", cfg.channels, rows)
        with VirtualBoard(kind, trace=trace) as vb:
            vb.wait_ready()
            diff = Differential(vb, load_model_dir(DEFAULT_MODEL), cfg)
            try:
                for k, chunk in enumerate(batches):
                    diff.batch(chunk, 10000 + 7 * k)
                    if k == len(batches) // 3:
                        diff.reconnect()
                    elif k == 2 * len(batches) // 3:
                        diff.soft_reset()
                    if progress and (k % 50 == 49 or k == len(batches) - 1):
                        progress("%d pieces, %d replies, %d disagreements" % (
                            diff.report["pieces"], diff.report["replies"], diff.report["disagreements"]))
            finally:
                diff.close()
            report = diff.report
            if not vb.alive():
                report["crashes"] += 1
                raise UserError("virtual board died: %s" % vb.log_tail())
            if golden:
                with Harness(vb.path, key=vb.key) as h:
                    summary = h.run(text_vectors(100, seed=seed) + sensor_vectors(6000, seed=seed, segment_rows=1000))
                report["golden_mismatches"] = summary["mismatches"]
                report["golden_first_divergence"] = summary["first_divergence"]
                report["golden_vectors"] = summary["vectors"]
    report["kind"] = kind
    report["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    report["replies_per_s"] = round(report["replies"] / report["elapsed_s"])
    return report


def main(argv=None):
    ap = argparse.ArgumentParser(description="differential fuzz of a virtual board's serial protocol against the host reference",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--lines", type=int, default=1000000, help="fuzz pieces to send (about one reply each)")
    ap.add_argument("--kind", choices=("unix", "wasm"), default="unix")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=1000, help="pieces per batch (latch and sampling checked after each)")
    args = ap.parse_args(argv)
    if args.lines < 1 or args.batch < 1:
        ap.error("--lines and --batch must be >= 1")
    try:
        report = run(args.kind, args.lines, args.seed, args.batch,
                     progress=lambda m: print("fuzz: " + m, file=sys.stderr, flush=True))
    except UserError as exc:
        print("redline: %s" % exc, file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    bad = report["disagreements"] or report["crashes"] or report.get("golden_mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
