"""Word segmentation: accuracy against human gold words and speed, khlang and every installed peer.

    python bench/segment.py [--repeat N] [--langs th,my,km,lo]

Gold text, each line a sentence with words separated by ``|`` (a space is its own token):
  th  ../shared/data/eval/seg_th.txt  wisesight-1000 social-media posts (PyThaiNLP, CC0)
  my  ../shared/data/eval/seg_my.txt  myPOS Wikipedia sentences (CC BY-NC-SA)
  km  ../shared/data/eval/seg_km.txt  kh_data news (khmer-nltk and khmercut were likely trained on it)
  lo  bench/data/seg_lo.txt           HVULao_NLP test sentences (see bench/data/README.md)

Scoring (the same for every system, on the same text): tokens that contain a letter or digit,
matched as (start, end) code-point spans; spaces and punctuation-only tokens are left out on both
sides, since khlang's ``words()`` never returns them. Word F1 counts a word right when both its
ends are; boundary F1 counts word ends. Micro-averaged over all tokens of the file. Speed is
characters per second over ``--repeat`` passes after one warm-up pass (models loaded).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from khlang.lang.segment import ENGINES, words  # noqa: E402

_WORD = re.compile(r"\w")
SCRIPT = {"th": "thai", "my": "myanmar", "km": "khmer", "lo": "lao"}
ICU_LOCALE = {"th": "th", "my": "my", "km": "km", "lo": "lo"}


def shared_eval() -> Path | None:
    for parent in ROOT.parents:
        if (parent / "shared" / "data" / "eval").is_dir():
            return parent / "shared" / "data" / "eval"
    return None


def gold_files() -> dict[str, Path]:
    out = {"lo": ROOT / "bench" / "data" / "seg_lo.txt"}
    base = shared_eval()
    if base:
        out.update({lang: base / f"seg_{lang}.txt" for lang in ("th", "my", "km")})
    return out


def spans(text: str, tokens: list[str]) -> set[tuple[int, int]]:
    """(start, end) of each word token, found left to right in ``text``."""
    out, pos = set(), 0
    for tok in tokens:
        if not _WORD.search(tok):
            continue
        i = text.find(tok, pos)
        if i < 0:
            continue
        out.add((i, i + len(tok)))
        pos = i + len(tok)
    return out


def f1(tp: int, n_ref: int, n_hyp: int) -> float:
    return 2 * tp / (n_ref + n_hyp) if n_ref + n_hyp else 1.0


def score(lines: list[str], fn: Callable[[str], list[str]], repeat: int) -> tuple[float, float, float]:
    texts = [ln.replace("|", "") for ln in lines]
    outs = [fn(t) for t in texts]  # warm-up pass: loads models; its output is what is scored
    start = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            fn(t)
    cps = sum(map(len, texts)) * repeat / (time.perf_counter() - start)
    w_tp = w_ref = w_hyp = b_tp = b_ref = b_hyp = 0
    for text, line, out in zip(texts, lines, outs):
        gold, hyp = spans(text, line.split("|")), spans(text, out)
        w_tp, w_ref, w_hyp = w_tp + len(gold & hyp), w_ref + len(gold), w_hyp + len(hyp)
        gb, hb = {e for _, e in gold}, {e for _, e in hyp}
        b_tp, b_ref, b_hyp = b_tp + len(gb & hb), b_ref + len(gb), b_hyp + len(hb)
    return f1(b_tp, b_ref, b_hyp), f1(w_tp, w_ref, w_hyp), cps


def icu_words(lang: str) -> Callable[[str], list[str]]:
    import icu

    it = icu.BreakIterator.createWordInstance(icu.Locale(ICU_LOCALE[lang]))

    def seg(text: str) -> list[str]:
        it.setText(text)
        bounds = [0, *it]
        return [text[a:b] for a, b in zip(bounds, bounds[1:])]

    return seg


def peers(lang: str) -> dict[str, Callable[[str], list[str]]]:
    """Every installed segmenter that is not khlang, called directly."""
    out: dict[str, Callable[[str], list[str]]] = {}
    try:
        out["ICU BreakIterator (PyICU)"] = icu_words(lang)
    except ImportError:
        pass
    if lang == "th":
        from pythainlp.tokenize import word_tokenize

        out["PyThaiNLP newmm"] = lambda t: word_tokenize(t, engine="newmm")
        out["PyThaiNLP nlpo3"] = lambda t: word_tokenize(t, engine="nlpo3")
        for name in ("attacut", "deepcut", "oskut", "sefr_cut"):
            try:
                __import__(name)
            except ImportError:
                continue
            out[f"PyThaiNLP {name}"] = lambda t, n=name: word_tokenize(t, engine=n)
    elif lang == "km":
        try:
            from khmernltk import word_tokenize as khmernltk

            out["khmer-nltk"] = khmernltk
        except ImportError:
            pass
        try:
            from khmercut import tokenize as khmercut

            out["khmercut"] = khmercut
        except ImportError:
            pass
    elif lang == "my":
        try:
            from burmesenlp import Lexicon, word_tokenize as burmese

            lexicon = Lexicon.default()  # without it each call reloads the lexicon (~1 s)
            out["burmesenlp word_tokenize (normalises first)"] = lambda t: burmese(t, lexicon=lexicon)
        except ImportError:
            pass
    elif lang == "lo":
        try:
            from laonlp.tokenize import word_tokenize as laonlp

            out["LaoNLP word_tokenize"] = laonlp
        except ImportError:
            pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="timed passes after the warm-up pass")
    ap.add_argument("--langs", default="th,my,km,lo")
    args = ap.parse_args()
    files = gold_files()
    print("| lang | system | boundary F1 | word F1 | chars/s |")
    print("|---|---|---:|---:|---:|")
    for lang in args.langs.split(","):
        if lang not in files or not files[lang].is_file():
            print(f"| {lang} | (no gold file) | | | |")
            continue
        lines = [ln for ln in files[lang].read_text(encoding="utf-8").splitlines() if ln.strip()]
        engines = list(ENGINES[SCRIPT[lang]])
        systems: dict[str, Callable[[str], list[str]]] = {
            f"khlang {e}{' (default)' if i == 0 else ''}": (lambda t, e=e: words(t, engine=e))
            for i, e in enumerate(engines)
        }
        systems.update(peers(lang))
        for name, fn in systems.items():
            slow = "khmernltk" in name or "khmer-nltk" in name
            b, w, cps = score(lines, fn, 1 if slow else args.repeat)
            print(f"| {lang} | {name} | {b:.3f} | {w:.3f} | {cps:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
