"""Scaling: run time and peak memory as the corpus grows; the Ray executor against the local one.

    python bench/scale.py --sizes 25000,50000,100000,200000 [--stages all] [--workers 2]
    python bench/scale.py --ray [--docs 20000] [--stages clean] [--docs-per-shard 1000]

``--sizes``: one ``khlang run`` per size on the realistic corpus (bench/corpus.py), each in a fresh
interpreter, local executor; wall time and the peak resident memory of the whole process tree
(sampled every 0.1 s from /proc), with ratios against the smallest size (time per document and
peak memory should stay flat). ``--stages all`` means the demo pipeline's stages.

``--ray``:
one run each of: local executor (2 processes), Ray with 1 worker, Ray with 2 workers (a private
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


_RUN = r"""
import json, sys
from khlang.pipeline import Pipeline
from khlang.runner import run
inp, out, workers, per_shard, stages = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
p = Pipeline.from_dict({"name": "scale", "input": {"paths": [inp], "id_field": "id"}, "docs_per_shard": per_shard,
                        "stages": stages})
r = run(p, out, workers=workers, progress=False)
print(json.dumps({"docs_in": r.docs_in, "docs_out": r.docs_out}))
"""


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total


def measured_run(inp: Path, out: Path, stages: list, workers: int, per_shard: int) -> dict:
    """One run in a fresh interpreter: wall seconds and peak RSS of its process tree."""
    import subprocess

    cmd = [sys.executable, "-c", _RUN, str(inp), str(out), str(workers), str(per_shard), json.dumps(stages)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - t
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"run failed:\n{stderr[-3000:]}")
    return {"seconds": seconds, "peak_rss": peak, **json.loads(stdout.strip().splitlines()[-1])}


def sizes_table(args) -> None:
    from throughput import khlang_stages

    stages = khlang_stages() if args.stages == "all" else args.stages.split(",")
    sizes = [int(x) for x in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="khlang-scale-"))
    rows = []
    try:
        for n in sizes:
            inp = build(tmp / f"in{n}" / "corpus.jsonl", n)
            r = measured_run(inp, tmp / f"out{n}", stages, args.workers, args.docs_per_shard)
            rows.append((n, r))
            shutil.rmtree(tmp / f"out{n}", ignore_errors=True)
            print(f"{n:,} docs: {r['seconds']:.1f} s, peak RSS {r['peak_rss'] / 2**20:,.0f} MiB", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n0, r0 = rows[0]
    print(f"\nstages {args.stages}, {args.workers} workers, {args.docs_per_shard} docs/shard, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| docs | kept | seconds | docs/s | time vs smallest (docs ×) | peak RSS MiB | RSS vs smallest |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, r in rows:
        print(f"| {n:,} | {r['docs_out']:,} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} | "
              f"{r['seconds'] / r0['seconds']:.2f}× ({n / n0:.0f}×) | {r['peak_rss'] / 2**20:,.0f} | "
              f"{r['peak_rss'] / r0['peak_rss']:.2f}× |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="25000,50000,100000,200000", help="corpus sizes for the growth table")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ray", action="store_true", help="the Ray-vs-local table instead")
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--stages", default=None, help="comma-separated stage names, or all (default: all; clean with --ray)")
    ap.add_argument("--docs-per-shard", type=int, default=1000)
    ap.add_argument("--growth", default="1,2,4", help="corpus multiples for the Ray growth table")
    args = ap.parse_args()
    if not args.ray:
        args.stages = args.stages or "all"
        return sizes_table(args)
    stages = (args.stages or "clean").split(",")
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
