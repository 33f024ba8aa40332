#!/usr/bin/env python3
"""The baseline operators run today, for the benchmark: PyPI's `simhash` package (its default
features and SimhashIndex, k=3), sqlite3 and zlib, over an inbox, one file at a time.

usage: python_baseline.py INBOX STORE   (prints: files seconds)
"""
import os
import sqlite3
import sys
import time
import zlib

from simhash import Simhash, SimhashIndex

inbox, store = sys.argv[1], sys.argv[2]
db = sqlite3.connect(store)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS article (id INTEGER PRIMARY KEY, name TEXT, simhash TEXT, body BLOB)")
db.execute("CREATE TABLE IF NOT EXISTS duplicate (id INTEGER PRIMARY KEY, name TEXT, of INTEGER)")
index = SimhashIndex([], k=3)
processed = os.path.join(os.path.dirname(os.path.abspath(inbox)), "processed-python")
os.makedirs(processed, exist_ok=True)

start = time.monotonic()
count = 0
for name in sorted(os.listdir(inbox)):
    path = os.path.join(inbox, name)
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")
    fingerprint = Simhash(text)
    near = index.get_near_dups(fingerprint)
    if near:
        db.execute("INSERT INTO duplicate (name, of) VALUES (?, ?)", (name, int(near[0])))
    else:
        cursor = db.execute("INSERT INTO article (name, simhash, body) VALUES (?, ?, ?)",
                            (name, str(fingerprint.value), zlib.compress(raw, 6)))
        index.add(str(cursor.lastrowid), fingerprint)
    db.commit()
    os.rename(path, os.path.join(processed, name))
    count += 1
print(count, time.monotonic() - start)
