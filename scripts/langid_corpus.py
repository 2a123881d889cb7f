"""Build the training text for khlang's Latin-script language model from public repositories.

    python scripts/langid_corpus.py MIRRORS OUT

MIRRORS is a folder of bare git snapshots named ``owner+name/repo`` (as the project's fetch tool
leaves them); OUT receives one ``<lang>.txt`` per label, one sentence a line, deduplicated and
shuffled with a fixed seed. Sources and licences are listed in docs/language.md. Nothing here
reads ``../shared/data/eval``: the evaluation sets stay out of training; ``--check`` only counts
exact overlaps with them so a leak would be seen.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import subprocess
from pathlib import Path

CAP = 20_000  # sentences per label at most (keeps the classes comparable)
SUBTITLES = 4_000  # Malay subtitle lines at most
_ID_ONLY = re.compile(r"\b(bisa|karena|bahwa|uang|nggak|gak|banget|dong|kok|aja|sih|mengapa|mobil|kantor)\b", re.I)
_MS_ONLY = re.compile(r"\b(kerana|bahawa|sahaja|wang|kereta|pejabat|polis|tak|boleh|awak|nak|beliau berkata)\b", re.I)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def git_show(mirrors: Path, repo: str, path: str, ref: str = "HEAD") -> str:
    folder = mirrors / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "-C", str(folder), "show", f"{ref}:{path}"], capture_output=True)
    if out.returncode:  # snapshots leave out files of 4 MiB and more
        print(f"  skipped (not in the snapshot): {repo} {path}")
        return ""
    return out.stdout.decode("utf-8", errors="replace")


def git_ls(mirrors: Path, repo: str, pattern: str) -> list[str]:
    folder = mirrors / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "-C", str(folder), "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, check=True)
    return [p for p in out.stdout.decode().splitlines() if re.search(pattern, p)]


def conllu_text(raw: str) -> list[str]:
    return [line[len("# text = "):] for line in raw.splitlines() if line.startswith("# text = ")]


def sentences(raw: str) -> list[str]:
    out = []
    for para in raw.splitlines():
        out.extend(_SPLIT.split(para.strip()))
    return out


def nusax(mirrors: Path, column: str) -> list[str]:
    rows = csv.DictReader(io.StringIO(git_show(mirrors, "IndoNLP/nusax", "datasets/mt/train.csv")))
    return [row[column] for row in rows]


def build(mirrors: Path) -> dict[str, list[str]]:
    ud = "UniversalDependencies/UD_"
    texts: dict[str, list[str]] = {k: [] for k in ("en", "id", "ms", "tl", "ceb", "jv", "su", "other")}
    # English: web text treebank + NusaX English (reviews)
    for split in ("train", "dev", "test"):
        texts["en"] += conllu_text(git_show(mirrors, ud + "English-EWT", f"en_ewt-ud-{split}.conllu"))
    texts["en"] += nusax(mirrors, "english")
    texts["en"] += conllu_text(git_show(mirrors, ud + "English-PUD", "en_pud-ud-test.conllu"))  # news, Wikipedia
    # Indonesian: GSD treebank (Wikipedia/news), Indonesian news (Malaya-Dataset), NusaX Indonesian
    for split in ("train", "dev", "test"):
        texts["id"] += conllu_text(git_show(mirrors, ud + "Indonesian-GSD", f"id_gsd-ud-{split}.conllu"))
    texts["id"] += conllu_text(git_show(mirrors, ud + "Indonesian-PUD", "id_pud-ud-test.conllu"))
    for doc in json.loads(git_show(mirrors, "mesolitica/malaysian-dataset", "corpus/language-detection/notebook/indon-news.json") or "[]"):
        texts["id"] += sentences(doc["text"])
    texts["id"] += nusax(mirrors, "indonesian")
    for name in ("600 news with valid hoax label.csv", "250 news with valid hoax label.csv"):
        raw = git_show(mirrors, "mesolitica/malaysian-dataset", f"news/fake-news/indonesian/{name}")
        texts["id"] += sentences(" ".join(raw.split("\n")).replace('";', "\n"))
    # Malay: Malaysian news articles, school essays, film subtitles (Malaya-Dataset)
    # (three of the five article files and two subtitle files are mostly Indonesian: left out)
    pattern = r"^news/articles/(filem|kerajaan)|karangan-sekolah/karangan$|subtitle/.*\.txt$"
    subtitles: list[str] = []
    for path in git_ls(mirrors, "mesolitica/malaysian-dataset", pattern):
        if not re.search(r"WarOfTheWorlds|CinderellaMan", path):
            lines = sentences(git_show(mirrors, "mesolitica/malaysian-dataset", path))
            (subtitles if "subtitle" in path else texts["ms"]).extend(lines)
    for path in ("corpus/subjectivity/subjectivity-negative-bm.txt", "corpus/subjectivity/subjectivity-positive-bm.txt"):
        texts["ms"] += git_show(mirrors, "mesolitica/malaysian-dataset", path).splitlines()  # translated reviews
    headlines = json.loads(git_show(mirrors, "mesolitica/malaysian-dataset", "corpus/sarcastic-news-headline/bm-sarcastic-news-headline.json") or "{}")
    texts["ms"] += [h for group in headlines.values() for h in group]
    random.Random(24).shuffle(subtitles)
    texts["ms"] += subtitles[:SUBTITLES]  # film dialogue: a minority, or "kau"/"sudah" become Malay
    # crawled text of one country often quotes the other: drop lines with the other's marker words
    texts["ms"] = [t for t in texts["ms"] if not _ID_ONLY.search(t)]
    texts["id"] = [t for t in texts["id"] if not _MS_ONLY.search(t)]
    # Tagalog: three treebanks (news, grammar examples, children's stories)
    for repo, path, ref in (("Tagalog-NewsCrawl", "tl_newscrawl-ud-dev.conllu", "dev"),
                            ("Tagalog-NewsCrawl", "tl_newscrawl-ud-test.conllu", "dev"),
                            ("Tagalog-TRG", "tl_trg-ud-test.conllu", "HEAD"), ("Tagalog-Ugnayan", "tl_ugnayan-ud-test.conllu", "HEAD")):
        texts["tl"] += conllu_text(git_show(mirrors, ud + repo, path, ref))
    # Cebuano: scraped Cebuano news (Cebuano-POS-Tagger evaluation data)
    for path in ("eval/data/scraped/news-raw-nc.txt", "eval/data/scraped/news-raw.txt"):
        texts["ceb"] += sentences(git_show(mirrors, "rjrequina/Cebuano-POS-Tagger", path))
    # Javanese, Sundanese: NusaX train split (reviews) + lexicon entries, Javanese treebank
    texts["jv"] += nusax(mirrors, "javanese") + conllu_text(git_show(mirrors, ud + "Javanese-CSUI", "jv_csui-ud-test.conllu"))
    texts["su"] += nusax(mirrors, "sundanese")
    # other: the other regional languages of NusaX, so "Austronesian but none of ours" has a class
    for column in ("acehnese", "banjarese", "madurese", "ngaju", "balinese", "buginese", "minangkabau", "toba_batak"):
        texts["other"] += nusax(mirrors, column)
    rng = random.Random(14)
    out = {}
    for lang, lines in texts.items():
        seen, keep = set(), []
        for line in lines:
            line = " ".join(line.split())
            if len(line) >= 3 and sum(c.isalpha() for c in line) >= 3 and line not in seen:
                seen.add(line)
                keep.append(line)
        rng.shuffle(keep)
        out[lang] = keep[:CAP]
    # informal Indonesian spellings (bgt, gue, yg, ga, udah, ngikutin …): the words of the
    # Colloquial Indonesian Lexicon, one a line, so single tokens of social text are known
    out["id"] += slang_words(mirrors)
    # NusaX's word lists: the Javanese, Sundanese and English words of its Indonesian entries
    # (only those spelled differently from the Indonesian word)
    for lang, name in (("jv", "javanese"), ("su", "sundanese"), ("en", "english")):
        rows = csv.DictReader(io.StringIO(git_show(mirrors, "IndoNLP/nusax", f"datasets/lexicon/{name}.csv")))
        out[lang] += sorted({r[name].strip().lower() for r in rows if r[name].strip().lower() != r["indonesian"].strip().lower()})
    return out


def slang_words(mirrors: Path) -> list[str]:
    raw = git_show(mirrors, "nasalsabila/kamus-alay", "colloquial-indonesian-lexicon.csv")
    skip = {"naturalisasi", "salah ketik"}  # loanwords and typos say little about the language
    found = {row["slang"].strip().lower() for row in csv.DictReader(io.StringIO(raw)) if row["category1"] not in skip}
    return sorted(w for w in found if w.isalpha() and len(w) >= 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mirrors", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--check", type=Path, help="an evaluation TSV (lang<TAB>text...) to count exact overlaps with")
    args = ap.parse_args()
    texts = build(args.mirrors)
    args.out.mkdir(parents=True, exist_ok=True)
    for lang, lines in texts.items():
        (args.out / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{lang}: {len(lines):,} lines, {sum(map(len, lines)):,} chars")
    # the parallel NusaX columns, kept apart: scripts/langid_words.py tells Javanese/Sundanese
    # words from the Indonesian ones they share by comparing the same sentences
    (args.out / "nusax").mkdir(exist_ok=True)
    for lang, column in (("id", "indonesian"), ("jv", "javanese"), ("su", "sundanese")):
        (args.out / "nusax" / f"{lang}.txt").write_text("\n".join(nusax(args.mirrors, column)) + "\n", encoding="utf-8")
    if args.check:
        evals = {" ".join(line.split("\t")[1].split()) for line in args.check.read_text(encoding="utf-8").splitlines()[1:]}
        overlap = sum(line in evals for lines in texts.values() for line in lines)
        print(f"exact overlap with {args.check}: {overlap} lines")


if __name__ == "__main__":
    main()
