"""Research featurizer for round 2 (issue 17): lexicon classes and de-obfuscation, measured by LOSO.

Slow (Python per text) but flexible: each option adds features to the base
hashed counts (``redline_host.text.hashfeat``) in the same 2**bits space, so
what the model learns from plain text transfers to the decoded / joined /
folded text. Options (comma-separated in ``--extra``):

- ``cls``: one feature per lexicon class present; ``pairs``: one per pair of classes present;
  ``adj``: class bigrams of neighbouring class words (within 3 words);
- ``b64``/``hex``: decode base64 / hex / ``\\x`` / ``%`` runs; printable results are scored as text (+ flag);
- ``space``: runs of single-letter words joined (split where the gap changes) and scored as text;
- ``leet``: words mixing letters and digits/@$! read through a leet table; scored when they hit the lexicon;
- ``rot``: with an encoding cue, words read as ROT13 and reversed; scored when they hit the lexicon.

    python tools/textlab/research.py --extra cls,pairs --pairs grouped
"""
import argparse
import base64
import binascii
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "host"))

import feats  # noqa: E402
import loso  # noqa: E402
from redline_host.text import fold, hashfeat, lexicon  # noqa: E402

M21 = 0x1FFFFF
PRIME = 0x1B3
OFF = 0x12325
MIX_CLS = (0x1C8D, 0x3125)
PREFIX = 6


def whash(units):
    h = OFF
    for u in units:
        h = ((h ^ u) * PRIME) & M21
    return h


def pair_key(h1, h2):
    return ((h1 * PRIME) & M21) ^ h2


class Words:
    """Words of a text as (units, solo) with the model's folding (digits to 0)."""

    def __init__(self, fold_digits=True):
        self.fz = feats.Featurizer(bits=15, grams=(3,), digits=not fold_digits)

    def words(self, text):
        out = []
        cur = []
        for ch in text:
            k, u = self.fz.char_action(ch)
            if k == fold.SELF:
                cur.append(u)
            elif k == fold.SOLO:
                if cur:
                    out.append((tuple(cur), False))
                    cur = []
                out.append(((u,), True))
            elif k == fold.SEP:
                if cur:
                    out.append((tuple(cur), False))
                    cur = []
        if cur:
            out.append((tuple(cur), False))
        return out


class Lexicon:
    def __init__(self, words):
        self.w = words
        self.word = {}       # key -> class mask
        self.pair = {}
        for ci, entry in lexicon.entries():
            ws = words.words(entry)
            if not ws:
                continue
            if all(s for _, s in ws):
                if len(ws) == 1:
                    k = whash(ws[0][0])
                    self.word[k] = self.word.get(k, 0) | (1 << ci)
                else:
                    k = pair_key(whash(ws[0][0]), whash(ws[1][0]))
                    self.pair[k] = self.pair.get(k, 0) | (1 << ci)
            elif len(ws) == 1:
                k = whash(ws[0][0][:PREFIX])
                self.word[k] = self.word.get(k, 0) | (1 << ci)

    def key(self, units):
        return whash(units[:PREFIX])

    def classes(self, ws):
        """Class mask of each word (solo pairs give the mask to the second letter)."""
        out = []
        prev_solo = None
        for units, solo in ws:
            m = self.word.get(whash(units[:PREFIX]) if not solo else whash(units), 0)
            if solo:
                h = whash(units)
                if prev_solo is not None:
                    m |= self.pair.get(pair_key(prev_solo, h), 0)
                prev_solo = h
            else:
                prev_solo = None
            out.append(m)
        return out


B64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
HEXRUN = re.compile(r"(?<![0-9A-Za-z])(?:0x)?([0-9A-Fa-f]{16,})(?![0-9A-Za-z])")
ESC = re.compile(r"(?:(?:\\x|%)[0-9A-Fa-f]{2}){3,}")
LEET_TOK = re.compile(r"[A-Za-z0-9@$!|]+")
LEET = str.maketrans("013457@$!|89", "oieastasilbg")
ENC_CUE = ("rot13", "backwards", "reversed", "reverse", "decode", "rot")


def printable(b):
    if not b:
        return False
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    good = sum(1 for c in s if c.isprintable() or c in "\n\t\r")
    letters = sum(1 for c in s if c.isalpha())
    return good >= 0.9 * len(s) and letters >= 0.5 * len(s)


class Extra:
    def __init__(self, opts, bits=15):
        self.opts = set(opts)
        rb, pb = fold.encode_table(fold_digits=True)
        self.base = hashfeat.Features(rb, pb, bits, fold.ascii_table(True))
        self.mask = (1 << bits) - 1
        self.words = Words()
        self.lex = Lexicon(self.words)
        self.stats = {}

    def _flag(self, name):
        self.stats[name] = self.stats.get(name, 0) + 1
        return 0x7000 + (hash(name) & 0xFF)

    def decoded(self, text):
        """Extra texts (decoded, joined, folded) and flag keys for one text."""
        out = []
        flags = []
        o = self.opts
        if "b64" in o:
            for m in B64.finditer(text):
                s = m.group(0)
                if not re.search(r"[A-Z]", s) or not re.search(r"[a-z]", s):
                    continue
                try:
                    d = base64.b64decode(s + "=" * (-len(s) % 4), validate=False)
                except (binascii.Error, ValueError):
                    continue
                if printable(d):
                    out.append(d.decode("utf-8"))
                    flags.append(self._flag("b64text"))
        if "hex" in o:
            for m in HEXRUN.finditer(text):
                s = m.group(1)
                if len(s) % 2:
                    s = s[:-1]
                d = bytes.fromhex(s)
                if printable(d):
                    out.append(d.decode("utf-8"))
                    flags.append(self._flag("hextext"))
            for m in ESC.finditer(text):
                s = re.sub(r"\\x|%", "", m.group(0))
                d = bytes.fromhex(s)
                if printable(d):
                    out.append(d.decode("utf-8"))
                    flags.append(self._flag("esctext"))
        ws = None
        if "space" in o:
            ws = self.words.words(text)
            joined = self._spaced(text)
            if joined:
                out.append(joined)
                flags.append(self._flag("spaced"))
        if "leet" in o:
            got = []
            for m in LEET_TOK.finditer(text):
                t = m.group(0)
                if not re.search(r"[0-9@$!|]", t) or not re.search(r"[A-Za-z]", t) or len(t) < 3:
                    continue
                t2 = t.lower().translate(LEET)
                w = self.words.words(t2)
                if len(w) == 1 and self.lex.word.get(whash(w[0][0][:PREFIX]), 0) and len(w[0][0]) >= 3:
                    got.append(t2)
            if got:
                out.append(" ".join(got))
                flags.append(self._flag("leet"))
        if "rot" in o:
            low = text.lower()
            if any(c in low for c in ENC_CUE):
                got = []
                for m in re.finditer(r"[A-Za-z]{4,}", text):
                    t = m.group(0).lower()
                    for t2 in (t.translate(str.maketrans("abcdefghijklmnopqrstuvwxyz", "nopqrstuvwxyzabcdefghijklm")),
                               t[::-1]):
                        w = self.words.words(t2)
                        if self.lex.word.get(whash(w[0][0][:PREFIX]), 0):
                            got.append(t2)
                if got:
                    out.append(" ".join(got))
                    flags.append(self._flag("rot"))
        return out, flags

    def _spaced(self, text):
        """Runs of >= 3 single-letter words, joined; a run splits where the separator gap changes."""
        toks = list(re.finditer(r"[^\W\d_]|[\d]", text))
        # positions of single letters that are words by themselves (no letter right before / after)
        singles = []
        for m in re.finditer(r"(?<![^\W_])[^\W\d_](?![^\W_])", text):
            singles.append(m)
        runs = []
        cur = []
        gap = None
        for m in singles:
            if cur:
                g = text[cur[-1].end():m.start()]
                if re.search(r"[^\W_]", g) or len(g) > 4:
                    runs.append(cur)
                    cur = [m]
                    gap = None
                    continue
                if gap is None:
                    gap = g
                    cur.append(m)
                elif g == gap:
                    cur.append(m)
                else:
                    cur.append(None)       # word break
                    cur.append(m)
                    gap = gap
            else:
                cur = [m]
        if cur:
            runs.append(cur)
        words = []
        for r in runs:
            if sum(1 for m in r if m is not None) < 3:
                continue
            w = ""
            for m in r:
                if m is None:
                    words.append(w)
                    w = ""
                else:
                    w += m.group(0)
            words.append(w)
        return " ".join(x for x in words if x)

    def counts(self, texts):
        t0 = time.time()
        base = self.base.counts(texts)
        rows, cols = [], []
        extra_texts, extra_of = [], []
        o = self.opts
        for i, t in enumerate(texts):
            dec, flags = self.decoded(t) if (o - {"cls", "pairs", "adj", "clscount"}) else ([], [])
            for d in dec:
                extra_texts.append(d)
                extra_of.append(i)
            for f in flags:
                rows.append(i)
                cols.append(hashfeat.bucket(f, MIX_CLS, self.mask))
            if o & {"cls", "pairs", "adj", "clscount"}:
                allws = self.words.words(t)
                masks = self.lex.classes(allws)
                for d in dec:
                    masks += self.lex.classes(self.words.words(d))
                present = 0
                for m in masks:
                    present |= m
                    if "clscount" in o:
                        for c in range(16):
                            if m >> c & 1:
                                rows.append(i)
                                cols.append(hashfeat.bucket(0x100 + c, MIX_CLS, self.mask))
                if "cls" in o and "clscount" not in o:
                    for c in range(16):
                        if present >> c & 1:
                            rows.append(i)
                            cols.append(hashfeat.bucket(0x100 + c, MIX_CLS, self.mask))
                if "pairs" in o:
                    for a in range(16):
                        if present >> a & 1:
                            for b in range(a + 1, 16):
                                if present >> b & 1:
                                    rows.append(i)
                                    cols.append(hashfeat.bucket(0x200 + a * 16 + b, MIX_CLS, self.mask))
                if "adj" in o:
                    idx = [(k, m) for k, m in enumerate(masks) if m]
                    for x in range(len(idx)):
                        for y in range(x + 1, len(idx)):
                            if idx[y][0] - idx[x][0] > 3:
                                break
                            for a in range(16):
                                if idx[x][1] >> a & 1:
                                    for b in range(16):
                                        if idx[y][1] >> b & 1:
                                            rows.append(i)
                                            cols.append(hashfeat.bucket(0x400 + a * 16 + b, MIX_CLS, self.mask))
        m = base
        if extra_texts:
            e = self.base.counts(extra_texts)
            P = sparse.csr_matrix((np.ones(len(extra_of)), (np.asarray(extra_of), np.arange(len(extra_of)))),
                                  shape=(len(texts), len(extra_texts)))
            m = m + P @ e
        if rows:
            m = m + sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=m.shape)
        print("research features %.1fs %s" % (time.time() - t0, json.dumps(self.stats)), file=sys.stderr)
        return m.tocsr()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extra", default="")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--bits", type=int, default=15)
    ap.add_argument("--pairs", default="grouped")
    ap.add_argument("--units", default="")
    ap.add_argument("--out")
    a = ap.parse_args()
    fz = Extra([x for x in a.extra.split(",") if x], a.bits)
    rows = loso.load_rows()
    res = loso.run(rows, fz, a.C, a.pairs, log=lambda s: None, balance="unit",
                   units=set(a.units.split(",")) if a.units else None)
    s = loso.summary(res)
    s["config"] = vars(a)
    if a.out:
        Path(a.out).write_text(json.dumps({"summary": s, "folds": res}, indent=1))
    print(json.dumps({k: s[k] for k in ("worst_auroc", "worst_fold", "mean_auroc", "mean_recall@fpr05",
                                        "mean_recall@0", "mean_fpr@0")}))
    pu = {}
    for r in res:
        pu.setdefault(r["attack"], []).append(r["recall@fpr05"])
        pu.setdefault(r["benign"], []).append(r["recall@fpr05"])
    print(json.dumps({u: [round(s["per_unit_worst_auroc"][u], 3), round(float(np.mean(v)), 3)] for u, v in pu.items()}))


if __name__ == "__main__":
    main()
