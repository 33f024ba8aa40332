#!/usr/bin/env python3
"""Generates article files for load and crash tests: random running text in the seeds' scripts
(words drawn from the seeds' vocabulary, so Devanagari, Bengali and Turkish in their real
proportions), 3-8 KB each, with a share of near duplicates (a copy with one sentence cut and
a "read also" line changed).

usage: generate_articles.py COUNT OUT_DIR [--near 0.1] [--seed 1]
Files are written under a temporary name and renamed, as producers should.
"""
import argparse
import glob
import os
import random

parser = argparse.ArgumentParser()
parser.add_argument("count", type=int)
parser.add_argument("out")
parser.add_argument("--near", type=float, default=0.1)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--seeds", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "seeds"))
args = parser.parse_args()

rng = random.Random(args.seed)
vocabularies = []
for path in sorted(glob.glob(os.path.join(args.seeds, "*.txt"))):
    words = open(path, encoding="utf-8").read().split()
    vocabularies.append([w.strip(".,:;!?।॥\"'()") for w in words if w.strip(".,:;!?।॥\"'()")])
os.makedirs(args.out, exist_ok=True)


def article():
    words = rng.choice(vocabularies)
    target = rng.randint(3000, 8000)
    sentences, size = [], 0
    while size < target:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + "."
        sentences.append(sentence)
        size += len(sentence.encode()) + 1
    return sentences


def write(name, sentences):
    path = os.path.join(args.out, name)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(sentences) + "\n")
    os.rename(path + ".tmp", path)


made = 0
while made < args.count:
    sentences = article()
    write(f"gen-{made:06d}.txt", sentences)
    made += 1
    if made < args.count and rng.random() < args.near:
        edited = list(sentences)
        del edited[rng.randrange(len(edited))]
        edited.append("Read also: " + " ".join(rng.choice(vocabularies[0]) for _ in range(6)))
        write(f"gen-{made:06d}.txt", edited)
        made += 1
