"""Export / verify / import / report speed on the shared benchmark corpus, against Hugging Face
``datasets`` doing the same export (read the corpus's Parquet, split, write Parquet) in this run.

    python bench/export.py [--docs 20000]
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

from corpus import build  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--profile-report", action="store_true", help="profile write_report instead")
    args = ap.parse_args()
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    from khlang.exchange import export, import_package, verify
    from khlang.pipeline import Pipeline
    from khlang.report import write_report
    from khlang.runner import run

    tmp = Path(tempfile.mkdtemp(prefix="khlang-bench-export-"))
    try:
        src = build(tmp / "in.jsonl", args.docs)
        pipe = Pipeline.from_dict({"name": "bench", "input": {"paths": [str(src)]}, "docs_per_shard": 5000,
                                   "stages": ["clean"]})
        run(pipe, tmp / "corpus", workers=2, progress=False)
        if args.profile_report:
            import cProfile
            cProfile.runctx("write_report(tmp / 'corpus', tmp / 'r.html')", globals(), locals(), sort="cumtime")
            return
        mb = sum(p.stat().st_size for p in (tmp / "corpus" / "docs").glob("*.parquet")) / 1e6

        t_export, res = timed(lambda: export(tmp / "corpus", tmp / "pkg", split="0.98,0.01,0.01", shard_size="100MB"))
        t_verify, _ = timed(lambda: verify(tmp / "pkg"))
        t_import, _ = timed(lambda: import_package(tmp / "pkg", tmp / "imported"))
        t_report, _ = timed(lambda: write_report(tmp / "corpus", tmp / "report.html"))

        import datasets

        datasets.disable_progress_bars()
        def peer():
            files = [str(p) for p in sorted((tmp / "corpus" / "docs").glob("*.parquet"))]
            ds = datasets.Dataset.from_parquet(files, cache_dir=str(tmp / "hf-cache"))
            parts = ds.train_test_split(test_size=0.02, seed=0)
            held = parts["test"].train_test_split(test_size=0.5, seed=0)
            (tmp / "peer").mkdir()
            for name, part in (("train", parts["train"]), ("validation", held["train"]), ("test", held["test"])):
                part.to_parquet(str(tmp / "peer" / f"{name}.parquet"))
            return ds.num_rows

        t_peer, n_peer = timed(peer)
        n = sum(res.rows.values())
        assert n == n_peer == args.docs, (n, n_peer)
        print(f"{args.docs:,} documents, {mb:.1f} MB of corpus Parquet, 2 CPU cores shared\n")
        print(f"| step | seconds | docs/s | vs datasets export |")
        print(f"|---|---:|---:|---:|")
        print(f"| datasets: from_parquet + split + to_parquet (peer) | {t_peer:.2f} | {n / t_peer:,.0f} | 1.00x |")
        for name, t in (("khlang export (split, shards, data card, MANIFEST)", t_export),
                        ("khlang verify (sha256 + rows of every file)", t_verify),
                        ("khlang import (verify + merge as a run)", t_import),
                        ("khlang report (HTML, 9 charts)", t_report)):
            ratio = f"{t_peer / t:.2f}x" if name.startswith("khlang export") else "(different work)"
            print(f"| {name} | {t:.2f} | {n / t:,.0f} | {ratio} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
