"""Where the cycles of one 64-byte text message go on the emulated Pico (real RPI_PICO UF2, rp2040js).

Boots the image (default configuration, default model, the node's marker pin off) and, in
the node's maintenance window, runs the harness's 20 fixed 64-byte timing texts
(``harness_vectors.timing_texts(20)``) through the node and through each part of the text
path on its own, with GPIO 22 high around each call; a part's figure is the median over the
texts of the cycles between the edges, less the cost of an empty pulse. Prints one JSON
object (medians, cycles)::

    message            node.message(text, now): pipeline + interlock (the harness's
                       cycles_per_pipeline_message, from a freshly reset pipeline)
    sift               node.sift(text): the sift op's own Sifter (cycles_per_message_64B)
    pipeline_sift      the pipeline's Sifter: scorer with the token observers, Adler-32 anchor
    score_observed     the pipeline's HashScorer.score alone (observer on)
    score              the sift op's HashScorer.score (no observer)
    byte_pass          HashScorer._pass or its kernel alone (the byte loop, the weight gathers)
    anchor             the Adler-32 anchor of the text
    gauges             the rest of Sifter.sift: probability, entropy, surprise
    process            CognitivePipeline.process (everything but the interlock)
    synapse            the synapse packing process() does (main 7d971b5: clear, 5 fields, the
                       anchor; then one pack() and the flags field; now the fold's inputs and
                       its pack call)
    memory / loop / detection / policy / monitor / interlock   process()'s stages one by one
                       (detection: with redline.text.fold one call, the monitor included
                       when no flag is set; monitor: the fold's monitor alone)

    python tools/bench/bench_pico_text.py [--uf2 build/pico/RPI_PICO.uf2]   # ~1-2 min

Also prints ``alloc_per_message_pipeline`` / ``_node``: gc.mem_alloc() across the 20 texts
through ``pipeline.process`` / ``node.message`` (the node's latch record is written when a
message trips the interlock), ``pipeline_heap_lock_failures``: texts whose ``process`` raised
MemoryError under ``micropython.heap_lock()``, and
``heap_text_modules``: the heap of the text path's module objects, measured as bench_pico
measures a part (every ``redline.text.*`` module imported again under a fresh name in
``sys.modules``, ``gc.mem_free()`` before and after, collected).
Cycle counts are the emulator's deterministic counter (zero-wait memory: a lower bound for a
real Pico). Prints a skip line and exits 0 when the image or the toolchains are absent.
"""
import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "host"), str(REPO / "firmware")]

PARTS = ("empty", "message", "sift", "pipeline_sift", "score_observed", "score", "byte_pass", "anchor",
         "gauges", "process", "synapse", "memory", "loop", "detection", "policy", "monitor", "interlock")

BOARD_SCRIPT = r'''
import gc, machine, micropython, sys
from redline.text import kernel as _K
from redline.text import sift as _S
try:
    from redline.text.sig import confidence16 as _c16
except ImportError:     # images before branch textheap: it lived in redline.text.conf
    from redline.text.conf import confidence16 as _c16
from redline.text.syn import ENTROPY as _E, SURPRISE as _U, HAS_BIAS as _B, OOV_BYTE as _O, FLAGS as _FL
from redline.codes import REASON_TEXT as _RT
_P = machine.Pin(22, machine.Pin.OUT, value=0)
node.deadline_ms = 0
node.hold = True
_DOG = node.interlock.watchdog
T = TEXTS
def _dog():
    if _DOG is not None:
        _DOG.feed()
def run(part):
    P = _P
    pipe = node.pipeline
    sf = pipe.sifter
    sc = sf.scorer
    ss = node.sifter
    r = sf.result
    syn = pipe.result.synapse
    pol = pipe.policy
    il = node.interlock
    pipe.reset_full()
    il.reset()
    _dog()
    for i in range(len(T)):
        t = T[i]
        now = 1000 + 700 * i
        if part == "empty":
            P.value(1)
            P.value(0)
        elif part == "message":
            P.value(1)
            node.message(t, now)
            P.value(0)
        elif part == "sift":
            P.value(1)
            ss.sift(t)
            P.value(0)
        elif part == "pipeline_sift":
            P.value(1)
            sf.sift(t)
            P.value(0)
        elif part == "score_observed":
            P.value(1)
            sc.score(t, 64)
            P.value(0)
        elif part == "score":
            P.value(1)
            ss.scorer.score(t, 64)
            P.value(0)
        elif part == "byte_pass":
            s2 = ss.scorer
            s2.acc = 0
            s2.n = 0
            P.value(1)
            s2._pass(t, 64)
            P.value(0)
        elif part == "anchor":
            # what Sifter._sift_hashed does (the _adler_into helper is gone: it was written out there)
            out = r._adler
            P.value(1)
            _S._adler(t, 64, out)
            r.anchor_hi = out[0]
            r.anchor_lo = out[1]
            P.value(0)
        elif part == "gauges":
            # Sifter._sift_hashed less the scorer: the scorer's result is reused
            sf.anchor = False
            sc.score(t, 64)
            sco = sc.score
            sc.score = lambda d, n: sc.acc
            P.value(1)
            sf._sift_hashed(t, 64, r)
            P.value(0)
            del sc.score
            sf.anchor = True
        elif part == "process":
            P.value(1)
            pipe.process(t, -1, now)
            P.value(0)
        else:
            pipe.process(t, -1, now)
            e = r.entropy
            u = r.surprise
            if part == "synapse":
                if hasattr(pipe, "_pack"):
                    # the fold's inputs and its packing call, as process() does (flags: none)
                    dst = pipe._dst
                    P.value(1)
                    dst[23] = r.probability
                    dst[24] = e
                    dst[26] = u
                    dst[27] = (r.oov_byte << 1) | (1 if r.has_bias else 0)
                    pipe._pack(pipe._synbits, dst, r.anchor_hi, r.anchor_lo)
                    P.value(0)
                elif hasattr(syn, "pack"):
                    P.value(1)
                    syn.pack(e, u, 1 if r.has_bias else 0, r.anchor_hi, r.anchor_lo, r.oov_byte)
                    syn.set(_FL, 0)
                    P.value(0)
                else:
                    P.value(1)
                    syn.clear()
                    syn.set(_E, e)
                    syn.set(_U, u)
                    syn.set(_B, 1 if r.has_bias else 0)
                    syn.set_anchor(r.anchor_hi, r.anchor_lo)
                    syn.set(_O, r.oov_byte)
                    syn.set(_FL, 0)
                    P.value(0)
            elif part == "memory":
                mem = pipe.memory
                if hasattr(mem, "last_trend"):
                    P.value(1)
                    mem.update(e, u, False, _K._SIFTED)
                    mem.last_mean
                    mem.last_trend
                    P.value(0)
                else:
                    P.value(1)
                    mem.update(e, u, False, _K._SIFTED)
                    mem.mean()
                    mem.trend_q8()
                    P.value(0)
            elif part == "loop":
                pipe.memory.update(e, u, False, _K._SIFTED)
                P.value(1)
                pipe.loop.next_step(e, False, pipe.memory.validated, now)
                P.value(0)
            elif part == "detection":
                c = _c16(r.probability, pipe._p_threshold)
                if hasattr(pipe, "repetition"):
                    P.value(1)
                    f = pipe.repetition.update(r.anchor_hi, r.anchor_lo)
                    f |= pipe.drift.update()
                    f |= pipe.confidence.update(c)
                    f |= pipe.cusum.update(r.probability)
                    pol.decide_from_flags(f)
                    P.value(0)
                else:
                    # the folded detectors (redline.text.fold): one call, the monitor included
                    # when no flag is set; the policy only with flags (as process() does)
                    dst = pipe._dst
                    P.value(1)
                    dst[23] = r.probability
                    dst[24] = e
                    dst[25] = 0
                    f = pipe._detect(dst, r.anchor_hi, r.anchor_lo, c)
                    if f != 256:
                        pol.decide_from_flags(f)
                    P.value(0)
            elif part == "policy":
                P.value(1)
                _c16(r.probability, pipe._p_threshold)
                pipe.adversarial.update()
                pol.decide_sift(e, u, r.is_manipulation, 0)
                P.value(0)
            elif part == "monitor":
                if hasattr(pipe, "monitor"):
                    P.value(1)
                    pipe.monitor.update(e)
                    P.value(0)
                else:
                    P.value(1)
                    pipe._monitor(pipe._dst, e)
                    P.value(0)
            elif part == "interlock":
                P.value(1)
                il.apply(0, _RT, i, -1)
                P.value(0)
        _dog()
    return len(T)
def alloc():
    # bytes allocated across the 20 texts: the pipeline alone, then node.message (pipeline +
    # interlock + the node's latch record, written when a message trips it); then the pipeline
    # under heap_lock(): messages that raised MemoryError (locals only while locked)
    out = []
    pipe = node.pipeline
    for whole in (0, 1):
        pipe.reset_full()
        node.interlock.reset()
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        for i in range(len(T)):
            if whole:
                node.message(T[i], 1000 + 700 * i)
            else:
                pipe.process(T[i], -1, 1000 + 700 * i)
        b = gc.mem_alloc()
        gc.enable()
        _dog()
        out.append(b - a)
    pipe.reset_full()
    fails = 0
    for i in range(len(T)):
        t = T[i]
        micropython.heap_lock()
        try:
            pipe.process(t, -1, 1000 + 700 * i)
        except MemoryError:
            fails += 1
        micropython.heap_unlock()
    out.append(fails)
    return out
def text_heap():
    names = [k for k in sys.modules if k.startswith("redline.text.")]
    saved = {}
    for k in names:
        saved[k] = sys.modules.pop(k)
    gc.collect()
    f0 = gc.mem_free()
    for k in names:
        __import__(k)
    gc.collect()
    used = f0 - gc.mem_free()
    for k in names:
        sys.modules[k] = saved[k]
    gc.collect()
    return used, len(names), sorted(names)
'''


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uf2", default=None, help="the image (default: build/pico/RPI_PICO.uf2)")
    ap.add_argument("--parts", default=",".join(PARTS), help="comma-separated parts (default: all)")
    args = ap.parse_args(argv)
    try:
        from redline_host.device.harness_vectors import timing_texts
        from redline_host.device.rp2040 import DEFAULT_UF2, RP2040Board, default_bootrom
    except ImportError as exc:
        print("bench_pico_text: skipped (%s)" % exc)
        return 0
    uf2 = Path(args.uf2) if args.uf2 else DEFAULT_UF2
    if not uf2.is_file() or default_bootrom() is None:
        print("bench_pico_text: skipped (no UF2 at %s or no RP2040 bootrom in ../shared/toolchains)" % uf2)
        return 0
    texts = [t.encode() for t in timing_texts(20)]
    parts = [p for p in args.parts.split(",") if p]
    if "empty" not in parts:
        parts.insert(0, "empty")
    d = Path(tempfile.mkdtemp(prefix="redline-textbench-"))
    trace = d / "trace.csv"
    trace.write_text("temp_a,temp_b,pressure\n" + "".join(
        "%d,%d,%d\n" % (32768 + (i * 37) % 200, 32768 + (i * 53) % 200, 1000 + i % 7) for i in range(100)))
    vb = RP2040Board(uf2=uf2, marker=False, trace=trace)
    vb.start()
    out = {"uf2": str(uf2), "texts": len(texts), "cycles": {}}
    try:
        vb.wait_ready(timeout=180)
        vb.exec_raw(BOARD_SCRIPT.replace("TEXTS", repr(texts)), timeout=120)
        fig = {}
        for p in parts:
            n0 = vb.edge_count()
            vb.exec_raw("print(run(%r))" % p, timeout=600)
            fig[p] = vb.pulses(len(texts), since=n0, timeout=60)
        empty = statistics.median(fig["empty"])
        out["cycles"]["empty_pulse"] = int(empty)
        for p in parts:
            if p != "empty":
                out["cycles"][p] = int(statistics.median(fig[p]) - empty)
        a_pipe, a_node, locked = eval(vb.exec_raw("print(alloc())", timeout=300).strip(), {})
        out["alloc_per_message_pipeline"] = a_pipe / len(texts)
        out["alloc_per_message_node"] = a_node / len(texts)
        out["pipeline_heap_lock_failures"] = locked
        used = vb.exec_raw("print(text_heap())", timeout=120).strip()
        out["heap_text_modules"] = used
    finally:
        vb.stop()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
