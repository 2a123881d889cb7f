"""Pipeline throughput: docs/s of ``khlang run`` on the benchmark corpus, next to datatrove.

Both tools read the same JSONL (about 100k documents of repeated seed paragraphs), apply the same
cleaning (khlang's ``clean_text``: NFC, invisible characters, whitespace) and write zstd Parquet,
with the same number of worker processes. Wall time includes start-up, planning and writing.

    python bench/throughput.py [--docs 100000] [--workers 2] [--full]

``--full`` adds a row for every built-in stage in a row (the demo pipeline's stages: normalize,
langid, segment, quality, pii, exact and near-duplicate dedup), the reference later work compares
against; datatrove has no offline equivalent of the language stages, so that row has no ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus as bench_corpus  # noqa: E402

from khlang.pipeline import Pipeline  # noqa: E402
from khlang.runner import run  # noqa: E402


def run_khlang(inp: Path, out: Path, workers: int, stages: list) -> tuple[float, int]:
    pipeline = Pipeline.from_dict({"name": "bench", "input": {"paths": [str(inp)], "id_field": "id"},
                                   "docs_per_shard": 5000, "stages": stages})
    t = time.perf_counter()
    result = run(pipeline, out, workers=workers, progress=False)
    return time.perf_counter() - t, result.docs_out


def run_datatrove(inp: Path, out: Path, workers: int) -> tuple[float, int]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import ParquetWriter

    def clean(data, rank: int = 0, world_size: int = 1):
        from khlang.clean import clean_text

        for doc in data:
            doc.text, _ = clean_text(doc.text)
            yield doc

    # datatrove splits work by file: give it one file per task, as khlang gives one shard per task.
    parts = out.parent / "dt-input"
    parts.mkdir(parents=True)
    lines = inp.read_text(encoding="utf-8").splitlines(keepends=True)
    per = -(-len(lines) // 20)
    for i in range(20):
        (parts / f"part-{i:02d}.jsonl").write_text("".join(lines[i * per:(i + 1) * per]), encoding="utf-8")
    executor = LocalPipelineExecutor(
        pipeline=[JsonlReader(str(parts)), clean, ParquetWriter(str(out), compression="zstd")],
        tasks=20, workers=workers, logging_dir=str(out.parent / "dt-logs"),
    )
    t = time.perf_counter()
    executor.run()
    seconds = time.perf_counter() - t
    import pyarrow.parquet as pq

    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in out.rglob("*.parquet"))
    return seconds, rows


def full_stages() -> list:
    """The demo pipeline's stages with the default quality thresholds."""
    from khlang.demo import demo_pipeline

    return [s.name if not s.params or s.name == "quality" else {s.name: s.params} for s in demo_pipeline().stages]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--full", action="store_true", help="also time every built-in stage")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="khlang-bench-"))
    try:
        inp = bench_corpus.build(work / "bench.jsonl", args.docs)
        rows = []
        for label, fn in (
            ("khlang clean", lambda: run_khlang(inp, work / "k1", args.workers, ["clean"])),
            ("datatrove clean", lambda: run_datatrove(inp, work / "dt" / "out", args.workers)),
        ):
            seconds, n = fn()
            rows.append((label, n, seconds, args.docs / seconds))
        base = rows[1][3]
        if args.full:
            seconds, n = run_khlang(inp, work / "k2", args.workers, full_stages())
            rows.append(("khlang all stages", n, seconds, args.docs / seconds))
        print(f"\n{args.docs:,} documents, {args.workers} workers\n")
        print(f"| pipeline | docs out | seconds | docs/s | vs datatrove clean |\n|---|---:|---:|---:|---:|")
        for label, n, seconds, rate in rows:
            print(f"| {label} | {n:,} | {seconds:.1f} | {rate:,.0f} | {rate / base:.2f}× |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
