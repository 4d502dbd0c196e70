"""A frozen classifier model, checked before use (fail closed).

A model is a generated module (``redline_model.py``, see models/*/) holding
``bytes`` literals and integer constants::

    FORMAT = 1           # model format version this firmware understands
    SCALE = 7212         # weights and scores are logit * SCALE
    INTERCEPT = -8556    # round(intercept * SCALE), |INTERCEPT| <= 32767
    THRESHOLD = 3106     # is_manipulation <=> accumulator > THRESHOLD
    VOCAB = 3000         # number of entries
    KEYS = b"..."        # VOCAB big-endian u32 token hashes, strictly increasing
    WEIGHTS = b"..."     # VOCAB little-endian int16, round(idf * coef * SCALE)
    PATTERNS = b"..."    # adversarial token-hash sequences (see redline.text.pat)
    SHA256 = "..."       # hex SHA-256 of payload(), checked at load

Usage::

    from redline.text.model import load_model
    model = load_model()          # imports redline_model; on any mismatch -> fail closed
    model.ok, model.error

Format 2 (``redline.text.feat``, trained by ``tools/textlab/build_model.py``) is a
weights-only hashed-feature model::

    FORMAT = 2
    BITS = 15            # weight table of 2**BITS buckets
    SCALE, INTERCEPT     # acc = INTERCEPT + sum(weight - 128); logit = acc / SCALE
    THRESHOLD = 118      # escalate cut: is_manipulation <=> acc > THRESHOLD
    WARN = 61            # warn cut
    P_AT, P_SCALE        # probability = prob16(acc - THRESHOLD + P_AT, P_SCALE): 0.18 at THRESHOLD
    ASCII = b"..."       # 128 bytes: the unit of each ASCII byte (0 = separator)
    WEIGHTS = b"..."     # 2**BITS int8 weights, offset binary (byte = weight + 128)
    FOLD = b"..."        # folding ranges, 5 bytes each (redline.text.feat.fold_cp)
    PAGES = b"..."       # 257 big-endian u16: the range holding each 256-code-point page
    PATTERNS = b"..."    # adversarial sequences of 21-bit word hashes
    LEX = b"..."         # optional word-class lexicon: 2**k slots of 5 bytes (key u24, class mask u16)
    LEXF = b"..."        # 1,024 bytes: a bit per low 13 bits of the keys in LEX (a quick "not there")
    DECODE = 14          # with LEX: 2 decode base64 / hex runs, 4 join spaced-out letters, 8 ROT13 / backwards, 16 digits read as leet letters only in a run of ASCII letters and digits with a letter
    SHA256 = "..."       # over payload_header_v2(...) + ASCII + WEIGHTS + FOLD + PAGES + PATTERNS [+ LEX + LEXF]

A model that fails its checks is replaced by the fail-closed model: no
vocabulary, intercept above threshold, so every input is flagged as
manipulation (what llmosafe does when its model file is bad).
"""
from redline.compat import const

FORMAT_VERSION = const(1)
FORMAT_HASHED = const(2)
_MAGIC = "redline-model"


def payload_header_v2(bits, scale, intercept, threshold, warn, p_at, p_scale, n_fold, n_pages, n_patterns,
                      n_lex=0, n_lexf=0, decode=0):
    """The canonical header hashed in front of a format-2 model's tables (a lexicon adds three fields)."""
    tail = ":%d:%d:%d" % (n_lex, n_lexf, decode) if n_lex else ""
    return ("%s:2:%d:%d:%d:%d:%d:%d:%d:%d:%d:%d%s\n" % (_MAGIC, bits, scale, intercept, threshold, warn, p_at,
                                                         p_scale, n_fold, n_pages, n_patterns, tail)).encode()


def payload_header(fmt, scale, intercept, threshold, vocab, n_patterns):
    """The canonical header hashed in front of KEYS + WEIGHTS + PATTERNS."""
    return ("%s:%d:%d:%d:%d:%d:%d\n" % (_MAGIC, fmt, scale, intercept, threshold, vocab, n_patterns)).encode()


def sha256_hex(parts):
    try:
        import hashlib
    except ImportError:  # very small ports
        import uhashlib as hashlib
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    d = h.digest()
    hexd = "0123456789abcdef"
    out = []
    for i in range(len(d)):
        out.append(hexd[d[i] >> 4])
        out.append(hexd[d[i] & 15])
    return "".join(out)


class Model:
    """Validated model tables. ``ok`` is False for the fail-closed model; ``error`` says why."""

    def __init__(self, keys, weights, scale, intercept, threshold, vocab, patterns=b"", sha256="", ok=True, error=""):
        self.keys = keys
        self.weights = weights
        self.scale = scale
        self.intercept = intercept
        self.threshold = threshold
        self.vocab = vocab
        self.patterns = patterns
        self.sha256 = sha256
        self.ok = ok
        self.error = error
        self.format = FORMAT_VERSION
        # format-2 fields (redline.text.feat)
        self.bits = 0
        self.warn = threshold
        self.p_at = 0
        self.p_scale = scale
        self.ascii = b""
        self.fold = b""
        self.pages = b""
        self.lex = b""
        self.lexf = b""
        self.decode = 0


def fail_closed(reason):
    """Every input scores intercept 1.0 > threshold 0.5: every input is flagged."""
    return Model(b"", b"", 4096, 4096, 2048, 0, b"", "", False, reason)


def check_module(mod):
    """Return a Model from a generated module, or the fail-closed model with the reason."""
    try:
        fmt = mod.FORMAT
        if fmt == FORMAT_HASHED:
            return _check_hashed(mod)
        if fmt != FORMAT_VERSION:
            return fail_closed("model format %d, firmware understands %d and %d" % (fmt, FORMAT_VERSION,
                                                                                    FORMAT_HASHED))
        keys = mod.KEYS
        weights = mod.WEIGHTS
        patterns = getattr(mod, "PATTERNS", b"")
        scale = mod.SCALE
        intercept = mod.INTERCEPT
        threshold = mod.THRESHOLD
        vocab = mod.VOCAB
        want = mod.SHA256
    except AttributeError as exc:
        return fail_closed("model module incomplete: %s" % exc)
    if len(keys) != 4 * vocab or len(weights) != 2 * vocab:
        return fail_closed("model tables do not match VOCAB")
    if not (0 < scale < 32768) or not (-32768 < intercept < 32768):
        return fail_closed("model scale or intercept out of range")
    got = sha256_hex((payload_header(fmt, scale, intercept, threshold, vocab, len(patterns)), keys, weights, patterns))
    if got != want:
        return fail_closed("model SHA-256 mismatch")
    return Model(keys, weights, scale, intercept, threshold, vocab, patterns, want, True, "")


def _check_hashed(mod):
    try:
        bits = mod.BITS
        scale = mod.SCALE
        intercept = mod.INTERCEPT
        threshold = mod.THRESHOLD
        warn = mod.WARN
        p_at = mod.P_AT
        p_scale = mod.P_SCALE
        asc = mod.ASCII
        weights = mod.WEIGHTS
        fold = mod.FOLD
        pages = mod.PAGES
        patterns = getattr(mod, "PATTERNS", b"")
        lex = getattr(mod, "LEX", b"")
        lexf = getattr(mod, "LEXF", b"")
        decode = getattr(mod, "DECODE", 0)
        want = mod.SHA256
    except AttributeError as exc:
        return fail_closed("model module incomplete: %s" % exc)
    if lex:
        ns = len(lex) // 5
        if len(lex) % 5 or ns < 16 or ns & (ns - 1) or len(lexf) != 1024 or not (0 <= decode < 32):
            return fail_closed("model lexicon malformed")
    elif lexf or decode:
        return fail_closed("model lexicon malformed")
    if not (8 <= bits <= 16) or len(weights) != (1 << bits) or len(asc) != 128:
        return fail_closed("model tables do not match BITS")
    if len(pages) != 514 or len(fold) % 5 or len(fold) < 5 or len(fold) // 5 > 65535:
        return fail_closed("model folding table malformed")
    if not (0 < scale < 32768) or not (0 < p_scale < 32768) or not (-(1 << 24) < intercept < (1 << 24)):
        return fail_closed("model scale or intercept out of range")
    if not (-(1 << 24) < warn <= threshold < (1 << 24)) or not (-(1 << 24) < p_at < (1 << 24)):
        return fail_closed("model cuts out of range")
    got = sha256_hex((payload_header_v2(bits, scale, intercept, threshold, warn, p_at, p_scale, len(fold),
                                        len(pages), len(patterns), len(lex), len(lexf), decode),
                      asc, weights, fold, pages, patterns, lex, lexf))
    if got != want:
        return fail_closed("model SHA-256 mismatch")
    m = Model(b"", weights, scale, intercept, threshold, 0, patterns, want, True, "")
    m.format = FORMAT_HASHED
    m.bits = bits
    m.warn = warn
    m.p_at = p_at
    m.p_scale = p_scale
    m.ascii = asc
    m.fold = fold
    m.pages = pages
    m.lex = lex
    m.lexf = lexf
    m.decode = decode
    return m


def load_model(module=None):
    """Load and check a model module (default: ``import redline_model``); never raises."""
    if module is None:
        try:
            import redline_model as module
        except ImportError:
            return fail_closed("no redline_model module on the path")
    return check_module(module)
