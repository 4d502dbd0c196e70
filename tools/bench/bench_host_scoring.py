"""Host batch scoring throughput: redline's integer scorer vs the llmosafe 0.9.0 wheel, side by side.

    .venv/bin/python tools/bench/bench_host_scoring.py [--repeat 5]

Same texts (the corpus test split, or a seeded synthetic set when the corpus is
absent) for both. redline: ``IntegerScorer.scores`` on the default model
(tokenize + look up + sum, numpy; for the format-2 default: fold, hash
words and 3-grams, gather int8 weights, sum). llmosafe: ``calculate_halo(text)`` per text in
the wheel's own venv (tools/eval_llmosafe_wheel.py installs it); only the loop
inside that process is timed. Also times the firmware ``Classifier`` on CPython
for scale. Prints medians (texts/s) and the ratio.

The two run side by side in rounds: each round times one redline batch in this process,
then one ``calculate_halo`` loop over the same texts in the wheel's process, so both see
the same load of a shared machine; each side reports the median over the rounds of wall
time and of process CPU time (the ratio of CPU times is the steadier one when other
jobs share the cores), and the median of the per-round wall ratios.
"""
import argparse
import json
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


_RUNNER = r"""
import json, sys, time
import llmosafe
texts = json.load(sys.stdin)
llmosafe.calculate_halo(texts[0])
t0 = time.perf_counter()
c0 = time.process_time()
scores = [llmosafe.calculate_halo(t) for t in texts]
c = time.process_time() - c0
json.dump({"seconds": time.perf_counter() - t0, "cpu": c}, sys.stdout)
"""


def wheel_round(py, texts):
    """One ``calculate_halo`` loop over ``texts`` in the wheel's venv: (wall s, CPU s) of the loop."""
    import subprocess

    res = subprocess.run([str(py), "-c", _RUNNER], input=json.dumps(texts), capture_output=True, text=True,
                         check=True)
    out = json.loads(res.stdout)
    return out["seconds"], out["cpu"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    texts, what = texts_for_bench()
    nbytes = sum(len(t.encode()) for t in texts)
    print("%d texts (%s), %d bytes" % (len(texts), what, nbytes))
    scorer = IntegerScorer(load_model_dir(DEFAULT_MODEL))
    scorer.scores(texts[:10])           # built once per model (tables), not per batch
    try:
        import eval_llmosafe_wheel as ev

        wheel = ev.wheel_python(CACHE)
    except Exception as exc:  # the wheel is x86-64 only; redline alone then
        print("llmosafe wheel unavailable: %s" % exc)
        wheel = None
    ours, ours_cpu, theirs, theirs_cpu, ratios = [], [], [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        c0 = time.process_time()
        scorer.scores(texts)
        ours_cpu.append(time.process_time() - c0)
        ours.append(time.perf_counter() - t0)
        if wheel is not None:
            w, c = wheel_round(wheel, texts)
            theirs.append(w)
            theirs_cpu.append(c)
            ratios.append(w / ours[-1])
    m_ours = statistics.median(ours)
    print("redline IntegerScorer (numpy):  median %.3f s  %.0f texts/s  (CPU %.3f s)"
          % (m_ours, len(texts) / m_ours, statistics.median(ours_cpu)))
    if wheel is not None:
        m_theirs = statistics.median(theirs)
        print("llmosafe 0.9.0 calculate_halo:  median %.3f s  %.0f texts/s  (CPU %.3f s)"
              % (m_theirs, len(texts) / m_theirs, statistics.median(theirs_cpu)))
        print("ratio redline / llmosafe (texts/s): %.2f wall (medians), %.2f median of %d rounds, %.2f CPU"
              % (m_theirs / m_ours, statistics.median(ratios), len(ratios),
                 statistics.median(theirs_cpu) / statistics.median(ours_cpu)))

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

    return 0


if __name__ == "__main__":
    sys.exit(main())
