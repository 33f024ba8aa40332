#!/usr/bin/env python3
"""Independent reference for DedupCore's fingerprint, used to make the known-answer vectors in
Tests/DedupCoreTests. Written from the rules in Normalizer.swift, not from its code: Python's
unicodedata for NFKC and categories, PyPI's xxhash for XXH64, hashlib for SHA-256.

usage: reference_fingerprint.py FILE...     prints sha256, simhash, token count, lead simhash, anchors per file
       reference_fingerprint.py --text TEXT
"""
import hashlib
import html.entities
import re
import struct
import sys
import unicodedata

import xxhash

P1 = 0x9E3779B185EBCA87
P2 = 0xC2B2AE3D27D4EB4F
P3 = 0x165667B19E3779F9
P5 = 0x27D4EB2F165667C5
M = (1 << 64) - 1

WORD_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No"}
MARKS = {"Mn", "Mc", "Me"}


def default_ignorable(c):
    # DerivedCoreProperties Default_Ignorable_Code_Point, the ranges that occur in text.
    v = ord(c)
    return (v == 0x00AD or v == 0x034F or v == 0x061C or 0x115F <= v <= 0x1160 or 0x17B4 <= v <= 0x17B5
            or 0x180B <= v <= 0x180F or 0x200B <= v <= 0x200F or 0x202A <= v <= 0x202E
            or 0x2060 <= v <= 0x206F or v == 0x3164 or 0xFE00 <= v <= 0xFE0F or v == 0xFEFF
            or v == 0xFFA0 or 0xFFF0 <= v <= 0xFFF8 or 0x1BCA0 <= v <= 0x1BCA3
            or 0x1D173 <= v <= 0x1D17A or 0xE0000 <= v <= 0xE0FFF)


def classify(c):
    if default_ignorable(c):
        return "ignorable"
    return "word" if unicodedata.category(c) in WORD_CATEGORIES else "separator"


def unsegmented(v):
    return (0x0E00 <= v <= 0x0EFF or 0x1000 <= v <= 0x109F or 0x1780 <= v <= 0x17FF
            or 0x3040 <= v <= 0x30FF or 0x31F0 <= v <= 0x31FF or 0x3400 <= v <= 0x4DBF
            or 0x4E00 <= v <= 0x9FFF or 0xF900 <= v <= 0xFAFF or 0x20000 <= v <= 0x3FFFF)


def normalized_tokens(segment):
    folded = unicodedata.normalize("NFKC", segment).lower()
    tokens, current, cur_unseg, prev = [], [], False, None
    for c in folded:
        kind = classify(c)
        if kind == "ignorable":
            prev = c
            continue
        if kind == "separator":
            if current:
                tokens.append("".join(current))
            current, cur_unseg, prev = [], False, c
            continue
        if unicodedata.category(c) in MARKS:
            if not (ord(c) == 0x0307 and prev == "i"):
                current.append(c)
            prev = c
            continue
        # Decimal digits of every script are their value (fingerprint algorithm 3).
        if unicodedata.category(c) == "Nd":
            c = str(unicodedata.decimal(c))
        if unsegmented(ord(c)) or cur_unseg:
            if current:
                tokens.append("".join(current))
            current = []
        cur_unseg = unsegmented(ord(c))
        current.append({"\u0131": "i", "\u00df": "ss", "\u03c2": "\u03c3"}.get(c, c))
        prev = c
    if current:
        tokens.append("".join(current))
    return tokens


def tokens(text):
    out, segment = [], []
    for c in text:
        kind = classify(c)
        if kind == "word":
            segment.append(c)
        elif kind == "separator":
            if segment:
                out.extend(normalized_tokens("".join(segment)))
            segment = []
    if segment:
        out.extend(normalized_tokens("".join(segment)))
    return out


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def avalanche(h):
    h ^= h >> 33
    h = (h * P2) & M
    h ^= h >> 29
    h = (h * P3) & M
    h ^= h >> 32
    return h


def features(toks, size=2):
    hashes = [xxhash.xxh64(t.encode("utf-8")).intdigest() for t in toks]
    width = min(size, len(hashes))
    seed = (width * P5) & M
    out = []
    for start in range(len(hashes) - width + 1):
        acc = seed
        for h in hashes[start:start + width]:
            acc = (rotl((acc + h * P2) & M, 31) * P1) & M
        out.append(avalanche(acc))
    return out


def simhash(feats):
    result = 0
    for bit in range(64):
        ones = sum((f >> bit) & 1 for f in feats)
        if ones * 2 > len(feats):
            result |= 1 << bit
    return result


LEAD_TOKENS = 128
NAMED = {"amp", "lt", "gt", "quot", "apos", "nbsp", "ndash", "mdash", "hellip", "laquo", "raquo", "lsquo",
         "rsquo", "ldquo", "rdquo", "sbquo", "bdquo", "copy", "reg", "trade", "shy", "zwj", "zwnj", "lrm", "rlm",
         "bull", "middot", "deg", "euro", "pound", "yen", "times", "thinsp", "ensp", "emsp"}
TAG = re.compile(r"<[A-Za-z/!?][^<>]{0,1998}>")
SCRIPT = re.compile(r"<(script|style)\b[^<>]*>.*?(</\1\s*>|\Z)", re.S | re.I)
REF = re.compile(r"&(#[xX][0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);")


def plain_text(text):
    """Markup rules (Markup.swift): script/style elements dropped, tags become a space,
    the listed character references decoded."""
    if "<" not in text and "&" not in text:
        return text
    text = SCRIPT.sub(" ", text)
    text = TAG.sub(" ", text)

    def ref(m):
        body = m.group(1)
        if body[0] == "#":
            value = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
            return chr(value) if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else m.group(0)
        return html.entities.html5[body + ";"] if body in NAMED else m.group(0)
    return REF.sub(ref, text)


ANCHORS = 4
ANCHOR_GRAM = 4


def xxround(acc, value):
    return (rotl((acc + value * P2) & M, 31) * P1) & M


def anchors(toks):
    """Fingerprint algorithm 4: the low 32 bits of the ANCHORS smallest distinct hashes of the
    text's 4-grams, smallest first. The 4-gram at token i is hashed from the word pairs at i and
    i + 2; a text of fewer than four tokens takes its pairs themselves."""
    pairs = features(toks, 2)
    if len(pairs) > 2:
        seed = (ANCHOR_GRAM * P5) & M
        grams = [avalanche(xxround(xxround(seed, pairs[i]), pairs[i + 2])) for i in range(len(pairs) - 2)]
    else:
        grams = pairs
    return [f & 0xFFFFFFFF for f in sorted(set(grams))[:ANCHORS]]


def fingerprint(text):
    """sha256, whole-text simhash, token count, lead simhash (first LEAD_TOKENS tokens), anchors."""
    toks = tokens(plain_text(text))
    canonical = " ".join(toks)
    whole = simhash(features(toks))
    lead = whole if len(toks) <= LEAD_TOKENS else simhash(features(toks[:LEAD_TOKENS]))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest(), whole, len(toks), lead, anchors(toks)


def decode(raw):
    if raw[:2] == b"\xff\xfe":
        return raw[2:].decode("utf-16-le")
    if raw[:2] == b"\xfe\xff":
        return raw[2:].decode("utf-16-be")
    if raw[:3] == b"\xef\xbb\xbf":
        raw = raw[3:]
    return raw.decode("utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--text"]:
        sha, sim, n, lead, anc = fingerprint(sys.argv[2])
        print(f"{sha} {sim:016x} {n} {lead:016x} {' '.join(f'{a:08x}' for a in anc)} {tokens(plain_text(sys.argv[2]))}")
    else:
        for path in sys.argv[1:]:
            with open(path, "rb") as f:
                sha, sim, n, lead, anc = fingerprint(decode(f.read()))
            print(f"{path} {sha} {sim:016x} {n} {lead:016x} {' '.join(f'{a:08x}' for a in anc)}")
