"""Dual-path sift: classifier + keyword bias -> the text gauges of one message.

Semantics (llmosafe §4.4, with redline's choices where its code and docs disagree):

- ``probability``: manipulation probability, 65535 * sigmoid(score) (llmosafe's "entropy" field);
- ``entropy``: binary entropy 65535 * 4p(1-p) as llmosafe documents it, combined by max with the
  keyword boost min(65535, keyword_total * 65535 // 9000);
- ``surprise``: 65535 * (1 - matched/total) as llmosafe computes it in f32 (emulated exactly in
  integers), 65535 without tokens;
- ``has_bias``: classifier verdict, or keyword evidence other than emphasis alone (one ALL-CAPS
  word such as "CPU" does not halt a node: llmosafe's later rule);
- ``oov_byte`` = 255 * (1 - matched/total), same f32 emulation; anchor = Adler-32 masked to 31 bits,
  kept as ``anchor_hi`` (15 bits) and ``anchor_lo`` (16 bits) when the sifter is built with
  ``anchor=True`` (the pipeline does; it costs a third more work per byte), else 0.

Input: ``bytes``, ``bytearray`` or ``memoryview``; anything else raises TypeError. At most
``max_message`` bytes are processed (default and upper limit MAX_MESSAGE = 32768, which keeps
the accumulator below 2**30: at most 32767 hashes of |weight| <= 32767 plus an int16
intercept); beyond that ``truncated`` is True and the rest is ignored. Empty input is valid (no tokens:
surprise 65535, probability of the intercept). NUL and non-UTF-8 bytes are separators for the
classifier and ordinary word bytes for the keyword path. Nothing is allocated per message::

    from redline.text.sift import Sifter
    s = Sifter()                 # loads redline_model (fail closed if it is bad)
    r = s.sift(b"the CPU temperature is normal")
    r.probability, r.entropy, r.surprise, r.has_bias

Format-2 models (hashed features, redline.text.feat) read text as UTF-8 letters of
every script and give the gauges other meanings:

- ``score``: the accumulator INTERCEPT + sum of weights; ``is_manipulation`` = score > THRESHOLD;
- ``probability``: prob16(score - THRESHOLD + P_AT, P_SCALE), placed on the policy ladder (0.135 at
  the model's WARN cut, 0.18 at THRESHOLD), not a calibrated frequency; ``entropy`` = 4p(1-p) of it
  up to p = 1/2 and 65535 above (monotone: a surer verdict never gets a milder rung);
- ``surprise``: with a deployment profile (redline.text.prof), the share of the message's words and
  word pairs the node's nominal traffic never produced, ((unseen << 12) // max(total, 8)) << 4
  capped at 65535 (short messages need several new words to be surprising); 0 without a profile (an unknown deployment is not a reason to escalate); ``oov_byte`` =
  surprise >> 8;
- ``tokens_total``: words + word pairs (2n - 1 for n words, as llmosafe counts tokens);
  ``tokens_matched``: those the profile knows (all without one);
- keywords: llmosafe's counters run only when the sifter is built with ``keywords=True`` (a second
  pass over the bytes); by default they are 0 and ``has_bias`` is the classifier verdict;
- hidden marks (a fixed rule outside the learned weights): ``obfuscation`` holds the scorer's
  ``obf`` bits (1 full-width, 2 mathematical, 4 enclosed letters, 8 a zero-width character inside a
  word, 16 Latin look-alike Cyrillic / Greek letters among ASCII letters); a marked message scores
  max(score, THRESHOLD + 1), so it escalates at least, and ``floored`` says the rule lifted it.
  Format-1 models (the llmosafe import) do not have it.
"""
from array import array

from redline.compat import const
from redline.text.bias import BiasBreakdown
from redline.text.model import load_model
from redline.text.sig import entropy16, prob16

MAX_MESSAGE = const(32768)
_BYTES_TYPES = (bytes, bytearray, memoryview)  # built once: a tuple literal in sift() would allocate
_KEYWORD_SATURATION = const(9000)
_MIN_SURPRISE_BASE = const(8)


def f32_oov(m, t, k):
    """trunc(k * f32(1 - f32(m / t))): llmosafe's single-precision OOV arithmetic, in small ints.

    The reference computes the OOV ratio and its scalings in f32; an exact
    rational floor differs from it by one unit on about 0.3 % of (m, t) pairs.
    This emulates each f32 rounding (nearest, ties to even) with integers below
    2**29, for t < 2**15 and k < 2**16, so surprise and OOV byte are bit-exact.
    """
    return f32_scale(f32_one_minus_ratio(m, t), k)


def f32_one_minus_ratio(m, t):
    """f32(1 - f32(m / t)) as Mo / 2**24 (0 <= Mo <= 2**24), for 0 <= m and 0 <= t < 2**15."""
    if t == 0 or m == 0:
        return 16777216
    if m >= t:
        return 0
    # R = m/t rounded to 24 bits (nearest, ties to even): m/t = R * 2**-(23+s)
    rem = m
    s = 0
    while rem < t:
        rem <<= 1
        s += 1
    # q = floor(rem * 2**23 / t) in two long-division steps of 11 and 12 bits (values < 2**27)
    x = rem << 11
    q = x // t
    x = (x - q * t) << 12
    d = x // t
    rem = x - d * t
    q = (q << 12) | d
    rem <<= 1
    if rem >= t:
        if rem > t or (q & 1):
            q += 1
    if q == 16777216:
        q = 8388608
        s -= 1
        if s == 0:
            return 0
    # o = 1 - r = Mo / 2**24, rounded to 24 bits
    if s == 1:
        return 16777216 - q
    d = s - 1
    a = q >> d
    b = q & ((1 << d) - 1)
    if b == 0:
        return 16777216 - a
    mo = 16777215 - a
    low = (1 << d) - b
    half = 1 << (d - 1)
    if low > half or (low == half and (mo & 1)):
        mo += 1
    return mo


def f32_scale(mo, k):
    """trunc(f32(k * Mo / 2**24)) for 0 <= Mo <= 2**24 and 0 <= k < 2**16."""
    # y = k * Mo / 2**24 rounded to 24 bits; result = floor(y)
    z = k * (mo >> 12)
    y = k * (mo & 4095)
    z += y >> 12
    yl = y & 4095
    out = z >> 12
    if out == 0:
        return 0        # y < 1 fits in 24 bits: no rounding
    # f32 keeps 24 significant bits: y = z / 2**12 loses as many fraction bits as ``out`` has bits
    v = out
    bits = 0
    if v >= 256:
        v >>= 8
        bits = 8
    while v:
        v >>= 1
        bits += 1
    g = 1 << bits
    low24 = ((z & 4095) << 12) | yl
    if low24 >= 16777216 - (g >> 1):
        out += 1
    return out


class SiftResult:
    """The gauges of one message; one instance is reused for every message."""

    def __init__(self):
        self.probability = 0
        self.entropy = 0
        self.surprise = 0
        self.has_bias = False
        self.is_manipulation = False
        self.score = 0
        self.score_scale = 1
        self.tokens_matched = 0
        self.tokens_total = 0
        self.oov_byte = 0
        self.keyword_total = 0
        self.keywords = BiasBreakdown()
        self.truncated = False
        self.length = 0
        self.anchor_hi = 0
        self.anchor_lo = 0
        self.obfuscation = 0        # a format-2 model's hidden marks (redline.text.feat HashScorer.obf)
        self.floored = False        # ... lifted the score to THRESHOLD + 1
        self._adler = array("i", [0, 0])     # the anchor kernel's output

    def to_json(self):
        """One JSON object, fields in a fixed order, identical on every runtime (allocates)."""
        kw = self.keywords
        return (
            '{"probability": %d, "entropy": %d, "surprise": %d, "has_bias": %s, "is_manipulation": %s, '
            '"score": %d, "score_scale": %d, "tokens_matched": %d, "tokens_total": %d, "oov_byte": %d, '
            '"keyword_total": %d, "keywords": {"authority": %d, "social_proof": %d, "scarcity": %d, '
            '"urgency": %d, "emotional_appeal": %d, "expertise_signaling": %d, "semantic_traps": %d, '
            '"template_fitting": %d, "emphasis": %d}, "truncated": %s}'
            % (self.probability, self.entropy, self.surprise, "true" if self.has_bias else "false",
               "true" if self.is_manipulation else "false", self.score, self.score_scale, self.tokens_matched,
               self.tokens_total, self.oov_byte, self.keyword_total, kw.authority, kw.social_proof,
               kw.scarcity, kw.urgency, kw.emotional_appeal, kw.expertise_signaling, kw.semantic_traps,
               kw.template_fitting, kw.emphasis, "true" if self.truncated else "false")
        )

    def as_dict(self):
        """The JSON fields of ``redline sift`` (allocates: host and protocol use)."""
        kw = self.keywords.as_dict()
        return {
            "probability": self.probability,
            "entropy": self.entropy,
            "surprise": self.surprise,
            "has_bias": self.has_bias,
            "is_manipulation": self.is_manipulation,
            "score": self.score,
            "score_scale": self.score_scale,
            "tokens_matched": self.tokens_matched,
            "tokens_total": self.tokens_total,
            "oov_byte": self.oov_byte,
            "keyword_total": self.keyword_total,
            "keywords": kw,
            "truncated": self.truncated,
        }


def adler_py(data, length, out):
    """Adler-32 of data[:length] into out[0] (b, 15 bits) and out[1] (a); sums reduced every
    2048 bytes so they stay small ints. Pure-Python twin of redline.text.feat_viper.adler_viper."""
    a = 1
    b = 0
    i = 0
    while i < length:
        end = i + 2048
        if end > length:
            end = length
        for j in range(i, end):
            a += data[j]
            b += a
        a %= 65521
        b %= 65521
        i = end
    out[0] = b & 0x7FFF
    out[1] = a


def _adler_kernel():
    try:
        from redline.text.feat_viper import adler_viper

        return adler_viper
    except (ImportError, SyntaxError):      # CPython, or a port without the viper emitter (wasm)
        return adler_py


_adler = _adler_kernel()


class Sifter:
    def __init__(self, model=None, observer=None, max_message=MAX_MESSAGE, anchor=False, profile=None,
                 keywords=None):
        if not 0 < max_message <= MAX_MESSAGE:
            raise ValueError("max_message must be 1..%d" % MAX_MESSAGE)
        self.max_message = max_message
        if model is None:
            model = load_model()
        self.model = model
        self.hashed = getattr(model, "format", 1) == 2
        self.result = SiftResult()
        self.result.score_scale = model.scale
        self.profile = None
        if self.hashed:
            from redline.text.feat import HashScorer

            if profile is None:
                # redline.text.prof.load_profile(model) without importing prof where no profile is
                # frozen (the module would stay in sys.modules: 352 B of heap on the Pico for nothing)
                try:
                    import redline_profile
                except ImportError:
                    redline_profile = None
                if redline_profile is not None:
                    from redline.text.prof import load_profile

                    profile = load_profile(model, redline_profile)
            self.profile = profile
            self.scorer = HashScorer(model, observer, profile.seen if profile is not None else None)
            self.classifier = None
            self.anchor = anchor
            self.keywords = bool(keywords)
        else:
            from redline.text.clf import Classifier

            self.scorer = None
            self.classifier = Classifier(model, observer, anchor)
            self.keywords = True
        if self.keywords:
            from redline.text.kw import KeywordScanner

            self.scanner = KeywordScanner()
        else:
            self.scanner = None

    def set_anchor(self, on):
        """Compute the Adler-32 anchor of every message (the pipeline's repetition detector needs it)."""
        if self.hashed:
            self.anchor = on
        else:
            self.classifier.anchor = on

    def _sift_hashed(self, data, n, r):
        sc = self.scorer
        m = self.model
        acc = sc.score(data, n)
        obf = sc.obf
        r.obfuscation = obf
        r.floored = False
        if obf and acc <= m.threshold:
            # a message that hides its letters (full-width, mathematical or enclosed letters, a
            # zero-width character inside a word, Latin look-alikes among ASCII letters) escalates at
            # least: device traffic does not do that (tools/textlab/README.md, round 8)
            acc = m.threshold + 1
            r.floored = True
        r.score = acc
        r.is_manipulation = acc > m.threshold
        p = prob16(acc - m.threshold + m.p_at, m.p_scale)
        r.probability = p
        # the ladder's entropy rung, monotone in p: 4p(1-p) up to p = 1/2, its peak above (else the
        # halt rung took p ~ 0.26..0.74 while a surer verdict only escalated through bias); entropy16(p)
        # written out (a call less per message; tests/firmware/test_sift.py's gauges and the behaviour
        # hashes hold it to the function)
        if p < 32768:
            a = p * (65535 - p)
            d = a // 65535
            e = 4 * d + (4 * (a - d * 65535)) // 65535
            if e > 65535:
                e = 65535
        else:
            e = 65535
        kw = r.keywords
        if self.scanner is not None:
            total_kw = self.scanner.scan(data, n, kw)
            if total_kw:
                boost = 65535 if total_kw >= _KEYWORD_SATURATION else (total_kw * 65535) // _KEYWORD_SATURATION
                if boost > e:
                    e = boost
        else:
            total_kw = 0        # kw stays as built (all 0): nothing else writes a result's counters
        r.keyword_total = total_kw
        r.entropy = e
        t = sc.wfeat
        r.tokens_total = t
        sur = 0
        if self.profile is not None:
            u = sc.unseen
            r.tokens_matched = t - u
            if u:
                # at least 8 in the denominator: one new word in a two-word command is not a 50 % surprise
                sur = ((u << 12) // (t if t > _MIN_SURPRISE_BASE else _MIN_SURPRISE_BASE)) << 4
                if sur > 65535:
                    sur = 65535
        else:
            r.tokens_matched = t
        r.surprise = sur
        r.oov_byte = sur >> 8
        r.has_bias = r.is_manipulation or (total_kw - kw.emphasis) > 0
        if self.anchor:
            out = r._adler          # the Adler-32 anchor into the result, here (a call less per message)
            _adler(data, n, out)
            r.anchor_hi = out[0]
            r.anchor_lo = out[1]
        else:
            r.anchor_hi = 0
            r.anchor_lo = 1
        return r

    def sift(self, data, length=-1):
        """Sift the first ``length`` bytes of data (all of it by default); returns self.result."""
        if not isinstance(data, _BYTES_TYPES):
            raise TypeError("sift: text must be bytes, bytearray or memoryview")
        n = len(data)
        if 0 <= length < n:
            n = length
        r = self.result
        r.truncated = n > self.max_message
        if r.truncated:
            n = self.max_message
        r.length = n
        if self.hashed:
            return self._sift_hashed(data, n, r)
        c = self.classifier
        scanner = self.scanner
        scanner.begin()
        c.classify(data, n, scanner)
        kw = r.keywords
        total_kw = scanner.finish(kw)
        r.keyword_total = total_kw
        r.score = c.score
        r.is_manipulation = c.is_manipulation
        p = c.probability
        r.probability = p
        e = entropy16(p)
        if total_kw:
            boost = 65535 if total_kw >= _KEYWORD_SATURATION else (total_kw * 65535) // _KEYWORD_SATURATION
            if boost > e:
                e = boost
        r.entropy = e
        t = c.tokens_total
        m = c.tokens_matched
        r.tokens_total = t
        r.tokens_matched = m
        mo = f32_one_minus_ratio(m, t)
        r.surprise = f32_scale(mo, 65535)
        r.oov_byte = f32_scale(mo, 255)
        r.has_bias = c.is_manipulation or (total_kw - kw.emphasis) > 0
        b = c.adler_b
        r.anchor_hi = b & 0x7FFF
        r.anchor_lo = c.adler_a
        return r


_default = None


def _shared():
    global _default
    if _default is None:
        _default = Sifter()
    return _default


def _as_bytes(text):
    if isinstance(text, str):
        return text.encode("utf-8")
    return text


def sift_text(text):
    """Convenience: sift a str or bytes with the default model; returns a dict (allocates)."""
    return _shared().sift(_as_bytes(text)).as_dict()


def classify_text(text):
    """Convenience: the classifier alone as a dict: score, score_scale, probability, is_manipulation, tokens."""
    s = _shared()
    data = _as_bytes(text)
    if not isinstance(data, _BYTES_TYPES):
        raise TypeError("classify_text: text must be str or bytes-like")
    n = len(data)
    if n > MAX_MESSAGE:
        n = MAX_MESSAGE
    if s.hashed:
        r = s.sift(data, n)
        return {"score": r.score, "score_scale": s.model.scale, "probability": r.probability,
                "is_manipulation": r.is_manipulation, "tokens_matched": r.tokens_matched,
                "tokens_total": r.tokens_total}
    c = s.classifier
    c.classify(data, n)
    return {"score": c.score, "score_scale": c.scale, "probability": c.probability,
            "is_manipulation": c.is_manipulation, "tokens_matched": c.tokens_matched,
            "tokens_total": c.tokens_total}
