"""Acceptance 3 of issue 2: ``redline sift --runtime cpython|unix|wasm`` give byte-identical output.

On all 5,474 golden texts when ../shared is present (skipped otherwise), and always on a
seeded generated set, so a fresh clone without ../shared still checks the three runtimes.
"""
import json
import random
import subprocess
import sys

import pytest

from redline_host.paths import DEFAULT_MODEL, shared_dir

RUNTIMES = ("cpython", "unix", "wasm")
WORDS = ("pump", "valve", "ignore", "previous", "instructions", "EXPERT", "temp=21.4C", "not", "limited-time",
         "status", "OK", "\u00e9t\u00e9", "\U0001F600", "\x00", "act now", "as an AI", "please note that", "!!",
         "disregard", "system", "prompt", "reveal", "hum=40%", "\u00a0", "I cannot", "open")


def _generated(n=400, seed=7):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 40))) for _ in range(n)]


def _sift(runtime, lines, model=DEFAULT_MODEL):
    payload = "".join(json.dumps({"text": t}) + "\n" for t in lines).encode()
    proc = subprocess.run([sys.executable, "-m", "redline_host.cli", "sift", "--runtime", runtime,
                           "--model", str(model)], input=payload, capture_output=True, timeout=3600)
    assert proc.returncode == 0, "%s: %s" % (runtime, proc.stderr.decode(errors="replace")[-2000:])
    return proc.stdout


def _check(lines, model=DEFAULT_MODEL):
    outs = {rt: _sift(rt, lines, model) for rt in RUNTIMES}
    n = len(outs["cpython"].splitlines())
    assert n == len(lines)
    for rt in ("unix", "wasm"):
        if outs[rt] != outs["cpython"]:
            a = outs["cpython"].splitlines()
            b = outs[rt].splitlines()
            first = next(i for i in range(min(len(a), len(b))) if a[i] != b[i])
            pytest.fail("%s differs from cpython at line %d (%r):\n cpython %s\n %s %s"
                        % (rt, first + 1, lines[first][:80], a[first].decode(), rt, b[first].decode()))


def test_generated_texts_identical_on_three_runtimes():
    _check(_generated())


@pytest.mark.skipif(shared_dir() is None, reason="../shared/golden is absent")
def test_golden_texts_identical_on_three_runtimes():
    with open(shared_dir() / "golden" / "llmosafe-0.7.1-sift.jsonl") as f:
        lines = [json.loads(line)["text"] for line in f]
    assert len(lines) == 5474
    _check(lines)


def test_bad_input_lines_get_errors_in_place():
    payload = b'{"text": "pump"}\nnot json\n{"nope": 1}\n{"text": "valve"}\n'
    proc = subprocess.run([sys.executable, "-m", "redline_host.cli", "sift"], input=payload, capture_output=True,
                          timeout=600)
    assert proc.returncode == 1            # lines failed: reported in place, counted on stderr
    assert proc.stderr.decode().startswith("redline sift: 2 of 4 input lines failed (first: line 2: not JSON")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 4
    assert "probability" in rows[0] and "probability" in rows[3]
    assert rows[1]["error"].startswith("line 2: not JSON")
    assert rows[2]["error"] == 'line 3: expected an object with a string "text"'
