"""The host's fast tokenizer equals the firmware tokenizer on thousands of texts."""
import random

from redline.text.tok import token_hashes as firmware_hashes
from redline_host.text.fasthash import bigram_hash, token_hashes, unigram_hash

PIECES = ["ignore", "ALL", "previous", "instructions", "temp=21.4C", "hum=40%", "pump", "2", "on", "caf\xc3\xa9",
          "don't", "non-empty", "\x00", "\xff\xfe", "\xf0\x9f\x98\x80", "x" * 300, "A" * 256 + "b", "DAN", "--", "!!",
          "\t", "\n", "9" * 40, "Zz", "_", "a.b.c", "\x80abc\x80"]


def random_texts(n, seed=7):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randint(0, 25)
        parts = []
        for _ in range(k):
            if rng.random() < 0.3:
                parts.append(bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 12))))
            else:
                parts.append(rng.choice(PIECES).encode("latin-1"))
        out.append(rng.choice([b" ", b"", b", ", b"\n"]).join(parts))
    return out


def test_equals_firmware_on_random_texts():
    texts = random_texts(3000)
    mismatches = [t for t in texts if token_hashes(t) != firmware_hashes(t)]
    assert mismatches == []
    assert sum(len(firmware_hashes(t)) for t in texts) > 30000


def test_known_shapes():
    assert token_hashes(b"") == []
    assert len(token_hashes(b"hello world")) == 3
    assert token_hashes(b"Hello") == token_hashes(b"hello")
    assert token_hashes(b"a" * 356) == token_hashes(b"a" * 256)
    h = token_hashes(b"hello, world!")
    assert h == [unigram_hash(b"hello"), bigram_hash(unigram_hash(b"hello"), unigram_hash(b"world")),
                 unigram_hash(b"world")]
    # spec 3.1: FNV-1a-64 offset basis low 32 bits for the empty token
    assert unigram_hash(b"") == 0x84222325


def test_rejects_str():
    try:
        token_hashes("text")
    except TypeError:
        return
    assert False, "str accepted"


def test_batch_hashes_equal_firmware_text_by_text():
    from redline_host.text.fasthash import batch_hash_bag, batch_hashes

    texts = random_texts(3000, seed=11) + [b"", b"  ", b"x", b"!!a!!"]
    flat, idx, offsets = batch_hashes(texts)
    bad = [i for i, t in enumerate(texts) if [int(h) for h in flat[offsets[i]:offsets[i + 1]]] != firmware_hashes(t)]
    assert bad == []
    assert list(idx) == [i for i, t in enumerate(texts) for _ in firmware_hashes(t)]
    bag, bag_idx = batch_hash_bag(texts)
    assert sorted(zip(bag_idx.tolist(), bag.tolist())) == sorted(zip(idx.tolist(), flat.tolist()))
    empty, _, off = batch_hashes([])
    assert len(empty) == 0 and list(off) == [0]
