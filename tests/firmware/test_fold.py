# redline-test-heap: 256K
# Runs on every runtime: the folded detectors (redline.text.fold) against the detector classes.
from redline.codes import FLAG_ADVERSARIAL, FLAG_DRIFTING
from redline.text import fold as F
from redline.text.conf import MarginConfidence
from redline.text.cusum import TrackingCusum
from redline.text.stab import DynamicStabilityMonitor
from redline.text.repeat import RepetitionDetector

# redline.text.fold's slots (private constants there); a wrong number here fails the parity tests
REP_COUNT = 0
CONF_CUR = 4
CONF_DECAY = 6
CUS_SEEDED = 12
MON_LO = 18
MON_STATE = 20
IN_P = 23
IN_E = 24
IN_PRE = 25
IN_SUR = 26
IN_BO = 27
P_THR = 28
OUT_C = 29
MONITOR_RAN = 256


def _kernels():
    out = [("py", F.detect_py, F.monitor_py, F.pack_py)]
    try:
        from redline.text.fold_viper import detect_viper, monitor_viper, pack_viper
    except (ImportError, SyntaxError):
        return out
    out.append(("viper", detect_viper, monitor_viper, pack_viper))
    return out


def _stream(seed, n):
    """Seeded (hi, lo, c, p, e, pre) with runs of repeated anchors, confidence drops, p shifts,
    entropy jumps (the monitor's octaves) and now and then a flag already set."""
    out = []
    hi = lo = 0
    c = 40000
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        r = seed >> 8
        if r % 5:                            # a new anchor 4 times in 5 (else a repeat)
            hi = (r >> 3) & 0x7FFF
            lo = (r >> 5) & 0xFFFF
        if r % 7 < 3:
            c -= (r >> 4) % 6000            # drops, so DECAYING and LOW_CONFIDENCE happen
            if c < 0:
                c = 0
        else:
            c = 20000 + (r >> 6) % 45536
        p = (r >> 2) % 9000 + (40000 if 30 <= (i % 97) < 40 else 0)
        e = (r >> 9) % (1 << ((r >> 3) % 17)) if r % 3 else (r >> 7) % 65536
        pre = FLAG_ADVERSARIAL if r % 31 == 0 else (FLAG_DRIFTING if r % 37 == 0 else 0)
        out.append((hi, lo, c, p, e, pre))
    return out


def _reference(params, stream):
    """What the pipeline did with the detector objects: the flags, then the monitor when the
    message goes on (here: always after MONITOR_RAN, and for every other message too)."""
    maxrep, minc, dthr, k, h, mk = params
    rep = RepetitionDetector(maxrep)
    conf = MarginConfidence(minc, dthr)
    cus = TrackingCusum(k, h)
    mon = DynamicStabilityMonitor(mk)
    out = []
    for i in range(len(stream)):
        hi, lo, c, p, e, pre = stream[i]
        if i % 25 == 0:                 # fresh detectors now and then: the monitor's envelope widens for good
            rep.reset()
            conf.reset()
            cus.reset()
            mon.reset()
        f = pre | rep.update(hi, lo) | conf.update(c) | cus.update(p)
        if f:
            out.append((f, mon.update(e)))
        else:
            out.append((MONITOR_RAN, mon.update(e)))
    return out


_PARAMS = ((3, 19661, 3, 4096, 16384, 3), (1, 0, 1, 0, 1, 1), (2, 65535, 2, 100, 900, 5),
           (3, 15000, 4, 4096, 16384, 2))


def test_fold_matches_the_detector_objects():
    for name, det, mon, pk in _kernels():
        for pi in range(len(_PARAMS)):
            params = _PARAMS[pi]
            stream = _stream(17 + pi, 400)
            want = _reference(params, stream)
            d = F.Detection(*params, kernels=(det, mon, pk))
            flags = 0
            states = 0
            for i in range(len(stream)):
                hi, lo, c, p, e, pre = stream[i]
                if i % 25 == 0:
                    d.reset()
                f = d.run(hi, lo, c, p, e, pre)
                if f != MONITOR_RAN:
                    st = mon(d.st, e)
                else:
                    st = d.st[MON_STATE]
                assert (f, st) == want[i], (name, params, i, (f, st), want[i])
                flags |= f
                states |= 1 << st
            # the stream reaches every flag and the monitor's three reachable states
            assert flags & 0x3F == 0x3F or pi == 1, (name, params, flags)
            assert states == 7, (name, params, states)     # (BOTH cannot happen: hi >= lo)


def test_fold_reset_and_saturation():
    for name, det, mon, pk in _kernels():
        d = F.Detection(2, kernels=(det, mon, pk))
        d.run(5, 6, 30000, 100, 1000, 0)
        assert d.run(5, 6, 30000, 100, 1000, 0) & 0xFF != 0 and d.repetitions == 2
        d.reset()
        assert d.repetitions == 0 and d.st[MON_LO] == 255 and d.st[CUS_SEEDED] == 0
        assert d.run(5, 6, 30000, 100, 1000, 0) == MONITOR_RAN
        # counters stop at 0x3FFFFFFF: the repetition count and the decay count
        d.st[REP_COUNT] = 0x3FFFFFFF
        d.st[CONF_DECAY] = 0x3FFFFFFF
        d.st[CONF_CUR] = 30001
        d.run(5, 6, 30000, 100, 1000, 0)
        assert d.st[REP_COUNT] == 0x3FFFFFFF and d.st[CONF_DECAY] == 0x3FFFFFFF, name


def test_fold_checks_parameters_as_the_detectors_do():
    for bad in ((0,), (3, 70000), (3, 100, 0), (3, 100, 3, -1), (3, 100, 3, 10, 0), (3, 100, 3, 10, 10, 6),
                (3, 100, 3, 10, 10, 3, 17), (3, 100, 3, 10, 10, 3, 5, 65536), (3, 100, 3, 10, 10, 3, 5, -1)):
        try:
            F.Detection(*bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_pipeline_constants_match_the_fold():
    from redline.text import pipe

    src = {"_IN_P": IN_P, "_IN_E": IN_E, "_IN_PRE": IN_PRE, "_MON_STATE": MON_STATE,
           "_MONITOR_RAN": MONITOR_RAN, "_IN_SUR": IN_SUR, "_IN_BO": IN_BO}
    # private const names are folded away on MicroPython: compare through a pipeline run instead
    p = pipe.CognitivePipeline()
    st = p._dst
    r = p.process(b"pump valve open", -1, 10)
    assert st[IN_E] == r.entropy and st[IN_P] == r.probability and st[IN_PRE] == 0
    assert st[IN_SUR] == r.surprise and st[IN_BO] == r.oov_byte << 1
    assert st[OUT_C] == r.confidence and st[P_THR] == p._p_threshold
    assert r.monitor_state == st[MON_STATE]
    if hasattr(pipe, "_IN_P"):          # CPython keeps them: compare the numbers
        for k in src:
            assert getattr(pipe, k) == src[k], k
            assert getattr(F, k) == src[k], k
        for k in ("REP_COUNT", "CONF_CUR", "CONF_DECAY", "CUS_SEEDED", "MON_LO", "P_THR", "OUT_C"):
            assert getattr(F, "_" + k) == globals()[k], k


def test_fold_allocates_nothing():
    from redline.compat import heap_lock, heap_unlock

    for name, det, mon, pk in _kernels():
        d = F.Detection(kernels=(det, mon, pk))
        st = d.st
        stream = _stream(3, 40)
        heap_lock()
        try:
            for i in range(40):
                hi, lo, c, p, e, pre = stream[i]
                st[IN_P] = p
                st[IN_E] = e
                st[IN_PRE] = pre
                f = det(st, hi, lo, c)
                if f != MONITOR_RAN:
                    mon(st, e)
        finally:
            heap_unlock()


def test_pack_matches_synapse_pack():
    from redline.text.syn import Synapse

    ref = Synapse()
    for name, det, mon, pk in _kernels():
        got = Synapse()
        st = F.Detection(kernels=(det, mon, pk)).st
        seed = 5
        for i in range(300):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            e = seed & 0xFFFF if i % 7 else (0 if i % 2 else 65535)
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            u = (seed >> 5) & 0xFFFF
            hi = (seed >> 3) & 0x7FFF if i % 5 else 0x7FFF
            lo = (seed >> 11) & 0xFFFF if i % 3 else 0xFFFF
            bias = (seed >> 2) & 1
            oov = (seed >> 17) & 0xFF if i % 11 else 255
            for j in range(16):
                got.bits[j] = 0xA5      # every byte is written
            ref.pack(e, u, bias, hi, lo, oov)
            st[IN_E] = e
            st[IN_SUR] = u
            st[IN_BO] = bias | (oov << 1)
            pk(got.bits, st, hi, lo)
            assert bytes(got.bits) == bytes(ref.bits), (name, i, e, u, hi, lo, bias, oov)


def test_pack_allocates_nothing():
    from redline.compat import heap_lock, heap_unlock
    from redline.text.syn import Synapse

    for name, det, mon, pk in _kernels():
        b = Synapse().bits
        st = F.Detection(kernels=(det, mon, pk)).st
        st[IN_E] = 1234
        heap_lock()
        try:
            for i in range(20):
                pk(b, st, i, 7 * i)
        finally:
            heap_unlock()


def test_pack_gives_confidence16():
    from redline.text.conf import confidence16
    from redline.text.syn import Synapse

    b = Synapse().bits
    for name, det, mon, pk in _kernels():
        st = F.Detection(kernels=(det, mon, pk)).st
        seed = 9
        for t in (0, 1, 255, 256, 19000, 32767, 32768, 65279, 65534, 65535):
            st[P_THR] = t
            for i in range(120):
                seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
                p = (seed >> 7) & 0xFFFF
                if i < 6:
                    p = (0, 65535, t, t - 1 if t else 0, t + 1 if t < 65535 else t, 32768)[i]
                st[IN_P] = p
                pk(b, st, 1, 2)
                assert st[OUT_C] == confidence16(p, t), (name, t, p, st[OUT_C])


def test_pipeline_trace_reads_the_folded_detectors():
    # the protocol's trace mode (redline.link.trace) names the same stages as before the fold
    from redline.link.trace import pipeline_trace
    from redline.text.pipe import CognitivePipeline

    p = CognitivePipeline()
    for i in range(2):
        r = p.process(b"pump valve open", -1, 10 + i)
    stages = pipeline_trace(p, p.policy)
    assert [s[0] for s in stages] == ["classifier", "keywords", "gauges", "policy", "memory", "kernel",
                                      "repetition", "drift", "confidence", "cusum", "adversarial",
                                      "monitor", "result", "interlock"]
    d = dict((s[0], s[1]) for s in stages)
    assert d["repetition"]["count"] == 2 and d["repetition"]["last_lo"] == r.synapse.get(0x1150)
    assert d["confidence"]["current"] == r.confidence and d["confidence"]["filled"] == 1
    assert d["cusum"]["seeded"] == 1 and d["cusum"]["k"] == 4096
    assert d["monitor"]["seen"] == 1 and d["monitor"]["state"] == r.monitor_state
