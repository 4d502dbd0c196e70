"""Fingerprint redline's behaviour: SHA-256 of the harness vectors, the host reference's replies
and the sift / pipeline / guard command outputs on fixed inputs, on every runtime.

    .venv/bin/python tools/behaviour_hash.py                 # all of it (a few minutes)
    .venv/bin/python tools/behaviour_hash.py --runtimes cpython --texts 300 --steps 9000

Two trees that print the same lines behave the same, byte for byte, on these inputs
(a refactoring must not change a line). What is hashed:

- ``vectors``: the harness's generated vector file (``redline harness`` defaults:
  ``--texts 2500 --steps 100000 --seed 1``), as ``redline harness --write-vectors`` writes it;
- ``replies``: every reply of the host reference (the firmware's node on CPython,
  the harness's ``Reference``) to those vectors, one JSON line each, with an
  authenticated ``reset all`` at every reset marker; the volatile fields the harness
  ignores (id, heap_free, uptime_ms, nonce) are dropped and challenge replies (a
  random nonce) are left out;
- ``protocol``: hello, stats and audit of the reference after the run (volatile fields dropped);
- ``sift/RUNTIME``, ``pipeline/RUNTIME``, ``guard/RUNTIME``: stdout of ``redline sift``,
  ``redline pipeline --objective ... --dal B`` and ``redline guard --csv --config
  boards/common/redline_config.py`` on fixed inputs (the first ``--cli-texts`` texts;
  seeded vboard traces with faults).

Each line is ``name sha256 count``; runtimes that print the same bytes are listed as
such at the end.
"""
import argparse
import hashlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "host"))
sys.path.insert(0, str(REPO / "firmware"))

VOLATILE = ("id", "heap_free", "uptime_ms", "nonce")
KEY = bytes(range(32))


def _first(*names):
    """The first importable module of ``names`` (the layout moved modules; this script reads both)."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("none of %s" % ", ".join(names))


def sha(data):
    return hashlib.sha256(data).hexdigest()


def _strip(reply):
    return {k: v for k, v in reply.items() if k not in VOLATILE}


def reference_replies(vectors, model_dir):
    """(reply lines, protocol lines) of the host reference for ``vectors``."""
    harness = _first("redline_host.device.harness", "redline_host.device.harness")
    modelfile = _first("redline_host.text.modelfile", "redline_host.text.modelfile")
    sim = _first("redline_host.device.vboard_sim", "redline_host.device.vboard_sim")
    hmac = _first("redline.link.mac", "redline.link.mac")
    ref = harness.Reference(modelfile.load_model_dir(model_dir), sim.default_config(), KEY)
    next_id = [1]

    def request(req):
        req = dict(req)
        req["id"] = next_id[0]
        next_id[0] += 1
        return ref.request((json.dumps(req, ensure_ascii=False) + "\n").encode())

    def line(reply):
        return json.dumps(_strip(reply), ensure_ascii=False)

    out = []
    for v in vectors:
        if v.get("action") == "reset":
            nonce = bytes.fromhex(request({"op": "challenge"})["nonce"])
            mac = hmac.hmac_sha256(KEY, nonce + b"reset:all")
            out.append(line(request({"op": "reset", "scope": "all", "mac": mac.hex()})))
        else:
            out.append(line(request(v)))
    proto = [line(request({"op": op})) for op in ("hello", "stats", "audit")]
    return out, proto


def cli(args, stdin):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "host"), str(REPO / "firmware")] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "-m", "redline_host.cli"] + args, input=stdin,
                          capture_output=True, env=env, cwd=str(REPO))
    if proc.returncode != 0:
        raise SystemExit("redline %s failed (exit %d): %s" % (" ".join(args), proc.returncode,
                                                            proc.stderr.decode(errors="replace")[-1500:]))
    return proc.stdout


def guard_csv(seed):
    sim = _first("redline_host.device.vboard_sim", "redline_host.device.vboard_sim")
    lines = [",".join(sim.CHANNELS)]
    for k, spoof in enumerate(("replay", "step", "stuck", "ramp")):
        rows = sim.make_trace(600, seed=seed + k, spoof_at=300, spoof=spoof, spoof_channel=k % 3)
        lines += [",".join("%d" % v for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--texts", type=int, default=2500, help="harness texts (each a sift and a msg)")
    ap.add_argument("--steps", type=int, default=100000, help="harness sensor readings")
    ap.add_argument("--seed", type=int, default=1, help="seed of the harness vectors (sensor: seed + 1)")
    ap.add_argument("--cli-texts", type=int, default=400, help="texts fed to redline sift / pipeline")
    ap.add_argument("--runtimes", default="cpython,unix,wasm", help="runtimes of the command outputs")
    ap.add_argument("--model", default=str(REPO / "models" / "default"), help="model directory")
    ap.add_argument("--keep", help="also write every hashed stream to this folder")
    a = ap.parse_args(argv)
    hv = _first("redline_host.device.harness_vectors", "redline_host.device.harness_vectors")
    vectors = hv.text_vectors(a.texts, seed=a.seed) + hv.sensor_vectors(a.steps, seed=a.seed + 1)
    keep = Path(a.keep) if a.keep else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    rows = []

    def record(name, data, count):
        rows.append((name, sha(data), count))
        print("%-18s %s %d" % (name, sha(data), count), flush=True)
        if keep:
            (keep / (name.replace("/", "-") + ".out")).write_bytes(data)

    with tempfile.TemporaryDirectory() as tmp:
        vfile = Path(tmp) / "vectors.jsonl"
        hv.write_vectors(str(vfile), vectors)
        record("vectors", vfile.read_bytes(), len(vectors))
    replies, proto = reference_replies(vectors, a.model)
    record("replies", ("\n".join(replies) + "\n").encode(), len(replies))
    record("protocol", ("\n".join(proto) + "\n").encode(), len(proto))

    texts = [v["text"] for v in vectors if v.get("op") == "sift"][:a.cli_texts]
    text_in = "".join(json.dumps({"text": t}) + "\n" for t in texts).encode()
    csv_in = guard_csv(a.seed)
    config = str(REPO / "boards" / "common" / "redline_config.py")
    outputs = {}
    for rt in [r for r in a.runtimes.split(",") if r]:
        for name, args, stdin in (
            ("sift", ["sift", "--runtime", rt, "--model", a.model], text_in),
            ("pipeline", ["pipeline", "--runtime", rt, "--model", a.model, "--objective",
                          "greenhouse vent pump valve temperature", "--dal", "B", "--interval-ms", "700"], text_in),
            ("guard", ["guard", "--runtime", rt, "--csv", "--config", config], csv_in),
        ):
            out = cli(args, stdin)
            outputs.setdefault(name, {})[rt] = sha(out)
            record("%s/%s" % (name, rt), out, out.count(b"\n"))
    for name, by_rt in outputs.items():
        same = len(set(by_rt.values())) == 1
        print("%s: %s" % (name, ("identical on " + ",".join(by_rt)) if same else "RUNTIMES DIFFER"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
