"""The classifier's one-pass keyword path equals KeywordScanner.scan() on tricky generated text.

Sifter feeds keywords from the classifier's byte loop (only flagged words reach
KeywordScanner.word); scan() walks every word. Both must give the same nine
counters on every text: negation windows across skipped words, phrases checked
backwards over Unicode separators, ALL-CAPS words behind punctuation.
"""
from _lcg import Lcg
from _tiny_model import tiny_model
from redline.classifier import Classifier
from redline.keywords import BiasBreakdown, KeywordScanner

# pieces chosen to hit every rule: keywords, negations, phrase words, caps, punctuation-only
# words, Unicode spaces (NBSP, U+2000, U+3000, U+0085), near-miss lead bytes, long tokens
_PIECES = (
    b"expert", b"EXPERT", b"Expert", b"not", b"don't", b"DON'T", b"never", b"no", b"isn't",
    b"as", b"an", b"ai", b"AI", b"i", b"I", b"cannot", b"am", b"programmed", b"to", b"my",
    b"purpose", b"is", b"it", b"important", b"remember", b"please", b"note", b"that",
    b"instead", b"of", b"rather", b"than", b"on", b"the", b"other", b"hand", b"but",
    b"according", b"instructions", b"limited-time", b"small-batch", b"act-now", b"don",
    b"state-of-the-art", b"once-in-a-lifetime", b"NOW", b"OK", b"CPU", b"A", b"X1",
    b"pump", b"valve", b"temp=21.4C", b"(EXPERT)", b"\"expert,\"", b"--", b"!!", b".",
    b"\xe2\x80\x9cShocking\xe2\x80\x9d", b"\xc3\xa9t\xc3\xa9", b"\xe2\x80\x94", b"\xc2",
    b"\xe2\x80", b"\xff", b"x" * 300, b"HURRY" * 60, b"viral", b"miracle", b"hurry",
)
_SEPARATORS = (b" ", b" ", b" ", b"  ", b"\n", b"\t", b"\r\n", b"\xc2\xa0", b"\xe2\x80\x80",
               b"\xe3\x80\x80", b"\xc2\x85", b"\xe2\x80\xa8", b"\x0b", b"\x1c", b"-", b", ")


def _text(rng):
    out = bytearray()
    for i in range(rng.next() % 24):
        if i:
            out.extend(_SEPARATORS[rng.next() % len(_SEPARATORS)])
        out.extend(_PIECES[rng.next() % len(_PIECES)])
    if rng.next() & 1:
        out.extend(_SEPARATORS[rng.next() % len(_SEPARATORS)])
    return bytes(out)


def _fused(classifier, scanner, data, length, out):
    scanner.begin()
    classifier.classify(data, length, scanner)
    return scanner.finish(out)


def test_fused_keywords_equal_scan_on_generated_text():
    rng = Lcg(2024)
    plain = Classifier(tiny_model())
    plain.use_viper = False          # the one-pass loop on every runtime
    fused = KeywordScanner()
    reference = KeywordScanner()
    a = BiasBreakdown()
    b = BiasBreakdown()
    nonzero = 0
    for _ in range(400):
        data = _text(rng)
        for length in (len(data), len(data) // 2):
            ta = _fused(plain, fused, data, length, a)
            tb = reference.scan(data, length, b)
            assert ta == tb and a.as_dict() == b.as_dict(), (data[:length], a.as_dict(), b.as_dict())
            nonzero += ta > 0
    assert nonzero > 200


def test_fused_counts_equal_token_loop_on_generated_text():
    # scores and token counts of the one-pass loop against the per-token loop of the viper twin's
    # contract (redline.classifier._token), which takes the plain emit path here
    rng = Lcg(77)
    fused = Classifier(tiny_model())
    fused.use_viper = False
    scanner = KeywordScanner()
    for _ in range(150):
        data = _text(rng)
        fused.classify(data, len(data), scanner)
        ref = Classifier(tiny_model())
        ref._data = data
        ref._acc = ref.model.intercept
        ref._matched = 0
        ref._total = 0
        ref._have_prev = False
        _emit_all(ref, data)
        assert (fused.tokens_total, fused.tokens_matched, fused._acc) == (ref._total, ref._matched, ref._acc), data


def _emit_all(c, data):
    """Drive Classifier._token() the way the viper loop does, with a plain loop."""
    from redline.tokenizer import LOWER
    n = len(data)
    start = -1
    lo = 0
    for j in range(n + 1):
        ch = LOWER[data[j]] if j < n else 0
        if ch:
            if start < 0:
                start = j
                lo = 0x2325
            lo = ((lo ^ ch) * 0x1B3) & 0xFFFF
        elif start >= 0:
            c._token(start, j, lo)
            start = -1


def test_phrase_after_skipped_words_and_unicode_spaces():
    s = KeywordScanner()
    c = Classifier(tiny_model())
    c.use_viper = False
    out = BiasBreakdown()
    text = b"pump valve as\xe2\x80\x80an\xc2\xa0AI, rather\xe3\x80\x80than no x as an ai"
    assert _fused(c, s, text, len(text), out) == s.scan(text, len(text), BiasBreakdown())
    assert out.template_fitting == 100 and out.semantic_traps == 100 and out.emphasis == 50
