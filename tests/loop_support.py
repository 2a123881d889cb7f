"""A labelled corpus for the labelling-loop tests: real clean text with a known truth.

Clean ("good"): the five Thai seed articles cut into pieces of one to three paragraphs, and the dev
sentences of ``shared/data/eval/langid.tsv`` for Khmer, Vietnamese and English grouped two to five
at a time — short news pieces the team in this story wants to keep, though many fall under the
default ``min_words`` of 50. Junk ("bad"): the templates of ``bench/quality_junk.py`` (menus, link
lists, keyword stuffing, spam, symbol runs, repeated lines, boilerplate, product listings).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("km", "vi", "en")


def clean_docs(shared: Path, per_lang: int = 70, seed: int = 7) -> list[tuple[str, str]]:
    """(lang, text) of clean short documents."""
    rng = random.Random(seed)
    out = []
    paragraphs = [p.strip() for f in sorted((shared / "seeds").glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
    i = 0
    while i < len(paragraphs):
        k = rng.randint(1, 3)
        out.append(("th", "\n".join(paragraphs[i:i + k])))
        i += k
    sentences: dict[str, list[str]] = {}
    for line in (shared / "data" / "eval" / "langid.tsv").open(encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 3 and parts[0] in LANGS and parts[2] == "ntrex":
            sentences.setdefault(parts[0], []).append(parts[1].strip())
    for lang in LANGS:
        pool, made = sentences[lang], 0
        j = 0
        while made < per_lang and j < len(pool):
            k = rng.randint(2, 5)
            out.append((lang, " ".join(pool[j:j + k])))
            j += k
            made += 1
    return out


def junk_docs(langs=("th",) + LANGS, per_kind: int = 6) -> list[tuple[str, str]]:
    """(lang, text) of the bench's planted junk for ``langs``."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from quality_junk import junk_docs as make
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return [(lang, text) for lang, _, text in make(per_kind=per_kind) if lang in langs]


def write_input(shared: Path, path: Path) -> dict[str, bool]:
    """Write the mixed documents (shuffled, neutral ids) as JSONL; returns id → good?"""
    docs = [(t, True) for _, t in clean_docs(shared)] + [(t, False) for _, t in junk_docs()]
    random.Random(3).shuffle(docs)
    truth = {}
    with path.open("w", encoding="utf-8") as f:
        for n, (text, good) in enumerate(docs):
            doc_id = f"d{n:04d}"
            truth[doc_id] = good
            f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    return truth
