#!/usr/bin/env python3
"""How far edits move the SimHash, per shingle size, on the seeds (with the reference
implementation, which the Swift tests pin to the same answers). This is the measurement behind
the default shingle size and near-duplicate distance; see DedupCore/NearDuplicateThreshold.swift.

usage: scripts/measure_edit_distances.py [SEED_DIR]
"""
import glob
import itertools
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_fingerprint as R  # noqa: E402

seed_dir = sys.argv[1] if len(sys.argv) > 1 else "seeds"
seeds = [open(p, encoding="utf-8").read() for p in sorted(glob.glob(os.path.join(seed_dir, "*")))]
sentence_end = re.compile(r"(?<=[.!?।॥])\s+")


def fp(text, n):
    return R.simhash(R.features(R.tokens(text), n))


def dist(a, b):
    return bin(a ^ b).count("1")


for n in [1, 2, 3, 4, 5]:
    base = [fp(s, n) for s in seeds]
    pairs = [dist(a, b) for a, b in itertools.combinations(base, 2)]
    small, large = [], []
    for s, b in zip(seeds, base):
        sentences = sentence_end.split(s)
        total = len(s.split())
        for i in range(len(sentences)):
            share = len(sentences[i].split()) / total
            d = dist(b, fp(" ".join(sentences[:i] + sentences[i + 1:]), n))
            (small if share <= 0.06 else large).append(d)
    small.sort()
    large.sort()
    read_also = "\n".join(l for l in seeds[0].split("\n") if not l.startswith("पढ़ें"))
    print(f"n={n}: seed pairs min={min(pairs)} (000-001: {pairs[0]}); "
          f"one sentence removed (<=6% of words): max={small[-1]} p90={small[int(.9 * len(small))]}; "
          f"6-30% removed: max={large[-2]}; read-also lines removed: {dist(base[0], fp(read_also, n))}")
