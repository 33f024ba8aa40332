#!/usr/bin/env python3
"""Prints `NAME HEX` for every .txt file in DIR, fingerprinted the way operators' current
script does: the PyPI `simhash` package with its defaults, Simhash(text).value.

    scripts/python_simhash_fingerprints.py DIR        (pip install simhash)

Its tokenizer keeps only regex \\w characters, so Devanagari and Bengali vowel signs and
virama (combining marks) are dropped: "पुतिन" becomes "पतन". Used by
`newsdedup-bench quality` to put the package in the same table as newsdedup.
"""
import os
import sys

from simhash import Simhash

folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    if name.endswith(".txt"):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            print(name[:-4], format(Simhash(f.read()).value, "016x"))
