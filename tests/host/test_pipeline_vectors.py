"""Golden decision vectors: the CognitivePipeline gives identical results on CPython, unix
MicroPython and WebAssembly MicroPython (issue 4, acceptance 1: >= 5,000 messages).

Texts: ../shared/golden/llmosafe-0.7.1-sift.jsonl (5,474 texts: edge cases, public corpora,
jailbreaks, fuzz) with llmosafe's model imported, or, when ../shared is absent, a seeded
generated stream with a small generated model. Message times (t = 700 ms * i) make the
reasoning loop hit its burst bound; every 97th message carries resource pressure. Two
configurations run: DAL A (most messages stop at SIFT) and DAL C (downgrades keep messages
going, so MEMORY, KERNEL, DETECTION and MONITOR see every kind of input).
"""
import json
import random

import pytest

from redline.text.pipe import CognitivePipeline
from redline.text.policy import EscalationPolicy
from redline.text.pat import compile_patterns
from redline.text.tok import unigram_hashes
from redline_host.device.scripts import DAL_NAMES, encode_pipeline_lines, pipeline_args, run_pipeline
from redline_host.text.modelfile import load_model_dir, write_model
from redline_host.paths import shared_dir
from redline_host.device.runtimes import find_micropython, find_node

OBJECTIVE = "sensor status report for the pump and valve"
MIN_MESSAGES = 5000
# (DAL, max_steps, window_ms, objective): without an objective nothing drifts
CONFIGS = (("A", 10, 10000, ""), ("C", 3, 3000, OBJECTIVE))
# the golden texts include 23 KB jailbreak prompts: the line, its hex and the bytes must fit at once
HEAPSIZE = "1M"


def _generated_stream(n, seed=1234):
    rng = random.Random(seed)
    words = ("pump valve status report sensor reading normal the is ok temperature pressure ignore previous "
             "instructions expert urgent limited now CPU NASA you are act as jailbreak developer mode bypass "
             "override hello world weather nice zzz 42 %!").split()
    out = []
    for i in range(n):
        k = rng.randint(0, 12)
        out.append(" ".join(rng.choice(words) for _ in range(k)))
    return out


def _generated_model(out_dir):
    rng = random.Random(99)
    vocab = sorted({h for w in _generated_stream(300, 5) for t in w.split() for h in unigram_hashes(t.encode())})
    keys = vocab
    weights = [rng.randint(-3000, 3000) for _ in keys]
    write_model(out_dir, keys, weights, 1000, -1500, 400, compile_patterns((b"ignore previous", b"act as")))
    return out_dir


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    shared = shared_dir()
    out = tmp_path_factory.mktemp("pipeline_model")
    if shared is not None and (shared / "golden" / "llmosafe-0.7.1-sift.jsonl").is_file():
        from redline_host.text.llmosafe_import import convert, read_vocab_model

        convert(read_vocab_model(shared / "reference" / "vocab_model.bin"), out)
        with open(shared / "golden" / "llmosafe-0.7.1-sift.jsonl") as f:
            texts = [json.loads(line)["text"] for line in f]
    else:
        _generated_model(out)
        texts = _generated_stream(MIN_MESSAGES + 100)
    assert len(texts) >= MIN_MESSAGES
    # every 500th text three times in a row: the repetition detector must see it
    stream = []
    for i, text in enumerate(texts):
        stream.append(text)
        if i % 500 == 499:
            stream += [text, text]
    texts = stream
    lines = []
    for i, text in enumerate(texts):
        obj = {"text": text, "t": 700 * i}
        if i % 97 == 96:
            obj["pressure"] = 60 if i % 2 else 90
        lines.append(json.dumps(obj))
    protocol = [l for l, err in encode_pipeline_lines(lines, 1000)]
    assert None not in protocol
    return out, texts, protocol


def _reference(model_dir, texts, dal, max_steps, window_ms, objective):
    """The firmware run in this process: the host reference the runtimes must reproduce."""
    pipe = CognitivePipeline(load_model_dir(model_dir), objective.encode(),
                             EscalationPolicy(dal=DAL_NAMES.index(dal)), max_steps=max_steps, window_ms=window_ms)
    out = []
    for i, text in enumerate(texts):
        pressure = (60 if i % 2 else 90) if i % 97 == 96 else -1
        out.append(pipe.process(text.encode("utf-8", "surrogatepass"), -1, 700 * i, pressure).as_dict())
    return out


@pytest.mark.parametrize("dal,max_steps,window_ms,objective", CONFIGS)
def test_pipeline_vectors_identical_on_every_runtime(corpus, dal, max_steps, window_ms, objective):
    model_dir, texts, protocol = corpus
    args = pipeline_args(objective, dal, max_steps, window_ms)
    ref = _reference(model_dir, texts, dal, max_steps, window_ms, objective)
    outputs = {"cpython": run_pipeline("cpython", model_dir, protocol, args, HEAPSIZE)}
    runtimes = ["cpython"]
    for rt, finder in (("unix", find_micropython), ("wasm", find_node)):
        finder()   # UserError (a failure, not a skip) when `make setup` has not installed the runtime
        outputs[rt] = run_pipeline(rt, model_dir, protocol, args, HEAPSIZE)
        runtimes.append(rt)
    base = outputs["cpython"]
    assert len(base) == len(texts) >= MIN_MESSAGES
    for i, line in enumerate(base):
        assert json.loads(line) == ref[i], (i, texts[i], line, ref[i])
    for rt in runtimes[1:]:
        for i, (a, b) in enumerate(zip(base, outputs[rt])):
            assert a == b, (rt, i, texts[i], a, b)
    # the stream exercises every decision and every stage exit
    decisions = {json.loads(l)["decision"] for l in base}
    explanations = {json.loads(l)["explanation"] for l in base}
    if dal == "A":
        assert decisions == {"proceed", "warn", "escalate", "halt"}, decisions
    else:   # DAL C caps every outcome at Warn, and off-objective texts drift: all Warn
        assert decisions == {"warn"}, decisions
    stages = {json.loads(l)["stages"] for l in base}
    assert 0x07 in stages          # stopped by the reasoning loop's burst bound
    if dal == "A":
        assert 0x20 in stages      # stopped by resource pressure before SIFT
    else:
        assert 0x3F in stages      # pressure only warns: every stage ran
    assert "body: resource pressure" in explanations
    if dal == "C":
        flags = 0
        for l in base:
            flags |= json.loads(l)["flags"]
        # golden texts: every detector fired somewhere in the stream but LOW_CONFIDENCE: an unsure
        # classifier means high binary entropy, which MEMORY refuses (entropy > 40000) before
        # DETECTION. The generated fallback stream (no ../shared) reaches DETECTION less often:
        # its repeats and probability shifts stop earlier, so STUCK and ANOMALY stay clear there.
        shared = shared_dir()
        golden = shared is not None and (shared / "golden" / "llmosafe-0.7.1-sift.jsonl").is_file()
        want = 0x3F & ~0x04 if golden else 0x20 | 0x08 | 0x02
        assert flags == want, (hex(flags), explanations)
