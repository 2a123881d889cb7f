"""Curation stages, docs/s: khlang's blocklist, decontaminate, dedup_url, dedup_paragraph and
token export next to datatrove's equivalents (exact dedup on the URL, sentence dedup on lines,
n-gram decontamination, DocumentTokenizer), on the same documents, in one run.

    python bench/curation.py [--docs 5000] [--work DIR]

The corpus is bench/corpus.py's (seed paragraphs) with, added here: a URL per document (a third
of them another document's URL in a tracking/www/AMP variant), a date, and for half the
documents one of three boilerplate lines. The benchmark for decontamination is 50 items quoting
5 items quoting seed paragraphs plus 50 unrelated ones. datatrove runs single-process (LocalPipelineExecutor,
workers=1) with its Thai word tokenizer (PyThaiNLP) and Thai-safe text normalisation; khlang runs
with one local worker. docs/s = documents in / seconds of the step(s).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import build  # noqa: E402

BOILER = ["ติดตามข่าวสารล่าสุดได้ที่เพจของเรา กดไลก์และแชร์เพื่อไม่พลาดข่าวสำคัญทุกวัน",
          "เว็บไซต์นี้ใช้คุกกี้เพื่อพัฒนาประสบการณ์การใช้งานของคุณ อ่านนโยบายความเป็นส่วนตัวของเรา",
          "ข่าวที่เกี่ยวข้อง อ่านต่อได้ที่หน้าหลักของเว็บไซต์ สมัครรับจดหมายข่าวฟรี"]


def make_inputs(work: Path, docs: int) -> tuple[Path, Path, Path, Path]:
    raw = build(work / "raw.jsonl", docs)
    rng = random.Random(1)
    rows = [json.loads(line) for line in raw.open(encoding="utf-8")]
    for i, r in enumerate(rows):
        if i and rng.random() < 0.33:
            j = rng.randrange(i)
            r["url"] = rng.choice(["https://www.", "http://m.", "https://"]) + rows[j]["url"].split("://", 1)[1].removeprefix(
                "www.").removeprefix("m.") + rng.choice(["?utm_source=fb", "/", "/amp", "?fbclid=x1"])
        else:
            r["url"] = f"https://news{i % 7}.example.th/article/{i}"
        r["date"] = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        if rng.random() < 0.5:
            r["text"] += "\n" + rng.choice(BOILER)
    folder = work / "in"
    folder.mkdir()
    with (folder / "docs.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    paragraphs = sorted({p for r in rows for p in r["text"].split("\n") if len(p) > 80})
    items = [{"question": p[:150], "answer": "ก", "task": "seedqa"} for p in rng.sample(paragraphs, 5)]
    items += [{"question": f"Pertanyaan nomor {k} tentang sejarah kerajaan Majapahit di Jawa Timur pada abad keempat belas",
               "answer": "ya", "task": "idqa"} for k in range(50)]
    bench = work / "bench.jsonl"
    bench.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in items) + "\n", encoding="utf-8")
    words = work / "th_words.txt"
    words.write_text("บาคาร่า\nพนันออนไลน์\nสล็อต\n", encoding="utf-8")
    domains = work / "domains.txt"
    domains.write_text("news3.example.th\n", encoding="utf-8")
    return folder, bench, domains, words


def khlang_run(work: Path, folder: Path, bench: Path, domains: Path, words: Path, tok_json: Path) -> dict[str, tuple[int, float]]:
    from khlang.exchange import export
    from khlang.pipeline import Pipeline
    from khlang.runner import run
    from khlang.store import Corpus

    stages = ["clean", {"blocklist": {"urls": [str(domains)], "words": {"*": str(words)}}}, {"decontaminate": {"benchmarks": [str(bench)]}},
              "dedup_url", "dedup_paragraph"]
    pipeline = Pipeline.from_dict({"name": "curation", "input": {"paths": [str(folder)]}, "docs_per_shard": 1000,
                                   "stages": stages})
    run(pipeline, work / "corpus", workers=1, progress=False)
    with Corpus(work / "corpus") as c:
        st = json.loads(c.runs()[-1]["stages"])
    out = {name: (st[name]["docs_in"], st[name]["seconds"]) for name in ("blocklist", "decontaminate", "dedup_url",
                                                                         "dedup_paragraph")}
    # token export over every document (the curated corpus above is much smaller): a clean-only corpus
    run(Pipeline.from_dict({"name": "plain", "input": {"paths": [str(folder)]}, "docs_per_shard": 1000,
                            "stages": ["clean"]}), work / "plain", workers=1, progress=False)
    with Corpus(work / "plain") as c:
        n = c.scalar("SELECT count(*) FROM documents")
    t = time.perf_counter()
    export(work / "plain", work / "tokens", fmt="tokens", tokenizer=tok_json, split="1.0", shard_size="1GB")
    out["export tokens"] = (n, time.perf_counter() - t)
    out["_drops"] = {name: sum(st[name]["dropped"].values()) for name in ("blocklist", "decontaminate", "dedup_url",
                                                                          "dedup_paragraph")}
    return out


def datatrove_run(work: Path, folder: Path, bench: Path, tok_json: Path, docs: int) -> dict[str, tuple[int, float]]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.decont.n_grams import NGramsDecontConfig, NGramsDecontFilter, NGramsDecontIndexer
    from datatrove.pipeline.dedup.exact_dedup import (ExactDedupConfig, ExactDedupFilter, ExactDedupSignature,
                                                      ExactFindDedups)
    from datatrove.pipeline.dedup.sentence_dedup import (SentDedupConfig, SentenceDedupFilter, SentenceDedupSignature,
                                                         SentenceFindDedups)
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.tokens import DocumentTokenizer
    from datatrove.pipeline.base import PipelineStep
    from datatrove.utils.hashing import HashConfig, create_hash_func
    from datatrove.utils.word_tokenizers import load_word_tokenizer
    from datatrove.utils.text import TextNormConfig
    from loguru import logger

    logger.remove()
    base = work / "dt"
    th = "tha_Thai"
    norm = TextNormConfig(norm_unicode_diacritics=False)  # the default deletes Thai vowel and tone marks
    hashing = HashConfig(precision=64, hash_fc="sha1")  # its xxhash path passes str where xxhash 4 wants bytes

    def url(doc):
        from khlang.dedup.url import canonical_url  # datatrove has no URL normaliser: ours, for the same key

        return canonical_url(doc.metadata.get("url")) or doc.id

    def runs(steps) -> float:
        t = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()):
            for i, pipe in enumerate(steps):
                LocalPipelineExecutor(pipeline=pipe, tasks=1, workers=1, logging_dir=str(base / f"logs-{time.time_ns()}"),
                                      skip_completed=False).run()
        return time.perf_counter() - t

    reader = lambda: JsonlReader(str(folder))  # noqa: E731
    ucfg = ExactDedupConfig(content_getter=url, hash_config=hashing)
    scfg = SentDedupConfig(n_sentences=1, split_sentences=False, min_doc_words=0, min_num_sentences=0, norm_config=norm,
                           hash_config=hashing)
    dcfg = NGramsDecontConfig(n_grams=13, norm_config=norm, hash_config=hashing, find_query_ngrams=True)

    class Indexer(PipelineStep):
        """datatrove's indexer without lighteval (a large dependency it needs only to fetch its own
        tasks): the benchmark items come in as documents, hashed by its own ``compute_hashes``, into
        the index file its filter reads."""

        compute_hashes = NGramsDecontIndexer.compute_hashes

        def __init__(self, folder: str) -> None:
            super().__init__()
            self.folder, self.config = folder, dcfg
            self.tokenizer, self.hash_func = load_word_tokenizer(th), create_hash_func(dcfg.hash_config)

        def run(self, data=None, rank=0, world_size=1):
            import numpy as np

            hashes = {h for doc in data for h in self.compute_hashes(doc.text, None)}
            Path(self.folder).mkdir(parents=True, exist_ok=True)
            np.array(sorted(hashes), dtype=dcfg.hash_config.np_descr).tofile(Path(self.folder) / "bench.index.hashes")

    plans = {
        "dedup_url": lambda: [[reader(), ExactDedupSignature(str(base / "u-sig"), config=ucfg)],
                              [ExactFindDedups(str(base / "u-sig"), str(base / "u-dup"), config=ucfg)],
                              [reader(), ExactDedupFilter(str(base / "u-dup"), config=ucfg)]],
        "dedup_paragraph": lambda: [[reader(), SentenceDedupSignature(str(base / "s-sig"), config=scfg, language=th)],
                                    [SentenceFindDedups(str(base / "s-sig"), str(base / "s-dup"), config=scfg)],
                                    [reader(), SentenceDedupFilter(str(base / "s-dup"), config=scfg, language=th)]],
        "decontaminate": lambda: [[JsonlReader(str(bench.parent), glob_pattern=bench.name, text_key="question"),
                                   Indexer(str(base / "d-idx"))],
                                  [reader(), NGramsDecontFilter(str(base / "d-idx"), config=dcfg, language=th)]],
        "export tokens": lambda: [[reader(), DocumentTokenizer(str(base / "tok"), tokenizer_name_or_path=str(tok_json), seed=0)]],
    }
    out: dict = {}
    for name, plan in plans.items():
        try:
            out[name] = (docs, runs(plan()))
        except Exception as exc:  # a peer step that cannot run here is reported, not fatal
            out[name] = (0, f"{type(exc).__name__}: {str(exc).splitlines()[0][:90]}")
    return out


def train_tokenizer(work: Path, folder: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    texts = [json.loads(line)["text"] for line in (folder / "docs.jsonl").open(encoding="utf-8")]
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=4000, special_tokens=["[UNK]"]))
    path = work / "tok.json"
    tok.save(str(path))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="khlang-curation-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    folder, bench, domains, words = make_inputs(work, args.docs)
    tok = train_tokenizer(work, folder)
    mine = khlang_run(work, folder, bench, domains, words, tok)
    drops = mine.pop("_drops")
    try:
        theirs = datatrove_run(work, folder, bench, tok, args.docs)
    except ImportError as exc:  # the bench extra is not installed
        theirs, missing = {}, f"datatrove not installed ({exc})"
    else:
        missing = ""
    print(f"{args.docs} documents; khlang drops per stage: {drops}")
    print("| step | khlang docs/s | datatrove docs/s | khlang / datatrove |")
    print("|---|---:|---:|---:|")
    for name, (n, s) in mine.items():
        rate = n / s if s else float("inf")
        if name in theirs and isinstance(theirs[name][1], str):
            print(f"| {name} | {rate:,.0f} | not run: {theirs[name][1]} | — |")
        elif name in theirs:
            tn, ts = theirs[name]
            other = tn / ts
            print(f"| {name} | {rate:,.0f} | {other:,.0f} | {rate / other:.2f} |")
        else:
            print(f"| {name} | {rate:,.0f} | — (no equivalent) | — |")
    if missing:
        print(missing)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
