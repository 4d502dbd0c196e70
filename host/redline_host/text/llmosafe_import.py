"""Read llmosafe's ``vocab_model.bin`` (spec §3.2) and convert it to a redline model.

    from redline_host.text.llmosafe_import import read_vocab_model, convert
    ref = read_vocab_model("../shared/reference/vocab_model.bin")
    report = convert(ref, "build/llmosafe")

Weights reproduce the reference's effective f32 values: idf and coef rounded to
5 decimals and multiplied in single precision (spec §3.2), then scaled to int16.
Keys are the low 32 bits of the 64-bit hashes; ``report["collisions"]`` counts
entries that would share a low-32-bit key (expected 0).
"""
import math
import struct

import numpy as np

from redline_host.errors import UserError
from redline_host.text.modelfile import quantize, write_model


def _f32(x):
    return float(np.float32(x))


def read_vocab_model(path):
    try:
        data = open(path, "rb").read()
    except OSError as exc:
        raise UserError("cannot read %s: %s" % (path, exc.strerror))
    if len(data) < 12:
        raise UserError("%s: too short for a vocab_model.bin (%d bytes)" % (path, len(data)))
    n, threshold, intercept = struct.unpack_from("<Iff", data, 0)
    if len(data) != 12 + 16 * n:
        raise UserError("%s: length %d does not match %d entries" % (path, len(data), n))
    hashes, idfs, coefs = [], [], []
    for i in range(n):
        h, idf, coef = struct.unpack_from("<Qff", data, 12 + 16 * i)
        hashes.append(h)
        idfs.append(idf)
        coefs.append(coef)
    values = [threshold, intercept] + idfs + coefs
    if not all(math.isfinite(v) for v in values):
        raise UserError("%s: non-finite values" % path)
    if any(hashes[i] >= hashes[i + 1] for i in range(n - 1)):
        raise UserError("%s: hashes not strictly increasing" % path)
    return {"n": n, "threshold": threshold, "intercept": intercept, "hashes": hashes, "idf": idfs, "coef": coefs,
            "bytes": len(data)}


def effective_products(ref):
    """f32(round(idf, 5)) * f32(round(coef, 5)) in f32, as llmosafe's build embeds them."""
    out = []
    for idf, coef in zip(ref["idf"], ref["coef"]):
        a = np.float32(float("%.5f" % idf))
        b = np.float32(float("%.5f" % coef))
        out.append(float(np.float32(a * b)))
    return out


def convert(ref, out_dir):
    products = effective_products(ref)
    low = [h & 0xFFFFFFFF for h in ref["hashes"]]
    order = sorted(range(len(low)), key=lambda i: low[i])
    keys = [low[i] for i in order]
    collisions = sum(1 for i in range(len(keys) - 1) if keys[i] == keys[i + 1])
    if collisions:
        raise UserError("%d llmosafe keys collide on their low 32 bits" % collisions)
    prods = [products[i] for i in order]
    q = quantize(prods, _f32(ref["intercept"]), _f32(ref["threshold"]))
    path, sha, size = write_model(out_dir, keys, q.weights, q.scale, q.intercept, q.threshold,
                                  description="imported from llmosafe vocab_model.bin (MIT); %d entries" % ref["n"])
    return {
        "entries": ref["n"],
        "collisions": collisions,
        "scale": q.scale,
        "intercept": q.intercept,
        "threshold": q.threshold,
        "max_weight_error": q.max_weight_error,
        "payload_bytes": size,
        "bytes_per_entry": size / max(1, ref["n"]),
        "sha256": sha,
        "path": str(path),
    }
