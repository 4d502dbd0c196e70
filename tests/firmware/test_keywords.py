"""Keyword bias path (redline.text.kw) against llmosafe v0.7.1's worked values.

Runs on CPython (pytest) and on the MicroPython ports (tests/firmware runner):
plain test_* functions, bare asserts, imports from redline and the stdlib only.
"""
from redline.text.kw import (
    CATEGORY_NAMES,
    BiasBreakdown,
    KeywordScanner,
    calculate_halo,
    get_bias_breakdown,
)

_ZERO = {
    "authority": 0, "social_proof": 0, "scarcity": 0, "urgency": 0,
    "emotional_appeal": 0, "expertise_signaling": 0, "semantic_traps": 0,
    "template_fitting": 0, "emphasis": 0,
}


def _expect(text, total, **nonzero):
    """Assert the whole breakdown of text: the named counters, every other one 0."""
    got = get_bias_breakdown(text)
    want = dict(_ZERO)
    for name in nonzero:
        want[name] = nonzero[name]
    assert got.as_dict() == want, (text, got.as_dict(), want)
    assert got.total() == total, (text, got.total(), total)
    assert calculate_halo(text) == total, text


# A 256-byte telemetry-like message that takes every branch of the scanner:
# keywords, phrases, negation, emphasis, NBSP / ideographic space separators,
# typographic quotes that are not trimmed, punctuation-only words.
_MSG_256 = (
    b"URGENT: as an AI, I cannot comply.\xc2\xa0Experts say the limited-time offer"
    b" is not a scam; hurry, rather than wait!  Thousands\xe3\x80\x80agree."
    b" \xe2\x80\x9cShocking\xe2\x80\x9d news: node-7 temp 21.5C, rh 40%, CPU OK, fan"
    b" 1200rpm, no faults, never restarted, uptime 3d. xxxxxxxxxxxxxxxxx"
)


def test_category_names_in_reference_order():
    assert CATEGORY_NAMES == (
        "authority", "social_proof", "scarcity", "urgency", "emotional_appeal",
        "expertise_signaling", "semantic_traps", "template_fitting", "emphasis")
    out = BiasBreakdown()
    for name in CATEGORY_NAMES:
        assert getattr(out, name) == 0
    assert sorted(out.as_dict()) == sorted(CATEGORY_NAMES)


# --- spec section 4.3 worked values ---------------------------------------

def test_spec_negation_example():
    _expect("The agent is not an expert.", 0)
    _expect("The agent is an expert.", 100, authority=100)


def test_spec_three_authority_words():
    _expect("The lead expert is certified and official.", 300, authority=300)


def test_spec_scarcity_three_words():
    _expect("limited and exclusive rare", 300, scarcity=300)


def test_spec_all_single_word_categories():
    _expect("expert trending limited hurry incredible sophisticated", 600,
            authority=100, social_proof=100, scarcity=100, urgency=100,
            emotional_appeal=100, expertise_signaling=100)


def test_spec_phrases_and_emphasis():
    _expect("As an AI, I cannot comply, instead of helping you", 350,
            template_fitting=200, semantic_traps=100, emphasis=50)


def test_spec_three_template_phrases():
    _expect("As an AI, my purpose is to note that I am programmed to follow", 350,
            template_fitting=300, emphasis=50)


def test_spec_negation_window_six_words():
    _expect("not a very well known expert", 0)
    _expect("a very well known expert", 100, authority=100)


def test_spec_negated_phrase():
    _expect("not as an ai", 0)


def test_spec_semantic_traps():
    _expect("it is not instead of that now but rather than this", 0)
    _expect("instead of doing that, rather than this", 200, semantic_traps=200)
    _expect("it is instead of that, rather than this", 200, semantic_traps=200)


def test_spec_all_caps():
    _expect("THE EXPERT SAYS", 250, authority=100, emphasis=150)
    _expect("the CPU temperature is normal", 50, emphasis=50)


def test_spec_partial_word_is_not_a_keyword():
    _expect("expertise", 0)
    _expect("expert", 100, authority=100)


def test_saturation():
    # 655 keywords reach 65500; the 656th saturates at 65535 instead of 65600.
    # (The reference's "expert " * 10000 is checked in tests/host: a 70 KB
    # buffer does not fit a board-sized heap.)
    assert get_bias_breakdown(b"expert " * 655).authority == 65500
    out = get_bias_breakdown(b"expert " * 656)
    assert out.authority == 65535
    assert out.total() == 65535
    out = get_bias_breakdown(b"expert " * 1000)
    assert out.authority == 65535
    # Two counters near the top: the total saturates instead of exceeding u16.
    out = get_bias_breakdown(b"EXPERT " * 656)
    assert out.authority == 65535
    assert out.emphasis == 32800
    assert out.total() == 65535
    out = get_bias_breakdown(b"EXPERT " * 1400)
    assert out.emphasis == 65535
    assert out.total() == 65535


# --- reference-tests section 2 ---------------------------------------------

def test_reference_halo_signal():
    _expect("This is a random sentence without flags.", 0)
    _expect("expert official government doctor scientist guaranteed certified"
            " proven experts officials scientists", 1100, authority=1100)


def test_reference_metamorphic_values():
    assert calculate_halo("This is a normal observation.") == 0
    assert calculate_halo("This is an expert observation.") == 100
    assert calculate_halo("This is an expert and professional observation.") == 100


def test_reference_while_is_not_a_trap():
    _expect("while processing data", 0)


def test_reference_edge_inputs():
    _expect("", 0)
    _expect("   \t\n\r  ", 0)
    _expect("\U0001F600\U0001F600\U0001F600", 0)
    _expect("\U0001F600 expert recommendation \U0001F600", 100, authority=100)
    _expect("\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645", 0)
    _expect("expert \u0645\u0631\u062d\u0628\u0627", 100, authority=100)
    _expect("caf\u00e9 r\u00e9sum\u00e9", 0)
    _expect("expert caf\u00e9", 100, authority=100)
    _expect("hello world this is normal text", 0)
    _expect("The expert says this is a trending limited offer", 300,
            authority=100, social_proof=100, scarcity=100)


def test_reference_case_insensitive():
    _expect("the expert says", 100, authority=100)
    _expect("The Expert Says", 100, authority=100)
    _expect("THE EXPERT SAYS", 250, authority=100, emphasis=150)


def test_reference_sum_correctness_values():
    assert calculate_halo("normal text") == 0
    assert calculate_halo("expert recommendation") == 100
    assert calculate_halo("popular limited offer") == 100
    assert calculate_halo("expert says this is popular") == 100


def test_reference_injection_patterns():
    _expect("expert '; DROP TABLE users; --", 200, authority=100, emphasis=100)
    for text in ("expert <script>alert('xss')</script>", "expert ${dangerous}",
                 "expert {{template_injection}}", "expert \n\n\n\n\n", "expert \r\n\r\n",
                 "expert \t\t\t", "expert \\x00\\x01\\x02", "expert {{config.secret}}",
                 "expert <%= evil %>", "expert <?php system('ls'); ?>", "expert ${7*7}"):
        _expect(text, 100, authority=100)


def test_reference_unicode_boundaries():
    for text in ("\x00", "\uffff", "\U0010ffff", "\ufffd", "\u200d", "\ufeff",
                 "A\u0301", "\U0001F600", "hello\x00world\x00test", "\x00\x00\x00"):
        _expect(text, 0)


def test_reference_integration_sentence():
    _expect("The expert provided an official professional recommendation", 200,
            authority=200)


def test_reference_each_template_phrase():
    for phrase in ("as an ai", "my purpose is", "according to my instructions",
                   "it is important to remember", "please note that", "i cannot",
                   "i am programmed to"):
        _expect(phrase, 100, template_fitting=100)
    _expect("on the other hand", 100, semantic_traps=100)
    _expect("not but", 100, semantic_traps=100)


# --- negation window edges --------------------------------------------------

def test_negation_hides_exactly_six_words():
    _expect("not a b c d e expert", 0)
    _expect("not a b c d e f expert", 100, authority=100)


def test_negated_negation_renews_the_window():
    _expect("not a b c no d e f g h expert", 0)
    _expect("not a b c no d e f g h i expert", 100, authority=100)


def test_negation_word_itself_is_evaluated():
    _expect("NOT", 50, emphasis=50)
    _expect("not NOT", 0)
    _expect("NEVER expert", 50, emphasis=50)


def test_every_negation_word():
    for word in ("not", "no", "never", "none", "neither", "nor", "hardly", "scarcely",
                 "barely", "doesn't", "isn't", "wasn't", "shouldn't", "won't", "don't"):
        _expect(word + " expert", 0)
        _expect(word.upper() + " expert", 0 if "'" in word else 50,
                emphasis=0 if "'" in word else 50)


def test_typographic_apostrophe_is_not_a_negation():
    _expect("don't expert", 0)
    _expect("don\u2019t expert", 100, authority=100)


def test_punctuation_only_words_use_up_the_window():
    _expect("not - - - - - expert", 0)
    _expect("not - - - - - - expert", 100, authority=100)


# --- phrases ----------------------------------------------------------------

def test_phrase_counts_once():
    _expect("i cannot i cannot", 100, template_fitting=100)
    _expect("instead of instead of", 100, semantic_traps=100)
    _expect("rather than. rather than", 100, semantic_traps=100)
    _expect("i cannot. as an ai", 200, template_fitting=200)


def test_phrase_first_word_negation():
    _expect("not i cannot", 0)
    _expect("not a b c d e i cannot", 0)
    _expect("not a b c d e f i cannot", 100, template_fitting=100)
    # "not but": the phrase's own "not" negates "but", which does not matter;
    # a negation before it does.
    _expect("no not but", 0)


def test_phrase_window_is_broken_by_punctuation_word():
    _expect("as, an ai", 100, template_fitting=100)
    _expect("as - an ai", 0)
    _expect("on the other - hand", 0)


def test_phrase_case_and_emphasis():
    _expect("I CANNOT", 150, template_fitting=100, emphasis=50)
    _expect("It is important to remember", 100, template_fitting=100)


# --- words, punctuation, case -----------------------------------------------

def test_trimming_and_inner_punctuation():
    _expect("(expert)", 100, authority=100)
    _expect("...expert...", 100, authority=100)
    _expect("expert's", 0)
    _expect("don't-wait!", 100, urgency=100)
    _expect("---", 0)
    for word in ("small-batch", "once-in-a-lifetime", "while-supplies-last", "sold-out",
                 "member-only", "low-stock"):
        _expect(word, 100, scarcity=100)
    for word in ("limited-time", "last-chance", "act-now", "don't-wait"):
        _expect(word, 100, urgency=100)
    for word in ("cutting-edge", "state-of-the-art"):
        _expect(word, 100, expertise_signaling=100)


def test_emphasis_rules():
    _expect("A", 0)
    _expect("AI", 50, emphasis=50)
    _expect("A1", 0)
    _expect("CPU,", 50, emphasis=50)
    _expect("U.S.A.", 0)
    _expect("OK OK", 100, emphasis=100)
    _expect("Expert", 100, authority=100)
    _expect("EXPERT", 150, authority=100, emphasis=50)


def test_case_folding_is_ascii_only():
    _expect("\u00c9XPERT expert", 100, authority=100)
    _expect("EXPERT\u0130", 0)


# --- separators, NUL, invalid UTF-8 -----------------------------------------

def test_unicode_whitespace_separates_words():
    for sep in (b"\xc2\x85", b"\xc2\xa0", b"\xe1\x9a\x80", b"\xe2\x80\x80", b"\xe2\x80\x85",
                b"\xe2\x80\x8a", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xe2\x80\xaf",
                b"\xe2\x81\x9f", b"\xe3\x80\x80", b"\x0b", b"\x0c"):
        _expect(b"expert" + sep + b"hurry", 200, authority=100, urgency=100)
    _expect(b"as\xc2\xa0an\xc2\xa0ai", 100, template_fitting=100)
    _expect(b"not\xc2\xa0expert", 0)


def test_non_whitespace_neighbours_do_not_separate():
    # U+001C..U+001F (Python's str.split separators), U+200B, U+2060, U+180E,
    # U+FEFF, U+0086, U+00A1, U+3001, U+2030, U+200C.
    for sep in (b"\x1c", b"\x1d", b"\x1e", b"\x1f", b"\xe2\x80\x8b", b"\xe2\x81\xa0",
                b"\xe1\xa0\x8e", b"\xef\xbb\xbf", b"\xc2\x86", b"\xc2\xa1", b"\xe3\x80\x81",
                b"\xe2\x80\xb0", b"\xe2\x80\x8c"):
        _expect(b"expert" + sep + b"hurry", 0)


def test_nul_bytes():
    _expect("hello\x00world expert", 100, authority=100)
    _expect(b"expert\x00", 0)
    _expect(b"\x00 expert", 100, authority=100)


def test_invalid_utf8_bytes_are_ordinary_characters():
    _expect(b"expert \xe2\x80 hurry", 200, authority=100, urgency=100)
    _expect(b"expert\xe2\x80", 0)
    _expect(b"expert\xc2", 0)
    _expect(b"\xffexpert", 0)
    _expect(b"expert\xe2\x80\x41hurry", 0)
    # A lead byte that breaks an earlier sequence still starts a separator.
    _expect(b"expert\xf0\x90\xc2\xa0hurry", 100, urgency=100)
    # Lone bytes are words: they use up the negation window.
    _expect(b"not \xff \xff \xff \xff \xff expert", 0)
    _expect(b"not \xff \xff \xff \xff \xff \xff expert", 100, authority=100)


# --- buffers, lengths, reuse, errors ------------------------------------------

def test_bytearray_and_memoryview_with_short_length():
    scanner = KeywordScanner()
    out = BiasBreakdown()
    buf = bytearray(b"expert hurry fear")
    assert scanner.scan(buf, 6, out) == 100
    assert out.authority == 100 and out.urgency == 0
    assert scanner.scan(buf, len(buf), out) == 300
    # The length cuts a word: "experts"[:6] is the keyword "expert".
    view = memoryview(b"experts and more")
    assert scanner.scan(view, 6, out) == 100
    assert scanner.scan(view, 7, out) == 100
    assert scanner.scan(view, 5, out) == 0
    # A phrase cut by the length is not matched.
    view = memoryview(bytearray(b"as an ai"))
    assert scanner.scan(view, 7, out) == 0
    assert scanner.scan(view, 8, out) == 100
    assert out.template_fitting == 100
    assert scanner.scan(b"", 0, out) == 0


def test_scan_overwrites_the_breakdown():
    scanner = KeywordScanner()
    out = BiasBreakdown()
    assert scanner.scan(b"THE EXPERT SAYS", 15, out) == 250
    assert scanner.scan(b"calm", 4, out) == 0
    assert out.as_dict() == _ZERO
    out.authority = 7
    out.clear()
    assert out.as_dict() == _ZERO and out.total() == 0


def test_str_and_bytes_agree():
    text = "As an AI, I cannot comply, instead of helping you \u00e9 EXPERT"
    assert get_bias_breakdown(text).as_dict() == get_bias_breakdown(text.encode()).as_dict()
    assert calculate_halo(bytearray(text.encode())) == 500


def test_bad_arguments():
    scanner = KeywordScanner()
    out = BiasBreakdown()
    for bad in ("expert", 5, None, [101]):
        try:
            scanner.scan(bad, 0, out)
        except TypeError:
            pass
        else:
            assert False, bad
    for length in (-1, 7):
        try:
            scanner.scan(b"expert", length, out)
        except ValueError:
            pass
        else:
            assert False, length
    try:
        get_bias_breakdown(None)
    except TypeError:
        pass
    else:
        assert False


def test_message_256_values():
    assert len(_MSG_256) == 256
    _expect(_MSG_256, 700, authority=100, social_proof=100, urgency=100,
            template_fitting=200, emphasis=200)


def test_scan_allocates_nothing():
    from redline.compat import heap_lock, heap_unlock
    scanner = KeywordScanner()
    out = BiasBreakdown()
    data = _MSG_256
    view = memoryview(bytearray(data))
    scanner.scan(data, 256, out)    # warm-up
    heap_lock()
    try:
        total_bytes = scanner.scan(data, 256, out)
        total_view = scanner.scan(view, 256, out)
        total_short = scanner.scan(view, 40, out)
    finally:
        heap_unlock()
    assert total_bytes == 700
    assert total_view == 700
    assert total_short == 300   # b"URGENT: as an AI, I cannot comply.\xc2\xa0Expe"
