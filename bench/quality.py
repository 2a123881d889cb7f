"""Throughput of the ``quality`` and ``pii`` stages against datatrove's heuristic filters.

    python bench/quality.py [--docs 100000] [--pii-rate 0.1] [--repeat 3]

The corpus is bench/corpus.py's (Thai seed paragraphs); ``--pii-rate`` of the documents get one
synthetic e-mail / phone / IP / ID appended so the PII path does real work. Every engine sees the
same texts, one process, one core. datatrove runs with ``language="th"`` (its Thai word tokenizer
is PyThaiNLP newmm-safe, offline) and PyThaiNLP's Thai stop words for Gopher (its default list is
English and would drop every Thai document). Ratios are khlang docs/s over datatrove docs/s.
Time is process CPU time, best of ``--repeat`` interleaved rounds (the machine is shared, so
wall-clock time is noisy). Differences in what is computed: datatrove filters stop at the first failed rule; khlang computes
every signal for every document (the annotation) and segments once for all rules.
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

import corpus  # noqa: E402

from khlang.document import Document  # noqa: E402
from khlang.pii import Pii  # noqa: E402
from khlang.quality import Quality  # noqa: E402

PII_SAMPLES = ["ติดต่อ somchai.j@example.co.th", "โทร 081-234-5678", "โทร ๐๒-๑๒๓-๔๕๖๗", "IP 203.0.113.5",
               "บัตรประชาชน 1-1037-00000-00-3", "+84 912 345 678", "kontak 0812-3456-7890",
               "server 2001:db8::1", "email hr@company.vn"]


def load(docs: int, pii_rate: float) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = corpus.build(Path(tmp) / "corpus.jsonl", docs)
        texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    rng = random.Random(1)
    return [t + "\n" + rng.choice(PII_SAMPLES) if rng.random() < pii_rate else t for t in texts]


def time_khlang(texts: list[str], stages: list, words: list | None = None) -> tuple[float, int, dict]:
    """``words``: word lists as the ``segment`` stage would leave them in ``doc.cache``."""
    docs = [Document(id=str(i), text=t, lang="th") for i, t in enumerate(texts)]
    for doc, w in zip(docs, words or ()):
        doc.cache["words"] = w
    start = time.process_time()
    out = docs
    for stage in stages:
        out = stage(out)
    out = list(out)
    seconds = time.process_time() - start
    found: dict[str, int] = {}
    reasons = Counter(d.drop.reason for d in out if d.drop)
    for d in out:
        for k, v in d.annotations.get("pii", {}).items():
            found[k] = found.get(k, 0) + v
    return seconds, sum(d.drop is None for d in out), {**found, **{"drops": dict(reasons)}}


def time_datatrove(texts: list[str], filters: list, formatters: list = ()) -> tuple[float, int, int]:
    from datatrove.data import Document as DTDoc

    docs = [DTDoc(text=t, id=str(i)) for i, t in enumerate(texts)]
    kept = changed = 0
    start = time.process_time()
    for doc in docs:
        ok = True
        for f in filters:
            result = f.filter(doc)
            if not (result[0] if isinstance(result, tuple) else result):
                ok = False
                break
        if ok:
            for fmt in formatters:
                new = fmt.format(doc.text)
                changed += new != doc.text
                doc.text = new
        kept += ok
    return time.process_time() - start, kept, changed


def datatrove_filters():
    from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                            GopherRepetitionFilter)
    from datatrove.pipeline.formatters import PIIFormatter
    from pythainlp.corpus import thai_stopwords

    th = "th"
    gopher = [GopherRepetitionFilter(language=th), GopherQualityFilter(language=th, stop_words=list(thai_stopwords()))]
    return gopher, C4QualityFilter(language=th), FineWebQualityFilter(language=th), PIIFormatter()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--pii-rate", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = load(args.docs, args.pii_rate)
    n = len(texts)
    chars = sum(map(len, texts))
    print(f"{n} docs, {chars / n:.0f} chars/doc on average, {args.pii_rate:.0%} with one PII item\n")

    gopher, c4, fineweb, dt_pii = datatrove_filters()
    time_datatrove(texts[:20], gopher + [c4, fineweb], [dt_pii])  # warm-up: load tokenizers
    time_khlang(texts[:20] + PII_SAMPLES, [Quality(), Pii()])  # phonenumbers loads metadata lazily

    from khlang.quality import fallback_words

    segmented = [fallback_words(t) for t in texts]
    runs = {
        "kq": lambda: time_khlang(texts, [Quality()]),
        "kqw": lambda: time_khlang(texts, [Quality()], segmented),
        "kp": lambda: time_khlang(texts, [Pii()]),
        "kqp": lambda: time_khlang(texts, [Quality(), Pii()]),
        "dg": lambda: time_datatrove(texts, gopher),
        "dall": lambda: time_datatrove(texts, gopher + [c4, fineweb]),
        "dp": lambda: time_datatrove(texts, [], [dt_pii]),
        "dallp": lambda: time_datatrove(texts, gopher + [c4, fineweb], [dt_pii]),
    }
    best: dict[str, tuple] = {}
    for _ in range(args.repeat):
        for key, fn in runs.items():
            result = fn()
            if key not in best or result[0] < best[key][0]:
                best[key] = result
    (qw_s, qw_kept, _) = best["kqw"]
    (q_s, q_kept, q_info), (p_s, _, found), (qp_s, qp_kept, _) = best["kq"], best["kp"], best["kqp"]
    (g_s, g_kept, _), (all_s, all_kept, _) = best["dg"], best["dall"]
    (dp_s, _, dp_changed), (dall_s, dall_kept, _) = best["dp"], best["dallp"]
    rows = []
    rows += [
        ("khlang quality (Gopher+C4+FineWeb rules, per-language)", q_s, q_kept, "datatrove Gopher+C4+FineWeb", all_s),
        ("khlang quality", q_s, q_kept, "datatrove Gopher quality+repetition", g_s),
        ("khlang quality, words from `segment` (already in doc.cache)", qw_s, qw_kept,
         "datatrove Gopher quality+repetition", g_s),
        ("khlang pii (7 types, SEA phones/IDs)", p_s, None, "datatrove PIIFormatter (e-mail, IP)", dp_s),
        ("khlang quality + pii", qp_s, qp_kept, "datatrove Gopher+C4+FineWeb + PIIFormatter", dall_s),
        ("datatrove Gopher quality+repetition", g_s, g_kept, None, None),
        ("datatrove Gopher+C4+FineWeb", all_s, all_kept, None, None),
        ("datatrove PIIFormatter", dp_s, None, None, None),
        ("datatrove Gopher+C4+FineWeb + PIIFormatter", dall_s, dall_kept, None, None),
    ]
    print("| engine | docs/s | kept | vs | ratio |\n|---|---:|---:|---|---:|")
    for name, secs, kept, peer, peer_s in rows:
        kept_s = f"{kept / n:.1%}" if kept is not None else "–"
        ratio = f"{peer_s / secs:.2f}×" if peer_s else ""
        print(f"| {name} | {n / secs:,.0f} | {kept_s} | {peer or ''} | {ratio} |")
    print(f"\nCPU seconds, best of {args.repeat}. "
          f"PII found by khlang: { {k: v for k, v in found.items() if k != 'drops'} } "
          f"(documents with a planted item: {sum(t.endswith(tuple(PII_SAMPLES)) for t in texts)}); "
          f"documents changed by datatrove PIIFormatter: {dp_changed}.\n"
          f"khlang quality drop reasons: {q_info['drops']}")


if __name__ == "__main__":
    main()
