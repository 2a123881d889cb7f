"""Per-document cost of every per-document stage on the realistic corpus, in one process.

    python bench/profile_stages.py [--docs 500] [--top 25]

Prints microseconds per document (and per 1,000 characters) for each stage, timed without a
profiler (cProfile adds a fixed cost to every Python call, which inflates Python-heavy stages
several times over and hides what C-level work costs), then a cProfile summary of a second pass
over the same documents (functions by internal time), so the big per-document costs show.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

import corpus as bench_corpus  # noqa: E402

from khlang.document import Document  # noqa: E402
from khlang.registry import build  # noqa: E402

STAGES = ["clean", "normalize", "langid", "segment", "quality", "pii"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = bench_corpus.build(Path(tmp) / "c.jsonl", args.docs)
        rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    stages = [build(name) for name in STAGES]
    docs = [Document(id=r["id"], text=r["text"]) for r in rows]
    chars = sum(len(d.text) for d in docs)
    # warm up: lazy model and dictionary loads (one per script's segmenter) are not per-document
    # costs, so the warm-up holds the first 20 documents and the first one of every script
    from khlang.lang.scripts import runs

    first_of_script = {}
    for d in docs:
        for run in runs(d.text):
            first_of_script.setdefault(run.script, d)
    for d in docs[:20] + list(first_of_script.values()):
        d2 = Document(id=d.id, text=d.text)
        for s in stages:
            d2 = s.process(d2)
    gc.collect()  # a full collection left over from loading should not land on one stage
    seconds: dict[str, float] = defaultdict(float)
    for d in docs:
        d = Document(id=d.id, text=d.text)
        for s in stages:
            if d.drop is not None:
                break
            t = time.process_time()
            d = s.process(d)
            seconds[s.name] += time.process_time() - t
    prof = cProfile.Profile()
    prof.enable()
    for d in docs:
        for s in stages:
            if d.drop is not None:
                break
            d = s.process(d)
    prof.disable()
    print(f"{len(docs):,} docs, {chars / len(docs):,.0f} characters each on average (CPU time, one process)\n")
    print("| stage | µs/doc | µs per 1,000 chars |\n|---|---:|---:|")
    for name, sec in seconds.items():
        print(f"| {name} | {sec / len(docs) * 1e6:,.0f} | {sec / chars * 1e9:,.0f} |")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
    print("cProfile, second pass over the same documents:\n" + out.getvalue())


if __name__ == "__main__":
    main()
