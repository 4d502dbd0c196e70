"""What a harness run measures on the board besides agreement: heap and cycles.

Heap comes from the protocol's ``stats`` (``heap_free`` after a collection,
``heap_free_built`` once the node was built, ``heap_free_boot`` before it, when
the board says). Cycles come from a board that reports marker-pin pulses
(the emulated Pico, ``redline_host.device.rp2040``): the node drives its marker
pin high and low around each guard step, sift and pipeline message, and the
emulator stamps each edge with the core's cycle counter::

    fig = Figures(probe=vb)            # vb: an RP2040Board, or None for heap figures only
    fig.sync()                         # once the board's own sampling is held
    mark = fig.before()
    reply = board.ask(req)
    fig.after(req, reply, mark)        # attributes the pulses of this request
    fig.heap(stats_reply)              # whenever a stats reply comes in
    fig.report()                       # the figures of the harness JSON
"""
import statistics

CYCLES_HOW = ("rp2040js core cycle counter between the rising and falling edge of the marker pin "
              "(GPIO 22), which the node drives around each guard step (feed), sift and pipeline "
              "message (msg); zero-wait memory model, so a lower bound for a real Pico")


def distribution(xs):
    """{n, median, mean, p95, max} of a list of ints (None when empty)."""
    if not xs:
        return None
    s = sorted(xs)
    return {"n": len(s), "median": int(statistics.median(s)), "mean": int(round(sum(s) / len(s))),
            "p95": s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))], "max": s[-1]}


class Figures:
    def __init__(self, probe=None, timeout=60.0):
        self.probe = probe if probe is not None and hasattr(probe, "pulses") else None
        self.timeout = timeout
        self.cycles = {"sensor_step": [], "sift": [], "pipeline": [], "sift_64B": [], "pipeline_64B": []}
        self.heap_boot = None
        self.heap_built = None
        self.heap_min = None
        self.heap_polls = 0
        self.unattributed = 0          # requests whose pulses could not be told apart (an error reply)

    def sync(self):
        """Wait until every marker edge sent so far has arrived (the bridge's events come in
        order): call once sampling is held, before the first ``before()``."""
        if self.probe is not None:
            self.probe.stats()

    def before(self):
        return self.probe.edge_count() if self.probe is not None else None

    def after(self, req, reply, mark, kind=None):
        """Record the pulses of one request; ``kind`` names a timing set (``"64B"``)."""
        if self.probe is None:
            return
        op = req.get("op")
        if not reply.get("ok"):
            if op in ("feed", "sift", "msg"):
                # pulses of the readings done before the error: wait until the bridge has sent
                # everything up to now (its events arrive in order), then skip them
                self.probe.stats()
                self.unattributed += 1
            return
        if op == "feed":
            key, n = "sensor_step", reply["n"]
        elif op == "sift":
            key, n = "sift", 1
        elif op == "msg":
            key, n = "pipeline", 1
        else:
            return
        if kind:
            key += "_" + kind
        self.cycles[key] += [c for c in self.probe.pulses(n, since=mark, timeout=self.timeout) if c is not None]

    def heap(self, stats):
        if not stats.get("ok"):
            return
        if self.heap_boot is None:
            self.heap_boot = stats.get("heap_free_boot")
            self.heap_built = stats.get("heap_free_built")
        free = stats.get("heap_free")
        if isinstance(free, int) and free > 0:
            self.heap_polls += 1
            self.heap_min = free if self.heap_min is None else min(self.heap_min, free)

    def report(self):
        c = self.cycles
        out = {
            "heap_free_boot": self.heap_boot,
            "heap_free_after_build": self.heap_built,
            "heap_free_min": self.heap_min,
            "heap_how": "stats op: heap_free after a garbage collection, read every few requests (%d reads)"
                        % self.heap_polls,
        }
        if self.probe is None:
            out.update(cycles_per_message_64B=None, cycles_per_pipeline_message=None, cycles_per_sensor_step=None,
                       cycles_how="this board reports no marker-pin cycles")
            return out
        med = lambda k: distribution(c[k])["median"] if c[k] else None   # noqa: E731
        out.update(
            cycles_per_message_64B=med("sift_64B"),
            cycles_per_pipeline_message=med("pipeline_64B"),
            cycles_per_sensor_step=med("sensor_step"),
            cycles_how=CYCLES_HOW + "; the three figures are medians: 64-byte texts for sift and pipeline, "
                                    "every reading of the run for the sensor step",
            cycles={k: distribution(v) for k, v in c.items()},
        )
        if self.unattributed:
            out["cycles_unattributed_requests"] = self.unattributed
        return out
