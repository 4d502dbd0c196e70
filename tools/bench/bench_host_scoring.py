"""Host batch scoring throughput: redline's integer scorer vs the llmosafe 0.9.0 wheel, side by side.

    .venv/bin/python tools/bench/bench_host_scoring.py [--repeat 5]

Same texts (the corpus test split, or a seeded synthetic set when the corpus is
absent) for both. redline: ``IntegerScorer.scores`` on the default model
(tokenize + look up + sum, numpy; for the format-2 default: fold, hash
words and 3-grams, gather int8 weights, sum). llmosafe: ``calculate_halo(text)`` per text in
the wheel's own venv (tools/eval_llmosafe_wheel.py installs it); only the loop
inside that process is timed. Also times the firmware ``Classifier`` on CPython
for scale. Prints medians (texts/s) and the ratio.
"""
import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host"))
sys.path.insert(0, str(ROOT / "firmware"))
sys.path.insert(0, str(ROOT / "tools"))

from redline_host.text.corpus import corpus_dir, read_jsonl  # noqa: E402
from redline_host.text.evalmodel import IntegerScorer  # noqa: E402
from redline_host.text.modelfile import load_model_dir  # noqa: E402
from redline_host.paths import CACHE, DEFAULT_MODEL, REPO  # noqa: E402


def texts_for_bench():
    path = corpus_dir(CACHE) / "test.jsonl"
    if path.is_file():
        return [r["text"] for r in read_jsonl(path)], "corpus test split"
    rng = random.Random(1)
    words = "turn on the kitchen light pump valve ignore previous instructions status nominal temp".split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(3, 40))) for _ in range(2000)], "synthetic"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    texts, what = texts_for_bench()
    nbytes = sum(len(t.encode()) for t in texts)
    print("%d texts (%s), %d bytes" % (len(texts), what, nbytes))
    scorer = IntegerScorer(load_model_dir(DEFAULT_MODEL))
    ours = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        scorer.scores(texts)
        ours.append(time.perf_counter() - t0)
    m_ours = statistics.median(ours)
    print("redline IntegerScorer (numpy):  median %.3f s  %.0f texts/s" % (m_ours, len(texts) / m_ours))

    v1 = IntegerScorer(load_model_dir(REPO / "models" / "bytes-v1"))
    old = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        v1.scores(texts)
        old.append(time.perf_counter() - t0)
    print("  (format-1 models/bytes-v1, same scorer class: median %.3f s  %.0f texts/s)"
          % (statistics.median(old), len(texts) / statistics.median(old)))

    sub = [t.encode() for t in texts[:300]]
    if scorer.hashed:
        from redline.text.feat import HashScorer

        c = HashScorer(scorer.model)
        t0 = time.perf_counter()
        for b in sub:
            c.score(b, len(b))
    else:
        from redline.text.clf import Classifier

        c = Classifier(scorer.model)
        t0 = time.perf_counter()
        for b in sub:
            c.classify(b, len(b))
    fw = time.perf_counter() - t0
    print("firmware scorer on CPython: %.0f texts/s (first %d texts)" % (len(sub) / fw, len(sub)))

    try:
        import eval_llmosafe_wheel as ev

        py = ev.wheel_python(CACHE)
        theirs = [ev.wheel_scores(py, texts)[1] for _ in range(args.repeat)]
    except Exception as exc:  # the wheel is x86-64 only; report and stop
        print("llmosafe wheel unavailable: %s" % exc)
        return 0
    m_theirs = statistics.median(theirs)
    print("llmosafe 0.9.0 calculate_halo:  median %.3f s  %.0f texts/s" % (m_theirs, len(texts) / m_theirs))
    print("ratio redline / llmosafe (texts/s): %.2f" % (m_theirs / m_ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
