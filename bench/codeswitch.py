"""Code-switching inside sentences: word-level language of khlang ``spans()`` against baselines.

    python bench/codeswitch.py [--data FILE.tsv] [--extra FILE.tsv ...] [--limit N] [--src DIR]

Data: ``../shared/data/eval/codeswitch.tsv`` (IJELID: Indonesian–Javanese–English tweets with a
label per token; the dev half of a held-back set; CC BY-NC-SA 4.0, evaluation only) and the small
Malay–English and Tagalog–English sets in ``bench/data/codeswitch_*.tsv`` (same format). Each
tweet's text is its tokens joined by single spaces; each token gets the label of the span that
covers its first character; tokens whose gold label is ``other`` are not scored. Labels outside
the set's languages count as wrong.

Rows: khlang ``spans()``; one label per tweet from ``detect()``; every token the set's majority
language. Columns: token accuracy, F1 per language, macro-F1 over the set's languages. Speed:
tokens/s of ``spans()`` over the set (models loaded first; CPU time, best of three), once with
its word caches emptied and once more (words repeat across a corpus, so the second pass is
closer to a long run). ``--src`` runs another checkout's khlang (e.g. ``--src ../wt-base/src``,
an older commit) on the same texts, so its tokens/s can be compared with this one's in
alternating runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# --src is read before khlang is imported: it decides which khlang that is
sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1] if "--src" in sys.argv[:-1] else str(ROOT / "src"))

from corpus import eval_file  # noqa: E402

from khlang.lang import langid  # noqa: E402


def find_data(arg: str | None) -> Path | None:
    return Path(arg) if arg else eval_file("codeswitch.tsv")


def load(path: Path) -> list[tuple[list[str], list[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" not in line or line.startswith("#") or line == "tokens\tlabels":
            continue
        tokens, labels = line.split("\t")[:2]
        toks, labs = tokens.split(" "), labels.split(" ")
        if len(toks) != len(labs):
            raise ValueError(f"{path}: {len(toks)} tokens but {len(labs)} labels: {tokens[:60]!r}")
        rows.append((toks, labs))
    return rows


def token_starts(tokens: list[str]) -> list[int]:
    out, pos = [], 0
    for tok in tokens:
        out.append(pos)
        pos += len(tok) + 1
    return out


def spans_labels(tokens: list[str]) -> list[str]:
    text = " ".join(tokens)
    found = langid.spans(text)
    out, k = [], 0
    for start in token_starts(tokens):
        while k < len(found) - 1 and found[k].end <= start:
            k += 1
        out.append(found[k].lang if found else "other")
    return out


def score(gold: list[str], pred: list[str], langs: list[str]) -> tuple[float, dict[str, float]]:
    pairs = [(g, p) for g, p in zip(gold, pred) if g != "other"]
    acc = sum(g == p for g, p in pairs) / max(len(pairs), 1)
    f1 = {}
    for lang in langs:
        tp = sum(g == p == lang for g, p in pairs)
        fp = sum(p == lang != g for g, p in pairs)
        fn = sum(g == lang != p for g, p in pairs)
        f1[lang] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return acc, f1


def report(name: str, rows: list[tuple[list[str], list[str]]]) -> None:
    gold = [lab for _, labs in rows for lab in labs]
    langs = sorted({g for g in gold if g != "other"}, key=lambda lang: -gold.count(lang))
    for toks, _ in rows[:50]:  # models and word lists load once per process: not per token
        spans_labels(toks)
    # an older checkout (--src) may predate clear_caches(): its one cache is the short-text one
    clear = getattr(langid, "clear_caches", None) or langid._classify_short.cache_clear
    seconds = warm = float("inf")
    for _ in range(3):  # best of three, in CPU time: the machine may be shared
        clear()
        start = time.process_time()
        khlang = [lab for toks, _ in rows for lab in spans_labels(toks)]
        seconds = min(seconds, time.process_time() - start)
        start = time.process_time()
        for toks, _ in rows:
            spans_labels(toks)
        warm = min(warm, time.process_time() - start)
    per_doc = [lab for (toks, _), d in zip(rows, [langid.detect(" ".join(t))[0] for t, _ in rows]) for lab in [d] * len(toks)]
    majority = [langs[0]] * len(gold)
    n_tokens = sum(len(t) for t, _ in rows)
    print(f"\n{name}: {len(rows):,} texts, {sum(g != 'other' for g in gold):,} scored tokens "
          f"({', '.join(f'{lang} {gold.count(lang):,}' for lang in langs)})\n")
    print("| method | token accuracy | " + " | ".join(f"F1 {lang}" for lang in langs) + " | macro-F1 |")
    print("|---" * (len(langs) + 3) + "|")
    for method, pred in ((f"khlang `spans()`", khlang), ("one label per text from `detect()`", per_doc),
                         (f"every token `{langs[0]}`", majority)):
        acc, f1 = score(gold, pred, langs)
        cells = " | ".join(f"{f1[lang]:.3f}" if method != f"every token `{langs[0]}`" else "—" for lang in langs)
        macro = f"{sum(f1.values()) / len(langs):.3f}" if not method.startswith("every") else "—"
        print(f"| {method} | {acc:.3f} | {cells} | {macro} |")
    print(f"\nspans() speed: {n_tokens / seconds:,.0f} tokens/s cold (caches emptied first), "
          f"{n_tokens / warm:,.0f} tokens/s on a second pass ({n_tokens:,} tokens)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--extra", nargs="*", default=None, help="more sets (default: bench/data/codeswitch_*.tsv)")
    ap.add_argument("--limit", type=int, default=0, help="first N texts of each set only")
    ap.add_argument("--src", help="the src folder of another khlang checkout to measure instead")
    args = ap.parse_args()
    print(f"khlang from {Path(langid.__file__).resolve().parents[2]}")
    path = find_data(args.data)
    sets = ([("IJELID (id/jv/en tweets), " + str(path), path)] if path else [])
    extra = args.extra if args.extra is not None else sorted(str(p) for p in (ROOT / "bench" / "data").glob("codeswitch_*.tsv"))
    sets += [(Path(p).stem, Path(p)) for p in extra]
    if not sets:
        sys.exit("no code-switching data found (../shared/data/eval/codeswitch.tsv)")
    for name, p in sets:
        rows = load(p)
        if not rows:
            print(f"\n{name}: no rows")
            continue
        report(name, rows[: args.limit] if args.limit else rows)


if __name__ == "__main__":
    main()
