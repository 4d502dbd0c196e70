"""Field-by-field comparison of a board's replies with the host reference's (the serial harness).

    from redline_host.device.compare import first_difference
    first_difference({"ok": True, "r": [0, 1]}, {"ok": True, "r": [0, 2]})    # ('r.1', 1, 2)

Fields that legitimately differ between two nodes (ids, heap, uptime, nonces, back-off
times) are
left out (``VOLATILE``).
"""

# heap_free_built/heap_free_boot and max_feed (sized from the free heap) differ between a board and
# the host reference as much as heap_free does
VOLATILE = ("id", "heap_free", "heap_largest", "heap_free_built", "heap_free_boot", "max_feed", "uptime_ms", "nonce",
            "backoff_ms", "retry_ms")


def first_difference(expected, got, path=""):
    """(path, expected, got) of the first differing field, or None. Feed results are named."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for k in expected:
            if k in VOLATILE:
                continue
            if k not in got:
                return (path + k, expected[k], "<missing>")
            d = first_difference(expected[k], got[k], path + k + ".")
            if d:
                return d
        for k in got:
            if k not in expected and k not in VOLATILE:
                return (path + k, "<missing>", got[k])
        return None
    if isinstance(expected, list) and isinstance(got, list):
        for i in range(min(len(expected), len(got))):
            d = first_difference(expected[i], got[i], path + "%d." % i)
            if d:
                return d
        if len(expected) != len(got):
            return (path.rstrip("."), "len %d" % len(expected), "len %d" % len(got))
        return None
    if expected != got or type(expected) is not type(got):
        return (path.rstrip("."), expected, got)
    return None


def first_stage_difference(expected, got):
    """(stage, field, expected, got) of two traces, in the traces' stage order."""
    emap = {s: f for s, f in expected}
    for stage, fields in got:
        if stage not in emap:
            return (stage, "", "<missing>", fields)
    for stage, fields in expected:
        gmap = {s: f for s, f in got}
        gf = gmap.get(stage)
        if gf is None:
            return (stage, "", fields, "<missing>")
        for k in fields:
            if gf.get(k, "<missing>") != fields[k]:
                return (stage, k, fields[k], gf.get(k, "<missing>"))
        for k in gf:
            if k not in fields:
                return (stage, k, "<missing>", gf[k])
    return None


def percentile(xs, q):
    if not xs:
        return 0.0
    s = sorted(xs)
    i = min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))
    return s[i]
