"""CognitivePipeline: one text message through SIFT -> MEMORY -> KERNEL -> DETECTION -> MONITOR.

Each stage asks the EscalationPolicy what its gauges mean. Halt and Escalate
short-circuit the message (later stages do not run and set no stage bit); Warn
is remembered and the message goes on; the result carries the most severe
outcome and the first stage that produced it. Everything is preallocated: one
message allocates nothing (tests/firmware/test_pipeline.py proves it under
``micropython.heap_lock``)::

    from redline.text.pipe import CognitivePipeline
    pipe = CognitivePipeline(objective=b"greenhouse climate control")
    r = pipe.process(b"set the vent to 40 percent", now=ticks_ms())
    r.code, r.label(), r.explanation, r.stages, r.flags, r.entropy, r.surprise

Stages (redline.codes STAGE_*):

- BODY (optional, ``pressure`` 0..100 given): resource pressure; Critical escalates,
  Emergency halts before anything else runs.
- SIFT: classifier + keyword gauges (redline.text.sift). The adversarial detector and
  the drift detector ride the classifier's token stream as its observer, so they
  cost no extra pass. Adversarial phrases halt (bias); with a format-2 model only when
  the ladder below already gives at least Warn for the message (its words are ordinary
  in device traffic: ``act as backup master``, ``you are now connected to PLC2``,
  ``override setpoint ... simulate occupancy``, ``developer_mode = 0``); then the canonical ladder on
  entropy / surprise with bias = classifier verdict or >= 3 keyword hits; a lone
  keyword warns, an ALL-CAPS word alone does nothing (spec §17 defect 3).
- MEMORY: surprise-gated working memory (redline.text.mem); a refused message stops
  here (surprise -> Escalate, entropy / bias -> Halt, then DAL-gated).
- KERNEL: reasoning loop bounding the burst: more than ``max_steps`` messages
  inside ``window_ms`` -> Escalate (cooldown 10 s).
- DETECTION: repetition (Adler-32 anchor of the text), drift (objective words),
  confidence (margin of p from the decision threshold), CUSUM (on p, tracked
  reference; k = 1/16 and h = 1/4 of full scale: messages that reach this stage
  have entropy <= 40000, i.e. p below ~0.19 unless bias-free, so a sustained rise
  of p inside that band is the anomaly; 14 alarms over the 1,201 golden texts that
  reach DETECTION) and the adversarial flag; flags are packed into the synapse.
  LOW_CONFIDENCE is in practice reported only with non-default policies: with the
  binary-entropy gauge an unsure classifier is stopped at SIFT or MEMORY first. With a
  format-2 model its rung is capped at the confidence of the model's WARN cut, so it
  never warns a message the entropy rung lets proceed (it warned messages just below
  WARN: tools/textlab/warn_sources.py).
- MONITOR: log2 envelope of the entropy; a breach warns.

The clock is the caller's: ``now`` (ms, ticks_ms domain) makes runs deterministic;
by default ticks_ms() is read.
"""
from redline.compat import const, ticks_ms
from redline.codes import label
from redline.ladder import pressure_level
from redline.text.adv import AdversarialDetector
from redline.text.fold import Detection
from redline.text.goal import GoalDriftDetector
from redline.text.kernel import _SIFTED, ReasoningLoop
from redline.text.mem import EntropyMemory
from redline.text.model import load_model
from redline.text.policy import EscalationPolicy, cooldown_ms, deciding_flag
from redline.text.sift import Sifter
from redline.text.sig import confidence16, prob16
from redline.text.syn import Synapse

# Every name a module imports or defines is an entry of its globals dict (RAM on the board) and a
# dict look-up when read: the numbers below are private constants instead (folded in at compile
# time, no entry). tests/firmware/test_pipeline.py checks each against its public source
# (redline.codes, redline.text.policy, redline.text.kernel, redline.text.explain).
_PROCEED = const(0)
_WARN = const(1)
_ESCALATE = const(2)
_HALT_DEPTH = const(-1)
_HALT_INSTABILITY = const(-2)
_HALT_BIAS = const(-3)
_HALT_SURPRISE = const(-4)
_EXIT = const(-8)
_FLAG_STUCK = const(0x01)
_FLAG_DRIFTING = const(0x02)
_FLAG_DECAYING = const(0x08)
_FLAG_ANOMALY = const(0x10)
_FLAG_ADVERSARIAL = const(0x20)
_STAGE_SIFT = const(0x01)
_STAGE_MEMORY = const(0x02)
_STAGE_KERNEL = const(0x04)
_STAGE_DETECTION = const(0x08)
_STAGE_MONITOR = const(0x10)
_STAGE_BODY = const(0x20)
_COOLDOWN_DEPTH_MS = const(10000)
_WHY_NONE = const(0)
_WHY_ENTROPY = const(1)
_WHY_BIAS = const(2)
_WHY_KEYWORDS = const(4)
_STABLE = const(0)

# Explanations: constant strings naming the stage and the gauge or flag (the public names are in
# redline.text.explain, which a running node does not import).
_EXPLAIN_CLEAR = const("proceed: every stage clear")
_EXPLAIN_BODY = const("body: resource pressure")
_EXPLAIN_SIFT_ADVERSARIAL = const("sift: adversarial pattern")
_EXPLAIN_SIFT_ENTROPY = const("sift: entropy")
_EXPLAIN_SIFT_BIAS = const("sift: manipulation evidence")
_EXPLAIN_SIFT_SURPRISE = const("sift: surprise")
_EXPLAIN_SIFT_KEYWORDS = const("sift: keyword hint")
_EXPLAIN_SIFT_OBFUSCATION = const("sift: obfuscation")
_EXPLAIN_MEMORY_BIAS = const("memory: refused, bias")
_EXPLAIN_MEMORY_ENTROPY = const("memory: refused, entropy")
_EXPLAIN_MEMORY_SURPRISE = const("memory: refused, surprise")
_EXPLAIN_KERNEL_DEPTH = const("kernel: burst depth exceeded")
_EXPLAIN_KERNEL_BIAS = const("kernel: refused, bias")
_EXPLAIN_KERNEL_ENTROPY = const("kernel: refused, entropy")
_EXPLAIN_DETECT_ADVERSARIAL = const("detection: adversarial")
_EXPLAIN_DETECT_ANOMALY = const("detection: anomaly")
_EXPLAIN_DETECT_STUCK = const("detection: stuck")
_EXPLAIN_DETECT_DRIFTING = const("detection: drifting")
_EXPLAIN_DETECT_DECAYING = const("detection: confidence decaying")
_EXPLAIN_DETECT_LOW_CONFIDENCE = const("detection: low confidence")
_EXPLAIN_MONITOR = const("monitor: entropy envelope")

_DEFAULT_MIN_CONFIDENCE = const(19661)   # 0.3
# redline.text.fold's slots and result (as private constants they cost no global look-up;
# tests/firmware/test_fold.py checks they match the module's public names)
_IN_P = const(23)
_IN_E = const(24)
_IN_PRE = const(25)
_IN_SUR = const(26)
_IN_BO = const(27)
_OUT_C = const(29)
_MON_STATE = const(20)
_MONITOR_RAN = const(256)


class PipelineResult:
    """The outcome of one message; one instance per pipeline, overwritten by every call."""

    def __init__(self):
        self.synapse = Synapse()
        self.clear()

    def clear(self):
        self.code = _PROCEED
        self.halt_reason = 0
        self.cooldown_ms = 0
        self.explanation = _EXPLAIN_CLEAR
        self.stages = 0
        self.flags = 0
        self.entropy = 0
        self.surprise = 0
        self.probability = 0
        self.oov_byte = 0
        self.confidence = 0
        self.memory_mean = 0
        self.memory_trend = 0
        self.step_count = 0
        self.depth = 0
        self.monitor_state = _STABLE

    def label(self):
        return label(self.code)

    def is_safe(self):
        return self.code == _PROCEED

    def as_dict(self):
        """The JSON fields of ``redline pipeline`` (allocates: host and protocol use)."""
        return {
            "decision": label(self.code),
            "code": self.code,
            "reason": self.halt_reason,
            "stages": self.stages,
            "flags": self.flags,
            "entropy": self.entropy,
            "surprise": self.surprise,
            "probability": self.probability,
            "confidence": self.confidence,
            "step_count": self.step_count,
            "depth": self.depth,
            "cooldown_ms": self.cooldown_ms,
            "explanation": self.explanation,
        }


class _TokenFanout:
    """The classifier's observer: hands each unigram token to the streaming detectors.

    ``wants(lo)`` lets the classifier skip computing the high hash half of tokens
    no pattern or goal word can match (a 8192-bit map of their low 13 bits); a
    skipped token still breaks pattern sequences and counts in the drift window.
    The format-2 scorer reads the map (``tokmap``) itself and calls ``hit`` only for the
    tokens it marks, with the count of those skipped since (``skipped`` at the end).
    """

    def __init__(self, adversarial, drift):
        self.adversarial = adversarial
        self.drift = drift
        m = bytearray(1024)
        adversarial.mark_tokens(m)
        drift.mark_tokens(m)
        self._map = m
        self.tokmap = m         # the format-2 scorer tests the map itself and calls hit()

    def begin(self):
        self.adversarial.begin()
        self.drift.begin()

    def wants(self, lo):
        x = lo & 0x1FFF
        if self._map[x >> 3] & (1 << (x & 7)):
            return True
        self.adversarial.skip()
        self.drift.skip()
        return False

    def token(self, hi, lo):
        self.adversarial.token(hi, lo)
        self.drift.token(hi, lo)

    def hit(self, skipped, hi, lo):
        """A wanted token after ``skipped`` unwanted ones: the same as ``skipped`` calls of
        ``wants`` that said no, then ``token`` (a skip only voids partial matches and counts)."""
        if skipped:
            self.adversarial.skip()
            self.drift.skipped(skipped)
        self.adversarial.token(hi, lo)
        self.drift.token(hi, lo)

    def skipped(self, k):
        """``k`` unwanted tokens at the end of a message."""
        self.adversarial.skip()
        self.drift.skipped(k)


class CognitivePipeline:
    def __init__(self, model=None, objective=b"", policy=None, memory_size=64, surprise_threshold=58000,
                 max_steps=10, window_ms=10000, max_repetitions=3, drift_threshold=32767,
                 min_confidence=_DEFAULT_MIN_CONFIDENCE, decay_threshold=3, cusum_k=4096, cusum_h=16384,
                 monitor_k=3, patterns=None, adversarial_weight=2, profile=None):
        if model is None:
            model = load_model()
        self.model = model
        self.objective = objective
        self.policy = policy if policy is not None else EscalationPolicy()
        self.adversarial = AdversarialDetector(patterns if patterns is not None else model.patterns,
                                               adversarial_weight)
        hashed = getattr(model, "format", 1) == 2
        # format 1 (llmosafe parity): a pattern halts on its own; format 2: only with support (process)
        self._adversarial_alone = not hashed
        goal_hashes = None
        if hashed:
            from redline.text.feat import word_hashes

            goal_hashes = word_hashes(model, objective)
        self.drift = GoalDriftDetector(objective, drift_threshold, hashes=goal_hashes)
        self._fanout = _TokenFanout(self.adversarial, self.drift)
        observer = self._fanout
        # without goal words the drift detector never flags and its state is never read: a
        # format-2 scorer then hands the marked tokens to the adversarial detector itself
        # (a Python call costs ~3,000 cycles on the Pico; the fan-out made three per token)
        self._drift_on = self.drift.goal_words > 0
        if hashed and not self._drift_on:
            self.adversarial.tokmap = self._fanout.tokmap
            observer = self.adversarial
        self.sifter = Sifter(model, observer, anchor=True, profile=profile)
        prof = self.sifter.profile
        if prof is not None:
            # a deployment profile sets the surprise rungs (fail-closed profile: 0, so anything escalates)
            self.policy.warn_surprise = prof.warn
            self.policy.escalate_surprise = prof.escalate
            surprise_threshold = prof.escalate
        self.memory = EntropyMemory(memory_size, surprise_threshold)
        self.loop = ReasoningLoop(max_steps, window_ms)
        if hashed:
            self._p_threshold = prob16(model.p_at, model.p_scale)
            # a format-2 model's warn starts at its _WARN cut (the entropy rung): LOW_CONFIDENCE
            # must not warn below it, so its rung is at most the confidence at _WARN
            cw = confidence16(prob16(model.warn - model.threshold + model.p_at, model.p_scale), self._p_threshold)
            if min_confidence > cw:
                min_confidence = cw
        else:
            self._p_threshold = prob16(model.threshold, model.scale)
        # repetition, confidence, CUSUM and the monitor: one call a message over one int array
        # (redline.text.fold; the same results as RepetitionDetector, MarginConfidence,
        # TrackingCusum and DynamicStabilityMonitor)
        self.detection = Detection(max_repetitions, min_confidence, decay_threshold, cusum_k, cusum_h,
                                   monitor_k, p_threshold=self._p_threshold)
        self._dst = self.detection.st
        self._detect = self.detection.detect
        self._monitor = self.detection.monitor
        self._pack = self.detection.pack
        self.result = PipelineResult()
        self._synbits = self.result.synapse.bits

    def reset_detectors(self):
        """Fresh detectors and monitor; memory and the reasoning loop keep their state."""
        self.detection.reset()
        self.drift.reset()
        self.adversarial.reset()

    def reset_full(self):
        """Everything back to a fresh pipeline (the objective is kept)."""
        self.reset_detectors()
        self.memory.reset()
        self.loop.reset()
        self.result.clear()
        self.result.synapse.clear()

    def _note(self, code, explanation, cooldown):
        """Record a stage outcome if it is the most severe so far; True if it blocks (stop here)."""
        if code == _PROCEED:
            return False
        r = self.result
        # redline.codes.severity and is_halt written out (a call each costs ~3,000 cycles on the Pico)
        sev = code if code >= 0 else (4 if code == _EXIT else 3)
        old = r.code
        if sev > (old if old >= 0 else (4 if old == _EXIT else 3)):
            r.code = code
            r.explanation = explanation
            r.cooldown_ms = cooldown
            r.halt_reason = code if -7 <= code <= -1 else 0
        return sev >= 2

    def process(self, data, length=-1, now=-1, pressure=-1):
        """Run one message (bytes-like; first ``length`` bytes) and return ``self.result``."""
        r = self.result
        pol = self.policy
        loop = self.loop
        # r.clear() written out (a call less); entropy, surprise, probability, oov_byte and
        # confidence are set by SIFT, or zeroed below where BODY stops the message before it
        r.code = _PROCEED
        r.halt_reason = 0
        r.cooldown_ms = 0
        r.explanation = _EXPLAIN_CLEAR
        r.stages = 0
        r.flags = 0
        r.memory_mean = 0
        r.memory_trend = 0
        r.depth = 0
        r.monitor_state = _STABLE
        r.step_count = loop.step_count
        if now < 0:
            now = ticks_ms()
        if pressure >= 0:
            r.stages = _STAGE_BODY
            code = pol.decide_pressure(pressure_level(pressure))
            if self._note(code, _EXPLAIN_BODY, cooldown_ms(code)):
                r.entropy = 0
                r.surprise = 0
                r.probability = 0
                r.oov_byte = 0
                r.confidence = 0
                return r

        # SIFT
        sf = self.sifter
        sf.sift(data, length)
        proof = _SIFTED             # what sift_with_proof returns (a call less per message)
        s = sf.result
        r.stages |= _STAGE_SIFT
        e = s.entropy
        sur = s.surprise
        p = s.probability
        r.entropy = e
        r.surprise = sur
        r.probability = p
        oov = s.oov_byte
        r.oov_byte = oov
        syn = r.synapse
        # the gauges into the fold's inputs: the synapse word and the confidence now (syn.pack's
        # bytes and confidence16(p, self._p_threshold), one viper call where the emitter exists),
        # the detectors at DETECTION
        dst = self._dst
        dst[_IN_E] = e
        dst[_IN_P] = p
        dst[_IN_SUR] = sur
        dst[_IN_BO] = (oov << 1) | (1 if s.has_bias else 0)
        self._pack(self._synbits, dst, s.anchor_hi, s.anchor_lo)
        c = dst[_OUT_C]
        r.confidence = c
        kw = s.keyword_total - s.keywords.emphasis
        manipulation = s.is_manipulation
        bias = manipulation or kw >= pol.bias_keywords
        code = pol.decide_sift(e, sur, manipulation, kw)
        why = pol.why
        # a format-2 model's adversarial phrases halt only a message another gauge already questions
        # (why != _WHY_NONE: at least a warn before the DAL gate); alone they are ordinary words of
        # device traffic ("act as backup master", "you are now connected", "override ... simulate ...")
        adv = self.adversarial
        # weight 0 (no pattern in the message): update() would say 0, and begin() set flags to 0
        if adv.weight and adv.update() and (self._adversarial_alone or why != _WHY_NONE):
            r.flags = _FLAG_ADVERSARIAL
            syn.set_flags(_FLAG_ADVERSARIAL)
            adv = pol.gate(_HALT_BIAS)
            if self._note(adv, _EXPLAIN_SIFT_ADVERSARIAL, cooldown_ms(adv)):
                return r
        if code != _PROCEED:
            if s.floored:
                x = _EXPLAIN_SIFT_OBFUSCATION       # hidden marks lifted the score (redline.text.sift)
            elif why == _WHY_ENTROPY:
                x = _EXPLAIN_SIFT_ENTROPY
            elif why == _WHY_BIAS:
                x = _EXPLAIN_SIFT_BIAS
            elif why == _WHY_KEYWORDS:
                x = _EXPLAIN_SIFT_KEYWORDS
            else:
                x = _EXPLAIN_SIFT_SURPRISE
            if self._note(code, x, cooldown_ms(code)):
                return r

        # MEMORY: a refused message stops here whatever the DAL makes of it
        r.stages |= _STAGE_MEMORY
        mem = self.memory
        err = mem.update(e, sur, bias, proof)
        if err:
            if err == _HALT_SURPRISE:
                code = pol.gate(_ESCALATE)
                x = _EXPLAIN_MEMORY_SURPRISE
            elif err == _HALT_BIAS:
                code = pol.gate(_HALT_BIAS)
                x = _EXPLAIN_MEMORY_BIAS
            else:
                code = pol.gate(_HALT_INSTABILITY)
                x = _EXPLAIN_MEMORY_ENTROPY
            self._note(code, x, cooldown_ms(code))
            return r
        r.memory_mean = mem.last_mean       # mem.mean() and mem.trend_q8(), kept by update
        r.memory_trend = mem.last_trend

        # KERNEL: bounded burst; a refused step stops here
        r.stages |= _STAGE_KERNEL
        err = loop.next_step(e, bias, mem.validated, now)
        r.step_count = loop.step_count
        r.depth = loop.depth
        if err:
            if err == _HALT_DEPTH:
                code = pol.gate(_ESCALATE)
                self._note(code, _EXPLAIN_KERNEL_DEPTH, _COOLDOWN_DEPTH_MS if code == _ESCALATE else cooldown_ms(code))
            elif err == _HALT_BIAS:
                code = pol.gate(_HALT_BIAS)
                self._note(code, _EXPLAIN_KERNEL_BIAS, cooldown_ms(code))
            else:
                code = pol.gate(_HALT_INSTABILITY)
                self._note(code, _EXPLAIN_KERNEL_ENTROPY, cooldown_ms(code))
            return r

        # DETECTION (and MONITOR when no flag is set: nothing can block the message then)
        r.stages |= _STAGE_DETECTION
        f = r.flags
        if self._drift_on:
            f |= self.drift.update()    # (without goal words it is 0 and changes nothing)
        dst[_IN_PRE] = f
        f = self._detect(dst, s.anchor_hi, s.anchor_lo, c)
        if f == _MONITOR_RAN:
            # no flag: r.flags and the synapse's flags field stay 0, the monitor ran
            pol.why = _WHY_NONE          # what decide_from_flags(0) does
            r.stages |= _STAGE_MONITOR
            st = dst[_MON_STATE]
            r.monitor_state = st
            if st != _STABLE:
                code = pol.gate(_WARN)
                self._note(code, _EXPLAIN_MONITOR, 0)
            return r
        r.flags = f
        syn.set_flags(f)
        code = pol.decide_from_flags(f)
        if code != _PROCEED:
            d = deciding_flag(f)
            if d == _FLAG_ADVERSARIAL:
                x = _EXPLAIN_DETECT_ADVERSARIAL
            elif d == _FLAG_ANOMALY:
                x = _EXPLAIN_DETECT_ANOMALY
            elif d == _FLAG_STUCK:
                x = _EXPLAIN_DETECT_STUCK
            elif d == _FLAG_DRIFTING:
                x = _EXPLAIN_DETECT_DRIFTING
            elif d == _FLAG_DECAYING:
                x = _EXPLAIN_DETECT_DECAYING
            else:
                x = _EXPLAIN_DETECT_LOW_CONFIDENCE
            if self._note(code, x, cooldown_ms(code)):
                return r

        # MONITOR
        r.stages |= _STAGE_MONITOR
        st = self._monitor(dst, e)
        r.monitor_state = st
        if st != _STABLE:
            code = pol.gate(_WARN)
            self._note(code, _EXPLAIN_MONITOR, 0)
        return r
