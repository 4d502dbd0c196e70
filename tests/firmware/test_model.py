# Model checks: a model whose format or hash does not match is refused and the classifier fails closed.
from redline.text.clf import Classifier
from redline.text.model import FORMAT_VERSION, sha256_hex, check_module, fail_closed, payload_header


class _Module:
    pass


def _module(keys=b"\x00\x00\x00\x01", weights=b"\x10\x00", scale=1000, intercept=-500, threshold=0, vocab=1):
    m = _Module()
    m.FORMAT = FORMAT_VERSION
    m.KEYS = keys
    m.WEIGHTS = weights
    m.PATTERNS = b""
    m.SCALE = scale
    m.INTERCEPT = intercept
    m.THRESHOLD = threshold
    m.VOCAB = vocab
    m.SHA256 = sha256_hex((payload_header(FORMAT_VERSION, scale, intercept, threshold, vocab, 0), keys, weights, b""))
    return m


def test_valid_module_is_accepted():
    model = check_module(_module())
    assert model.ok and model.error == ""
    assert model.vocab == 1 and model.scale == 1000 and model.intercept == -500


def test_sha256_of_empty_input_is_standard():
    assert sha256_hex((b"",)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_tampered_weight_is_refused():
    m = _module()
    m.WEIGHTS = b"\x11\x00"
    model = check_module(m)
    assert not model.ok
    assert model.error == "model SHA-256 mismatch"


def test_tampered_threshold_is_refused():
    m = _module()
    m.THRESHOLD = -10000
    assert check_module(m).error == "model SHA-256 mismatch"


def test_wrong_format_is_refused():
    m = _module()
    m.FORMAT = 99          # 1 (byte model) and 2 (hashed model) are known
    model = check_module(m)
    assert not model.ok and model.error.startswith("model format")


def test_missing_field_and_bad_lengths_are_refused():
    m = _module()
    del m.KEYS
    assert check_module(m).error.startswith("model module incomplete")
    assert check_module(_module(vocab=2)).error == "model tables do not match VOCAB"


def test_fail_closed_model_flags_every_input():
    c = Classifier(fail_closed("test"))
    for text in (b"", b"hello world", b"pump 2 on"):
        c.classify(text, len(text))
        assert c.is_manipulation
        assert c.tokens_matched == 0
