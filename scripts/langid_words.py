"""Build khlang's word-frequency table for word-level language ID (code-switching).

    python scripts/langid_words.py CORPUS [--out FILE]   # needs `wordfreq` (training only)

One entry per word: its Zipf frequency (log10 of occurrences per billion words) in each language
of :data:`khlang.lang.latin_model.LABELS` where it is known, blank elsewhere. en, id, ms and tl
come from wordfreq's lists (their top 30,000 words each; CC BY-SA 4.0 data drawn from Wikipedia,
subtitles, news, web text and social media — so informal spellings such as *gue, bgt, yg* are
there); jv, su and ceb, which wordfreq lacks, from word counts of the training corpus that
``scripts/langid_corpus.py`` builds (NusaX, treebanks, Cebuano news: smaller, so their rare words
are over-estimated — the character model and the run prior temper that). Words that NusaX's
parallel sentences show to be shared with Indonesian get Indonesian's frequency in the jv and
su lists (equal evidence), not their over-estimated corpus count.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src" / "khlang" / "lang"))

import latin_model  # noqa: E402

TOP = 30_000
WORDFREQ = {"en": "en", "id": "id", "ms": "ms", "tl": "fil"}


def count(path: Path) -> Counter:
    return Counter(w for line in path.read_text(encoding="utf-8").splitlines() for w in latin_model.words(line))


def main() -> None:
    import wordfreq

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "khlang" / "lang" / "data" / latin_model.WORDS_FILE)
    args = ap.parse_args()
    table: dict[str, dict[str, float]] = {}  # word → {lang: Zipf}
    for lang, code in WORDFREQ.items():
        for word in wordfreq.top_n_list(code, TOP):
            for norm in latin_model.words(word):
                table.setdefault(norm, {})[lang] = max(table.get(norm, {}).get(lang, 0.0), wordfreq.zipf_frequency(word, code))
    parallel_id = count(args.corpus / "nusax" / "id.txt")
    for lang in ("jv", "su", "ceb"):
        counts = count(args.corpus / f"{lang}.txt")
        total = sum(counts.values())
        parallel = count(args.corpus / "nusax" / f"{lang}.txt") if lang != "ceb" else Counter()
        for word, n in counts.items():
            # a word as common in NusaX's Indonesian sentences as in their Javanese/Sundanese
            # translations (banget, kok, pasar) is shared: as typical of jv/su as of Indonesian,
            # so it neither starts nor ends a switch (its neighbours decide)
            entry = table.setdefault(word, {})
            if parallel and parallel_id[word] * 4 >= parallel[word] > 0:
                if "id" in entry:
                    entry[lang] = entry["id"]
                continue
            entry[lang] = round(math.log10((n - 0.9) / total * 1e9), 2)
    labels = list(latin_model.LABELS)
    words = sorted(table)
    # one byte per word and label: ten times the Zipf value (one decimal, 0 < Zipf < 25.5), 0 where
    # the language's list lacks the word (latin_model._word_table reads it back)
    tenths = bytes(round(table[word][lang] * 10) if lang in table[word] else 0 for word in words for lang in labels)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as out:
        json.dump({"labels": labels, "words": words, "zipf10": base64.b64encode(tenths).decode("ascii")}, out,
                  ensure_ascii=False, separators=(",", ":"))
    print(f"{len(table):,} words → {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
