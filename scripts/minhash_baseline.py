#!/usr/bin/env python3
"""The MinHash-LSH baseline of issue 15, as a user could write it in an afternoon: PyPI
`datasketch`, word 3-grams (character 3-grams for Chinese and Japanese, which have no spaces),
128 permutations, an LSH index at threshold 0.5, every candidate confirmed by the exact Jaccard
similarity of the 3-gram sets (>= 0.5). Prints `I J` for every pair it judges a duplicate,
for the files NNNNNN.txt in DIR (I < J, by number).

    scripts/minhash_baseline.py DIR        (pip install datasketch)

Used by `newsdedup-bench quality --heavy` to put it in the same table as newsdedup.
"""
import os
import re
import sys

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+", re.UNICODE)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def shingles(text):
    text = text.lower()
    if len(CJK.findall(text)) > len(text) // 4:
        chars = [c for c in text if not c.isspace()]
        return {"".join(chars[i:i + 3]) for i in range(max(1, len(chars) - 2))}
    words = WORD.findall(text)
    return {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def main():
    folder = sys.argv[1]
    names = sorted(n for n in os.listdir(folder) if n.endswith(".txt"))
    sets, hashes = {}, {}
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for name in names:
        key = int(name[:-4])
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            grams = shingles(f.read())
        m = MinHash(num_perm=128)
        for gram in grams:
            m.update(gram.encode("utf-8"))
        sets[key], hashes[key] = grams, m
        lsh.insert(key, m)
    for key in sorted(sets):
        for other in lsh.query(hashes[key]):
            if other <= key:
                continue
            a, b = sets[key], sets[other]
            if len(a & b) / max(1, len(a | b)) >= 0.5:
                print(key, other)


if __name__ == "__main__":
    main()
