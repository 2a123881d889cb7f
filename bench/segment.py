"""Word segmentation: speed of every engine and agreement between the Thai engines.

    python bench/segment.py [--repeat N]

Thai: the five seed articles (../shared/seeds). If gold segmentations exist under
../shared/data/ (``segment*.txt``: one sentence per line, words separated by ``|``), word F1 is
against them; otherwise it is the agreement of each Thai engine with PyThaiNLP newmm (word spans
compared as (start, end) pairs). Lao, Khmer, Burmese and Vietnamese engines run on the sentences
of bench/data/langid_eval.tsv. Peer: PyThaiNLP's own ``word_tokenize`` (newmm) on the same text.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from khlang.lang.segment import words  # noqa: E402


def shared() -> Path | None:
    for parent in ROOT.parents:
        if (parent / "shared" / "seeds").is_dir():
            return parent / "shared"
    return None


def spans(text: str, tokens: list[str]) -> set[tuple[int, int]]:
    """(start, end) of each token, found left to right in ``text``."""
    out, pos = set(), 0
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0:
            continue
        out.add((i, i + len(tok)))
        pos = i + len(tok)
    return out


def f1(ref: set, hyp: set) -> float:
    tp = len(ref & hyp)
    return 2 * tp / (len(ref) + len(hyp)) if ref or hyp else 1.0


def timed(fn, texts: list[str], repeat: int) -> tuple[float, float, list[list[str]]]:
    out = [fn(t) for t in texts]  # warm-up: loads models
    start = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            fn(t)
    secs = (time.perf_counter() - start) / repeat
    n_words = sum(len(o) for o in out)
    n_chars = sum(len(t) for t in texts)
    return n_words / secs, n_chars / secs, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from langid import load
    from pythainlp.tokenize import word_tokenize

    base = shared()
    thai = [p.read_text(encoding="utf-8") for p in sorted((base / "seeds").glob("*.txt"))]
    gold_files = sorted((base / "data").glob("segment*.txt")) if base and (base / "data").is_dir() else []
    eval_rows = load(ROOT / "bench" / "data" / "langid_eval.tsv")
    by_lang = {lang: [t for g, t in eval_rows if g == lang] * 20 for lang in ("lo", "km", "my", "vi")}

    rows = []
    peer = lambda t: word_tokenize(t, engine="newmm", keep_whitespace=False)  # noqa: E731
    wps, cps, ref_tokens = timed(peer, thai, args.repeat)
    rows.append(("th", "pythainlp word_tokenize newmm (peer)", wps, cps, 1.0))
    peer_wps = wps
    if gold_files:
        gold_lines = [ln for f in gold_files for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
        gold_texts = [ln.replace("|", "") for ln in gold_lines]
        gold_spans = [spans(t, ln.split("|")) for t, ln in zip(gold_texts, gold_lines)]
    for engine in ("newmm", "nlpo3"):
        wps, cps, out = timed(lambda t: words(t, engine=engine), thai, args.repeat)
        if gold_files:
            hyps = [spans(t, words(t, engine=engine)) for t in gold_texts]
            score = sum(f1(g, h) for g, h in zip(gold_spans, hyps)) / len(hyps)
        else:
            # compare words only: khlang drops punctuation-only tokens, the peer keeps them
            refs = [[w for w in r if re.search(r"\w", w)] for r in ref_tokens]
            score = sum(f1(spans(t, r), spans(t, o)) for t, r, o in zip(thai, refs, out)) / len(thai)
        rows.append(("th", f"khlang {engine}", wps, cps, score))
    for lang, engines in (("lo", ("laonlp", "lao-syllable")), ("km", ("khmer-cluster", "khmernltk")),
                          ("my", ("my-syllable",)), ("vi", ("whitespace", "pyvi"))):
        texts = by_lang[lang]
        for engine in engines:
            sample = texts[:15] if engine == "khmernltk" else texts  # the CRF is slow: one pass
            wps, cps, _ = timed(lambda t: words(t, lang=lang, engine=engine), sample, 1 if engine == "khmernltk" else args.repeat)
            rows.append((lang, f"khlang {engine}", wps, cps, None))

    what = "word F1 vs gold" if gold_files else "agreement F1 vs newmm"
    print(f"Thai: {len(thai)} seed articles, {sum(map(len, thai)):,} chars; others: langid_eval sentences x20\n")
    print(f"| lang | engine | words/s | chars/s | vs peer | {what} |")
    print("|---|---|---|---|---|---|")
    for lang, name, wps, cps, score in rows:
        ratio = f"{wps / peer_wps:.2f}x" if lang == "th" else ""
        print(f"| {lang} | {name} | {wps:,.0f} | {cps:,.0f} | {ratio} | {'' if score is None else f'{score:.3f}'} |")


if __name__ == "__main__":
    main()
