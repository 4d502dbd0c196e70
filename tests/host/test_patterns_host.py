"""Host pattern compiler: deterministic blobs in the firmware's format, duplicates dropped."""
import pytest

from redline.text.adv import AdversarialDetector
from redline.text.pat import DEFAULT_PATTERNS
from redline.text.tok import unigram_hashes
from redline_host.errors import UserError
from redline_host.text.patterns import DEFAULT_PHRASES, compile_phrases, decode_blob


def test_default_phrases_compile_to_the_firmware_default_blob():
    assert compile_phrases(DEFAULT_PHRASES) == DEFAULT_PATTERNS


def test_normalisation_and_duplicates():
    blob = compile_phrases(["Ignore  Previous", "ignore previous", "jailbreak!", "JAILBREAK"])
    assert decode_blob(blob) == [tuple(unigram_hashes(b"ignore previous")), tuple(unigram_hashes(b"jailbreak"))]


def test_bad_phrases_and_blobs():
    with pytest.raises(UserError):
        compile_phrases(["..."])
    with pytest.raises(UserError):
        compile_phrases([" ".join(["w"] * 17)])
    with pytest.raises(UserError):
        decode_blob(b"\x02\x00")


def test_blob_drives_the_firmware_detector():
    d = AdversarialDetector(compile_phrases(["open the bay doors"]), 1)
    d.begin()
    for h in unigram_hashes(b"HAL, please open the bay doors now"):
        d.token(h >> 16, h & 0xFFFF)
    assert d.update() and d.hits == 1
