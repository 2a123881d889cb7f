"""Scaling of the Ray executor against the local executor on the benchmark corpus.

    python bench/scale.py [--docs 20000] [--stages clean] [--docs-per-shard 1000]

One run each of: local executor (2 processes), Ray with 1 worker, Ray with 2 workers (a private
local Ray instance of that many CPUs), all on the same corpus; then the Ray 2-worker run on 1×, 2×
and 4× the corpus, to show how run time grows with size. Prints docs/s, ratios against the local
executor, and per-stage seconds per document read from the ``runs`` table. Ray start-up (a few
seconds) is not part of the run time: the executor connects before the runner's clock starts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build  # noqa: E402

from khlang.pipeline import Pipeline  # noqa: E402
from khlang.runner import run  # noqa: E402
from khlang.store import Corpus  # noqa: E402


def one_run(inputs: Path, out: Path, stages: list[str], per_shard: int, executor: str, workers: int) -> dict:
    pipeline = Pipeline.from_dict({"name": "scale", "input": {"paths": [str(inputs)]},
                                   "docs_per_shard": per_shard, "stages": stages})
    if out.exists():
        shutil.rmtree(out)
    t = time.perf_counter()
    result = run(pipeline, out, executor=executor, workers=workers, progress=False)
    total = time.perf_counter() - t
    with Corpus(out) as c:
        (stages_json,) = c.con.execute("SELECT stages FROM runs").fetchone()
    per_stage = {name: st["seconds"] / max(st["docs_in"], 1) for name, st in json.loads(stages_json).items()}
    return {"docs": result.docs_in, "seconds": result.seconds, "with_startup": total,
            "docs_per_s": result.docs_per_second, "per_stage": per_stage}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--stages", default="clean", help="comma-separated stage names")
    ap.add_argument("--docs-per-shard", type=int, default=1000)
    ap.add_argument("--growth", default="1,2,4", help="corpus multiples for the growth table")
    args = ap.parse_args()
    stages = args.stages.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="khlang-scale-"))
    try:
        sizes = sorted({int(m) for m in args.growth.split(",")} | {1})
        inputs = {m: build(tmp / f"in{m}" / "corpus.jsonl", args.docs * m).parent for m in sizes}

        runs = {}
        for label, executor, workers in (("local, 2 processes", "local", 2), ("ray, 1 worker", "ray", 1),
                                         ("ray, 2 workers", "ray", 2)):
            runs[label] = one_run(inputs[1], tmp / "out", stages, args.docs_per_shard, executor, workers)
        base = runs["local, 2 processes"]["docs_per_s"]
        print(f"\n{args.docs:,} docs, stages {stages}, {args.docs_per_shard} docs/shard, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}\n")
        print("| executor | run s | with start-up s | docs/s | vs local |")
        print("|---|---:|---:|---:|---:|")
        for label, r in runs.items():
            print(f"| {label} | {r['seconds']:.2f} | {r['with_startup']:.2f} | {r['docs_per_s']:,.0f} | "
                  f"{r['docs_per_s'] / base:.2f}× |")

        print("\n| corpus | docs | ray 2 workers s | docs/s | time vs 1× | read µs/doc | other stages µs/doc |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        first = None
        for m in sizes:
            r = runs["ray, 2 workers"] if m == 1 else one_run(inputs[m], tmp / "out", stages,
                                                            args.docs_per_shard, "ray", 2)
            first = first or r["seconds"]
            other = sum(v for k, v in r["per_stage"].items() if k != "read")
            print(f"| {m}× | {r['docs']:,} | {r['seconds']:.2f} | {r['docs_per_s']:,.0f} | {r['seconds'] / first:.2f}× | "
                  f"{r['per_stage']['read'] * 1e6:.0f} | {other * 1e6:.0f} |")

        print("\n| stage | µs/doc (local) | µs/doc (ray, 2 workers) |")
        print("|---|---:|---:|")
        for name, sec in runs["local, 2 processes"]["per_stage"].items():
            print(f"| {name} | {sec * 1e6:.1f} | {runs['ray, 2 workers']['per_stage'].get(name, 0) * 1e6:.1f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
