"""Language identification: our ``langid`` stage versus each off-the-shelf detector alone.

    python bench/langid.py [--data FILE.tsv]

Data: ``lang<TAB>sentence`` lines. Uses ../shared/data/langid*.tsv (real multilingual sentences)
when present, else bench/data/langid_eval.tsv (sentences written for khlang, disjoint from the
naive-Bayes tuning texts in src/khlang/lang/data/tuning/ — the script checks the overlap).
Prints per-language F1, macro-F1 and throughput (sentences/s, ratio to fastText alone).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from khlang.lang import langid  # noqa: E402

LABELS = list(langid.LANGUAGES)
_ALIASES = {"fil": "tl", "wuu": "zh", "yue": "zh", "zh-cn": "zh", "zh-tw": "zh"}


def to_ours(label: str) -> str:
    label = _ALIASES.get(label.lower(), label.lower())
    return label if label in LABELS else "other"


def load(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        lang, text = line.split("\t", 1)
        rows.append((lang.strip(), text.strip()))
    return rows


def find_data(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    for parent in ROOT.parents:
        shared = sorted((parent / "shared" / "data").glob("langid*.tsv")) if (parent / "shared" / "data").is_dir() else []
        if shared:
            return shared[0]
    return ROOT / "bench" / "data" / "langid_eval.tsv"


def systems() -> dict:
    import py3langid

    ft = langid._fasttext_model()
    out = {
        "khlang": lambda s: langid.detect(s)[0],
        "fasttext-lid176": lambda s: to_ours(ft.predict(" ".join(s.split()), k=1)[0][0].removeprefix("__label__")),
        "py3langid": lambda s: to_ours(py3langid.classify(s)[0]),
    }
    try:  # optional peer (96 MB wheel): pip install -e '.[bench]'
        from lingua import LanguageDetectorBuilder
    except ImportError:
        print("(lingua-language-detector not installed: pip install -e '.[bench]' to compare with it)")
        return out
    lingua = LanguageDetectorBuilder.from_all_languages().build()

    def lingua_label(s: str) -> str:
        found = lingua.detect_language_of(s)
        return "other" if found is None else to_ours(found.iso_code_639_1.name)

    out["lingua"] = lingua_label
    return out


def f1_scores(gold: list[str], pred: list[str]) -> dict[str, float]:
    out = {}
    for lang in sorted(set(gold)):
        tp = sum(g == p == lang for g, p in zip(gold, pred))
        fp = sum(p == lang and g != lang for g, p in zip(gold, pred))
        fn = sum(g == lang and p != lang for g, p in zip(gold, pred))
        out[lang] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def tuning_overlap(rows: list[tuple[str, str]]) -> float:
    """Share of evaluation word 4-grams that also occur in the tuning texts (should be ~0)."""
    tuning = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "src/khlang/lang/data/tuning").glob("*.txt"))

    def grams(t: str) -> set:
        w = re.findall(r"\w+", t.lower())
        return {tuple(w[i : i + 4]) for i in range(len(w) - 3)}

    tune = grams(tuning)
    evals = set().union(*(grams(t) for _, t in rows))
    return len(evals & tune) / max(len(evals), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the data for the timing")
    args = ap.parse_args()
    path = find_data(args.data)
    rows = load(path)
    gold = [g for g, _ in rows]
    texts = [t for _, t in rows]
    print(f"data: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} — {len(rows)} sentences, "
          f"{len(set(gold))} labels; 4-gram overlap with tuning texts: {tuning_overlap(rows):.1%}\n")
    results = {}
    for name, fn in systems().items():
        fn(texts[0])  # load models outside the timing
        pred = [fn(t) for t in texts]
        start = time.perf_counter()
        for _ in range(args.repeat):
            for t in texts:
                fn(t)
        speed = args.repeat * len(texts) / (time.perf_counter() - start)
        results[name] = (f1_scores(gold, pred), speed)
    names = list(results)
    langs = sorted(set(gold))
    print("| language | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for lang in langs:
        print(f"| {lang} | " + " | ".join(f"{results[n][0][lang]:.2f}" for n in names) + " |")
    macro = {n: sum(results[n][0].values()) / len(langs) for n in names}
    print("| **macro-F1** | " + " | ".join(f"**{macro[n]:.3f}**" for n in names) + " |")
    common = [lang for lang in ("en", "id", "ms", "ta", "th", "tl", "vi", "zh") if lang in langs]
    print(f"| macro-F1 on {len(common)} labels every detector knows | "
          + " | ".join(f"{sum(results[n][0][l] for l in common) / len(common):.3f}" for n in names) + " |")
    base = results["fasttext-lid176"][1]
    print("| sentences/s | " + " | ".join(f"{results[n][1]:,.0f} ({results[n][1] / base:.2f}x)" for n in names) + " |")
    seeds = [p for parent in ROOT.parents for p in sorted((parent / "shared" / "seeds").glob("*.txt"))]
    if seeds:
        docs = [p.read_text(encoding="utf-8") for p in seeds]
        rates = []
        for name, fn in (("detect()", langid.detect), ("spans()", langid.spans)):
            langid._classify_short.cache_clear()  # one cold pass: no help from repeated terms
            start = time.perf_counter()
            for d in docs:
                fn(d)
            rates.append(f"{name} {len(docs) / (time.perf_counter() - start):,.0f} docs/s")
        labels = [langid.detect(d)[0] for d in docs]
        print(f"\nwhole documents — {len(docs)} Thai seed articles ({sum(map(len, docs)):,} chars): "
              f"{', '.join(rates)}; labels {labels}")
    hard = [lang for lang in ("id", "ms", "tl", "ceb", "jv", "su") if lang in langs]
    print("\nhard Austronesian set (" + ", ".join(hard) + ") mean F1: "
          + ", ".join(f"{n} {sum(results[n][0][l] for l in hard) / len(hard):.3f}" for n in names))


if __name__ == "__main__":
    main()
