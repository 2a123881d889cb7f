"""Near-duplicate dedup benchmark: khlang vs rensa vs datasketch MinHashLSH vs datatrove minhash, same
data, same num_perm / bands / rows, 5-token shingles.

khlang shingles by its own tokens (:mod:`khlang.dedup.shingle`: words of spaced scripts,
content-defined chunks of Thai, computed in NumPy for a whole batch). The peers have no tokenizer of
their own for Thai; they get tokens from outside:

* end to end, *peers on words*: ``khlang.lang.segment.words`` (nlpo3 for Thai), what a datasketch
  user would call for Thai — the reference for the "≥ 10× datasketch end to end" target;
* end to end, *peers on khlang's tokens*: ``khlang.dedup.shingle_tokens`` one document at a time
  (the same shingles as khlang's);
* engine only: khlang's tokens computed once beforehand for the peers (khlang still tokenises).

A first table times the signature engines alone on the same shingles (khlang's ``signatures`` +
``band_keys`` on the shingle hashes; rensa ``RMinHash`` and datasketch ``MinHash`` on the shingle
strings): signatures per CPU-second, best of three.

The corpus: distinct base documents stitched from short spans of the real Thai seed articles, each
followed by copies with 1 %, 5 %, 15 % and 30 % of their words edited (replaced, deleted or
inserted). Reported per method: pair precision, recall per edit level, docs/s (tokenising
included; wall clock and per CPU-second) and the ratio to datasketch measured in the same run.
Each method first runs once, untimed, on 250 documents (imports, dictionaries, DuckDB start-up).

    python bench/dedup.py [--docs 10000] [--workers 1]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from corpus import seed_paragraphs  # noqa: E402

from khlang.dedup.common import UnionFind  # noqa: E402
import khlang.dedup.minhash as kmh  # noqa: E402
from khlang.dedup.minhash import hash_ngrams  # noqa: E402
from khlang.lang.segment import words as segment_words  # noqa: E402

_TOKENIZER = segment_words  # what the peers tokenise with (see the module docstring)
_CACHE: dict[str, list[str]] | None = None


def shingle_tokens(text: str, lang: str | None = None) -> list[str]:
    """The peers' tokens: from a cache of one earlier pass in the engine-only table, else the
    tokenizer of the current table."""
    if _CACHE is not None and text in _CACHE:
        return _CACHE[text]
    return _TOKENIZER(text)


def use_tokens(tokenizer, cache: dict[str, list[str]] | None = None) -> None:
    global _CACHE, _TOKENIZER
    _TOKENIZER, _CACHE = tokenizer, cache

LEVELS = (0.01, 0.05, 0.15, 0.30)


# -- data --------------------------------------------------------------------------------------------------
def token_pool() -> list[str]:
    from pythainlp.tokenize import word_tokenize

    pool: list[str] = []
    for p in seed_paragraphs():
        pool += word_tokenize(p, engine="newmm", keep_whitespace=True)
    return pool


def base_tokens(rng: random.Random, pool: list[str], n: int) -> list[str]:
    """A distinct document: spans of 3–8 consecutive seed tokens from random places."""
    out: list[str] = []
    while len(out) < n:
        start = rng.randrange(len(pool) - 8)
        out += pool[start : start + rng.randint(3, 8)]
    return out


def edit(rng: random.Random, tokens: list[str], level: float, pool: list[str]) -> list[str]:
    out = []
    for t in tokens:
        if rng.random() >= level:
            out.append(t)
            continue
        op = rng.randrange(3)
        if op == 0:
            out.append(rng.choice(pool))  # replace
        elif op == 1:
            out += [t, rng.choice(pool)]  # insert
        # op == 2: delete
    return out


def build(n_docs: int, seed: int = 0) -> list[dict]:
    rng, pool = random.Random(seed), token_pool()
    docs = []
    for g in range(max(1, n_docs // (len(LEVELS) + 1))):
        base = base_tokens(rng, pool, rng.randint(80, 200))
        docs.append({"id": f"d{len(docs)}", "text": "".join(base), "group": g, "level": 0.0})
        for level in LEVELS:
            docs.append({"id": f"d{len(docs)}", "text": "".join(edit(rng, base, level, pool)), "group": g,
                         "level": level})
    return docs


# -- scoring -----------------------------------------------------------------------------------------------
def score(docs: list[dict], labels: dict[str, object]) -> dict[str, float]:
    """Pair precision over all predicted pairs; recall of (original, edited copy) pairs per level."""
    clusters = defaultdict(list)
    for d in docs:
        clusters[labels.get(d["id"], d["id"])].append(d)
    tp = fp = 0
    for members in clusters.values():
        for a, b in itertools.combinations(members, 2):
            tp, fp = (tp + 1, fp) if a["group"] == b["group"] else (tp, fp + 1)
    out = {"precision": tp / (tp + fp) if tp + fp else 1.0}
    origin = {d["group"]: d for d in docs if d["level"] == 0.0}
    for level in LEVELS:
        pairs = [(origin[d["group"]], d) for d in docs if d["level"] == level]
        hit = sum(labels.get(a["id"], a["id"]) == labels.get(b["id"], b["id"]) for a, b in pairs)
        out[f"R@{level:.0%}"] = hit / len(pairs)
    return out


def mean_jaccard(docs: list[dict], ngram: int, tokenizer) -> dict[float, float]:
    sets = {d["id"]: set(hash_ngrams(tokenizer(d["text"].casefold()), ngram).tolist()) for d in docs[:500]}
    origin = {d["group"]: d["id"] for d in docs[:500] if d["level"] == 0.0}
    js = defaultdict(list)
    for d in docs[:500]:
        if d["level"]:
            a, b = sets[origin[d["group"]]], sets[d["id"]]
            js[d["level"]].append(len(a & b) / len(a | b))
    return {k: sum(v) / len(v) for k, v in js.items()}


class Clock:
    """Wall and CPU seconds of a block (CPU: this process, all threads; with --workers 1 every
    method runs in this process, so CPU time is robust against other load on a shared machine)."""

    def __enter__(self) -> "Clock":
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


# -- methods -----------------------------------------------------------------------------------------------
def run_khlang(docs, work: Path, args) -> tuple[dict, Clock]:
    from khlang.dedup import dedup_minhash
    from khlang.pipeline import Pipeline
    from khlang.runner import run
    from khlang.store import Corpus

    inp = work / "khlang-in.jsonl"
    inp.write_text("".join(json.dumps({"text": d["text"], "title": d["id"]}, ensure_ascii=False) + "\n"
                           for d in docs), encoding="utf-8")
    pipe = Pipeline.from_dict({"name": "bench", "input": {"paths": [str(inp)]}, "docs_per_shard": 1000})
    run(pipe, work / "khlang-out", workers=args.workers, progress=False)  # the corpus (not timed)
    with Clock() as clock:
        dedup_minhash(work / "khlang-out", workers=args.workers, num_perm=args.num_perm, bands=args.bands,
                      rows=args.rows, ngram=args.ngram, threshold=args.threshold, verify=True)
    with Corpus(work / "khlang-out") as c:
        rows = c.con.execute("SELECT a.title, k.cluster_id FROM dup_clusters k JOIN all_docs a USING (id)").fetchall()
    return dict(rows), clock


def ngram_strings(text: str, n: int) -> list[bytes]:
    toks = shingle_tokens(text.casefold())
    if len(toks) < n:
        return ["\x1f".join(toks).encode()] if toks else []
    return [" ".join(toks[i : i + n]).encode() for i in range(len(toks) - n + 1)]


def run_datasketch(docs, work: Path, args) -> tuple[dict, Clock]:
    from datasketch import MinHash, MinHashLSH

    with Clock() as clock:
        labels = _datasketch(docs, args, MinHash, MinHashLSH)
    return labels, clock


def _datasketch(docs, args, MinHash, MinHashLSH) -> dict:
    lsh = MinHashLSH(num_perm=args.num_perm, params=(args.bands, args.rows))
    hashes = {}
    for d in docs:
        m = MinHash(num_perm=args.num_perm, seed=1)
        m.update_batch(ngram_strings(d["text"], args.ngram))
        lsh.insert(d["id"], m)
        hashes[d["id"]] = m
    uf = UnionFind()
    for key, m in hashes.items():
        for other in lsh.query(m):
            if other != key:
                uf.union(key, other)
    return {x: uf.find(x) for x in uf.parent}


class KhlangWords:
    """datatrove word tokenizer that gives the same tokens as khlang's shingle_tokens."""

    def word_tokenize(self, text: str) -> list[str]:
        return shingle_tokens(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))]


def run_rensa(docs, work: Path, args) -> tuple[dict, Clock]:
    from rensa import RMinHash, RMinHashLSH

    with Clock() as clock:
        lsh = RMinHashLSH(threshold=args.threshold, num_perm=args.num_perm, num_bands=args.bands)
        hashes = {}
        for i, d in enumerate(docs):
            m = RMinHash(num_perm=args.num_perm, seed=1)
            m.update(ngram_strings(d["text"], args.ngram))
            lsh.insert(i, m)
            hashes[i] = m
        uf = UnionFind()
        for key, m in hashes.items():
            for other in lsh.query(m):
                if other != key:
                    uf.union(docs[key]["id"], docs[other]["id"])
        labels = {x: uf.find(x) for x in uf.parent}
    return labels, clock


def engine_table(docs: list[dict], args) -> None:
    """Signatures (and khlang's band keys) per CPU-second on the same shingles, best of three."""
    from datasketch import MinHash
    from rensa import RMinHash

    from khlang.dedup.minhash import band_keys, signatures

    strings = [ngram_strings(d["text"], args.ngram) for d in docs]  # khlang's tokens (cached)
    sets = [kmh.shingles(d["text"], None, args.ngram) for d in docs]
    n, k = len(docs), args.num_perm

    def khlang_batch():
        for i in range(0, n, 2000):
            band_keys(signatures(sets[i : i + 2000], k, 1), args.bands, args.rows)

    def rensa_per_doc():
        for s in strings:
            m = RMinHash(k, 1)
            m.update(s)
            m.digest()

    def rensa_matrix():
        for i in range(0, n, 2000):
            RMinHash.digest_matrix_from_token_sets(strings[i : i + 2000], k, 1).to_rows()

    def datasketch():
        for s in strings:
            m = MinHash(num_perm=k, seed=1)
            m.update_batch(s)
            m.digest()

    rows = {}
    for name, fn in (("khlang signatures + band keys (shingle hashes in)", khlang_batch),
                     ("rensa RMinHash, one per document (shingle strings)", rensa_per_doc),
                     ("rensa RMinHash.digest_matrix_from_token_sets (shingle strings, batched)", rensa_matrix),
                     ("datasketch MinHash.update_batch (shingle strings)", datasketch)):
        best = float("inf")
        for _ in range(3):
            with Clock() as c:
                fn()
            best = min(best, c.cpu)
        rows[name] = n / best
    ref = rows["rensa RMinHash, one per document (shingle strings)"]
    mean = sum(map(len, sets)) / n
    print(f"\nsignature engines, {n:,} documents, {mean:.0f} shingles each on average, {k} permutations "
          f"(CPU time, best of 3):\n")
    print("| engine | docs/CPU-s | vs rensa RMinHash |\n|---|---:|---:|")
    for name, rate in rows.items():
        print(f"| {name} | {rate:,.0f} | {rate / ref:.2f}× |")


def run_datatrove(docs, work: Path, args) -> tuple[dict, Clock]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.text import TextNormConfig
    from datatrove.utils.word_tokenizers import WordTokenizer

    from loguru import logger

    logger.remove()  # datatrove logs every task at INFO level
    tok = type("KhlangTok", (KhlangWords, WordTokenizer), {})()
    base = work / "datatrove"
    (base / "in").mkdir(parents=True)
    per = max(1, len(docs) // max(1, args.workers))
    for i in range(0, len(docs), per):
        with (base / "in" / f"{i:08d}.jsonl").open("w", encoding="utf-8") as f:
            for d in docs[i : i + per]:
                f.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
    files = len(list((base / "in").glob("*.jsonl")))
    # Two departures from datatrove's defaults, both needed for Thai: its default text normalisation
    # strips "diacritics", which deletes Thai vowel and tone marks (สัปดาห์ → สปดาห), and its xxhash
    # path passes str where xxhash 4 wants bytes, so sha1 is used (as datasketch does).
    cfg = MinhashConfig(n_grams=args.ngram, num_buckets=args.bands, hashes_per_bucket=args.rows,
                        hash_config=HashConfig(precision=32, hash_fc="sha1"),
                        norm_config=TextNormConfig(norm_unicode_diacritics=False))
    w = args.workers
    steps = [
        ([JsonlReader(str(base / "in")), MinhashDedupSignature(str(base / "sigs"), config=cfg, language=tok)], files),
        ([MinhashDedupBuckets(str(base / "sigs"), str(base / "buckets"), config=cfg)], args.bands),
        ([MinhashDedupCluster(str(base / "buckets"), str(base / "remove"), config=cfg, save_cluster_id=True)], 1),
        ([JsonlReader(str(base / "in")),
          MinhashDedupFilter(str(base / "remove"), exclusion_writer=JsonlWriter(str(base / "removed")),
                             load_cluster_ids=True),
          JsonlWriter(str(base / "kept"))], files),
    ]
    with Clock() as clock, contextlib.redirect_stderr(io.StringIO()):  # it logs every task to stderr
        for i, (pipe, tasks) in enumerate(steps):
            LocalPipelineExecutor(pipeline=pipe, tasks=tasks, workers=min(w, tasks), logging_dir=str(base / f"logs{i}"),
                                  skip_completed=False).run()
    labels = {}
    import gzip

    for path in itertools.chain((base / "kept").glob("*"), (base / "removed").glob("*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                cid = row.get("metadata", {}).get("minhash_cluster_id", -1)
                if cid != -1:
                    labels[row["id"]] = f"c{cid}"
    return labels, clock


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--bands", type=int, default=28)
    ap.add_argument("--rows", type=int, default=4)
    ap.add_argument("--ngram", type=int, default=5)
    ap.add_argument("--num-perm", type=int, default=112)
    ap.add_argument("--threshold", type=float, default=0.4,
                    help="khlang's verification cut-off (estimated Jaccard; drops only clearly dissimilar candidates)")
    ap.add_argument("--only", nargs="*", default=["khlang", "rensa", "datasketch", "datatrove"])
    args = ap.parse_args()

    docs = build(args.docs)
    print(f"{len(docs)} docs, {len(docs) // (len(LEVELS) + 1)} groups; num_perm={args.num_perm} "
          f"bands={args.bands} rows={args.rows} ngram={args.ngram} workers={args.workers}")
    for name, tok in (("word", segment_words), ("khlang shingle-token", kmh.shingle_tokens)):
        print(f"mean Jaccard of {name} 5-grams (original vs edited): " +
              ", ".join(f"{k:.0%}: {v:.2f}" for k, v in sorted(mean_jaccard(docs, args.ngram, tok).items())))
        t = time.process_time()
        for d in docs:
            tok(d["text"])
        print(f"  {name} tokens alone, one document at a time: {len(docs) / (time.process_time() - t):,.0f} docs/CPU-s")
    from khlang.dedup.shingle import shingle_batch

    t = time.process_time()
    for i in range(0, len(docs), 2000):
        shingle_batch([d["text"] for d in docs[i : i + 2000]], args.ngram)
    print(f"  khlang shingles, batches of 2,000: {len(docs) / (time.process_time() - t):,.0f} docs/CPU-s")
    cache = token_cache(docs, kmh.shingle_tokens) if args.workers == 1 else None
    use_tokens(kmh.shingle_tokens, cache)
    engine_table(docs, args)
    use_tokens(segment_words)
    table(docs, args, "end to end, peers on words (tokenising included: khlang.lang.segment.words, Thai by nlpo3)")
    use_tokens(kmh.shingle_tokens)
    table(docs, args, "end to end, peers on khlang's shingle tokens (the same shingles as khlang; tokenising included)",
          [m for m in args.only if m in ("khlang", "rensa", "datasketch")])
    if cache is not None:  # the cache only reaches tokenisers running in this process
        use_tokens(kmh.shingle_tokens, cache)
        table(docs, args, "engine only (khlang's tokens, computed once beforehand for the peers)")


def token_cache(docs: list[dict], tokenizer) -> dict[str, list[str]]:
    """The tokens of each text in the forms the three methods pass to the tokenizer."""
    import unicodedata

    from datatrove.utils.text import TextNormConfig, simplify_text

    cache = {}
    for d in docs:
        for form in (unicodedata.normalize("NFC", d["text"]).casefold(), d["text"].casefold(),
                     simplify_text(d["text"], TextNormConfig(norm_unicode_diacritics=False))):
            cache[form] = tokenizer(form)
    return cache


def table(docs: list[dict], args, title: str, only: list[str] | None = None) -> None:
    runners = {"khlang": run_khlang, "rensa": run_rensa, "datasketch": run_datasketch, "datatrove": run_datatrove}
    results = {}
    for name in only or args.only:
        for part in (docs[:250], docs):  # the first, untimed, loads modules and dictionaries
            work = Path(tempfile.mkdtemp(prefix=f"bench-dedup-{name}-"))
            try:
                labels, clock = runners[name](part, work, args)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        results[name] = (score(docs, labels), len(docs) / clock.wall, len(docs) / clock.cpu)
    # With one worker everything runs in this process: compare CPU time, which other load on a
    # shared machine does not inflate. With more, CPU time in child processes is not counted: wall.
    by_cpu = args.workers == 1
    ref = results["datasketch"][2 if by_cpu else 1] if "datasketch" in results else None
    cols = ["precision"] + [f"R@{lv:.0%}" for lv in LEVELS]
    print(f"\n{title}:\n")
    print("| method | " + " | ".join(cols) + " | docs/s (wall) | docs/CPU-s | vs datasketch |")
    print("|---" * (len(cols) + 4) + "|")
    for name, (sc, wall, cpu) in results.items():
        ratio = f"{(cpu if by_cpu else wall) / ref:.2f}×" if ref else "–"
        print(f"| {name} | " + " | ".join(f"{sc[c]:.3f}" for c in cols)
              + f" | {wall:,.0f} | {cpu if by_cpu else float('nan'):,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
