"""The classifier's one-pass keyword path equals KeywordScanner.scan() on tricky generated text.

Sifter feeds keywords from the classifier's byte loop (only flagged words reach
KeywordScanner.word); scan() walks every word. Both must give the same nine
counters on every text: negation windows across skipped words, phrases checked
backwards over Unicode separators, ALL-CAPS words behind punctuation.
"""
from _lcg import Lcg
from _tiny_model import tiny_model
from redline.text.clf import Classifier
from redline.text.kw import BiasBreakdown, KeywordScanner
from redline.text.tok import token_hashes

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


def test_fused_counts_equal_dict_lookup_on_generated_text():
    # scores and token counts of the one-pass loop against the tokenizer's hash list looked up
    # in a dict of the model's keys (an independent, allocating path)
    rng = Lcg(77)
    model = tiny_model()
    fused = Classifier(model)
    scanner = KeywordScanner()
    weights = _key_weights(model)
    hits = 0
    for _ in range(150):
        data = _text(rng)
        fused.classify(data, len(data), scanner)
        hashes = token_hashes(data)
        found = [weights[h] for h in hashes if h in weights]
        want = (len(hashes), len(found), model.intercept + sum(found))
        assert (fused.tokens_total, fused.tokens_matched, fused.score) == want, data
        hits += len(found)
    assert hits > 50    # not vacuous: 69 key hits over the 150 texts


def _key_weights(model):
    out = {}
    k = model.keys
    w = model.weights
    for i in range(model.vocab):
        key = (k[4 * i] << 24) | (k[4 * i + 1] << 16) | (k[4 * i + 2] << 8) | k[4 * i + 3]
        v = w[2 * i] | (w[2 * i + 1] << 8)
        out[key] = v - 65536 if v >= 32768 else v
    return out


def test_phrase_after_skipped_words_and_unicode_spaces():
    s = KeywordScanner()
    c = Classifier(tiny_model())
    out = BiasBreakdown()
    text = b"pump valve as\xe2\x80\x80an\xc2\xa0AI, rather\xe3\x80\x80than no x as an ai"
    assert _fused(c, s, text, len(text), out) == s.scan(text, len(text), BiasBreakdown())
    assert out.template_fitting == 100 and out.semantic_traps == 100 and out.emphasis == 50
