# Tokenizer: llmosafe's token rules, low 32 bits of FNV-1a-64, on every runtime.
from redline.text.tok import bigram, token_hashes, unigram_hashes

# FNV-1a-64 of b"hello" is 0xa430d84680aabd0b; of b"world" 0x4f59ff5e730c8af3 (low 32 bits below)
HELLO = 0x80AABD0B
WORLD = 0x730C8AF3


def test_unigram_low32_matches_fnv1a64():
    assert token_hashes(b"hello") == [HELLO]
    assert token_hashes(b"world") == [WORLD]


def test_empty_and_separator_only_give_no_hashes():
    assert token_hashes(b"") == []
    assert token_hashes(b"  ,;!\x00\xff\xc3\xa9 ") == []


def test_two_tokens_give_unigram_bigram_unigram():
    hs = token_hashes(b"hello world")
    assert len(hs) == 3
    assert hs[0] == HELLO and hs[2] == WORLD
    assert hs[1] == bigram(HELLO >> 16, HELLO & 0xFFFF, WORLD >> 16, WORLD & 0xFFFF)
    assert hs[1] == 0x43B4933D


def test_punctuation_and_case_do_not_matter():
    assert token_hashes(b"hello, world!") == token_hashes(b"hello world")
    assert token_hashes(b"Hello") == token_hashes(b"hello")
    assert token_hashes(b"HELLO   WORLD") == token_hashes(b"hello world")


def test_non_ascii_bytes_separate_tokens():
    # "cafe" with an accented e: the two UTF-8 bytes of e-acute are separators
    assert token_hashes("caf\u00e9".encode()) == token_hashes(b"caf")
    assert len(token_hashes(b"don't")) == 3


def test_long_token_hashes_first_256_bytes_only():
    assert len(token_hashes(b"a" * 356)) == 1
    assert token_hashes(b"a" * 356) == token_hashes(b"a" * 256)
    assert token_hashes(b"a" * 255) != token_hashes(b"a" * 256)


def test_bytearray_and_memoryview_with_length():
    data = bytearray(b"hello world tail")
    assert token_hashes(data, 11) == token_hashes(b"hello world")
    assert token_hashes(memoryview(data), 5) == [HELLO]


def test_unigrams_only():
    assert unigram_hashes(b"hello world") == [HELLO, WORLD]


def test_str_is_rejected():
    try:
        token_hashes("hello")
    except TypeError:
        return
    assert False, "str must raise TypeError"
