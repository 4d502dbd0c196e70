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
from redline.codes import (
    ESCALATE,
    FLAG_ADVERSARIAL,
    FLAG_ANOMALY,
    FLAG_DECAYING,
    FLAG_DRIFTING,
    FLAG_STUCK,
    HALT_BIAS,
    HALT_DEPTH,
    HALT_INSTABILITY,
    HALT_SURPRISE,
    PROCEED,
    STAGE_BODY,
    STAGE_DETECTION,
    STAGE_KERNEL,
    STAGE_MEMORY,
    STAGE_MONITOR,
    STAGE_SIFT,
    WARN,
    is_halt,
    label,
    severity,
)
from redline.ladder import pressure_level
from redline.text.adv import AdversarialDetector
from redline.text.conf import confidence16
from redline.text.fold import Detection
from redline.text.goal import GoalDriftDetector
from redline.text.kernel import _SIFTED, STABLE, ReasoningLoop
from redline.text.mem import EntropyMemory
from redline.text.model import load_model
from redline.text.policy import (
    COOLDOWN_DEPTH_MS,
    WHY_BIAS,
    WHY_ENTROPY,
    WHY_KEYWORDS,
    WHY_NONE,
    EscalationPolicy,
    cooldown_ms,
    deciding_flag,
)
from redline.text.sift import Sifter
from redline.text.sig import prob16
from redline.text.syn import Synapse

# Explanations: constant strings naming the stage and the gauge or flag.
EXPLAIN_CLEAR = "proceed: every stage clear"
EXPLAIN_BODY = "body: resource pressure"
EXPLAIN_SIFT_ADVERSARIAL = "sift: adversarial pattern"
EXPLAIN_SIFT_ENTROPY = "sift: entropy"
EXPLAIN_SIFT_BIAS = "sift: manipulation evidence"
EXPLAIN_SIFT_SURPRISE = "sift: surprise"
EXPLAIN_SIFT_KEYWORDS = "sift: keyword hint"
EXPLAIN_MEMORY_BIAS = "memory: refused, bias"
EXPLAIN_MEMORY_ENTROPY = "memory: refused, entropy"
EXPLAIN_MEMORY_SURPRISE = "memory: refused, surprise"
EXPLAIN_KERNEL_DEPTH = "kernel: burst depth exceeded"
EXPLAIN_KERNEL_BIAS = "kernel: refused, bias"
EXPLAIN_KERNEL_ENTROPY = "kernel: refused, entropy"
EXPLAIN_DETECT_ADVERSARIAL = "detection: adversarial"
EXPLAIN_DETECT_ANOMALY = "detection: anomaly"
EXPLAIN_DETECT_STUCK = "detection: stuck"
EXPLAIN_DETECT_DRIFTING = "detection: drifting"
EXPLAIN_DETECT_DECAYING = "detection: confidence decaying"
EXPLAIN_DETECT_LOW_CONFIDENCE = "detection: low confidence"
EXPLAIN_MONITOR = "monitor: entropy envelope"

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
        self.code = PROCEED
        self.halt_reason = 0
        self.cooldown_ms = 0
        self.explanation = EXPLAIN_CLEAR
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
        self.monitor_state = STABLE

    def label(self):
        return label(self.code)

    def is_safe(self):
        return self.code == PROCEED

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
            # a format-2 model's warn starts at its WARN cut (the entropy rung): LOW_CONFIDENCE
            # must not warn below it, so its rung is at most the confidence at WARN
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
        if code == PROCEED:
            return False
        r = self.result
        sev = severity(code)
        if sev > severity(r.code):
            r.code = code
            r.explanation = explanation
            r.cooldown_ms = cooldown
            r.halt_reason = code if is_halt(code) else 0
        return sev >= 2

    def process(self, data, length=-1, now=-1, pressure=-1):
        """Run one message (bytes-like; first ``length`` bytes) and return ``self.result``."""
        r = self.result
        r.clear()
        pol = self.policy
        loop = self.loop
        r.step_count = loop.step_count
        if now < 0:
            now = ticks_ms()
        if pressure >= 0:
            r.stages = STAGE_BODY
            code = pol.decide_pressure(pressure_level(pressure))
            if self._note(code, EXPLAIN_BODY, cooldown_ms(code)):
                return r

        # SIFT
        sf = self.sifter
        sf.sift(data, length)
        proof = _SIFTED             # what sift_with_proof returns (a call less per message)
        s = sf.result
        r.stages |= STAGE_SIFT
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
        # (why != WHY_NONE: at least a warn before the DAL gate); alone they are ordinary words of
        # device traffic ("act as backup master", "you are now connected", "override ... simulate ...")
        adv = self.adversarial
        # weight 0 (no pattern in the message): update() would say 0, and begin() set flags to 0
        if adv.weight and adv.update() and (self._adversarial_alone or why != WHY_NONE):
            r.flags = FLAG_ADVERSARIAL
            syn.set_flags(FLAG_ADVERSARIAL)
            adv = pol.gate(HALT_BIAS)
            if self._note(adv, EXPLAIN_SIFT_ADVERSARIAL, cooldown_ms(adv)):
                return r
        if code != PROCEED:
            if why == WHY_ENTROPY:
                x = EXPLAIN_SIFT_ENTROPY
            elif why == WHY_BIAS:
                x = EXPLAIN_SIFT_BIAS
            elif why == WHY_KEYWORDS:
                x = EXPLAIN_SIFT_KEYWORDS
            else:
                x = EXPLAIN_SIFT_SURPRISE
            if self._note(code, x, cooldown_ms(code)):
                return r

        # MEMORY: a refused message stops here whatever the DAL makes of it
        r.stages |= STAGE_MEMORY
        mem = self.memory
        err = mem.update(e, sur, bias, proof)
        if err:
            if err == HALT_SURPRISE:
                code = pol.gate(ESCALATE)
                x = EXPLAIN_MEMORY_SURPRISE
            elif err == HALT_BIAS:
                code = pol.gate(HALT_BIAS)
                x = EXPLAIN_MEMORY_BIAS
            else:
                code = pol.gate(HALT_INSTABILITY)
                x = EXPLAIN_MEMORY_ENTROPY
            self._note(code, x, cooldown_ms(code))
            return r
        r.memory_mean = mem.last_mean       # mem.mean() and mem.trend_q8(), kept by update
        r.memory_trend = mem.last_trend

        # KERNEL: bounded burst; a refused step stops here
        r.stages |= STAGE_KERNEL
        err = loop.next_step(e, bias, mem.validated, now)
        r.step_count = loop.step_count
        r.depth = loop.depth
        if err:
            if err == HALT_DEPTH:
                code = pol.gate(ESCALATE)
                self._note(code, EXPLAIN_KERNEL_DEPTH, COOLDOWN_DEPTH_MS if code == ESCALATE else cooldown_ms(code))
            elif err == HALT_BIAS:
                code = pol.gate(HALT_BIAS)
                self._note(code, EXPLAIN_KERNEL_BIAS, cooldown_ms(code))
            else:
                code = pol.gate(HALT_INSTABILITY)
                self._note(code, EXPLAIN_KERNEL_ENTROPY, cooldown_ms(code))
            return r

        # DETECTION (and MONITOR when no flag is set: nothing can block the message then)
        r.stages |= STAGE_DETECTION
        f = r.flags
        if self._drift_on:
            f |= self.drift.update()    # (without goal words it is 0 and changes nothing)
        dst[_IN_PRE] = f
        f = self._detect(dst, s.anchor_hi, s.anchor_lo, c)
        if f == _MONITOR_RAN:
            # no flag: r.flags and the synapse's flags field stay 0, the monitor ran
            pol.why = WHY_NONE          # what decide_from_flags(0) does
            r.stages |= STAGE_MONITOR
            st = dst[_MON_STATE]
            r.monitor_state = st
            if st != STABLE:
                code = pol.gate(WARN)
                self._note(code, EXPLAIN_MONITOR, 0)
            return r
        r.flags = f
        syn.set_flags(f)
        code = pol.decide_from_flags(f)
        if code != PROCEED:
            d = deciding_flag(f)
            if d == FLAG_ADVERSARIAL:
                x = EXPLAIN_DETECT_ADVERSARIAL
            elif d == FLAG_ANOMALY:
                x = EXPLAIN_DETECT_ANOMALY
            elif d == FLAG_STUCK:
                x = EXPLAIN_DETECT_STUCK
            elif d == FLAG_DRIFTING:
                x = EXPLAIN_DETECT_DRIFTING
            elif d == FLAG_DECAYING:
                x = EXPLAIN_DETECT_DECAYING
            else:
                x = EXPLAIN_DETECT_LOW_CONFIDENCE
            if self._note(code, x, cooldown_ms(code)):
                return r

        # MONITOR
        r.stages |= STAGE_MONITOR
        st = self._monitor(dst, e)
        r.monitor_state = st
        if st != STABLE:
            code = pol.gate(WARN)
            self._note(code, EXPLAIN_MONITOR, 0)
        return r
